"""Helpers for the Pilot tests: type like a learner, wait for the engine, read what the screen shows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

TYPE_LIMIT = 24  # longer answers (matrices) are pasted, as a learner would, to keep the tests quick
SETTLE_LIMIT = 60.0  # seconds: only to turn a hang into a failure


async def settle(pilot: Pilot) -> None:
    """Wait until the app's background work (opening a lesson, grading) is done and its result is shown."""
    app = pilot.app
    waited = 0.0
    await pilot.pause()
    while getattr(app, "busy", False):
        assert waited < SETTLE_LIMIT, f"background work still running after {SETTLE_LIMIT:.0f} s: {app.working!r}"
        await asyncio.sleep(0.01)
        waited += 0.01
        await pilot.pause()
    await pilot.pause()


async def wait_for(pilot: Pilot, condition: Callable[[], object], tries: int = 60) -> bool:
    """Let the app run until ``condition()`` holds, up to ``tries`` tenths of a second (the watch polls every half
    second; a lesson opens off the UI thread after the first draw)."""
    for _ in range(tries):
        if condition():
            return True
        await pilot.pause(0.1)
    return bool(condition())


async def type_answer(pilot: Pilot, text: str, submit: bool = True) -> None:
    """Clear the answer box and type ``text`` key by key, or paste it when long (then Enter, and wait for the grade)."""
    box = pilot.app.screen.query_one("#answer", Input)
    box.value = ""
    if len(text) <= TYPE_LIMIT:
        await pilot.press(*text)
    else:
        box.focus()
        box.post_message(events.Paste(text))
        await pilot.pause()
    assert box.value == text
    if submit:
        await pilot.press("enter")
    await settle(pilot)


def shown(pilot: Pilot, selector: str) -> str:
    """The text of a Static on the current screen ('' if hidden)."""
    widget = pilot.app.screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


def screen_text(pilot: Pilot) -> str:
    """Every line of the screen as the terminal would show it (toasts and modals included)."""
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())
