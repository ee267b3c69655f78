"""Helpers for the Pilot tests: type like a learner, read what the screen shows."""

from __future__ import annotations

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

TYPE_LIMIT = 24  # longer answers (matrices) are pasted, as a learner would, to keep the tests quick


async def type_answer(pilot: Pilot, text: str, submit: bool = True) -> None:
    """Clear the answer box and type ``text`` key by key, or paste it when long (then Enter)."""
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
    await pilot.pause()


def shown(pilot: Pilot, selector: str) -> str:
    """The text of a Static on the current screen ('' if hidden)."""
    widget = pilot.app.screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""
