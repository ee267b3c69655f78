"""Command palette entries: open any lesson by its title or id."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tutor.ui.app import TutorApp


class LessonCommands(Provider):
    """``Open lesson: The chain rule`` for every lesson of the course."""

    def _entries(self) -> list[tuple[str, str, str]]:
        """(command text, help, lesson id) for each lesson."""
        app: TutorApp = self.app  # type: ignore[assignment]
        return [
            (f"Open lesson {i}: {lesson.title}", f"{lesson.id} · {lesson.summary}", lesson.id)
            for i, lesson in enumerate(app.course.entries, 1)
        ]

    async def discover(self) -> Hits:
        """Every lesson, when nothing is typed yet."""
        app: TutorApp = self.app  # type: ignore[assignment]
        for text, help_text, lesson_id in self._entries():
            yield DiscoveryHit(text, partial(app.open_lesson, lesson_id), help=help_text)

    async def search(self, query: str) -> Hits:
        """Lessons whose title or id matches what is typed."""
        app: TutorApp = self.app  # type: ignore[assignment]
        matcher = self.matcher(query)
        for text, help_text, lesson_id in self._entries():
            score = max(matcher.match(text), matcher.match(lesson_id))
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(app.open_lesson, lesson_id), help=help_text)
