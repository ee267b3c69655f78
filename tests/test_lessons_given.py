"""A lesson's given (worked) steps show their values in the graph only once the learner reaches them: shown from
the intro on, mlp-loop's worked dW2 = A1.T @ dZ2 gave away dZ2, the step asked just before it."""

from __future__ import annotations

from tutor.course import find_lesson
from tutor.progress import ProgressStore
from tutor.ui.session import LessonSession


def _known_deltas(s: LessonSession) -> set[str]:
    """The names whose delta the graph panel shows."""
    return {r.name for r in s.graph().rows if r.grad is not None}


def test_a_given_delta_is_hidden_until_its_step_is_reached():
    lesson = find_lesson("mlp-loop", [])
    s = LessonSession(lesson, ProgressStore())
    given = [st.node for st in lesson.steps if st.given]
    assert {"Z3", "W2"} <= set(given)
    s.go(-1)  # the intro
    assert not set(given) & _known_deltas(s), "no worked delta shows before the first step"
    at_z2 = [st.id for st in lesson.steps].index("grad:Z2")
    s.go(at_z2)
    shown = _known_deltas(s)
    assert "Z3" in shown and "A2" in shown, "the worked steps before this one show"
    assert "W2" not in shown and "Z2" not in shown, "dW2, worked after dZ2, does not give dZ2 away"
    s.go(at_z2 + 1)
    assert s.step.given and "W2" in _known_deltas(s)


def test_a_given_delta_shows_on_the_summary_but_not_on_the_first_step():
    lesson = find_lesson("torch-leaves", [])
    s = LessonSession(lesson, ProgressStore())
    [worked] = [st for st in lesson.steps if st.given]
    s.go(0)
    assert "x" not in _known_deltas(s)
    s.go(len(lesson.steps))  # the summary: every worked step is shown
    assert "x" in _known_deltas(s) and worked.node == "x"
