"""The lessons of writer `lessons1` (issue 14): each reproduces its seed's published numbers, makes its point with
the lesson's own numbers, and names its target mistake when a learner makes it."""

from __future__ import annotations

import pytest

from tutor.course import load_lesson, shipped_lessons_dir, solve
from tutor.course.prose import show_lesson
from tutor.grading import grade


def lesson_and_solution(lesson_id: str):
    """A shipped lesson and the engine's solution of it."""
    lesson = load_lesson(shipped_lessons_dir() / f"{lesson_id}.yaml")
    return lesson, solve(lesson)


def feedback(lesson_id: str, step_id: str, answer: str):
    """What the grader says to ``answer`` typed at ``step_id``."""
    lesson, sol = lesson_and_solution(lesson_id)
    return grade(sol, lesson.step(step_id), answer)


def explained(lesson_id: str, step_id: str) -> str:
    """A step's explain as the learner reads it, live numbers filled in."""
    lesson, sol = lesson_and_solution(lesson_id)
    return show_lesson(lesson, sol.trace).step(step_id).explain


# gradient-basics: f = x² + 3y² (the Finnish page), the gradient predicts a small change to first order


def test_gradient_basics_slopes_depend_on_the_point():
    lesson, sol = lesson_and_solution("gradient-basics")
    x, y = float(sol.trace.values["x"]), float(sol.trace.values["y"])
    assert float(sol.answer(lesson.step("local:f/x"))) == 2 * x != 2
    assert float(sol.answer(lesson.step("local:f/y"))) == 6 * y


def test_gradient_basics_real_change_differs_from_the_prediction_by_the_squares_of_the_nudges():
    _, sol = lesson_and_solution("gradient-basics")
    v = {k: float(a) for k, a in sol.trace.values.items()}
    predicted = 2 * v["x"] * v["h"] + 6 * v["y"] * v["k"]
    assert v["change"] - predicted == pytest.approx(v["h"] ** 2 + 3 * v["k"] ** 2, abs=1e-12)
    assert v["h"] ** 2 + 3 * v["k"] ** 2 > 0.001 * abs(v["change"])  # the step's tolerance tells them apart
    text = explained("gradient-basics", "value:change")
    assert "predicts `5`, but `f` changes by" in text and "= 6`" in text  # a whole unit is no small nudge


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("local:f/x", "2", "That is the 2 of 2·x without the x"),  # the seed's "+1 in x adds 2 to f"
        ("local:f/y", "6", "That is the 6 of 6·y without the y"),
        ("value:change", "0.08", "That is the gradient's prediction, 0.08"),
        ("value:change", "2*x*h + 6*y*k", "That is the gradient's prediction"),
    ],
)
def test_gradient_basics_names_its_target_mistakes(step, answer, says):
    verdict = feedback("gradient-basics", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


def test_gradient_basics_accepts_the_real_change():
    assert feedback("gradient-basics", "value:change", "0.0804").correct
    assert feedback("gradient-basics", "value:change", "f2 - f").correct
