"""The engine's answer to every step of a lesson, from one run (optionally at other leaf values)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tutor.course.model import Lesson, Step
from tutor.engine import LineGraph, Trace, run
from tutor.engine.autograd import Fact

#: an answer: numbers, or a word PyTorch prints (an autograd step's None, True, False or grad_fn name)
Answer = np.ndarray | Fact


@dataclass
class Solution:
    """A lesson solved by the engine: the trace of one run and each step's expected answer."""

    lesson: Lesson
    trace: Trace
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: work the grader's mistakes share between steps of this run (a slip's whole backward pass), by key
    memo: dict[str, dict[int, np.ndarray]] = field(default_factory=dict, repr=False)
    #: each graph line rebuilt alone at this run's values, by its node (the grader's mistakes pull back through it)
    lines: dict[str, LineGraph] = field(default_factory=dict, repr=False)

    def answer(self, step: Step) -> np.ndarray:
        """The expected answer of a step: a value, a local derivative, a delta, a Jacobian ...; for an autograd
        step, a :class:`~tutor.engine.autograd.Fact` where PyTorch prints a word (see :data:`Answer`)."""
        if step.id not in self._cache:
            self._cache[step.id] = expected(self.lesson, self.trace, step)
        return self._cache[step.id]

    def answers(self) -> dict[str, np.ndarray]:
        """Every step's answer by step id, in step order."""
        return {s.id: self.answer(s) for s in self.lesson.steps}


def expected(lesson: Lesson, trace: Trace, step: Step) -> np.ndarray:
    """The engine's answer to one step at the trace's values (its kind says how)."""
    return step.kind.expected(lesson, trace, step)


def solve(lesson: Lesson, leaves: Mapping[str, np.ndarray] | None = None) -> Solution:
    """Run the engine on the lesson (at its own values, or at ``leaves``)."""
    return Solution(lesson, run(lesson.program, leaves if leaves is not None else lesson.leaf_values()))


def to_plain(x: np.ndarray | Fact) -> float | list | bool | str | None:
    """An answer as a number or nested lists for JSON; a word as itself (None, True, a grad_fn's name)."""
    if isinstance(x, Fact):
        return x.value
    a = np.asarray(x, dtype=float)
    return float(a) if a.ndim == 0 else a.tolist()
