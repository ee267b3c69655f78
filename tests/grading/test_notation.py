"""The help's list of answer forms is what the grader reads: every example parses in the lesson's names, every
function of the op table is listed, and N is there only where a lesson has a batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course import load_lesson
from tutor.grading.formula import check_tree, meanings
from tutor.grading.notation import answer_forms
from tutor.lang import parse
from tutor.lang.parse import FUNCTIONS

SHIPPED = sorted(p for p in (Path(__file__).resolve().parents[2] / "lessons").glob("*.yaml") if p.stem != "course")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_example_is_read_by_the_grader_in_the_lessons_names(path):
    lesson = load_lesson(path)
    names = meanings(lesson)
    forms = answer_forms(lesson)
    for form in forms:
        for example in form.example.split("   "):
            if "…" in example:
                continue
            for part in example.split(", ") if form.what.startswith("a name") else [example]:
                check_tree(parse(part), names)  # raises if the grader would not read it
    listed = next(f for f in forms if f.what == "functions").example
    assert all(f"{name}(…)" in listed for name in FUNCTIONS)
    assert any(f.example == "N" for f in forms) == ("N" in names)
