"""Feedback in stages: the first wrong try names the mistake without the formula that gives the answer away; the
formula comes from the second wrong try on, or once every hint was seen. The session tells the grader where the
learner stands, so the screen shows the verdict's message as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course import find_lesson, load_lesson, solve
from tutor.grading import AnswerContext, grade
from tutor.grading.feedback import clauses
from tutor.progress import ProgressStore
from tutor.ui.session import LessonSession

HERE = Path(__file__).resolve().parent / "lessons"


def graded(ref: str, step_id: str, text: str, wrong_before: int = 0, hints_seen: int = 0):
    path = HERE / f"{ref}.yaml"
    lesson = load_lesson(path) if path.exists() else find_lesson(ref, [])
    return grade(solve(lesson), lesson.step(step_id), text, AnswerContext(None, wrong_before, hints_seen))


@pytest.mark.parametrize(
    ("ref", "step", "text", "first", "formula"),
    [
        # the learner trial: "dX = W.T @ dS" appeared on the first wrong try
        ("two-layer-batch", "grad:W1", "X.T @ dZ1 / 4", "and dZ1 already carries it.", "dW1 = X.T @ dZ1"),
        ("two-layer-batch", "grad:b1", "dZ1", "sum dZ1 over the rows (the batch).", "sum(dZ1, 0)"),
        ("two-layer-batch", "grad:b2", "dZ2", "add up the 4 contributions.", "sum(dZ2, 0)"),
        ("sigmoid-neuron", "local:q/z", "sigmoid(q) * (1 - sigmoid(q))", "q is already σ(z).", "q·(1 − q)"),
        ("chain-rule-paths", "local:z/y", "2", "That is the power rule's 2 without the y.", "2·y"),
    ],
)
def test_an_authors_message_holds_back_the_answer_on_the_first_try(ref, step, text, first, formula):
    v = graded(ref, step, text)
    assert v.diagnosis == "author" and v.message.endswith(first), v.message
    assert formula not in v.message and formula in v.formula and v.formula_held_back
    again = graded(ref, step, text, wrong_before=1)
    assert formula in again.message and not again.formula_held_back
    lesson = find_lesson(ref, [])
    (m,) = [m for m in lesson.step(step).mistakes if m.answer == text]
    assert again.message == m.message  # the second try shows the author's message as written


def test_an_authors_message_without_the_answer_is_shown_whole():
    v = graded("two-layer-net", "grad:Z2", "dA2")
    assert v.diagnosis == "author" and not v.formula
    assert v.message.startswith("That is dA2, the delta at the sigmoid's output.")


def test_every_hint_seen_brings_the_formula_too():
    lesson = find_lesson("two-layer-batch", [])
    hints = len(lesson.step("grad:W1").hints)
    assert hints
    assert "dW1 = X.T @ dZ1" in graded("two-layer-batch", "grad:W1", "X.T @ dZ1 / 4", hints_seen=hints).message
    if hints > 1:
        assert "dW1 = X.T @ dZ1" not in graded("two-layer-batch", "grad:W1", "X.T @ dZ1 / 4", hints_seen=1).message


def test_clauses_split_outside_brackets():
    text = "b1 is shared: sum dZ1 over the rows (the batch), sum(dZ1, 0), to get a 1×3 row."
    assert [c for _, c in clauses(text)] == [
        "b1 is shared:",
        "sum dZ1 over the rows (the batch),",
        "sum(dZ1, 0),",
        "to get a 1×3 row.",
    ]
    assert [c for _, c in clauses("That is 0.25 here. Then x.T")] == ["That is 0.25 here.", "Then x.T"]


def test_the_session_passes_attempts_hints_and_what_was_earned():
    s = LessonSession(find_lesson("two-layer-batch", []), ProgressStore())
    s.go_to_step("grad:W1")
    first = s.submit("X.T @ dZ1 / 4")
    assert first.diagnosis == "author" and "dW1 = X.T @ dZ1" not in first.message
    second = s.submit("X.T @ dZ1 / 4")
    assert "dW1 = X.T @ dZ1" in second.message
    # what was earned: a later step's delta is refused while its step is open, fine once shown
    t = LessonSession(find_lesson("two-layer-net", []), ProgressStore())
    t.go_to_step("grad:A1")
    refused = t.submit("db2 @ W2.T")
    assert refused.status == "unreadable" and "dA1 comes before db2" in refused.message
    assert not t.progress(t.step).attempts  # not counted
    t.go_to_step("grad:b2")
    t.reveal()
    t.go_to_step("grad:A1")
    assert t.submit("db2 @ W2.T").correct
