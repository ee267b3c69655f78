"""The session decides what the lesson screen shows: where the learner is and how it stands, the line carried
over to the next step, the place kept across a reload, the graph as earned so far (no Textual needed)."""

from __future__ import annotations

import numpy as np

from tutor.course import find_lesson, load_lesson, solve
from tutor.course.steps import GRAD
from tutor.progress import ProgressStore
from tutor.ui.session import INTRO, SUMMARY, LessonSession


def chain_rule() -> LessonSession:
    """A fresh session on the shipped chain-rule lesson (y = 2x, L = (y − t)²)."""
    return LessonSession(find_lesson("chain-rule", []), ProgressStore())


def answer(session: LessonSession, text: str) -> None:
    """Grade and record an answer to the current step."""
    session.submit(text)


def test_place_and_stage_follow_the_learner():
    s = chain_rule()
    assert (s.place, s.stage) == (INTRO, INTRO)
    s.advance()
    assert (s.place, s.stage) == ("value:y", "open")
    answer(s, "3")
    assert s.stage == "solved"
    s.advance()
    s.reveal()
    assert (s.place, s.stage) == ("value:L", "shown")
    s.go(len(s.steps))
    assert (s.place, s.stage) == (SUMMARY, SUMMARY)


def test_the_line_carried_over_is_the_question_answered():
    s = chain_rule()
    lesson = s.lesson
    assert s.carried_line(lesson.step("value:y")) == "✓ y = 3"
    assert s.carried_line(lesson.step("grad:y")) == "✓ dy = ∂L/∂y = -2.5"
    assert s.carried_line(lesson.step("local:L/y")) == "✓ ∂L/∂y = -2.5  (local: other inputs fixed)"
    assert s.prompt(lesson.step("grad:y")).question == "dy = ∂L/∂y = ?"  # the question itself is unchanged


def test_the_carried_line_of_a_matrix_delta_names_it_as_the_hints_do():
    lesson = find_lesson("two-layer-net", [])
    s = LessonSession(lesson, ProgressStore())
    step = next(x for x in lesson.steps if x.kind is GRAD and np.ndim(s.value(x.node)) > 0)
    line = s.carried_line(step)
    assert line.startswith(f"✓ d{step.node} = ∂{lesson.output}/∂{step.node} = [") and line.endswith("]")


def edited(tmp_path, lesson, old: str, new: str):
    """The lesson's file with one piece of text replaced, loaded (a new version: another content hash)."""
    assert lesson.path is not None
    text = lesson.path.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / lesson.path.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_lesson(path)


def test_a_reload_keeps_the_step_the_intro_or_the_summary(tmp_path):
    s = chain_rule()
    s.advance()
    s.advance()  # value:L
    new = edited(tmp_path, s.lesson, "x: 1.5", "x: 2.5")
    again = s.reloaded(new, solve(new))
    assert again.lesson is new and again.place == "value:L"
    s.go(-1)
    assert s.reloaded(new).place == INTRO
    s.go(len(s.steps))
    assert s.reloaded(new).place == SUMMARY


def test_a_reload_without_the_step_keeps_the_position(tmp_path):
    s = chain_rule()
    s.go(1)
    assert s.place == "value:L"
    new = edited(tmp_path, s.lesson, "- value: L\n", "- grad: L\n")
    assert "value:L" not in [x.id for x in new.steps]
    again = s.reloaded(new)
    assert again.position == 1 and again.place == "grad:L"


def test_the_graph_shows_what_is_earned_and_what_is_asked():
    s = chain_rule()
    s.advance()  # value:y
    graph = s.graph()
    rows = {r.name: r for r in graph.rows}
    assert [r.name for r in graph.rows] == ["x", "t", "y", "L"] and graph.current == "y"
    assert rows["x"].computes == "input" and float(rows["x"].value) == 1.5
    assert rows["t"].computes == "constant" and rows["t"].grad is None
    assert rows["y"].computes == "2·x" and rows["y"].inputs == ("x",)
    assert rows["y"].value is None and rows["y"].value_asked and rows["y"].current
    assert rows["L"].value is None and not rows["L"].value_asked and not rows["L"].current
    answer(s, "3")
    rows = {r.name: r for r in s.graph().rows}
    assert float(rows["y"].value) == 3 and not rows["y"].value_asked
    s.go(len(s.steps))
    assert s.graph().current is None
