"""The ``new`` templates write their numbers as live numbers: the starter lesson stays right when its inputs change."""

from __future__ import annotations

import re

import pytest

from tutor.authoring import TEMPLATES
from tutor.cli import main
from tutor.course import load_lesson


def prose_of(lesson) -> str:
    """Every prose text of a lesson, as the learner reads it."""
    steps = [s.prompt + s.explain + "".join(s.hints) + "".join(m.message for m in s.mistakes) for s in lesson.steps]
    return "\n".join([lesson.summary, lesson.intro, lesson.outro, *steps])


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_every_template_uses_live_numbers_and_stays_strict_clean_when_an_input_changes(template, tmp_path):
    assert main(["new", "starter", "--dir", str(tmp_path), "--template", template]) == 0
    path = tmp_path / "starter.yaml"
    text = path.read_text(encoding="utf-8")
    assert re.search(r"\{\{ [^}]+ \}\}", text), "the template writes no live number"
    before = prose_of(load_lesson(path))
    assert "{{" not in before and "$" not in before
    # change the first number of the inputs, as the teacher of the trial did
    changed = re.sub(r"(inputs:[^\n]*\n(?:\s+#[^\n]*\n)*\s+\w+: \[*)(-?\d+\.?\d*)", r"\g<1>1.75", text, count=1)
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    after = prose_of(load_lesson(path))
    assert after != before, "the prose did not follow the new input"
    assert main(["validate", "--strict", str(path)]) == 0


def test_the_chain_templates_explanation_follows_x(tmp_path):
    """The trial's case: x from 1.5 to 2.0 made the hard-coded '= −9.6' stale; now it says −14.4."""
    assert main(["new", "chain-one", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "chain-one.yaml"
    assert "−6.4 · 1.5 = −9.6" in load_lesson(path).step("grad:w").explain
    path.write_text(path.read_text(encoding="utf-8").replace("x: 1.5", "x: 2.0"), encoding="utf-8")
    lesson = load_lesson(path)
    assert "−7.2 · 2 = −14.4" in lesson.step("grad:w").explain
    assert lesson.step("value:y").hints == ("y = w·x with w = −0.8 and x = 2.",)
