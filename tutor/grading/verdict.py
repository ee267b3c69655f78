"""The result of grading one answer (correct, wrong or unreadable, with feedback) and the moment it was given."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.course.model import Step


@dataclass(frozen=True)
class Verdict:
    """What the grader concluded about one answer."""

    status: str  # "correct", "wrong" or "unreadable"
    message: str  # what the learner reads now: the diagnosis, with its formula once it is due
    read_as: str = ""  # the answer as the grader understood it, in maths
    value: np.ndarray | None = None
    diagnosis: str | None = None  # the id of the mistake it matched, e.g. "sign"
    #: ``read_as`` when the learner should see it (decided by the grader, shown as it is by the screen and the
    #: command line): a wrong or unreadable answer read other than as typed (``2x`` read as 2·x); empty when the
    #: reading only re-spells what was typed (``-2.5`` is not "read as −2.5") or the answer is right
    read_as_shown: str = ""
    #: the part of the diagnosis that gives the answer away (``dX = W.T @ dS``): held back from ``message`` on
    #: the first wrong try, part of it from the second on (or once every hint was seen); "" when there is none
    formula: str = ""

    @property
    def correct(self) -> bool:
        """Whether the answer is right."""
        return self.status == "correct"

    @property
    def counts(self) -> bool:
        """Whether this counts as an attempt (unreadable input does not)."""
        return self.status != "unreadable"

    @property
    def formula_held_back(self) -> bool:
        """Whether the diagnosis has a formula that ``message`` does not show yet (the screen may offer it)."""
        return bool(self.formula) and self.formula not in self.message


@dataclass(frozen=True)
class AnswerContext:
    """Where the learner stands when answering a step: what they have earned, how often they tried, hints seen."""

    #: ids of the steps solved or shown; None: every step before this one (a learner working in order, as
    #: ``backprop-tutor check`` assumes)
    earned: frozenset[str] | None = None
    wrong_before: int = 0  # wrong attempts at this step before this one
    hints_seen: int = 0  # hints of this step asked for so far

    def formula_due(self, step: Step) -> bool:
        """Whether a diagnosis may give its formula: from the second wrong try on, or once every hint was seen."""
        return self.wrong_before >= 1 or (bool(step.hints) and self.hints_seen >= len(step.hints))

    def earned_ids(self, steps: tuple[Step, ...], step: Step) -> frozenset[str]:
        """The ids of the steps earned: as given, else every step before ``step``."""
        if self.earned is not None:
            return self.earned
        ids = [s.id for s in steps]
        return frozenset(ids[: ids.index(step.id)] if step.id in ids else ids)
