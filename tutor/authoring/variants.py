"""Clean variants: variant K of a lesson is the first draw of its ``vary:`` rules that teaches as well as the original.

A draw (:mod:`tutor.course.variant`) is kept only when the engine finds nothing wrong with it (NaN, infinity, a
saturated delta, a broken constraint, a live number that cannot be shown), the linter finds no warning the lesson
as written does not have (a coincidence that lets one of the grader's candidate mistakes pass, an op at its kink or
saturated, equal weights, central differences that disagree), and none of the author's ``mistakes:`` gives the
right answer. Otherwise the next draw is tried, at most :data:`MAX_TRIES`; when none is clean the error stands at
the ``vary:`` section, ``file:line:col``, with the reason of the last draw.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from tutor.authoring.lint import lint
from tutor.course.model import Lesson
from tutor.course.problems import LessonError, Problem
from tutor.course.solution import Solution, solve
from tutor.course.variant import MAX_VARIANT, Rejected, draws, rng_for, variant_lesson
from tutor.course.vary import LeafRule, base_hash
from tutor.engine import EvalError
from tutor.grading.compare import all_close
from tutor.grading.formula import evaluate
from tutor.grading.points import point_of

#: draws tried for one variant before the ranges are said to be unable to give a clean one
MAX_TRIES = 40
#: variants drawn by ``validate`` to check that the ranges can give clean ones (each costs about a lint)
CHECKED_VARIANTS = 1
_BASELINES: OrderedDict[str, Baseline] = OrderedDict()
_MAX_BASELINES = 64


def variant(lesson: Lesson, k: int) -> Lesson:
    """Variant ``k`` of a lesson (0: the lesson itself); LessonError, located, when the ranges give no clean one."""
    if not 0 <= k <= MAX_VARIANT:
        raise LessonError([_at_vary(lesson, f"variant {k}: a variant is a number from 0 to {MAX_VARIANT}")])
    if k == lesson.variant:
        return lesson
    if k == 0:
        raise LessonError([_at_vary(lesson, "variant 0 is the lesson as written: load it again")])
    if not lesson.vary:
        raise LessonError(
            [
                _at_vary(
                    lesson,
                    f"lesson {lesson.id} has no vary: section, so it has only variant 0 (its own numbers); "
                    "add one to practise it with new numbers (docs/authoring.md, Variants)",
                )
            ]
        )
    baseline = _baseline(lesson)
    last = Rejected("")
    tries = draws(lesson, rng_for(lesson, k))
    for _ in range(MAX_TRIES):
        drawn = variant_lesson(lesson, k, next(tries))
        if isinstance(drawn, Rejected):
            last = drawn
            continue
        problem = dirty(drawn, baseline)
        if problem is None:
            return drawn
        last = Rejected(problem)
    message = (
        f"vary: no clean variant {k} in {MAX_TRIES} draws (the last one: {last.reason}); widen the ranges, or avoid "
        "the values that cause it"
    )
    raise LessonError([_at_vary(lesson, message, last.rule)])


def check_variants(
    lesson: Lesson,
    warnings: list[Problem] | None = None,
    count: int = CHECKED_VARIANTS,
    solution: Solution | None = None,
) -> list[Problem]:
    """Whether the ``vary:`` rules give clean variants 1..count: the problems, at the ``vary:`` section.

    ``warnings`` are the linter's warnings about the lesson as written, and ``solution`` the lesson solved at its
    own values, when the caller has them already.
    """
    if not lesson.vary:
        return []
    if warnings is not None:
        _baseline(lesson, warnings, solution)
    for k in range(1, count + 1):
        try:
            variant(lesson, k)
        except LessonError as e:
            return e.problems
    return []


@dataclass(frozen=True)
class Baseline:
    """What the lesson as written already has: its warnings' places, and author mistakes that give the answer."""

    warnings: frozenset[tuple[int, int, str | None]]
    passing: frozenset[tuple[str, int]]


def dirty(drawn: Lesson, baseline: Baseline) -> str | None:
    """Why a drawn variant does not teach as well as the lesson as written, or None when it is clean."""
    solution = solve(drawn)  # one run for the linter and the mistakes
    for w in lint(drawn, solution):
        if (w.line, w.col, w.step) not in baseline.warnings:
            return f"{w.step + ': ' if w.step else ''}{w.message}"
    for step_id, i in passing_mistakes(solution):
        if (step_id, i) not in baseline.passing:
            answer = drawn.step(step_id).mistakes[i].answer
            return f"{step_id}: the mistake {answer!r} gives the right answer at these numbers"
    return None


def passing_mistakes(solution: Solution) -> list[tuple[str, int]]:
    """The author's ``mistakes:`` (step id, index) whose formula gives the right answer at these numbers."""
    point = point_of(solution)
    found = []
    for step in solution.lesson.steps:
        if not step.mistakes:
            continue
        answer = solution.answer(step)
        for i, m in enumerate(step.mistakes):
            try:
                with np.errstate(all="ignore"):
                    value = np.asarray(evaluate(m.expr, point.env), dtype=float)
            except (EvalError, KeyError, ValueError):
                continue
            if value.shape == answer.shape and all_close(value, answer, solution.lesson.tolerance_for(step)):
                found.append((step.id, i))
    return found


def _baseline(lesson: Lesson, warnings: list[Problem] | None = None, solution: Solution | None = None) -> Baseline:
    """What the lesson as written already has (a variant may have that, and nothing more); cached per lesson.

    ``warnings``: the linter's warnings about the lesson, when the caller has them (else the linter runs);
    ``solution``: the lesson solved at its own values, when the caller has it.
    """
    key = base_hash(lesson.content_hash) or str(id(lesson))  # a variant drawing another finds its lesson's
    if key not in _BASELINES:
        if solution is None or solution.lesson is not lesson:
            solution = solve(lesson)
        found = lint(lesson, solution) if warnings is None else warnings
        places = frozenset((w.line, w.col, w.step) for w in found)
        _BASELINES[key] = Baseline(places, frozenset(passing_mistakes(solution)))
        while len(_BASELINES) > _MAX_BASELINES:
            _BASELINES.popitem(last=False)
    _BASELINES.move_to_end(key)
    return _BASELINES[key]


def _at_vary(lesson: Lesson, message: str, rule: LeafRule | None = None) -> Problem:
    """A problem at a rule of the lesson's ``vary:`` section (its first by default), or at its id without one."""
    file = str(lesson.path) if lesson.path else "<lesson>"
    at = rule if rule is not None else lesson.vary[0] if lesson.vary else None
    if at is not None:
        return Problem(file, max(at.line, 1), max(at.col, 1), message)
    line, col = lesson.locations.get("id", (1, 1))
    return Problem(file, line, col, message)
