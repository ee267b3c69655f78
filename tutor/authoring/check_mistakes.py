"""A step's ``mistakes:`` checked like answers: each must be able to fire.

A mistake fires when a learner's wrong answer equals its formula's value (whatever its shape: dZ for db, a
batch left unsummed, is a fine mistake). It never can when its formula uses a name the lesson lacks, cannot be
computed at the lesson's values (shapes that do not fit), gives the right answer (which the grader marks correct
before it looks at mistakes), or is shadowed by an earlier mistake of the same step with the same value. Each of
these is an error at the mistake's answer, as ``file:line:col``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from tutor.course import solve
from tutor.course.model import Lesson, Mistake, Step
from tutor.course.problems import Problem
from tutor.course.solution import Solution
from tutor.engine import EvalError
from tutor.engine.shapes import MAX_RUN_WORK, expr_shape
from tutor.grading.compare import all_close, fit_shape
from tutor.grading.formula import FormulaError, check_tree, evaluate
from tutor.grading.grader import show_array
from tutor.grading.points import Point, other_points, point_of

#: work units (tutor.engine.shapes) all the mistakes of a lesson may take to check at its values: one graph run's
MAX_MISTAKES_WORK = MAX_RUN_WORK


def check_mistakes(lesson: Lesson, solution: Solution | None = None) -> list[Problem]:
    """An error for every mistake of every step that the grader could never show (the lesson is solved, and its
    random points computed, only when it has mistakes, and they only when a mistake is right at its values). The
    work of computing them all is bounded before each is computed."""
    steps = [s for s in lesson.steps if s.mistakes]
    if not steps:
        return []
    point = point_of(solution if solution is not None else solve(lesson))
    shapes = {name: np.shape(node.value) for name, node in point.env.items()}
    elsewhere = _Lazy(lambda: other_points(lesson))
    file = str(lesson.path) if lesson.path else "<lesson>"
    found: list[Problem] = []
    budget = MAX_MISTAKES_WORK
    for step in steps:
        values: dict[int, np.ndarray] = {}  # each mistake's value here, computed once (by id of the mistake)
        for m in step.mistakes:
            computed = _compute(point, shapes, m)
            if isinstance(computed, Refusal):
                found.append(Problem(file, m.line, m.col + computed.offset, computed.message, "error", step.id))
                continue
            value, work = computed
            budget -= work
            if budget < 0:
                message = (
                    f"the mistakes of this lesson take more than {MAX_MISTAKES_WORK} work units to check together "
                    f"(this one {work}): use fewer or smaller formulas"
                )
                found.append(Problem(file, m.line, m.col, message, "error", step.id))
                return found
            if value is not None:
                values[id(m)] = value
        for m in step.mistakes:
            if id(m) in values:
                why = _why_it_never_fires(point, elsewhere, step, m, values)
                if why:
                    found.append(Problem(file, m.line, m.col, why, "error", step.id))
    return found


class Refusal(NamedTuple):
    """Why a mistake cannot be computed: the column offset in its answer, and the message."""

    offset: int
    message: str


def _compute(point: Point, shapes: dict[str, tuple[int, ...]], m: Mistake) -> tuple[np.ndarray | None, int] | Refusal:
    """A mistake's value at the lesson's values and its work (None when not finite, after its shape and work are
    known), or (column offset, message) when it names something unknown or cannot be computed."""
    lead = f"mistake answer {m.answer!r}"
    try:
        check_tree(m.expr, point.names)
        _, work = expr_shape(m.expr, shapes)
    except FormulaError as e:
        return Refusal(e.pos, f"mistake answer: {e.message}")
    except EvalError as e:
        return Refusal(0, f"{lead} cannot be computed at the lesson's values ({e.message}): no answer can match it")
    try:
        with np.errstate(all="ignore"):
            value = evaluate(m.expr, point.env)
    except EvalError as e:
        return Refusal(0, f"{lead} cannot be computed at the lesson's values ({e.message}): no answer can match it")
    if not np.all(np.isfinite(value)):
        return Refusal(0, f"{lead} is not finite at the lesson's values: no answer can match it; fix it")
    return value, work


class _Lazy:
    """The random points, computed when first needed."""

    def __init__(self, make: Callable[[], list[Point]]) -> None:
        self.make = make
        self.points: list[Point] | None = None

    def __call__(self) -> list[Point]:
        if self.points is None:
            self.points = self.make()
        return self.points


def _why_it_never_fires(
    point: Point, elsewhere: _Lazy, step: Step, m: Mistake, values: dict[int, np.ndarray]
) -> str | None:
    """Why a computable mistake can never fire (it is the right answer, or an earlier one matches first), or None."""
    lead = f"mistake answer {m.answer!r}"
    value = values[id(m)]
    expected = point.solution.answer(step)
    fitted = fit_shape(value, expected.shape)  # a mistake of another shape (dZ for db, unsummed) is fine
    tolerance = point.solution.lesson.tolerance_for(step)
    if fitted is not None and all_close(fitted, expected, tolerance):
        general = _right_everywhere(elsewhere(), step, m)
        what = "is the right answer" if general else f"gives the right answer here ({show_array(expected)})"
        return (
            f"{lead} {what}: the grader marks it correct and never shows this message; write the mistaken answer, "
            + ("not the right one" if general else "or change the lesson's values")
        )
    first = next((x for x in step.mistakes if _same(value, values.get(id(x)), tolerance)), None)
    if first is not m:  # the grader compares an answer with the step's mistakes in order: the first match wins
        if first is None:
            return f"{lead}: the grader does not recognise its value here; check the formula"
        return (
            f"{lead} gives the same value here as the mistake {first.answer!r} before it, whose message the grader "
            "shows instead: merge the two or remove this one"
        )
    return None


def _same(a: np.ndarray, b: np.ndarray | None, tolerance: float) -> bool:
    """Whether the grader takes answer ``a`` for a mistake's value ``b`` (as :func:`diagnose` compares them)."""
    if b is None:
        return False
    f = fit_shape(a, np.shape(b))
    return f is not None and all_close(f, b, tolerance)


def _right_everywhere(elsewhere: list[Point], step: Step, m: Mistake) -> bool:
    """Whether the mistake gives the right answer at every random point too (it is the answer in general)."""
    checked = 0
    for p in elsewhere:
        try:
            with np.errstate(all="ignore"):
                v = evaluate(m.expr, p.env)
        except EvalError:
            continue
        f = fit_shape(v, p.solution.answer(step).shape)
        if f is None or not all_close(f, p.solution.answer(step), p.solution.lesson.tolerance_for(step)):
            return False
        checked += 1
    return checked > 0
