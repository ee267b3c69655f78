"""Command palette entries: open any lesson by its title or id, start a lesson (or the current step) again.

Textual reads a hit's text (and always its ``help``) as markup: a title such as ``[red]x[/bold]`` would crash the
palette and ``[@click=...]`` would be a live action. Each hit is therefore one plain ``Content`` of two lines,
the command and, dimmed, the lesson's id and summary; ``help`` is not used.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from tutor.safetext import one_line
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen, ResetChosen


class LessonCommands(Provider):
    """``Open lesson 1: The chain rule`` and ``Reset lesson 1: The chain rule`` for every lesson of the course, and
    ``Reset this step`` on a lesson's step."""

    def _entries(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(command text, help, what it does) for each command, on one line each with control characters escaped:
        every lesson to open and to reset, practising the open one again with new numbers, resetting its step."""
        app = self.app
        assert isinstance(app, TutorApp)  # this provider is the tutor's own
        post = self.app.post_message
        out: list[tuple[str, str, Callable[[], object]]] = [
            (
                one_line(f"Open lesson {i}: {lesson.title}"),
                one_line(f"{lesson.id} · {lesson.summary}"),
                self._choose(lesson.id),
            )
            for i, lesson in enumerate(app.course.entries, 1)
        ]
        for i, lesson in enumerate(app.course.entries, 1):
            why = one_line(f"{lesson.id} · start it again from the beginning (asks first; your answers are kept)")
            out.append((one_line(f"Reset lesson {i}: {lesson.title}"), why, partial(post, ResetChosen(lesson.id))))
        if app.can_practise_again():
            why = "the lesson open, with new numbers drawn from its vary: section (your progress on it is kept)"
            out.append(("Practice again with new numbers", why, partial(app.practise_again)))
        step = app.current_step()
        if step is not None:
            lesson_id, step_id, label = step
            why = "start this step again (asks first; your answers are kept in the progress file)"
            out.append((one_line(f"Reset this step: {label}"), why, partial(post, ResetChosen(lesson_id, step_id))))
        return out

    def _choose(self, lesson_id: str) -> partial[bool]:
        """What a hit does: tell the app that this lesson was chosen (as the lesson list does)."""
        return partial(self.app.post_message, HomeScreen.LessonChosen(lesson_id))

    async def discover(self) -> Hits:
        """Every lesson, when nothing is typed yet."""
        for text, help_text, action in self._entries():
            yield DiscoveryHit(with_help(Content(text), help_text), action, text=text)

    async def search(self, query: str) -> Hits:
        """Lessons whose title or id matches what is typed (``chain-rule`` opens it, ``reset chain-rule`` resets it)."""
        matcher = self.matcher(query)
        for text, help_text, action in self._entries():
            lesson_id = help_text.split(" · ")[0] if " · " in help_text else ""
            words = f"reset {lesson_id}" if lesson_id and text.startswith("Reset") else lesson_id
            score = max(matcher.match(text), matcher.match(words) if words else 0)
            if text.startswith("Reset") and "reset" not in query.lower():
                score /= 2  # a title typed finds its lesson to open first
            if score > 0:
                shown = with_help(highlighted(matcher, text), help_text)
                yield Hit(score, shown, action, text=text)


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
