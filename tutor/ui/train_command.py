"""The command palette's way to the training screen: ``Train your backward pass: <lesson>`` while a lesson whose
graph is a network (constants ``X`` and ``Y``) is open. Imported when the palette first opens; the trainer itself
only when the command is chosen."""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tutor.safetext import one_line

TRAINABLE_DATA = ("X", "Y")


def open_training(app: object) -> bool:
    """Open the training screen over the open lesson, if it is a network; whether it opened."""
    from tutor.ui.screens.lesson import LessonScreen

    screen = getattr(app, "screen", None)
    if not isinstance(screen, LessonScreen):
        return False
    if not trainable(screen.lesson):
        app.notify(  # type: ignore[attr-defined]
            "This lesson's graph is no network to train: training needs a lesson whose constants are the samples "
            "X and the targets Y (the two-layer lessons).",
            severity="warning",
            markup=False,
        )
        return False
    from tutor.ui.screens.train import TrainScreen

    app.push_screen(TrainScreen(screen.lesson, screen.store))  # type: ignore[attr-defined]
    return True


def trainable(lesson: object) -> bool:
    """Whether a lesson looks like a network to train: its constants hold the samples X and the targets Y."""
    constants = getattr(lesson, "constants", {})
    return all(name in constants for name in TRAINABLE_DATA)


class TrainCommands(Provider):
    """One command, while a network lesson is open."""

    def _command(self) -> str | None:
        """The command's text, or None when the open screen is no network lesson."""
        lesson = getattr(self.screen, "lesson", None)
        if lesson is None or not trainable(lesson):
            return None
        return one_line(f"Train your backward pass: {lesson.title}")

    async def discover(self) -> Hits:
        """The command, when nothing is typed yet."""
        text = self._command()
        if text is not None:
            yield DiscoveryHit(Content(text), self._open, text=text)

    async def search(self, query: str) -> Hits:
        """The command, when what is typed matches it."""
        text = self._command()
        if text is None:
            return
        score = self.matcher(query).match(text)
        if score > 0:
            yield Hit(score, Content(text), self._open, text=text)

    def _open(self) -> None:
        """Open the training screen."""
        open_training(self.app)
