"""Tolerances mean what they say: ``|a − b| ≤ abs + rel·|b|``, any positive value, a default that keeps the
shipped lessons' grading (3 significant digits pass, 5% off fails) and takes float noise around an exact 0."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import SHIPPED

from tutor.course import load_lesson, parse_lesson, solve
from tutor.course.tolerance import DEFAULT_REL as DEFAULT_TOLERANCE
from tutor.course.tolerance import Tolerance
from tutor.engine.autograd import Fact
from tutor.grading import grade, grade_value, show_array

HEADER = "format: 1\nid: t\ntitle: T\n"
#: the authoring trial's finite difference: f2 = 1.3623056 asked with a tight tolerance
TIGHT = HEADER + "inputs: {x: 2.0}\nconstants: {c: 0.6811528}\ngraph: [f2 = c * x]\n"


def _graded(text: str, step_tolerance: str, answer: str):
    lesson = parse_lesson(text + f"steps: [{{value: f2, tolerance: {step_tolerance}}}]\n", "t.yaml", Path("t.yaml"))
    return grade(solve(lesson), lesson.steps[0], answer)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_lessons_grade_as_before_three_digits_pass_five_percent_off_fails(path):
    """Every step's engine answer typed to 3 significant digits passes (or to the digits a step's own tighter
    tolerance asks for: gradient-check's Lp needs 5); 5% off (or twice a looser step tolerance) fails wherever the
    answer is not 0."""
    lesson = load_lesson(path)
    sol = solve(lesson)
    for step in lesson.steps:
        answer = sol.answer(step)
        if isinstance(answer, Fact):  # an autograd step's word (None, True, a grad_fn's name): no digits to round
            continue
        rel = lesson.tolerance_for(step).rel
        digits = 3 if rel >= DEFAULT_TOLERANCE else 3 + math.ceil(math.log10(DEFAULT_TOLERANCE / rel))
        typed = show_array(answer, digits)
        assert grade(sol, step, typed).correct, (step.id, typed)
        if np.any(np.abs(answer) > 1e-9):
            off = max(0.05, 2 * rel)  # a step may allow more on purpose (gradient-check's err: 5%)
            assert not grade_value(sol, step, answer * (1 + off)).correct, step.id
            assert not grade_value(sol, step, answer * (1 - off)).correct, step.id


def test_a_tight_step_tolerance_refuses_a_near_miss_without_saying_1_times():
    """tolerance: 0.000001 used to accept 1.3636 for 1.3623056 (a hidden 1e-3·max|E| floor)."""
    for near in ("1.3636", "1.3630", "1.36232"):
        v = _graded(TIGHT, "0.000001", near)
        assert not v.correct, near
        assert "1 times" not in v.message
    v = _graded(TIGHT, "0.000001", "1.3640")
    assert v.diagnosis == "precision"
    assert v.message.startswith("Close, but not close enough: your answer is 0.0012 off relatively (0.12%)")
    assert _graded(TIGHT, "0.000001", "1.3623056").correct
    v = _graded(TIGHT, "1e-3", "1.3600")  # within the default 1%, outside this step's 0.1%
    assert v.diagnosis == "precision" and "(0.17%), and this step accepts 0.001" in v.message


def test_a_tolerance_written_1e_3_is_taken_and_any_positive_value_works():
    """YAML 1.1 reads 1e-3 as text: it used to be refused with 'must be between 0 and 1'."""
    assert _graded(TIGHT, "1e-3", "1.3630").correct
    assert not _graded(TIGHT, "1e-3", "1.3650").correct
    assert _graded(TIGHT, "2", "3.0").correct  # within 200%
    assert _graded(TIGHT, "{rel: 1e-6, abs: 1e-3}", "1.3630").correct  # the absolute part takes it


def test_float_noise_around_an_exact_zero_is_accepted_and_never_shown():
    """The Finnish exercise: PyTorch's float32 prints y.grad = 1.7881e-07 where the true value is 0."""
    lesson = load_lesson(Path(__file__).parent / "lessons" / "allow-chained-functions.yaml")
    sol = solve(lesson)
    step = lesson.step("grad:y")
    assert np.all(np.abs(sol.answer(step)) < 1e-12)
    assert grade(sol, step, "[0, 0, 1.7881e-07]").correct
    assert not grade(sol, step, "[0, 0, 1e-4]").correct
    assert show_array(np.array([0.0, 0.0, -3.3307e-16])) == "[0, 0, 0]"
    assert show_array(np.array(5.55112e-17)) == "0"
    assert show_array(np.array([1.5, 2e-9])) == "[1.5, 2e-09]"  # small, but not noise against 1.5


def test_the_check_is_abs_plus_rel_times_the_right_answer():
    from tutor.grading.compare import close

    tol = Tolerance(0.01, 1e-6)
    assert close(np.array([101.0, 1e-6, -99.0]), np.array([100.0, 0.0, -100.0]), tol).all()
    assert not close(np.array([101.1]), np.array([100.0]), tol).any()
    assert not close(np.array([2e-6]), np.array([0.0]), tol).any()


def _template_lessons(tmp_path: Path) -> list[Path]:
    from tutor.authoring.scaffold import TEMPLATES, new_lesson

    return [new_lesson(f"my-{t}", tmp_path, t) for t in TEMPLATES]


def test_every_mistake_validate_accepts_is_one_the_grader_shows(tmp_path):
    """check_mistakes mirrors the grader: for each shipped and template mistake, typing its value gets its message."""
    from tutor.authoring.check_mistakes import check_mistakes
    from tutor.grading.formula import evaluate
    from tutor.grading.points import point_of

    seen = 0
    for path in [*SHIPPED, *_template_lessons(tmp_path)]:
        lesson = load_lesson(path)
        sol = solve(lesson)
        assert check_mistakes(lesson, sol) == [], path.name
        for step in lesson.steps:
            for m in step.mistakes:
                value = evaluate(m.expr, point_of(sol).env)
                v = grade_value(sol, step, value)
                assert v.diagnosis == "author", (path.name, step.id, m.answer, v.message)
                seen += 1
    assert seen >= 20
