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

    @property
    def correct(self) -> bool:
        """Whether the answer is right."""
        return self.status == "correct"

    @property
    def counts(self) -> bool:
        """Whether this counts as an attempt (unreadable input does not)."""
        return self.status != "unreadable"
