"""A small app that shows one lesson's circuit at a chosen point of the lesson, for the picture's tests."""

from __future__ import annotations

from pathlib import Path

from helpers import shipped_course
from textual.app import App, ComposeResult

from tutor.course import solve
from tutor.progress import SOLVED, ProgressStore
from tutor.ui.layout import asked_local, earned_locals
from tutor.ui.session import LessonSession
from tutor.ui.widgets.circuit import CircuitPanel
from tutor.ui.widgets.network import NetworkPanel


def session_at(lesson_id: str, home: Path, solved: int, at: int | None = None) -> LessonSession:
    """A learner's session on a shipped lesson with its first ``solved`` steps solved, at step ``at``."""
    lesson = shipped_course().get(lesson_id)
    session = LessonSession(lesson, ProgressStore(home / "progress.json"), solve(lesson))
    for step in lesson.steps[:solved]:
        session.progress(step).status = SOLVED
    session.go(solved if at is None else at)
    return session


class CircuitApp(App[None]):
    """The circuit of one session, alone on the screen; the boxes clicked are kept in ``chosen``."""

    def __init__(self, session: LessonSession) -> None:
        super().__init__()
        self.session = session
        self.chosen: list[str] = []

    def on_circuit_panel_box_chosen(self, message: CircuitPanel.BoxChosen) -> None:
        """Keep the name of the box clicked."""
        self.chosen.append(message.name)

    def compose(self) -> ComposeResult:
        """Only the picture."""
        yield CircuitPanel(id="circuit")

    def on_mount(self) -> None:
        """Draw the session's graph."""
        s = self.session
        self.query_one(CircuitPanel).show(s.lesson, s.solution, s.graph(), earned_locals(s), asked_local(s))


class NetworkApp(App[None]):
    """The network picture of one session, alone on the screen."""

    def __init__(self, session: LessonSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        """Only the picture."""
        yield NetworkPanel(id="network")

    def on_mount(self) -> None:
        """Draw the session's network."""
        s = self.session
        self.query_one(NetworkPanel).show(s.lesson, s.solution, s.graph())
