"""What each step asks, in readable maths: ``∂y/∂x = ?``, ``dZ2 = ∂L/∂Z2 = ?``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.course.model import Lesson, Step
from tutor.engine import fmt_shape


@dataclass(frozen=True)
class Prompt:
    """A step's question: what is asked in maths (``dy = ∂L/∂y``), the shape expected, one line of context,
    and a note after the question (``(the new w)``)."""

    asks: str
    shape: str
    context: str
    note: str = ""
    form: str = ""  # the answer's form where a shape does not say it: "True or False"

    @property
    def expects(self) -> str:
        """What the answer must look like: ``shape 2×3``, or the form (``True or False``)."""
        return self.form or f"shape {self.shape}"

    @property
    def question(self) -> str:
        """The headline: ``dy = ∂L/∂y = ?``."""
        return self.answered("?")

    def answered(self, answer: str) -> str:
        """The headline with the answer in place of the ``?``: ``y = 3``, the line carried over to the next step."""
        return f"{self.asks} = {answer}" + (f"  {self.note}" if self.note else "")

    def __str__(self) -> str:
        return f"{self.question}   ({self.expects})  {self.context}".rstrip()


def answer_shape(lesson: Lesson, step: Step, values: dict[str, np.ndarray]) -> tuple[int, ...]:
    """The shape the answer of a step must have."""
    return step.kind.shape(values, step)


def prompt(lesson: Lesson, step: Step, values: dict[str, np.ndarray]) -> Prompt:
    """The prompt of a step, given the lesson's forward values (for the context line)."""
    q = step.kind.question(lesson, step, values)
    shape = fmt_shape(answer_shape(lesson, step, values))
    return Prompt(q.asks, shape, q.context, q.note, q.form)
