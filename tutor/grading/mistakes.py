"""The typical wrong answers of a step, computed from the graph and the op table, each with its lesson.

Nothing here is written per lesson. For ``grad: v`` the engine's delta is the sum, over the nodes
``c`` that use ``v``, of ``c``'s line back-propagated from ``∂L/∂c``; the mistakes are that sum with
one piece changed: the upstream delta or the local factor dropped, one path of a fan-out alone, the
gradient of a broadcast input left unsummed, or one op's derivative replaced by one of its slips from
the op table (``Op.slips``; and for ops with ``Op.local_out``, the derivative taken at the input
instead of through the output: σ'(z) as z(1 − z)). Lines are rebuilt and pulled back by the engine's own
:func:`~tutor.engine.line_graph` and :func:`~tutor.engine.backward`. Every step also gets the sign-flipped and the
transposed answer. Factors (N, powers) are checked by ratio in :mod:`tutor.grading.grader`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.course.model import Lesson, Step
from tutor.engine import (
    LineGraph,
    Program,
    backward,
    fmt_shape,
    line_graph,
    local_derivative,
    local_problem,
    op_of,
)
from tutor.engine.ops import VJP, Op
from tutor.grading.points import Point
from tutor.lang.pretty import to_text
from tutor.lang.syntax import Call, Expr, Name, Num, names_in, walk


@dataclass(frozen=True)
class Candidate:
    """One computed wrong answer: ``key`` is the same at every point, ``id`` names the diagnosis."""

    key: str
    id: str
    value: np.ndarray
    message: str


# ---------------------------------------------------------------- one line of the graph, op by op


def _pull(
    line: LineGraph, seed: np.ndarray, wrt: str, override: dict[int, VJP] | None = None
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``seed`` pulled back through one line to its input ``wrt`` (shaped like it), with some VJPs replaced;
    also the parts that reached ``wrt`` before broadcasting was undone."""
    x = line.inputs[wrt]
    raw: list[np.ndarray] = []
    grads = backward(line.root, seed, override, lambda parent, part: raw.append(part) if parent is x else None)
    return grads.get(id(x), np.zeros(x.value.shape)).reshape(x.value.shape), raw


# ---------------------------------------------------------------- texts


def _wrapped(e: Expr) -> str:
    s = to_text(e)
    return s if isinstance(e, Name | Num | Call) else f"({s})"


def _fmt(template: str, expr: Expr, out: str) -> str:
    """An op's text (``local``, a slip's message) with the operands of ``expr`` and the output's name."""
    app = op_of(expr)
    assert app is not None
    return template.format(*(_wrapped(a) for a in app.operands), out=out)


def local_text(program: Program, node: str, wrt: str) -> str:
    """The local derivative ∂node/∂wrt as a formula when the op table gives one, e.g. ``A1(1 − A1)``."""
    e = program.assignment(node).expr
    fallback = f"∂{node}/∂{wrt}"
    app = op_of(e)
    if app is None:
        return fallback
    op, args = app.op, app.operands
    hits = [i for i, a in enumerate(args) if isinstance(a, Name) and a.id == wrt]
    if len(hits) != 1 or any(wrt in names_in(a) for i, a in enumerate(args) if i != hits[0]):
        return fallback
    if op.local_out:
        return op.local_out.format(out=node)
    text = op.local[hits[0]]
    if text.startswith("("):  # "(Jacobian: ...)": no short formula
        return fallback
    return text.format(*(_wrapped(a) for a in args), out=node)


# ---------------------------------------------------------------- the candidates of a step


def describe(lesson: Lesson, step: Step) -> str:
    """What a step asks for, in maths: ``y``, ``∂L/∂y``, ``∂L/∂y`` (local), ``the Jacobian ∂S/∂X``."""
    return {
        "value": f"{step.node}",
        "grad": f"∂{lesson.output}/∂{step.node}",
        "local": f"∂{step.node}/∂{step.wrt}",
        "jacobian": f"the Jacobian ∂{step.node}/∂{step.wrt}",
    }[step.kind]


def candidates(point: Point, step: Step) -> list[Candidate]:
    """The computed wrong answers of ``step`` at ``point`` (cached on the point)."""
    hit = point.cache.get(step.id)
    if hit is None:
        hit = _candidates(point.solution.lesson, point, step)
        point.cache[step.id] = hit
    return hit  # type: ignore[return-value]


