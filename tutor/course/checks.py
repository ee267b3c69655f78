"""The numbers of a lesson are sane: one engine run of its graph, with every problem located at its graph line.

Before any array is built the shapes and sizes of every line are worked out (:mod:`tutor.engine.shapes`); then one
run. Unknown shapes, NaN or infinite values, an output that is not a scalar, gradients that are not finite, and a
delta that underflows to exactly 0 through a saturated op (the op table's ``Op.underflows``) are errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from tutor.engine import EvalError, Program, Trace, build, leaf, op_of, run
from tutor.engine.shapes import program_shapes
from tutor.lang.syntax import walk

#: the argument beyond which a smooth op whose derivative underflows (the op table's Op.underflows) counts
SATURATION_ARG = 30.0


#: reports a problem about a node or input (None: the graph as a whole), with the column in the node's expression
Report = Callable[[str | None, str, int | None], None]


def run_checked(program: Program, values: Mapping[str, np.ndarray], report: Report) -> Trace | None:
    """One run of the graph, or None after reporting why it cannot be computed or gives numbers it should not."""
    try:
        program_shapes(program, {name: v.shape for name, v in values.items()})  # every line's shape, before any array
        trace = run(program, values)
    except EvalError as e:
        if e.node in program.nodes:
            report(e.node, f"graph: in {e.node}: {e.message}", e.pos)
        else:
            report(None, f"graph: {e.message}", None)
        return None
    problem = number_problem(program, trace)
    if problem is not None:
        report(problem[0], problem[1], None)
        return None
    return trace


def number_problem(program: Program, trace: Trace) -> tuple[str | None, str] | None:
    """The first problem of a run's numbers, as (the node or input it is about, message), or None."""
    for name in program.nodes:
        v = trace.values[name]
        if not np.all(np.isfinite(v)):
            bad = "NaN" if np.any(np.isnan(v)) else "infinite"
            return name, f"{name} is {bad} at the lesson's values (overflow, log of 0 or a division by 0?)"
    out = program.output
    if np.size(trace.values[out]) != 1:
        shape = "×".join(map(str, np.shape(trace.values[out])))
        message = f"the last line is the output (the loss) and must be a scalar; {out} has shape {shape}: "
        return out, message + "wrap it in sum() or mean()"
    for name in (*program.nodes, *program.inputs):
        if not np.all(np.isfinite(trace.grads[name])):
            return name, f"the gradient of {out} with respect to {name} is not finite (NaN or overflow)"
    found = underflow(program, trace)
    if found is None:
        return None
    node, wrt, text = found
    return node, (
        f"the gradient of {out} with respect to {wrt} underflows to 0 at {text}: its derivative is too small for "
        "floating point at these values; move the values so that the argument stays within about ±20"
    )


def underflow(program: Program, trace: Trace) -> tuple[str, str, str] | None:
    """Where an input's delta underflows to exactly 0: (node, its input, the node's line), or None.

    Only smooth saturating ops count (a relu's 0 is real, and the linter warns about it); the node named is the
    one nearest the output whose local derivative underflowed.
    """
    reach = program.reaching_output()
    dead = {n for n in (*program.inputs, *program.nodes) if n in reach and not np.any(trace.grads[n])}
    if not any(n in dead for n in program.inputs):
        return None
    for a in reversed(program.assignments):
        if a.name not in reach or a.name in dead:
            continue
        for u in a.inputs:
            if u not in dead:
                continue
            env = {n: leaf(trace.values[n]) for n in a.inputs}
            saturated = any(
                np.max(np.abs(build(app.operands[0], env).value)) > SATURATION_ARG
                for app in map(op_of, walk(a.expr))
                if app is not None and app.op.underflows
            )
            if saturated:
                return a.name, u, a.text
    return None
