"""Fuzz: lessons whose every text field is drawn from hostile pieces (markup, actions, escapes, bidi, brackets,
backslashes, newlines, Markdown); the lesson screen shows each from intro to summary without raising, and no
control character reaches the screen."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import yaml
from helpers import screen_text, settle, shipped_course, type_answer
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tutor.course import LessonError, load_lesson
from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PIECES = [
    "[", "]", "[/", "[/]", "[b]", "[/b]", "[red]x[/bold]", "[x]", "[W1]", "1/[N]", "[@click=app.quit]q[/]",
    "[@click=app.screenshot('progress.json','.')]", "[$text-success]", "[link=https://e.x]l[/link]", "\\", "\\[",
    "$var", "\x1b[2J", "\x1b]0;t\x07", "\x9b2J", "\r", "\x08", "\x00", "\u202e", "\u2066", "\n", "\t", "*", "`",
    "```", "# ", "| a |", "<b>", "<script>", "](https://e.x)", "[t](https://e.x)", "![i](x.png)", "&amp;", "✓", "∂",
    "中", "🖼", " ", "word",
]  # fmt: skip
TEXT = st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join)


def lesson_doc(texts: list[str]) -> dict:
    """A small valid lesson whose text fields hold the drawn strings."""
    title, summary, intro, outro, prompt, hint, explain, mistake = texts
    return {
        "format": 1,
        "id": "fuzzed",
        "title": title,
        "summary": summary,
        "intro": intro,
        "outro": outro,
        "inputs": {"x": 1.5},
        "constants": {"t": 4.25},
        "graph": ["y = 2 * x", "L = (y - t) ** 2"],
        "steps": [
            {
                "value": "y",
                "prompt": prompt,
                "hint": [hint, mistake],
                "explain": explain,
                "mistakes": [{"answer": "x", "message": mistake}],
            },
            {"grad": "y"},
        ],
    }


async def walk(path: Path) -> list[str]:
    """Open the lesson, take a hint, answer wrongly then rightly, show an answer, reach the summary; every screen."""
    lesson = load_lesson(path)
    app = TutorApp.with_course(shipped_course(), lesson=lesson)
    screens = []
    async with app.run_test(size=(80, 30), notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)
        screens.append(screen_text(pilot))
        for keys in (["enter"], ["f2", "f2"]):
            await pilot.press(*keys)
            await settle(pilot)
            screens.append(screen_text(pilot))
        for answer in ("x", "3"):
            await type_answer(pilot, answer)
            screens.append(screen_text(pilot))
        await pilot.press("enter", "f3", "enter")
        await settle(pilot)
        assert app.screen.session.on_summary
        screens.append(screen_text(pilot))
        assert app.is_running
    return screens


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(TEXT, min_size=8, max_size=8))
def test_hostile_text_in_every_field_never_breaks_the_lesson_screen(tmp_path, texts):
    path = tmp_path / "fuzzed.yaml"
    path.write_text(yaml.safe_dump(lesson_doc(texts), allow_unicode=True), encoding="utf-8")
    try:
        load_lesson(path)
    except LessonError:
        assume(False)  # text the loader refuses (said so, located) never reaches the app
    for text in asyncio.run(walk(path)):
        assert not UNSAFE.search(text), f"{UNSAFE.search(text)!r} reached the screen:\n{text}"
