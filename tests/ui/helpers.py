"""Helpers for the Pilot tests: type like a learner, read what the screen shows."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, Static


async def type_answer(pilot: Pilot, text: str, submit: bool = True) -> None:
    """Clear the answer box and type ``text`` key by key (then Enter)."""
    box = pilot.app.screen.query_one("#answer", Input)
    box.value = ""
    await pilot.press(*text)
    assert box.value == text
    if submit:
        await pilot.press("enter")
    await pilot.pause()


def shown(pilot: Pilot, selector: str) -> str:
    """The text of a Static on the current screen ('' if hidden)."""
    widget = pilot.app.screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""
