"""The answer box: one line of at most as many characters as the grader reads, and nothing unprintable."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.message import Message
from textual.widgets import Input

from tutor.lang.parse import MAX_LENGTH

#: a printable line: no control characters, bidi overrides or lone surrogates (tutor.safetext's list)
PRINTABLE_LINE = r"[^\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]*"


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
        super().__init__(id=id, select_on_focus=False, max_length=MAX_LENGTH, restrict=PRINTABLE_LINE)
        self._refused_at = float("-inf")

    def restricted(self) -> None:
        """Say once (not once per key) that the text was not added."""
        now = time.monotonic()
        if now - self._refused_at >= self.QUIET:
            self._refused_at = now
            self.post_message(self.Refused(self))
