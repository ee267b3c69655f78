"""The typical wrong answers of a step, computed from the graph and the op table, each with its lesson.

Nothing here is written per lesson. For ``grad: v`` the engine's delta is the sum, over the nodes
``c`` that use ``v``, of ``c``'s line back-propagated from ``∂L/∂c``; the mistakes are that sum with
one piece changed: the upstream delta or the local factor dropped, one path of a fan-out alone, the
gradient of a broadcast input left unsummed, or one op's derivative replaced by one of its slips from
the op table (``Op.slips``; and for ops with ``Op.local_out``, the derivative taken at the input
instead of through the output: σ'(z) as z(1 − z)). Lines are rebuilt and pulled back by the engine's own
:func:`~tutor.engine.line_graph` and :func:`~tutor.engine.backward`. Every step also gets the sign-flipped and the
transposed answer. A forward value's mistakes are an input of its line given as the answer and an operand of its
op forgotten (``Op.forgotten``); a local derivative's, an op's slip, the delta instead, and 1. Which of these apply
is the step kind's ``graph_mistakes``; a kind may add its own (``StepKind.mistakes``). Each candidate also names its
slip for authors: the linter warns when a lesson's numbers let one pass. Factors (N, powers) are checked by ratio in
:mod:`tutor.grading.grader`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tutor.course.model import Lesson, Step
from tutor.course.solution import Solution
from tutor.course.steps import GRAD, KINDS, Candidate
from tutor.engine import (
    Application,
    Assignment,
    EvalError,
    LineGraph,
    Program,
    backward,
    build,
    fmt_shape,
    leaf,
    line_graph,
    local_problem,
    op_of,
)
from tutor.engine.autograd import Fact
from tutor.engine.node import Node
from tutor.engine.ops import VJP, Op, Slip
from tutor.grading.points import Point
from tutor.lang.pretty import format_number, to_text
from tutor.lang.syntax import Call, Expr, Name, Num, names_in, walk

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


def _line(sol: Solution, node: str) -> LineGraph:
    """The line of ``node`` rebuilt alone at the run's values, once per run (the steps' mistakes share it)."""
    line = sol.lines.get(node)
    if line is None:
        line = sol.lines[node] = line_graph(sol.lesson.program, sol.trace.values, node)
    return line


def _local_derivative(sol: Solution, node: str, wrt: str) -> np.ndarray:
    """:func:`~tutor.engine.local_derivative` through the run's shared line (the caller has checked that
    ``local_problem`` is None)."""
    line = _line(sol, node)
    x = line.inputs[wrt]
    return backward(line.root).get(id(x), np.zeros_like(x.value)).reshape(np.shape(sol.trace.values[wrt]))


# ---------------------------------------------------------------- texts


def _wrapped(e: Expr) -> str:
    s = to_text(e)
    return s if isinstance(e, Name | Num | Call) else f"({s})"


def _fmt(template: str, expr: Expr, out: str, node: Node | None = None, wrt: str = "") -> str:
    """An op's text (``local``, a slip's message) with the operands of ``expr`` and the output's name; with the
    op's ``node``, ``{at0}``, ``{at1}`` ... say where to evaluate (``y = 7``); ``{wrt}`` names the operand
    differentiated by when it is one of them (``x, the factor you differentiate by``)."""
    app = op_of(expr)
    assert app is not None
    direct = any(isinstance(x, Name) and x.id == wrt for x in app.operands)
    at = {"wrt": f"{wrt}, the factor you differentiate by" if direct else "the factor you differentiate by"}
    if node is not None:
        for i, (operand, parent) in enumerate(zip(app.operands, node.parents, strict=False)):
            shown = to_text(operand)
            at[f"at{i}"] = f"{shown} = {_number(parent.value)}" if np.size(parent.value) == 1 else f"its value, {shown}"
    return template.format(*(_wrapped(a) for a in app.operands), out=out, **at)


def _number(x: np.ndarray) -> str:
    """A one-entry array as a number in maths: ``7``, ``−1.25``."""
    return format_number(float(np.reshape(x, -1)[0])).replace("-", "−")


def _sentence(text: str) -> str:
    """Text as a sentence: a capital (an ASCII letter only: σ stays σ) and a full stop."""
    first = text[0].upper() if text[0].isascii() else text[0]
    return first + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _number_of(text: str) -> float | None:
    """The number a formula's text is (``2``, ``−1``), or None when it has names."""
    try:
        return float(text.replace("−", "-"))
    except ValueError:
        return None


