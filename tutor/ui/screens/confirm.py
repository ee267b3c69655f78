"""A yes-or-no question over the current screen (resetting a lesson or a step asks first)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.safetext import printable


class ConfirmScreen(ModalScreen[bool]):
    """Ask ``question`` (plain text); ``y`` or Enter answers yes, ``n`` or Escape no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", priority=True),
        Binding("n,escape", "answer(False)", "No", priority=True),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        """The question, what it means, and the keys."""
        with Vertical(id="confirm-box"):
            yield Static(Text(printable(self.question), style="bold"), id="confirm-question")
            if self.detail:
                yield Static(Text(printable(self.detail)), id="confirm-detail")
            yield Static(Text("y or Enter: yes · n or Escape: no", style="dim"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)
