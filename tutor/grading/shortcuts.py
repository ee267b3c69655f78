"""Answers that would pass without the learning the step asks for, each refused with what to do instead.

None of these counts as an attempt (the grader returns them as unreadable):

* **calculus notation**: ``dy/du``, ``dL/dy``, ``∂L/∂y``, ``d/dx``. In answers ``dy`` is the delta ∂L/∂y, so
  ``dy/du`` divides two deltas: it was once graded right by coincidence (both 1) and ``du/dx2`` got
  "1/9 times the right one". A ``/`` whose numerator ends in such a name and whose denominator starts
  with one is read as Leibniz notation and answered with what to type.
* **a name not known yet**: a formula may use every forward value, the deltas that lie upstream of the step
  (its node and the nodes between it and the output, computed before it in the backward pass) and the
  deltas of the steps already earned (solved or shown). Any other delta comes later (``db2`` for ``dZ2``).
  A forward-value step may not use the value of a node computed from it that the learner has not
  earned (``log(A1/(1 − A1))`` for Z1).
* **the step's own line**, for a forward value: the graph shows it, the step asks for its number. A formula
  *is the line* when it uses only the line's inputs, applies exactly the line's set of operations and is
  right at the lesson's values and at the random points (checked by the grader): ``sigmoid(Z1)``,
  ``σ(Z1)``, ``b1 + X @ W1``, ``(t - y)^2`` are the line; ``1/(1 + exp(-Z1))`` writes σ out and is the
  learner's own, as is the binary cross-entropy written out for ``bce(A2, T)``.
"""

from __future__ import annotations

from collections.abc import Mapping

from tutor.course.model import Lesson, Step
from tutor.engine import Program, op_of
from tutor.grading.formula import Meaning
from tutor.grading.mistakes import describe
from tutor.lang.syntax import Binary, Expr, Name, Unary, names_in, walk


def downstream(program: Program, node: str) -> set[str]:
    """``node`` and every node computed from it: the nodes between it and the output, whose deltas come first."""
    reach = {node}
    for a in program.assignments:
        if reach & set(a.inputs):
            reach.add(a.name)
    return reach


# ---------------------------------------------------------------- calculus notation


def calculus_notation(text: str, tree: Expr | None, names: Mapping[str, Meaning], lesson: Lesson, step: Step) -> str:
    """What to say when the answer is written as a derivative (``dy/du``, ``∂L/∂y``); "" when it is not."""
    what = _asked(lesson, step)
    node = step.node
    meaning = f"in answers d{node} means ∂{lesson.output}/∂{node}, the delta of {node}"
    if "∂" in text:
        return (
            f"∂ is calculus notation, which answers do not use: {meaning}. "
            f"Type {what} itself: a number, or a formula in the lesson's names."
        )
    ratio = None if tree is None else _ratio_of_deltas(tree, names, lesson)
    if ratio is None:
        return ""
    top, bottom = ratio
    said = f"{top}/{bottom}"
    if top == "d":
        return (
            f"{said} is calculus notation, which answers do not use: {meaning}. "
            f"Differentiate yourself and type {what}: a number, or a formula in the lesson's names."
        )
    return (
        f"{said} is calculus notation, which answers do not use: here {top} means ∂{lesson.output}/∂{top[1:]}, "
        f"the delta of {top[1:]}, so {said} would divide two deltas. "
        f"Type {what} itself: a number, or a formula in the lesson's names."
    )


def _asked(lesson: Lesson, step: Step) -> str:
    """What the step asks for, in maths."""
    return describe(lesson, step)


def _ratio_of_deltas(tree: Expr, names: Mapping[str, Meaning], lesson: Lesson) -> tuple[str, str] | None:
    """The first ``dA/dB`` as typed: a ``/`` with a derivative-like name on both sides of it."""
    found = []
    for e in walk(tree):
        if isinstance(e, Binary) and e.op == "/":
            top, bottom = _edge(e.left, right=True), _edge(e.right, right=False)
            if isinstance(top, Name) and isinstance(bottom, Name):
                if _looks_like_d(top.id, names, lesson) and _looks_like_d(bottom.id, names, lesson):
                    found.append((e.pos, top.id, bottom.id))
    return min(found)[1:] if found else None


