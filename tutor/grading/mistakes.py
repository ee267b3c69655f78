"""The typical wrong answers of a step, computed from the graph and the op table, each with its lesson.

Nothing here is written per lesson. For ``grad: v`` the engine's delta is the sum, over the nodes
``c`` that use ``v``, of ``c``'s line back-propagated from ``∂L/∂c``; the mistakes are that sum with
one piece changed: the upstream delta or the local factor dropped, one path of a fan-out alone, the
gradient of a broadcast input left unsummed, or one op's derivative replaced by one of its slips from
the op table (``Op.slips``; and for ops with ``Op.local_out``, the derivative taken at the input
instead of through the output: σ'(z) as z(1 − z)). Every step also gets the sign-flipped and the
transposed answer. Factors (N, powers) are checked by ratio in :mod:`tutor.grading.grader`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tutor.course.model import Lesson, Step
from tutor.engine import Program, build, fmt_shape, leaf, local_derivative, local_problem
from tutor.engine.node import Node, topological, unbroadcast
from tutor.engine.ops import BINARY, OPS, VJP, Op
from tutor.grading.points import Point
from tutor.lang.pretty import to_text
from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary, names_in, walk


@dataclass(frozen=True)
class Candidate:
    """One computed wrong answer: ``key`` is the same at every point, ``id`` names the diagnosis."""

    key: str
    id: str
    value: np.ndarray
    message: str


# ---------------------------------------------------------------- one line of the graph, op by op


@dataclass
class Line:
    """One assignment rebuilt alone: its root, its inputs as fresh leaves, and each op node with its syntax."""

    root: Node
    inputs: dict[str, Node]
    ops: list[tuple[Node, Expr]]


def line(program: Program, values: dict[str, np.ndarray], node: str) -> Line:
    """Rebuild ``node``'s assignment on fresh leaves, keeping which syntax made each op node."""
    a = program.assignment(node)
    inputs = {n: leaf(values[n], n) for n in a.inputs}
    ops: list[tuple[Node, Expr]] = []

    def go(e: Expr) -> Node:
        if isinstance(e, Name):
            return inputs[e.id]
        if isinstance(e, Num | Literal):
            return build(e, {})
        kids: list[Expr]
        if isinstance(e, Unary):
            kids, shell = [e.operand], Unary(e.op, Name("_0"))
        elif isinstance(e, Transpose):
            kids, shell = [e.operand], Transpose(Name("_0"))
        elif isinstance(e, Binary):
            kids, shell = [e.left, e.right], Binary(e.op, Name("_0"), Name("_1"))
        else:
            assert isinstance(e, Call)
            kids = list(e.args)
            if len(kids) == 2 and e.func in ("sum", "mean"):
                kids, shell = [e.args[0]], Call(e.func, (Name("_0"), e.args[1]))
            else:
                shell = Call(e.func, tuple(Name(f"_{i}") for i in range(len(kids))))
        env = {f"_{i}": go(k) for i, k in enumerate(kids)}
        n = build(shell, env)
        ops.append((n, e))
        return n

    return Line(go(a.expr), inputs, ops)


def backprop(
    root: Node, seed: np.ndarray, override: dict[int, VJP] | None = None, capture: Node | None = None
) -> tuple[dict[int, np.ndarray], list[np.ndarray]]:
    """Gradients below ``root`` (as the engine's backward), with some nodes' VJPs replaced.

    Also returns the parts that reached ``capture`` before broadcasting was undone.
    """
    override = override or {}
    grads: dict[int, np.ndarray] = {id(root): np.broadcast_to(np.asarray(seed, dtype=float), root.value.shape)}
    raw: list[np.ndarray] = []
    with np.errstate(all="ignore"):
        for node in reversed(topological(root)):
            g = grads.get(id(node))
            if g is None or node.op is None:
                continue
            vjp = override.get(id(node), node.op.vjp)
            args = [p.value for p in node.parents]
            parts = vjp(g, node.value, *args, axis=node.axis) if node.op.takes_axis else vjp(g, node.value, *args)
            for parent, part in zip(node.parents, parts, strict=True):
                part = np.asarray(part, dtype=float)
                if capture is not None and parent is capture:
                    raw.append(part)
                part = unbroadcast(part, parent.value.shape)
                grads[id(parent)] = grads[id(parent)] + part if id(parent) in grads else part
    return grads, raw


# ---------------------------------------------------------------- texts


def _wrapped(e: Expr) -> str:
    s = to_text(e)
    return s if isinstance(e, Name | Num | Call) else f"({s})"