def _candidates(lesson: Lesson, point: Point, step: Step) -> list[Candidate]:
    sol = point.solution
    expected = sol.answer(step)
    out = lesson.output
    what = describe(lesson, step)
    found = [
        Candidate(
            "sign",
            "sign",
            -expected,
            f"The sign is flipped: that is −{what}; check each minus sign on the way.",
        )
    ]
    if expected.ndim == 2:
        found.append(
            Candidate(
                "transposed",
                "transposed",
                expected.T,
                f"That is the transpose of {what}, which has shape {fmt_shape(expected.shape)}: "
                "check the order of the factors and which one carries the ᵀ.",
            )
        )
    if step.kind == "value":
        found += _value_mistakes(lesson, point, step)
    elif step.kind == "local":
        found += _local_mistakes(lesson, point, step)
    elif step.kind == "grad" and step.node != out:
        found += _grad_mistakes(lesson, point, step)
    return found


def _value_mistakes(lesson: Lesson, point: Point, step: Step) -> list[Candidate]:
    """A forward value: an input of the line given as the answer, the line left unapplied."""
    a = lesson.program.assignment(step.node)
    e = a.expr
    values = point.solution.trace.values
    if isinstance(e, Call) and len(e.args) == 1 and isinstance(e.args[0], Name):
        arg = e.args[0].id
        return [
            Candidate(
                "before-op",
                "before-op",
                values[arg],
                f"That is {arg}, the input of {e.func}: {step.node} = {to_text(e)} still applies {e.func}.",
            )
        ]
    return [
        Candidate(
            f"before-op:{u}",
            "before-op",
            values[u],
            f"That is {u} itself, an input of the line {a.text}: work out the whole right-hand side.",
        )
        for u in a.inputs
        if np.shape(values[u]) == np.shape(values[step.node])
    ]


def _slips(op: Op) -> list[tuple[str, str, VJP, Callable[[Expr, str], str]]]:
    """An op's typical wrong VJPs: (id, diagnosis, VJP, a function that writes the message)."""
    out: list[tuple[str, str, VJP, Callable[[Expr, str], str]]] = []
    if op.local_out:

        def from_input(g: np.ndarray, ans: np.ndarray, *args: np.ndarray, _op: Op = op) -> tuple[np.ndarray, ...]:
            return _op.vjp(g, args[0], *args)

        def say(expr: Expr, name: str, _op: Op = op) -> str:
            a = _fmt("{0}", expr, name)
            wrong = _op.local_out.format(out=a)
            right = _fmt(_op.local[0], expr, name)
            through = _op.local_out.format(out=name)
            return (
                f"You took the local derivative at the input {a}, as {wrong}: it is {right} = {through}, "
                f"written with the output {name}."
            )

        out.append(("from-input", "from-input", from_input, say))
    for slip in op.slips:

        def say_slip(expr: Expr, name: str, _m: str = slip.message, _rule: str = slip.rule) -> str:
            text = _fmt(_m, expr, name)
            return f"{_rule}: {text}." if _rule else text[0].upper() + text[1:] + "."

        out.append((slip.id, slip.diagnosis, slip.vjp, say_slip))
    return out


def _slip_candidates(line: LineGraph, name: str, seed: np.ndarray, wrt: str, key: str) -> list[Candidate]:
    """Every op of a line with one of its slips in place of its VJP: ``seed`` pulled back to ``wrt``."""
    found = []
    for i, (node, expr) in enumerate(line.applications):
        label = name if node is line.root else to_text(expr)
        assert node.op is not None
        for slip_id, diagnosis, vjp, say in _slips(node.op):
            value, _ = _pull(line, seed, wrt, {id(node): vjp})
            found.append(Candidate(f"{slip_id}:{key}{i}", diagnosis, value, say(expr, label)))
    return found


