"""What each step asks, in readable maths: ``∂L/∂y = ?``, ``δ = ∂L/∂Z2 (dZ2), shape 1×1``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.course.model import Lesson, Step
from tutor.engine import fmt_shape
from tutor.lang.pretty import format_number


@dataclass(frozen=True)
class Prompt:
    """A step's question: what is asked in maths (``δ = ∂L/∂y``), the shape expected, one line of context,
    and a note after the question (``(dy)``)."""

    asks: str
    shape: str
    context: str
    note: str = ""

    @property
    def question(self) -> str:
        """The headline: ``δ = ∂L/∂y = ?  (dy)``."""
        return self.answered("?")

    def answered(self, answer: str) -> str:
        """The headline with the answer in place of the ``?``: ``y = 3``, the line carried over to the next step."""
        return f"{self.asks} = {answer}" + (f"  {self.note}" if self.note else "")

    def __str__(self) -> str:
        return f"{self.question}   (shape {self.shape})  {self.context}".rstrip()


def answer_shape(lesson: Lesson, step: Step, values: dict[str, np.ndarray]) -> tuple[int, ...]:
    """The shape the answer of a step must have."""
    if step.kind == "jacobian":
        assert step.wrt is not None
        return (int(np.size(values[step.node])), int(np.size(values[step.wrt])))
    if step.kind == "local":
        assert step.wrt is not None
        return tuple(np.shape(values[step.wrt]))
    return tuple(np.shape(values[step.node]))


def prompt(lesson: Lesson, step: Step, values: dict[str, np.ndarray]) -> Prompt:
    """The prompt of a step, given the lesson's forward values (for the context line)."""
    out = lesson.output
    shape = fmt_shape(answer_shape(lesson, step, values))
    a = lesson.program.assignment(step.node) if step.node in lesson.program.nodes else None
    if step.kind == "value":
        assert a is not None
        known = ", ".join(f"{n} = {_short(values[n])}" for n in a.inputs if np.size(values[n]) == 1)
        context = f"{a.text}" + (f", at {known}" if known else "")
        return Prompt(step.node, shape, context)
    if step.kind == "grad":
        note = f"(d{step.node})" if np.ndim(values[step.node]) > 0 else ""
        users = lesson.program.consumers(step.node)
        context = f"{step.node} feeds {', '.join(users)}" if users else ""
        return Prompt(f"δ = ∂{out}/∂{step.node}", shape, context, note)
    assert a is not None and step.wrt is not None
    if step.kind == "local":
        return Prompt(f"∂{step.node}/∂{step.wrt}", shape, a.text, "(local: other inputs fixed)")
    return Prompt(
        f"Jacobian ∂{step.node}/∂{step.wrt}",
        shape,
        f"{a.text}; rows: {step.node} entries, columns: {step.wrt} entries, row-major",
    )


def _short(x: np.ndarray) -> str:
    return format_number(float(np.asarray(x).reshape(-1)[0]))
