"""Command palette entries: open any lesson by its title or id.

Textual reads a hit's text (and always its ``help``) as markup: a title such as ``[red]x[/bold]`` would crash the
palette and ``[@click=...]`` would be a live action. Each hit is therefore one plain ``Content`` of two lines,
the command and, dimmed, the lesson's id and summary; ``help`` is not used.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from tutor.safetext import one_line
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen


class LessonCommands(Provider):
    """``Open lesson: The chain rule`` for every lesson of the course."""

    def _entries(self) -> list[tuple[str, str, str]]:
        """(command text, help, lesson id) for each lesson, on one line each with control characters escaped."""
        app = self.app
        assert isinstance(app, TutorApp)  # this provider is the tutor's own
        return [
            (one_line(f"Open lesson {i}: {lesson.title}"), one_line(f"{lesson.id} · {lesson.summary}"), lesson.id)
            for i, lesson in enumerate(app.course.entries, 1)
        ]

    def _choose(self, lesson_id: str) -> partial[bool]:
        """What a hit does: tell the app that this lesson was chosen (as the lesson list does)."""
        return partial(self.app.post_message, HomeScreen.LessonChosen(lesson_id))

    async def discover(self) -> Hits:
        """Every lesson, when nothing is typed yet."""
        for text, help_text, lesson_id in self._entries():
            yield DiscoveryHit(with_help(Content(text), help_text), self._choose(lesson_id), text=text)

    async def search(self, query: str) -> Hits:
        """Lessons whose title or id matches what is typed."""
        matcher = self.matcher(query)
        for text, help_text, lesson_id in self._entries():
            score = max(matcher.match(text), matcher.match(lesson_id))
            if score > 0:
                shown = with_help(highlighted(matcher, text), help_text)
                yield Hit(score, shown, self._choose(lesson_id), text=text)


def highlighted(matcher: Matcher, text: str) -> Content:
    """``text`` as plain content, the letters matching the query highlighted (``Matcher.highlight`` reads markup)."""
    content = Content(text)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def with_help(command: Content, help_text: str) -> Content:
    """The command over its help line (dimmed), both plain text."""
    return Content.assemble(command, "\n", Content(help_text).stylize_before("dim"))