def _equals(local: str) -> str:
    """`` = A1(1 − A1)`` after a derivative's symbol, or nothing when the formula is only that symbol again."""
    return "" if local.startswith("∂") else f" = {local}"


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
    """What a step asks for, in maths (its kind's ``describe``): ``y``, ``∂L/∂y``, ``the Jacobian ∂S/∂X``."""
    return step.kind.describe(lesson, step)


def _short(lesson: Lesson, step: Step) -> str:
    """What a step asks for, in a sentence's shortest form: ``dy`` for a delta, else as :func:`describe` says."""
    return f"d{step.node}" if step.kind is GRAD else describe(lesson, step)


def candidates(point: Point, step: Step) -> list[Candidate]:
    """The computed wrong answers of ``step`` at ``point`` (cached on the point)."""
    hit = point.cache.get(step.id)
    if hit is None:
        hit = candidates_of(point.solution, step)
        point.cache[step.id] = hit
    return hit  # type: ignore[return-value]


def candidates_of(sol: Solution, step: Step, texts: bool = True) -> list[Candidate]:
    """The computed wrong answers of ``step`` in one solved run: the sign flipped and the transpose (every kind),
    the mistakes computed from the graph that the step's kind names, and the kind's own. Without ``texts`` the
    graph's mistakes come with empty messages and slip names (the same values, keys and order): the linter's
    values-only path, which names only the few that coincide. A step answered in words (a Fact) has none."""
    lesson = sol.lesson
    expected = sol.answer(step)
    if isinstance(expected, Fact):  # a word (None, True, a grad_fn's name): no sign, transpose or slip to compute
        return []
    what = _short(lesson, step) if texts else ""  # dy for a delta: "that is −dy", "the transpose of dW"
    found = [
        Candidate(
            "sign",
            "sign",
            -expected,
            f"The sign is flipped: that is −{what}; check each minus sign on the way.",
            "slips a sign (gives −x)",
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
                f"transposes it (gives the transpose of {what})",
            )
        )
    for family in step.kind.graph_mistakes:
        found += GRAPH_MISTAKES[family](lesson, sol, step, texts)
    if step.kind.mistakes is not None:
        found += step.kind.mistakes(lesson, sol.trace, step)
    return found


def _value_mistakes(lesson: Lesson, sol: Solution, step: Step, texts: bool = True) -> list[Candidate]:
    """A forward value: an input of the line given as the answer, the line left unapplied, an operand forgotten."""
    a = lesson.program.assignment(step.node)
    e = a.expr
    values = sol.trace.values
    if isinstance(e, Call) and len(e.args) == 1 and isinstance(e.args[0], Name):
        arg = e.args[0].id
        found = [
            Candidate(
                "before-op",
                "before-op",
                values[arg],
                f"That is {arg}, the input of {e.func}: {step.node} = {to_text(e)} still applies {e.func}.",
                f"forgets to apply {e.func} (gives {arg})",
            )
        ]
    else:
        found = [
            Candidate(
                f"before-op:{u}",
                "before-op",
                values[u],
                f"That is {u} itself, an input of the line {a.text}: work out the whole right-hand side.",
                f"gives {u} itself, an input of the line {a.text}",
            )
            for u in a.inputs
            if np.shape(values[u]) == np.shape(values[step.node])
        ]
    return found + _forgotten(a, values) + _misvalues(a, values, texts)


def _operand_values(app: Application, values: dict[str, np.ndarray]) -> list[np.ndarray] | None:
    """The values of an op's operands at the lesson's values, or None when one cannot be computed."""
    env = {k: leaf(v, k) for k, v in values.items()}
    try:
        with np.errstate(all="ignore"):
            return [build(x, env).value for x in app.operands]
    except EvalError:
        return None


def _forgotten(a: Assignment, values: dict[str, np.ndarray]) -> list[Candidate]:
    """The line's value with one operand of its op forgotten (the op table's ``Op.forgotten``): a term, a factor."""
    app = op_of(a.expr)
    args = _operand_values(app, values) if app is not None and app.op.forgotten else None
    if app is None or args is None:
        return []
    found = []
    for f in app.op.forgotten:
        operand = to_text(app.operands[f.operand])
        with np.errstate(all="ignore"):
            rest = np.asarray(f.rest(*args), dtype=float)
        try:
            rest = np.broadcast_to(rest, np.shape(values[a.name])).copy()
        except ValueError:
            pass  # a shape the line cannot have: compared as it is
        found.append(
            Candidate(
                f"forgotten:{f.operand}",
                "forgotten",
                rest,
                f"That leaves out the {f.word} {operand}: {a.text} has it too.",
                f"forgets the {f.word} {operand}",
            )
        )
    return found


