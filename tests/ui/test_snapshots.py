"""Snapshots of the home screen and a lesson screen (fixed size, no cursor blink), looked at before accepting."""

from __future__ import annotations

from textual.widgets import Input

from tutor.course import load_course
from tutor.ui.app import TutorApp


def chain_rule_app(theme: str = "textual-dark") -> TutorApp:
    """The tutor on the first lesson, in a fresh home, in the given theme."""
    course = load_course()
    app = TutorApp(course, lesson=course.get("chain-rule"))
    app.theme = theme
    return app


async def no_blink(pilot) -> None:
    """Stop the answer box's cursor blinking so that the picture is stable."""
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


def test_home_screen(snap_compare):
    course = load_course()
    only_chain_rule = type(course)([course.get("chain-rule")], [])
    assert snap_compare(TutorApp(only_chain_rule), terminal_size=(100, 20))


def test_lesson_step_with_feedback_and_hint(snap_compare):
    async def run_before(pilot) -> None:
        await pilot.press("enter")  # past the intro, to y = ?
        await no_blink(pilot)
        await pilot.press("3", "enter")  # y = 3: right, no explanation, on to L
        await pilot.press("1", ".", "5", "enter", "f2")  # wrong, then a hint
        await no_blink(pilot)

    assert snap_compare(chain_rule_app(), terminal_size=(80, 24), run_before=run_before)


def test_lesson_explanation_light_theme(snap_compare):
    async def run_before(pilot) -> None:
        await pilot.press("enter")
        await no_blink(pilot)
        await pilot.press("3", "enter", "1", ".", "5", "6", "2", "5", "enter", "f6")  # to local:L/y
        await pilot.press("-", "2", ".", "5", "enter")  # right; its explanation waits for Enter
        await no_blink(pilot)

    assert snap_compare(chain_rule_app("textual-light"), terminal_size=(80, 24), run_before=run_before)
