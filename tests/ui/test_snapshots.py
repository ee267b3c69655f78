"""Snapshots of the home screen and a lesson screen (fixed size, no cursor blink), looked at before accepting.

Each lesson snapshot first checks, with assertions, that the screen is in the state its name describes
(the step, the feedback, the hint or explanation), so that a picture of the wrong moment fails here
instead of being accepted as the reference.
"""

from __future__ import annotations

from helpers import shipped_course
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Static

from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen


def chain_rule_app(theme: str = "textual-dark") -> TutorApp:
    """The tutor on the first lesson, in a fresh home, in the given theme."""
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    app.theme = theme
    return app


def text_of(screen: LessonScreen, selector: str) -> str:
    """What a Static of the lesson screen shows ('' if hidden)."""
    widget = screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


async def lesson_opened(pilot: Pilot) -> LessonScreen:
    """Wait until the lesson asked for is on screen at its introduction (it opens after the first draw)."""
    for _ in range(50):
        screen = pilot.app.screen
        if isinstance(screen, LessonScreen) and screen.is_mounted and "introduction" in text_of(screen, "#step-title"):
            return screen
        await pilot.pause(0.05)
    raise AssertionError(f"the lesson did not open: the screen is {pilot.app.screen!r}")


async def no_blink(pilot: Pilot) -> None:
    """Stop the answer box's cursor blinking so that the picture is stable."""
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


def test_home_screen(snap_compare):
    course = shipped_course()
    only_chain_rule = type(course)([course.get("chain-rule")], [])
    assert snap_compare(TutorApp.with_course(only_chain_rule), terminal_size=(100, 20))


def test_lesson_step_with_feedback_and_hint(snap_compare):
    async def run_before(pilot: Pilot) -> None:
        screen = await lesson_opened(pilot)
        await pilot.press("enter")  # past the intro, to y = ?
        await no_blink(pilot)
        await pilot.press("3", "enter")  # y = 3: right, no explanation, on to L
        await pilot.pause()
        assert screen.session.step is not None and screen.session.step.id == "value:L"
        await pilot.press("1", ".", "5", "enter", "f2")  # wrong, then a hint
        await no_blink(pilot)
        assert screen.session.step.id == "value:L"
        assert text_of(screen, "#step-title").startswith("Step 2 of 6")
        assert text_of(screen, "#feedback").startswith("✗ Not quite: that is not L")
        assert text_of(screen, "#hints") == "Hint 1/2: L = (y − t)² with y from the step before and t = 4.25."

    assert snap_compare(chain_rule_app(), terminal_size=(80, 24), run_before=run_before)


def test_lesson_explanation_light_theme(snap_compare):
    async def run_before(pilot: Pilot) -> None:
        screen = await lesson_opened(pilot)
        await pilot.press("enter")
        await no_blink(pilot)
        await pilot.press("3", "enter", "1", ".", "5", "6", "2", "5", "enter")  # y and L right: on to local:L/y
        await pilot.pause()
        assert screen.session.step is not None and screen.session.step.id == "local:L/y"
        await pilot.press("-", "2", ".", "5", "enter")  # right; its explanation waits for Enter
        await no_blink(pilot)
        assert screen.session.step.id == "local:L/y"
        assert text_of(screen, "#feedback").startswith("✓ Correct (first try)")
        explanation = screen.query_one("#explain", Markdown)
        assert explanation.display and "2(y − t) = 2·(3 − 4.25) = −2.5" in explanation.source

    assert snap_compare(chain_rule_app("textual-light"), terminal_size=(80, 24), run_before=run_before)
