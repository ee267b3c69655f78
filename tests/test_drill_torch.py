"""A sample of drills at every level: each loads, passes the linter, is graded right when answered with the
engine's numbers (and diagnosed when a delta's sign is flipped), and agrees with PyTorch on every value and
delta. benchmarks/drills.py runs 500 seeds of each level."""

from __future__ import annotations

import numpy as np
import pytest
from torch_ref import torch_run

from tutor.authoring.lint import lint
from tutor.course import solve
from tutor.course.steps import GRAD
from tutor.drill import LEVELS, make_drill
from tutor.grading import AnswerContext, grade, show_array

SAMPLE = range(0, 1000, 5)  # 200 seeds of each level; seeded, so a failure names the drill to look at


def check_drill(level: int, seed: int) -> None:
    """One drill: lint-clean, every step graded right with the engine's answer, a flipped delta diagnosed,
    the engine equal to PyTorch."""
    _, lesson = make_drill(level, seed)
    where = f"drill --level {level} --seed {seed}"
    assert lint(lesson) == [], where
    solution = solve(lesson)
    for step in lesson.steps:
        right = show_array(solution.answer(step), 8)
        verdict = grade(solution, step, right, AnswerContext())
        assert verdict.correct, f"{where}: {step.id}: {verdict.message}"
    delta = next(s for s in lesson.steps if s.kind is GRAD)
    flipped = grade(solution, delta, show_array(-solution.answer(delta), 8), AnswerContext())
    assert not flipped.correct and flipped.diagnosis is not None, f"{where}: {delta.id}: {flipped.message}"
    values, grads = torch_run(lesson.program, lesson.leaf_values())
    for name, value in solution.trace.values.items():
        assert np.allclose(value, values[name], rtol=1e-9, atol=1e-12), f"{where}: {name}"
    for name, g in solution.trace.grads.items():
        assert np.allclose(g, grads[name], rtol=1e-7, atol=1e-10), f"{where}: d{name}"


PARTS = 4  # each level's sample in four tests of 50 drills (~1-2 CPU-s each), so xdist can spread them


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("level", LEVELS)
def test_drills_validate_grade_and_agree_with_pytorch(level, part):
    for seed in SAMPLE[part::PARTS]:
        check_drill(level, seed)


def test_the_parts_cover_the_sample():
    assert sorted(seed for part in range(PARTS) for seed in SAMPLE[part::PARTS]) == list(SAMPLE)