def _local_mistakes(lesson: Lesson, point: Point, step: Step) -> list[Candidate]:
    assert step.wrt is not None
    tr = point.solution.trace
    line = line_graph(lesson.program, tr.values, step.node)
    shape = line.inputs[step.wrt].value.shape
    found = _slip_candidates(line, step.node, np.ones(line.root.value.shape), step.wrt, "")
    found.append(
        Candidate(
            "delta-for-local",
            "delta-for-local",
            tr.grads.get(step.wrt, np.zeros(shape)),
            f"That is the delta ∂{lesson.output}/∂{step.wrt}; this step asks only for the local derivative "
            f"∂{step.node}/∂{step.wrt}, with the other inputs held fixed.",
        )
    )
    return found


def _grad_mistakes(lesson: Lesson, point: Point, step: Step) -> list[Candidate]:
    program = lesson.program
    tr = point.solution.trace
    values, grads = tr.values, tr.grads
    v, out = step.node, lesson.output
    shape = np.shape(values[v])
    users = program.consumers(v)
    found: list[Candidate] = []
    parts: dict[str, np.ndarray] = {}
    lines: dict[str, LineGraph] = {}
    for c in users:
        lines[c] = line_graph(program, values, c)
        parts[c], raw = _pull(lines[c], grads[c], v)
        if len(raw) == 1 and raw[0].size > int(np.prod(shape)):
            rows = raw[0].shape[0] if raw[0].ndim else 1
            found.append(
                Candidate(
                    f"unsummed:{c}",
                    "unsummed",
                    raw[0],
                    f"That is the gradient for each sample separately ({fmt_shape(raw[0].shape)}): {v} is shared "
                    f"by all {rows} rows of {c}, so add them up over the batch (sum(…, 0)), giving shape "
                    f"{fmt_shape(shape)}.",
                )
            )
    if len(users) >= 2:
        terms = " + ".join(f"∂{out}/∂{c}·∂{c}/∂{v}" for c in users)
        for c in users:
            others = ", ".join(u for u in users if u != c)
            found.append(
                Candidate(
                    f"fan-out:{c}",
                    "fan-out",
                    parts[c],
                    f"That is only the path through {c}: {v} also feeds {others}, and at a fan-out the "
                    f"contributions add: ∂{out}/∂{v} = {terms}.",
                )
            )
    if len(users) == 1 and users[0] != out:
        c = users[0]
        local = local_text(program, c, v)
        if local_problem(program, values, c, v) is None:
            found.append(
                Candidate(
                    "upstream-forgotten",
                    "upstream-forgotten",
                    local_derivative(program, values, c, v),
                    f"That is the local derivative ∂{c}/∂{v} = {local} alone: you left out the upstream "
                    f"factor ∂{out}/∂{c}, the delta of {c}.",
                )
            )
        found.append(
            Candidate(
                "local-forgotten",
                "local-forgotten",
                grads[c],
                f"That is ∂{out}/∂{c} alone: you left out the local factor ∂{c}/∂{v}"
                + (f" = {local}." if not local.startswith("∂") else "."),
            )
        )
    for c in users:
        rest = sum((parts[u] for u in users if u != c), np.zeros(shape))
        for slip in _slip_candidates(lines[c], c, grads[c], v, f"{c}:"):
            found.append(Candidate(slip.key, slip.id, rest + slip.value, slip.message))
    return found


# ---------------------------------------------------------------- factors


def batch_sizes(lesson: Lesson) -> list[int]:
    """The numbers of samples: rows of the 2-D constants (the data) with more than one row."""
    sizes = {int(np.shape(x)[0]) for x in lesson.constants.values() if np.ndim(x) == 2 and np.shape(x)[0] > 1}
    return sorted(sizes)


def exponents(lesson: Lesson, step: Step) -> list[float]:
    """Constant exponents of powers between the step's node and the output (and in the step's own line).

    None for a forward value: the power rule is about derivatives.
    """
    if step.kind == "value":
        return []
    program = lesson.program
    nodes = {step.node}
    for a in program.assignments:  # in order: everything fed by the step's node
        if nodes & set(a.inputs):
            nodes.add(a.name)
    found = []
    for a in program.assignments:
        if a.name not in nodes or (a.name == step.node and step.kind != "local"):
            continue
        for e in walk(a.expr):
            app = op_of(e)
            factor = None if app is None or app.op.factor is None else app.operands[app.op.factor]
            if isinstance(factor, Num) and factor.value not in (0, 1):
                found.append(factor.value)
    return found
