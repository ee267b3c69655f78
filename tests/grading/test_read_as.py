"""How the answer was read is decided once, by the grader: shown when the reading tells the learner something
(``2x`` read as 2·x), not when it only re-spells what was typed (``-2.5`` is not "read as −2.5"); the lesson
screen and ``backprop-tutor check`` both show ``Verdict.read_as_shown`` as it is."""

from __future__ import annotations

import pytest

from tutor.cli import main
from tutor.course import find_lesson, solve
from tutor.grading import grade


def graded(step_id: str, text: str):
    """Grade one answer to one step of the shipped chain-rule lesson."""
    lesson = find_lesson("chain-rule", [])
    return grade(solve(lesson), lesson.step(step_id), text)


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("-2.6", "−2.6"),  # a number with a minus sign
        ("2.50", "2.5"),  # a trailing zero
        ("0.123456789", "0.123457"),  # more digits than the reading shows
        ("1e-3", "0.001"),  # another spelling of a number
        ("2*y-t", "2·y − t"),  # ASCII operators, no spaces
        ("2 * (y - t) + 1", "2·(y − t) + 1"),
        ("y^2", "y²"),  # ^ is **
        ("y ** 2", "y²"),
        ("2 * -3", "2·−3"),
    ],
)
def test_a_reading_that_only_respells_the_answer_is_not_shown(text, reading):
    v = graded("grad:y", text)
    assert v.status == "wrong"
    assert v.read_as == reading  # the grader still says how it read it (the feedback uses it)
    assert v.read_as_shown == ""


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("2y-t", "2·y − t"),  # an implicit product
        ("2(y-t)+1", "2·(y − t) + 1"),
        ("1/2y", "1 / 2·y"),  # where the implicit product binds
        ("(2*y)-t", "2·y − t"),  # parentheses that change nothing
        ("+2", "2"),  # a dropped plus
    ],
)
def test_a_reading_that_differs_from_the_typing_is_shown(text, reading):
    v = graded("grad:y", text)
    assert v.status == "wrong"
    assert v.read_as_shown == v.read_as == reading


def test_a_right_answer_has_no_reading_to_show():
    v = graded("grad:y", "2(y-t)")
    assert v.correct and v.read_as == "2·(y − t)"
    assert v.read_as_shown == ""


def test_an_unreadable_formula_shows_its_reading_when_it_differs():
    assert graded("grad:y", "2dy").read_as_shown == "2·dy"  # dy is the very thing asked
    assert graded("grad:y", "dy").read_as_shown == ""


def test_check_prints_the_reading_only_when_the_grader_shows_it(tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text('"value:y": "-2.5"\n"grad:y": "2y-t"\n"grad:x": "2*y-t"\n', encoding="utf-8")
    assert main(["check", "chain-rule", "--answers", str(answers)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("✗ value:y ") and lines[1].startswith("✗ grad:y ")  # -2.5: no "read as −2.5"
    assert lines[2].strip() == "(read as 2·y − t)"  # 2y-t: the implicit product is worth seeing
    assert lines[3].startswith("✗ grad:x ") and lines[4] == "0/3 correct"  # 2*y-t only re-spells
