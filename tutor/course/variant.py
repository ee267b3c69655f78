"""A lesson's variant K: its varied leaves drawn from the ``vary:`` rules, the graph run, the prose filled again.

The draw is deterministic: NumPy's ``default_rng`` seeded from a SHA-256 of the lesson's content hash and K, so the
same K gives the same numbers in every run and on every machine (PCG64 and ``Generator.integers`` are stable
across platforms). This module checks what the engine and the rules can say about one draw (a constraint that
fails, NaN, infinity, a saturated delta, a live number that cannot be shown); whether a draw lets a targeted
mistake pass is the linter's to say (:mod:`tutor.authoring.variants` keeps only clean draws).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from tutor.course.checks import run_checked
from tutor.course.live import Numbers, substitute
from tutor.course.model import Lesson
from tutor.course.prose import show_lesson
from tutor.course.vary import MAX_VARIANT, Choices, LeafRule, base_hash, variant_hash

__all__ = ["MAX_VARIANT", "Rejected", "draws", "leaf_values", "rng_for", "variant_lesson"]


def rng_for(lesson: Lesson, k: int) -> np.random.Generator:
    """The random numbers of variant ``k``: seeded from the lesson's content and K only."""
    digest = hashlib.sha256(f"backprop-tutor variant {base_hash(lesson.content_hash)} {k}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def draws(lesson: Lesson, rng: np.random.Generator) -> Iterator[dict[str, np.ndarray]]:
    """Endless draws of the varied leaves (every leaf with a rule), in rule order; the caller bounds the tries."""
    while True:
        yield {rule.name: draw_leaf(rule, rng) for rule in lesson.vary}


def draw_leaf(rule: LeafRule, rng: np.random.Generator) -> np.ndarray:
    """One leaf's values drawn from its rule (constraints are checked by :func:`constraint_problem`)."""
    shape = rule.shape
    if rule.source == "labels":
        return rng.integers(0, 2, size=shape).astype(float)
    if rule.source == "one_hot":
        rows = shape[0] if len(shape) == 2 else 1
        out = np.zeros((rows, shape[-1]))
        out[np.arange(rows), rng.integers(0, shape[-1], size=rows)] = 1.0
        return out.reshape(shape)
    if rule.choices is not None:
        values = np.asarray(rule.choices.values)
        if rule.distinct:  # drawn without replacement: distinct by construction (the rule offers enough values)
            return np.asarray(values[rng.choice(len(values), size=rule.size, replace=False)], dtype=float).reshape(
                shape
            )
        return np.asarray(values[rng.integers(0, len(values), size=shape)], dtype=float)
    flat = [_entry(e, rng) for e in rule.entries]
    return np.asarray(flat, dtype=float).reshape(shape)


def _entry(entry: Choices | float, rng: np.random.Generator) -> float:
    """One entry of an ``entries:`` rule: drawn from its choices, or the number kept."""
    if isinstance(entry, Choices):
        return entry.values[int(rng.integers(0, len(entry.values)))]
    return float(entry)


def constraint_problem(rule: LeafRule, value: np.ndarray) -> str | None:
    """Which of a rule's constraints a drawn value breaks, in words, or None."""
    flat = value.reshape(-1)
    if rule.distinct and len(np.unique(flat)) < flat.size:
        return f"{rule.name} has equal entries (distinct: true)"
    if rule.not_symmetric and np.array_equal(value, value.T):
        return f"{rule.name} is symmetric (not_symmetric: true)"
    if rule.source == "labels" and flat.size > 1 and len(np.unique(flat)) < 2:
        return f"{rule.name} holds only {int(flat[0])}s (labels: both 0 and 1 appear)"
    return None


@dataclass(frozen=True)
class Rejected:
    """Why a draw cannot be a variant, and the rule whose constraint it broke (None: the numbers as a whole)."""

    reason: str
    rule: LeafRule | None = None


def variant_lesson(lesson: Lesson, k: int, drawn: dict[str, np.ndarray]) -> Lesson | Rejected:
    """Variant ``k`` at the drawn values, its prose filled at them; or why this draw cannot be one."""
    for rule in lesson.vary:
        problem = constraint_problem(rule, drawn[rule.name])
        if problem:
            return Rejected(problem, rule)
    written = lesson.as_written or lesson
    inputs = {n: drawn.get(n, v) for n, v in written.inputs.items()}
    constants = {n: drawn.get(n, v) for n, v in written.constants.items()}
    found: list[str] = []

    def report(name: str | None, message: str, pos: int | None) -> None:
        found.append(message)

    with np.errstate(all="ignore"):
        trace = run_checked(lesson.program, {**inputs, **constants}, report)
    if trace is None:
        return Rejected(found[0] if found else "the graph cannot be computed there")
    raw = replace(
        written,
        inputs=inputs,
        constants=constants,
        content_hash=variant_hash(written.content_hash, k),
        variant=k,
        as_written=None,
    )
    numbers = Numbers(trace)
    problem = prose_problem(raw, numbers)
    if problem:
        return Rejected(problem)
    return show_lesson(raw, trace, numbers.values)  # the live numbers just computed at this run, not again


def prose_problem(lesson: Lesson, numbers: Numbers) -> str | None:
    """The first live number of the lesson's prose (as written) that cannot be shown at these numbers."""
    texts = [("summary", lesson.summary), ("intro", lesson.intro), ("outro", lesson.outro)]
    for s in lesson.steps:
        texts += [(s.id, s.prompt), (s.id, s.explain), *((s.id, h) for h in s.hints)]
        texts += [(s.id, m.message) for m in s.mistakes]
    for where, text in texts:
        if "{{" in text:
            problems = substitute(text, numbers)[1]
            if problems:
                return f"{where}: {problems[0].message}"
    return None


def leaf_values(lesson: Lesson) -> dict[str, dict[str, object]]:
    """The lesson's inputs and constants as plain numbers and lists, for JSON."""
    return {
        "inputs": {n: np.asarray(v, dtype=float).tolist() for n, v in lesson.inputs.items()},
        "constants": {n: np.asarray(v, dtype=float).tolist() for n, v in lesson.constants.items()},
    }