def _edge(e: Expr, right: bool) -> Expr:
    """The leaf next to an operator: the rightmost of its left operand, or the leftmost of its right one."""
    while True:
        if isinstance(e, Binary):
            e = e.right if right else e.left
        elif isinstance(e, Unary) and right:
            e = e.operand
        else:
            return e


def _looks_like_d(name: str, names: Mapping[str, Meaning], lesson: Lesson) -> bool:
    """``d`` alone, a delta's name, or ``d`` before a lesson name that has no delta (``dt`` for a constant t)."""
    if name == "d":
        return True
    meaning = names.get(name)
    if meaning is not None:
        return meaning.kind == "grad"
    program = lesson.program
    return name.startswith("d") and name[1:] in (*program.inputs, *program.constants, *program.nodes)


# ---------------------------------------------------------------- names not known yet


def not_yet_known(
    tree: Expr, names: Mapping[str, Meaning], lesson: Lesson, step: Step, earned: frozenset[str]
) -> tuple[str, int] | None:
    """The message and column for the first name of the formula the learner cannot know yet, or None."""
    program = lesson.program
    ahead = downstream(program, step.node)
    steps = lesson.steps
    earned_grads = {s.node for s in steps if s.kind.marks == "grad" and s.id in earned}
    asked_values = {s.node: s.id for s in steps if s.kind.marks == "value"}
    forward = step.kind.marks == "value"  # a forward value: before every delta
    for e in walk(tree):
        if not isinstance(e, Name) or e.id not in names:
            continue
        m = names[e.id]
        if m.kind == "grad" and not _delta_known(m.of, lesson, ahead, earned_grads, forward):
            return _later_delta(e.id, lesson, step), e.pos
        if forward and m.kind == "value" and m.of != step.node and m.of in ahead:
            value_step = asked_values.get(m.of)
            if value_step is not None and value_step not in earned:
                return f"{e.id} comes after {step.node}: write {step.node} from the values it is computed from.", e.pos
    return None


def _delta_known(of: str, lesson: Lesson, ahead: set[str], earned: set[str], forward: bool) -> bool:
    """A delta is known at a step: the output's; one earned; one upstream of the step (not for a forward value)."""
    return of == lesson.output or of in earned or (not forward and of in ahead)


def _later_delta(name: str, lesson: Lesson, step: Step) -> str:
    """Why a delta cannot be used yet, and what to write instead."""
    if step.kind.own == "grad":
        return f"d{step.node} comes before {name}: write it from what you know."
    if step.kind.marks == "value":
        return (
            f"{name} is a delta of the backward pass, which comes after the forward values: "
            f"write {step.node} from the values it is computed from."
        )
    return f"{name} is not known yet at this step: write {_asked(lesson, step)} from the line and its values."


# ---------------------------------------------------------------- the step's own line


def is_the_line(tree: Expr, program: Program, node: str) -> bool:
    """Whether a formula has the shape of ``node``'s line: only its inputs, exactly its set of operations.

    (The grader also requires it to be right everywhere before calling it the line.)"""
    line = program.assignment(node)
    return set(names_in(tree)) <= set(line.inputs) and _ops(tree) == _ops(line.expr)


def _ops(e: Expr) -> set[str]:
    """The names of the ops an expression applies."""
    return {app.op.name for x in walk(e) if (app := op_of(x)) is not None}


def own_line_message(program: Program, node: str) -> str:
    """What to say when a forward value is answered with its own line."""
    return (
        f"Type the computed value: the graph shows the formula {program.assignment(node).text}, "
        "and this step asks for its number."
    )