def _fmt(template: str, node: Node, expr: Expr, out: str) -> str:
    args: list[Expr]
    if isinstance(expr, Binary):
        args = [expr.left, expr.right]
    elif isinstance(expr, Unary | Transpose):
        args = [expr.operand]
    else:
        assert isinstance(expr, Call)
        args = list(expr.args)
    return template.format(*(_wrapped(a) for a in args), out=out)


def local_text(program: Program, node: str, wrt: str) -> str:
    """The local derivative ∂node/∂wrt as a formula when the op table gives one, e.g. ``A1(1 − A1)``."""
    e = program.assignment(node).expr
    fallback = f"∂{node}/∂{wrt}"
    if isinstance(e, Binary):
        op, args = OPS[BINARY[e.op]], [e.left, e.right]
    elif isinstance(e, Unary):
        op, args = OPS["neg"], [e.operand]
    elif isinstance(e, Call):
        op, args = OPS[e.func], list(e.args)
    else:
        return fallback
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


def _slips(op: Op) -> list[tuple[str, VJP, Callable[[Node, Expr, str], str]]]:
    """An op's typical wrong VJPs, each with a function that writes its message."""
    out: list[tuple[str, VJP, Callable[[Node, Expr, str], str]]] = []
    if op.local_out:

        def from_input(g: np.ndarray, ans: np.ndarray, *args: np.ndarray, _op: Op = op) -> tuple[np.ndarray, ...]:
            return _op.vjp(g, args[0], *args)

        def say(node: Node, expr: Expr, name: str, _op: Op = op) -> str:
            a = _fmt("{0}", node, expr, name)
            wrong = _op.local_out.format(out=a)
            right = _fmt(_op.local[0], node, expr, name)
            through = _op.local_out.format(out=name)
            return (
                f"You took the local derivative at the input {a}, as {wrong}: it is {right} = {through}, "
                f"written with the output {name}."
            )

        out.append(("from-input", from_input, say))
    for slip in op.slips:

        def say_slip(node: Node, expr: Expr, name: str, _m: str = slip.message, _id: str = slip.id) -> str:
            text = _fmt(_m, node, expr, name)
            return f"Power rule: {text}." if _id.startswith("power") else text[0].upper() + text[1:] + "."

        out.append((slip.id, slip.vjp, say_slip))
    return out


def _slip_id(slip_id: str) -> str:
    return "power" if slip_id.startswith("power") else slip_id


def _local_mistakes(lesson: Lesson, point: Point, step: Step) -> list[Candidate]:
    assert step.wrt is not None
    tr = point.solution.trace
    ln = line(lesson.program, tr.values, step.node)
    x = ln.inputs[step.wrt]
    found = []
    shape = x.value.shape
    for i, (node, expr) in enumerate(ln.ops):
        name = step.node if node is ln.root else to_text(expr)
        for slip_id, vjp, say in _slips(node.op):  # type: ignore[arg-type]
            g, _ = backprop(ln.root, np.ones(ln.root.value.shape), {id(node): vjp})
            value = g.get(id(x), np.zeros(shape)).reshape(shape)
            found.append(Candidate(f"{slip_id}:{i}", _slip_id(slip_id), value, say(node, expr, name)))
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
    lines: dict[str, Line] = {}
    for c in users:
        ln = lines[c] = line(program, values, c)
        g, raw = backprop(ln.root, grads[c], capture=ln.inputs[v])
        parts[c] = g.get(id(ln.inputs[v]), np.zeros(shape)).reshape(shape)
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
        ln = lines[c]
        rest = sum((parts[u] for u in users if u != c), np.zeros(shape))
        for i, (node, expr) in enumerate(ln.ops):
            name = c if node is ln.root else to_text(expr)
            for slip_id, vjp, say in _slips(node.op):  # type: ignore[arg-type]
                g, _ = backprop(ln.root, grads[c], {id(node): vjp})
                value = rest + g.get(id(ln.inputs[v]), np.zeros(shape)).reshape(shape)
                found.append(Candidate(f"{slip_id}:{c}:{i}", _slip_id(slip_id), value, say(node, expr, name)))
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
    return [
        e.right.value
        for a in program.assignments
        if a.name in nodes and not (a.name == step.node and step.kind != "local")
        for e in walk(a.expr)
        if isinstance(e, Binary) and e.op == "**" and isinstance(e.right, Num) and e.right.value not in (0, 1)
    ]
