"""The points where answers are checked: the lesson's own values and a few random points near them.

A formula that is right in general agrees with the engine at every point; one that only matches the
lesson's numbers does not. Inputs are scaled entry by entry by a random factor (signs kept, so
domains such as ``log(x)`` stay valid; zeros get a small random value); constants that are labels
(all entries 0 or 1) are kept, other constants are scaled a little. Points where the engine gives a
value that is not finite are skipped. The points of a lesson are computed once and cached by the
lesson's content hash, with the per-step expected answers and candidate mistakes on each point.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from tutor.course.model import Lesson
from tutor.course.solution import Solution, solve
from tutor.engine import EvalError
from tutor.engine.autograd import Fact
from tutor.engine.node import Node
from tutor.grading.formula import Meaning, environment, meanings

N_POINTS = 3
MAX_TRIES = 12
_CACHE_SIZE = 32


@dataclass
class Point:
    """One run of the lesson's graph, with the names of answers bound to its values and gradients."""

    solution: Solution
    names: dict[str, Meaning]
    env: dict[str, Node]
    cache: dict[str, object] = field(default_factory=dict)  # per step id: the candidate mistakes


def point_of(solution: Solution) -> Point:
    """The point of a solved lesson (the lesson's own values, usually)."""
    key = ("solution", id(solution))
    hit = _POINTS.get(key)
    if hit is not None and hit[0] is solution:
        return hit[1][0]
    names = meanings(solution.lesson)
    point = Point(solution, names, environment(solution.trace, names))
    _remember(key, solution, [point])
    return point


def other_points(lesson: Lesson) -> list[Point]:
    """A few random points near the lesson's values, same shapes, finite everywhere (cached per lesson)."""
    key = ("lesson", lesson.content_hash or str(id(lesson)))
    hit = _POINTS.get(key)
    if hit is not None and (lesson.content_hash or hit[0] is lesson):
        return hit[1]
    names = meanings(lesson)
    seed = zlib.crc32((lesson.content_hash or lesson.id).encode())
    rng = np.random.default_rng(seed)
    points: list[Point] = []
    for attempt in range(MAX_TRIES):
        if len(points) == N_POINTS:
            break
        spread = 0.5 * 0.8**attempt
        try:
            sol = solve(lesson, perturbed(lesson, rng, spread))
        except (EvalError, ValueError, FloatingPointError):
            continue
        if not _finite(sol):
            continue
        points.append(Point(sol, names, environment(sol.trace, names)))
    _remember(key, lesson, points)
    return points


def perturbed(lesson: Lesson, rng: np.random.Generator, spread: float = 0.5) -> dict[str, np.ndarray]:
    """The lesson's leaf values moved at random: inputs scaled by factors in [1 − spread, 1 + spread]."""
    out: dict[str, np.ndarray] = {}
    for name, x in lesson.inputs.items():
        x = np.asarray(x, dtype=float)
        moved = x * rng.uniform(1 - spread, 1 + spread, x.shape)
        out[name] = np.where(x == 0, rng.uniform(-spread, spread, x.shape), moved)
    for name, x in lesson.constants.items():
        x = np.asarray(x, dtype=float)
        labels = bool(np.all((x == 0) | (x == 1)))
        out[name] = x if labels else x * rng.uniform(1 - spread / 2, 1 + spread / 2, x.shape)
    return out


def _finite(sol: Solution) -> bool:
    tr = sol.trace
    if not all(np.all(np.isfinite(v)) for v in tr.values.values()):
        return False
    if not all(np.all(np.isfinite(g)) for g in tr.grads.values()):
        return False
    try:
        answers = (sol.answer(s) for s in sol.lesson.steps)
        return all(np.all(np.isfinite(a)) for a in answers if not isinstance(a, Fact))  # a Fact is a word
    except (EvalError, ValueError):
        return False


_POINTS: dict[tuple[str, object], tuple[object, list[Point]]] = {}


def _remember(key: tuple[str, object], owner: object, points: list[Point]) -> None:
    """Keep a few recent entries; the owner is held so that an ``id`` key is not reused while cached."""
    if len(_POINTS) >= _CACHE_SIZE:
        _POINTS.pop(next(iter(_POINTS)))
    _POINTS[key] = (owner, points)
