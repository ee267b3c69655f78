"""F4 without shortcuts: on a step not answered yet the PyTorch panel hides the step's numbers (the engine's and
PyTorch's) until the learner asks for them, which counts the step as shown; on an answered step they show."""

from __future__ import annotations

from helpers import screen_text, settle, shipped_course, type_answer
from rich.console import Console
from textual.widgets import Static

from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.torch_panel import HIDDEN, TorchPanel


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text on one line."""
    console = Console(width=160, color_system=None, force_terminal=False)
    with console.capture() as cap:
        console.print(widget.content)
    return " ".join(cap.get().split())


def row(numbers: Static, who: str) -> list[str]:
    """The cells of one row of the numbers table (engine, PyTorch, yours)."""
    console = Console(width=160, color_system=None, force_terminal=False)
    with console.capture() as cap:
        console.print(numbers.content)
    return next(line.split()[1:] for line in cap.get().splitlines() if line.split()[:1] == [who])


def chain_rule_app() -> TutorApp:
    """The tutor on the chain-rule lesson (y = 2x = 3 at x = 1.5)."""
    course = shipped_course()
    return TutorApp.with_course(course, lesson=course.get("chain-rule"))


async def test_f4_on_an_unanswered_step_hides_its_numbers_until_asked(scripts_without_torch):  # quick: no torch
    app = chain_rule_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # value:y, not answered
        await settle(pilot)
        await pilot.press("f4")
        await pilot.pause()
        panel = app.screen
        assert isinstance(panel, TorchPanel)
        numbers = text_of(panel.query_one("#torch-numbers", Static))
        assert "engine hidden until you answer this step" in numbers and " 3 " not in f" {numbers} "
        assert "v Show the numbers" in screen_text(pilot)
        await pilot.press("v")
        await pilot.pause()
        assert row(panel.query_one("#torch-numbers", Static), "engine") == ["3"]
        assert "v Show the numbers" not in screen_text(pilot)
        await pilot.press("escape")
        await pilot.pause()
        lesson_screen = app.screen
        assert isinstance(lesson_screen, LessonScreen)
        step = lesson_screen.session.step
        assert lesson_screen.session.progress(step).status == "shown"  # asking for the numbers counts as shown
        assert "(answer shown)" in str(lesson_screen.query_one("#step-title", Static).render())
    assert HIDDEN.startswith("hidden until you answer")


async def test_f4_on_an_answered_step_shows_the_numbers(scripts_without_torch):
    app = chain_rule_app()
    async with app.run_test(size=(110, 36)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await type_answer(pilot, "3")  # y solved; on to L
        await pilot.press("f5")  # back to y, answered
        await settle(pilot)
        await pilot.press("f4")
        await pilot.pause()
        numbers = app.screen.query_one("#torch-numbers", Static)
        assert "hidden" not in text_of(numbers) and row(numbers, "engine") == ["3"]
        assert "v Show the numbers" not in screen_text(pilot)
