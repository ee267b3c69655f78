"""The PyTorch panel: how PyTorch computes the current step, and its numbers beside the engine's."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.course import Lesson, Step, solve
from tutor.grading import show_array


class TorchPanel(ModalScreen[None]):
    """A modal over the lesson screen for one step; Escape closes it."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "dismiss", "Close")]

    def __init__(self, lesson: Lesson, step: Step, learner_answer: np.ndarray | None = None) -> None:
        """Show ``step`` of ``lesson``; ``learner_answer`` is the learner's last graded value, if any."""
        super().__init__()
        self.lesson = lesson
        self.step = step
        self.learner_answer = learner_answer

    def compose(self) -> ComposeResult:
        """The step, the graph and the engine's answer."""
        engine = solve(self.lesson).answer(self.step)
        with Vertical(id="torch-panel"):
            yield Static(f"PyTorch · {self.lesson.id} · {self.step.id}", id="torch-title")
            yield Static("\n".join(a.text for a in self.lesson.program.assignments), id="torch-graph")
            yield Static(f"engine: {show_array(engine, 6)}", id="torch-engine")
            if self.learner_answer is not None:
                yield Static(f"yours:  {show_array(self.learner_answer, 6)}", id="torch-learner")
            yield Static("Escape closes", id="torch-help")