def _misvalues(a: Assignment, values: dict[str, np.ndarray], texts: bool = True) -> list[Candidate]:
    """The typical wrong values of the line's op (``Op.misvalues``): the power left out, the other branch of a loss."""
    app = op_of(a.expr)
    args = _operand_values(app, values) if app is not None and app.op.misvalues else None
    if app is None or args is None:
        return []
    found = []
    for m in app.op.misvalues:
        with np.errstate(all="ignore"):
            value = np.asarray(m.forward(*args), dtype=float)
        if not texts:
            found.append(Candidate(m.id, m.diagnosis, value, "", ""))
            continue
        message = _sentence(_fmt(m.message, a.expr, a.name))
        formula = _sentence(_fmt(m.formula, a.expr, a.name)) if m.formula else ""
        said = m.slip or m.message.split(":")[0].replace("that ", "", 1)
        slip = said.format(*(to_text(x) for x in app.operands), out=a.name)
        found.append(Candidate(m.id, m.diagnosis, value, message, slip, formula=formula))
    return found


#: writes a slip's message and its formula: from the op's expression, its output's name, its node and the name
#: differentiated by
Say = Callable[[Expr, str, Node, str], tuple[str, str]]
Name_it = Callable[[Expr, str], str]


def _slips(op: Op) -> list[tuple[str, str, VJP, Say, Name_it]]:
    """An op's typical wrong VJPs: (id, diagnosis, VJP, a function that writes the message, one that names the
    slip for authors)."""
    out: list[tuple[str, str, VJP, Say, Name_it]] = []
    if op.local_out:

        def from_input(g: np.ndarray, ans: np.ndarray, *args: np.ndarray, _op: Op = op) -> tuple[np.ndarray, ...]:
            return _op.vjp(g, args[0], *args)

        def say(expr: Expr, name: str, node: Node, wrt: str, _op: Op = op) -> tuple[str, str]:
            a = _fmt("{0}", expr, name)
            wrong = _op.local_out.format(out=a)
            right = _fmt(_op.local[0], expr, name)
            through = _op.local_out.format(out=name)
            return (
                f"You took the local derivative at the input {a}, as {wrong}: the formula is written with the output "
                f"{name}, not the input.",
                f"It is {right} = {through}.",
            )

        def name_it(expr: Expr, name: str, _op: Op = op) -> str:
            a = _fmt("{0}", expr, name)
            return f"takes the derivative of {name} at its input {a}, as {_op.local_out.format(out=a)}"

        out.append(("from-input", "from-input", from_input, say, name_it))
    for slip in op.slips:

        def say_slip(expr: Expr, name: str, node: Node, wrt: str, _slip: Slip = slip) -> tuple[str, str]:
            text = _fmt(_slip.message, expr, name, node, wrt)
            message = f"{_slip.rule}: {text}." if _slip.rule else _sentence(text)
            return message, _sentence(_fmt(_slip.formula, expr, name, node, wrt)) if _slip.formula else ""

        def name_slip(expr: Expr, name: str, _rule: str = slip.rule, _id: str = slip.id) -> str:
            which = _id.replace("-", " ")  # several slips may break one rule: "power not down", "exponent only"
            return f"slips on the {_rule.lower()} at {name} ({which})" if _rule else f"slips on {name} ({which})"

        out.append((slip.id, slip.diagnosis, slip.vjp, say_slip, name_slip))
    return out


def _slip_candidates(
    line: LineGraph, name: str, seed: np.ndarray, wrt: str, key: str, texts: bool = True
) -> list[Candidate]:
    """Every op of a line with one of its slips in place of its VJP: ``seed`` pulled back to ``wrt``."""
    found = []
    for i, (node, expr) in enumerate(line.applications):
        label = name if node is line.root or not texts else to_text(expr)
        assert node.op is not None
        app = op_of(expr)
        constant = node.op.product and app is not None and any(isinstance(x, Num) for x in app.operands)
        own = {x.id for x in node.op.slips}
        for slip_id, diagnosis, vjp, say, name_it in _slips(node.op):
            if constant and slip_id in own:
                continue  # a product's slips swap its factors: with a number for one, that is the input's value
            value, _ = _pull(line, seed, wrt, {id(node): vjp})
            if not texts:
                found.append(Candidate(f"{slip_id}:{key}{i}", diagnosis, value, "", ""))
                continue
            message, formula = say(expr, label, node, wrt)
            found.append(Candidate(f"{slip_id}:{key}{i}", diagnosis, value, message, name_it(expr, label), formula))
    return found


