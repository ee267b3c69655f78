"""The answer box: one line of at most as many characters as the grader reads, and nothing unprintable."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.message import Message
from textual.widgets import Input

from tutor.lang.parse import MAX_LENGTH
from tutor.safetext import one_line


class AnswerBox(Input):
    """An Input bounded by the answer limit: text past it is refused at once, with a message, not a bell a key.

    A paste of 10,000 characters, or the same typed by a terminal without bracketed paste, costs the
    Input widget about half a millisecond a character; refusing everything past the limit keeps that bounded.
    """

    @dataclass
    class Refused(Message):
        """Typed or pasted text was not added: it would pass the length limit or is not printable."""

        box: AnswerBox

        @property
        def control(self) -> AnswerBox:
            """The answer box (for ``@on(AnswerBox.Refused, "#answer")``)."""
            return self.box

    QUIET = 1.0  # seconds between two Refused messages while keys keep coming

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, select_on_focus=False, max_length=MAX_LENGTH)
        self._refused_at = float("-inf")

    def replace(self, text: str, start: int, end: int) -> None:
        """Every typed or pasted text comes here: one with a control character, bidi override or lone
        surrogate (what ``safetext.one_line`` would escape) is refused; the length is Input's ``max_length``."""
        if one_line(text) != text:
            self.restricted()
            return
        super().replace(text, start, end)

    def restricted(self) -> None:
        """Say once (not once per key) that the text was not added."""
        now = time.monotonic()
        if now - self._refused_at >= self.QUIET:
            self._refused_at = now
            self.post_message(self.Refused(self))
