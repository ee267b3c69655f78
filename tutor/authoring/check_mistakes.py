"""A step's ``mistakes:`` checked like answers: each must be able to fire.

A mistake fires when a learner's wrong answer equals its formula's value (whatever its shape: dZ for db, a
batch left unsummed, is a fine mistake). It never can when its formula uses a name the lesson lacks, cannot be
computed at the lesson's values (shapes that do not fit), gives the right answer (which the grader marks correct
before it looks at mistakes), or is shadowed by an earlier mistake of the same step with the same value. Each of
these is an error at the mistake's answer, as ``file:line:col``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tutor.course import solve
from tutor.course.model import Lesson, Mistake, Step
from tutor.course.problems import Problem
from tutor.course.solution import Solution
from tutor.engine import EvalError
from tutor.grading.compare import all_close, fit_shape
from tutor.grading.formula import FormulaError, check_tree, evaluate
from tutor.grading.grader import show_array
from tutor.grading.points import Point, other_points, point_of


def check_mistakes(lesson: Lesson, solution: Solution | None = None) -> list[Problem]:
    """An error for every mistake of every step that the grader could never show (the lesson is solved, and its
    random points computed, only when it has mistakes, and they only when a mistake is right at its values)."""
    steps = [s for s in lesson.steps if s.mistakes]
    if not steps:
        return []
    point = point_of(solution if solution is not None else solve(lesson))
    elsewhere = _Lazy(lambda: other_points(lesson))
    found: list[Problem] = []
    for step in steps:
        for m in step.mistakes:
            message = _why_it_never_fires(point, elsewhere, step, m)
            if message:
                file = str(lesson.path) if lesson.path else "<lesson>"
                found.append(Problem(file, m.line, m.col + message[0], message[1], "error", step.id))
    return found


class _Lazy:
    """The random points, computed when first needed."""

    def __init__(self, make: Callable[[], list[Point]]) -> None:
        self.make = make
        self.points: list[Point] | None = None

    def __call__(self) -> list[Point]:
        if self.points is None:
            self.points = self.make()
        return self.points


def _why_it_never_fires(point: Point, elsewhere: _Lazy, step: Step, m: Mistake) -> tuple[int, str] | None:
    """(column offset in the answer, message) when the mistake can never fire, else None."""
    lead = f"mistake answer {m.answer!r}"
    try:
        check_tree(m.expr, point.names)
    except FormulaError as e:
        return e.pos, f"mistake answer: {e.message}"
    try:
        with np.errstate(all="ignore"):
            value = evaluate(m.expr, point.env)
    except EvalError as e:
        return 0, f"{lead} cannot be computed at the lesson's values ({e.message}): no answer can match it; fix it"
    expected = point.solution.answer(step)
    if not np.all(np.isfinite(value)):
        return 0, f"{lead} is not finite at the lesson's values: no answer can match it; fix it"
    fitted = fit_shape(value, expected.shape)  # a mistake of another shape (dZ for db, unsummed) is fine
    tolerance = point.solution.lesson.tolerance_for(step)
    if fitted is not None and all_close(fitted, expected, tolerance):
        general = _right_everywhere(elsewhere(), step, m)
        what = "is the right answer" if general else f"gives the right answer here ({show_array(expected)})"
        return 0, (
            f"{lead} {what}: the grader marks it correct and never shows this message; write the mistaken answer, "
            + ("not the right one" if general else "or change the lesson's values")
        )
    first = next((x for x in step.mistakes if _same(value, _value_at(x, point), tolerance)), None)
    if first is not m:  # the grader compares an answer with the step's mistakes in order: the first match wins
        if first is None:
            return 0, f"{lead}: the grader does not recognise its value here; check the formula"
        return 0, (
            f"{lead} gives the same value here as the mistake {first.answer!r} before it, whose message the grader "
            "shows instead: merge the two or remove this one"
        )
    return None


def _value_at(m: Mistake, point: Point) -> np.ndarray | None:
    """A mistake's value at a point, as the grader computes it (None where it cannot be computed)."""
    try:
        with np.errstate(all="ignore"):
            v = evaluate(m.expr, point.env)
    except (EvalError, KeyError):
        return None
    return v if np.all(np.isfinite(v)) else None


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