def _local_mistakes(lesson: Lesson, sol: Solution, step: Step, texts: bool = True) -> list[Candidate]:
    """A local derivative: an op's slip, the delta given instead, 1 as if the node moved one for one."""
    assert step.wrt is not None
    tr = sol.trace
    line = _line(sol, step.node)
    shape = line.inputs[step.wrt].value.shape
    found = _local_readings(sol, step.node, step.wrt)
    found += _slip_candidates(line, step.node, np.ones(line.root.value.shape), step.wrt, "", texts)
    found.append(
        Candidate(
            "delta-for-local",
            "delta-for-local",
            tr.grads.get(step.wrt, np.zeros(shape)),
            f"That is the delta d{step.wrt} = ∂{lesson.output}/∂{step.wrt}; this step asks only for the local "
            f"derivative ∂{step.node}/∂{step.wrt}, with the other inputs held fixed.",
            f"gives the delta ∂{lesson.output}/∂{step.wrt} instead",
        )
    )
    line_text = lesson.program.assignment(step.node).text
    found.append(
        Candidate(
            "one-for-one",
            "one-for-one",
            np.ones(shape),
            f"That is 1, as if {step.node} moved one for one with {step.wrt}: differentiate {line_text} "
            f"with respect to {step.wrt}.",
            f"answers 1 without differentiating {line_text}",
        )
    )
    return found


def _local_readings(sol: Solution, node: str, wrt: str) -> list[Candidate]:
    """A local derivative taken by another input of the line, or the input's own value typed for the slope."""
    program, values = sol.lesson.program, sol.trace.values
    found = []
    for other in program.assignment(node).inputs:
        if other != wrt and np.shape(values[other]) == np.shape(values[wrt]):
            if local_problem(program, values, node, other) is None:
                found.append(
                    Candidate(
                        f"wrong-input:{other}",
                        "wrong-input",
                        _local_derivative(sol, node, other),
                        f"That is ∂{node}/∂{other}, the derivative by {other}: this step moves {wrt} and holds "
                        f"{other} fixed.",
                        f"differentiates by {other} instead of {wrt}",
                    )
                )
    x = values[wrt]
    constant = _number_of(local_text(program, node, wrt))
    if constant is not None and np.allclose(x, constant):
        return found  # the slope is that number whatever the values: typing it is right, not a mistake
    shown = f", {_number(x)}" if np.size(x) == 1 else ""
    found.append(
        Candidate(
            "input-for-slope",
            "input-for-slope",
            np.asarray(x, dtype=float),
            f"That is the value of {wrt}{shown}, not a slope: ∂{node}/∂{wrt} says how fast {node} changes as {wrt} "
            f"moves; differentiate the line {program.assignment(node).text} by {wrt}.",
            f"gives the value of {wrt} for the slope",
        )
    )
    return found


def _grad_mistakes(lesson: Lesson, sol: Solution, step: Step, texts: bool = True) -> list[Candidate]:
    """A delta: the batch unsummed, one path of a fan-out, the upstream or the local factor left out, an op's slip."""
    program = lesson.program
    tr = sol.trace
    values, grads = tr.values, tr.grads
    v, out = step.node, lesson.output
    if v == out:
        return []  # ∂L/∂L = 1 by definition
    shape = np.shape(values[v])
    users = program.consumers(v)
    found: list[Candidate] = []
    parts: dict[str, np.ndarray] = {}
    lines: dict[str, LineGraph] = {}
    for c in users:
        lines[c] = _line(sol, c)
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
                    "leaves the gradient unsummed over the batch",
                )
            )
    if len(users) >= 2:
        terms = " + ".join(f"d{c}·∂{c}/∂{v}" for c in users)
        product = np.prod(np.stack([np.broadcast_to(parts[c], shape) for c in users]), axis=0)
        found.append(
            Candidate(
                "fan-out-product",
                "fan-out-product",
                product,
                f"That multiplies the contributions of the paths through {' and '.join(users)}: at a fan-out they add.",
                "multiplies the paths' contributions instead of adding them",
                formula=f"d{v} = {terms}.",
            )
        )
        for c in users:
            others = ", ".join(u for u in users if u != c)
            found.append(
                Candidate(
                    f"fan-out:{c}",
                    "fan-out",
                    parts[c],
                    f"That is only the path through {c}: {v} also feeds {others}, and at a fan-out the "
                    "contributions add.",
                    f"takes only the path through {c} (forgets to add the path through {others})",
                    formula=f"d{v} = {terms}.",
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
                    _local_derivative(sol, c, v),
                    f"That is the local derivative ∂{c}/∂{v}{_equals(local)} alone: you left out the upstream "
                    f"delta d{c} = ∂{out}/∂{c}.",
                    f"forgets the upstream delta ∂{out}/∂{c} (gives the local derivative ∂{c}/∂{v} alone)",
                )
            )
        found.append(
            Candidate(
                "local-forgotten",
                "local-forgotten",
                grads[c],
                f"That is d{c} = ∂{out}/∂{c} alone, the upstream delta: you left out the local factor ∂{c}/∂{v}.",
                f"forgets the local factor ∂{c}/∂{v} (gives the upstream delta ∂{out}/∂{c} alone)",
                formula=f"∂{c}/∂{v} = {local}." if not local.startswith("∂") else "",
            )
        )
    for c in users:
        rest = sum((parts[u] for u in users if u != c), np.zeros(shape))
        for slip in _slip_candidates(lines[c], c, grads[c], v, f"{c}:", texts):
            found.append(Candidate(slip.key, slip.id, rest + slip.value, slip.message, slip.slip, slip.formula))
    return found + _slips_further_up(lesson, sol, step, set(users), texts)


