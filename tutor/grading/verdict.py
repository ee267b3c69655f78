"""The result of grading one answer: correct, wrong or unreadable, with feedback for the learner."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Verdict:
    """What the grader concluded about one answer."""

    status: str  # "correct", "wrong" or "unreadable"
    message: str
    read_as: str = ""  # the answer as the grader understood it, in maths
    value: np.ndarray | None = None
    diagnosis: str | None = None  # the id of the mistake it matched, e.g. "sign"
    #: ``read_as`` when the learner should see it (decided by the grader, shown as it is by the screen and the
    #: command line): a wrong or unreadable answer read other than as typed (``2x`` read as 2·x); empty when the
    #: reading only re-spells what was typed (``-2.5`` is not "read as −2.5") or the answer is right
    read_as_shown: str = ""

    @property
    def correct(self) -> bool:
        """Whether the answer is right."""
        return self.status == "correct"

    @property
    def counts(self) -> bool:
        """Whether this counts as an attempt (unreadable input does not)."""
        return self.status != "unreadable"
