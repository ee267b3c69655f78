"""The ``update`` step: an input after one step of gradient descent, W − learning_rate·∂L/∂W, from its one entry in
the step-kind registry: loaded and checked, answered, prompted, graded with its own mistakes, linted, scripted."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.authoring import lint
from tutor.course import LessonError, parse_lesson, prompt, solve
from tutor.grading import grade
from tutor.reveal.codegen import step_code

LESSON = """\
format: 1
id: update
title: Update
learning_rate: 0.5
inputs:
  w: [0.5, -1.2]
  b: 0.3
constants:
  x: [1.5, 2.0]
  t: 2.0
graph:
  - z = sum(w * x) + b
  - q = sigmoid(z)
  - L = (q - t) ** 2
steps:
  - update: w
  - update: b
"""


def load(text: str = LESSON):
    """The lesson parsed, as a file named u.yaml."""
    return parse_lesson(text, "u.yaml")


def problem_of(text: str) -> str:
    """The first problem of a lesson that does not load."""
    with pytest.raises(LessonError) as e:
        load(text)
    return str(e.value.problems[0])


def test_the_answer_is_one_step_of_gradient_descent():
    lesson = load()
    sol = solve(lesson)
    tr = sol.trace
    assert lesson.settings == {"learning_rate": 0.5}
    np.testing.assert_allclose(sol.answer(lesson.step("update:w")), tr.values["w"] - 0.5 * tr.grads["w"])
    np.testing.assert_allclose(sol.answer(lesson.step("update:b")), tr.values["b"] - 0.5 * tr.grads["b"])
    q = prompt(lesson, lesson.step("update:w"), tr.values)
    assert q.question == "w − lr·dw = ?  (the new w)" and q.shape == "2"
    assert "learning rate lr = 0.5" in q.context


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        (("learning_rate: 0.5\n", ""), "u.yaml:15:13: [update:w]", "needs the lesson's learning rate: add"),
        (("update: b", "update: z"), "u.yaml:17:13: [update:z]", "'z' is not an input; gradient descent updates"),
        (("update: b", "update: t"), "u.yaml:17:13: [update:t]", "'t' is not an input"),
        (("update: b", "update: c"), "u.yaml:17:13: [update:c]", "'c' is not a name of the lesson"),
        (("update: b", "update: w/x"), "u.yaml:17:13: [update:w/x]", "'w/x' is not a name"),
        (("learning_rate: 0.5", "learning_rate: 0"), "u.yaml:4:16:", "learning_rate must be a number between 0 and 10"),
        (("learning_rate: 0.5", "learning_rate: 10"), "u.yaml:4:16:", "learning_rate must be a number between 0"),
        (("learning_rate: 0.5", "learning_rate: '0.5'"), "u.yaml:4:16:", "e.g. 0.1"),
        (("learning_rate: 0.5", "learning_rate: yes"), "u.yaml:4:16:", "learning_rate must be a number"),
    ],
)
def test_a_wrong_update_step_or_learning_rate_is_a_located_error(change, where, says):
    text = problem_of(LESSON.replace(*change))
    assert text.startswith(where) and says in text, text


@pytest.mark.parametrize(
    ("typed", "diagnosis"),
    [
        ("w + 0.5*dw", "update-ascent"),
        ("w - dw", "update-no-rate"),
        ("-0.5*dw", "update-change-only"),
        ("w", "update-unchanged"),
        ("dw", "update-gradient"),
        ("-(w - 0.5*dw)", "sign"),
    ],
)
def test_the_update_mistakes_are_named(typed, diagnosis):
    lesson = load()
    verdict = grade(solve(lesson), lesson.step("update:w"), typed)
    assert not verdict.correct and verdict.diagnosis == diagnosis, verdict.message


def test_the_right_update_is_correct_typed_as_numbers_or_as_a_formula():
    lesson = load()
    sol = solve(lesson)
    step = lesson.step("update:w")
    w = sol.answer(step)
    assert grade(sol, step, f"[{w[0]:.4f}, {w[1]:.4f}]").correct
    assert grade(sol, step, "w - 0.5*dw").correct
    assert grade(sol, lesson.step("update:b"), "b - 0.5 * db").correct


def test_the_linter_warns_when_the_step_is_too_small_to_tell_from_no_step():
    """With a learning rate of 0.001 the new b is within 1% of the old: 'b unchanged' would be marked right."""
    assert lint(load()) == []
    small = load(LESSON.replace("learning_rate: 0.5", "learning_rate: 0.001"))
    [warning] = [w for w in lint(small) if w.step == "update:b" and w.code == "W117"]
    assert "who gives b unchanged is marked right" in warning.message


def test_pytorch_computes_it_as_an_optimizer_would_under_no_grad():
    lesson = load()
    code = step_code(lesson, lesson.step("update:w"))
    assert code.text == "with torch.no_grad():\n    w_new = w - 0.5 * w.grad\nw_new"


def test_pytorch_steps_an_input_no_gradient_reaches_by_zero():
    """PyTorch leaves .grad None for an input the loss does not use; the step is then by zeros, as the engine's."""
    lesson = load(LESSON.replace("  b: 0.3\n", "  b: 0.3\n  u: 1.5\n").replace("update: b", "update: u"))
    code = step_code(lesson, lesson.step("update:u")).text
    assert code.splitlines()[1] == "    u_new = u - 0.5 * torch.zeros_like(u)"
    np.testing.assert_allclose(solve(lesson).answer(lesson.step("update:u")), 1.5)