def _slips_further_up(
    lesson: Lesson, sol: Solution, step: Step, users: set[str], texts: bool = True
) -> list[Candidate]:
    """A slip in the loss's own derivative (when the loss is not a direct user of the step's node), carried down by
    the whole backward pass: the squared error's delta used with a cross-entropy shows in dZ2 as
    (A2 − Y)·A2(1 − A2). (Slips in the lines between are left out: a learner writes those with the deltas earned.)"""
    tr = sol.trace
    if not tr.nodes or step.node not in tr.nodes:
        return []
    program, out = lesson.program, lesson.output
    reach = {step.node}
    found = []
    for a in program.assignments:
        if not reach & set(a.inputs):
            continue
        reach.add(a.name)
        root = tr.nodes[a.name]
        if a.name in users or a.name != out or root.op is None:
            continue  # only the loss's own line: a slip in its derivative is carried into every delta
        wrt = next(u for u in a.inputs if u in reach)
        for slip_id, diagnosis, vjp, say, name_it in _slips(root.op):
            key = f"{slip_id}:up:{a.name}"
            grads = sol.memo.get(key)  # the same whole backward pass for every step of this run
            if grads is None:
                grads = sol.memo[key] = backward(tr.nodes[out], None, {id(root): vjp})
            value = grads.get(id(tr.nodes[step.node]))
            if value is not None and not texts:
                found.append(Candidate(key, diagnosis, np.asarray(value), "", ""))
            elif value is not None:
                message, formula = say(a.expr, a.name, root, wrt)
                found.append(Candidate(key, diagnosis, np.asarray(value), message, name_it(a.expr, a.name), formula))
    return found


#: the mistakes computed from the graph, by the name a step kind gives them (``StepKind.graph_mistakes``)
GRAPH_MISTAKES: dict[str, Callable[[Lesson, Solution, Step, bool], list[Candidate]]] = {
    "forward": _value_mistakes,
    "local": _local_mistakes,
    "chain": _grad_mistakes,
}
_unknown = {f"{k.name}: {f}" for k in KINDS for f in k.graph_mistakes if f not in GRAPH_MISTAKES}
if _unknown:  # a kind that names mistakes nobody computes is a loud error, at import
    raise ValueError(f"step kinds name mistakes the grader does not compute: {', '.join(sorted(_unknown))}")


# ---------------------------------------------------------------- factors


def batch_sizes(lesson: Lesson) -> list[int]:
    """The numbers of samples: rows of the 2-D constants (the data) with more than one row."""
    sizes = {int(np.shape(x)[0]) for x in lesson.constants.values() if np.ndim(x) == 2 and np.shape(x)[0] > 1}
    return sorted(sizes)


def exponents(lesson: Lesson, step: Step) -> list[float]:
    """Constant exponents of powers between the step's node and the output (and in the step's own line).

    None for a forward value: the power rule is about derivatives.
    """
    if not step.kind.derivative:
        return []
    program = lesson.program
    nodes = {step.node}
    for a in program.assignments:  # in order: everything fed by the step's node
        if nodes & set(a.inputs):
            nodes.add(a.name)
    found = []
    for a in program.assignments:
        if a.name not in nodes or (a.name == step.node and step.kind.derivative != "line"):
            continue
        for e in walk(a.expr):
            app = op_of(e)
            factor = None if app is None or app.op.factor is None else app.operands[app.op.factor]
            if isinstance(factor, Num) and factor.value not in (0, 1):
                found.append(factor.value)
    return found
