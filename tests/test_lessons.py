"""Every shipped lesson: loads, validates, and its values and gradients agree with PyTorch to 1e-9."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHIPPED

from tutor.course import load_lesson, solve
from tutor.engine import central_difference
from tutor.engine.autograd import Fact
from tutor.grading import grade
from tutor.grading.mistakes import candidates_of

torch = pytest.importorskip("torch")
from torch_ref import torch_run  # noqa: E402


def test_there_are_shipped_lessons():
    assert len(SHIPPED) >= 1


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_lesson_agrees_with_torch(path):
    lesson = load_lesson(path)
    assert lesson.id == path.stem, "a lesson's file is named after its id"
    trace = solve(lesson).trace
    tv, tg = torch_run(lesson.program, lesson.leaf_values())
    for n, v in trace.values.items():
        np.testing.assert_allclose(v, tv[n], rtol=1e-9, atol=1e-9, err_msg=n)
    for n, g in trace.grads.items():
        np.testing.assert_allclose(g, tg[n], rtol=1e-9, atol=1e-9, err_msg=n)
    for n in lesson.program.inputs:
        np.testing.assert_allclose(
            trace.grads[n], central_difference(lesson.program, lesson.leaf_values(), n), rtol=1e-5, atol=1e-7
        )


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_lesson_is_well_formed(path):
    lesson = load_lesson(path)
    assert lesson.title and lesson.summary and lesson.intro
    assert not lesson.steps_derived, "shipped lessons give their steps in a teaching order"
    sol = solve(lesson)
    for step in lesson.steps:
        answer = sol.answer(step)
        assert isinstance(answer, Fact) or np.all(np.isfinite(answer))  # a Fact: None, True, a grad_fn's name
        assert step.hints or step.given, f"{step.id} has a hint (a given step is shown worked and takes none)"


@pytest.mark.parametrize("path", [p for p in SHIPPED if "autograd:" in p.read_text("utf-8")], ids=lambda p: p.stem)
def test_a_step_answered_in_words_has_no_numeric_slips_and_numbers_typed_there_are_graded(path):
    """candidates_of raised TypeError (−None) on a word answer; a number or formula typed there gets a verdict."""
    lesson = load_lesson(path)
    sol = solve(lesson)
    worded = [s for s in lesson.steps if isinstance(sol.answer(s), Fact)]
    assert worded, "the lesson has an autograd step answered in words"
    for step in worded:
        assert candidates_of(sol, step) == []
        for typed in ("0", "-1", "[1, 2]", f"2*{lesson.program.inputs[0]}"):
            verdict = grade(sol, step, typed)
            assert verdict.status != "correct" and verdict.message, (step.id, typed)
