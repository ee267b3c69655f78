"""Every shipped lesson: loads, validates, and its values and gradients agree with PyTorch to 1e-9."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHIPPED

from tutor.course import load_lesson, solve
from tutor.engine import central_difference
from tutor.engine.autograd import Fact

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
