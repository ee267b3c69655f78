"""Text the app did not write (lesson prose, file names, typed answers), shown as it is and nothing more.

Lesson text is data: it never becomes Textual markup (where ``[@click=app.screenshot(...)]`` would run an
action and ``[/`` would crash the app), never a raw terminal escape (``printable`` shows ``\\x1b`` instead),
and its Markdown (intro, prompt, explain, outro) keeps emphasis, code and tables but has no links, images or
raw HTML: a link's text and address are shown as typed, and nothing is opened when it is clicked.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from textual.visual import VisualType
from textual.widgets import Markdown, Static

from tutor.safetext import one_line, printable

#: Markdown rules that would make lesson text clickable or pass HTML through; their source shows as text
_NO_LINKS = ["link", "image", "autolink", "linkify", "html_inline", "html_block", "reference"]

#: ASCII punctuation, which CommonMark lets a backslash make literal
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")

__all__ = ["LessonMarkdown", "PlainStatic", "lesson_markdown_parser", "markdown_literal", "one_line", "printable"]


def markdown_literal(text: str) -> str:
    """Plain text put into Markdown (a title in a heading): every punctuation mark backslash-escaped."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def lesson_markdown_parser() -> MarkdownIt:
    """The Markdown parser for lesson prose: GitHub-like, without links, images, references or HTML."""
    parser = MarkdownIt("gfm-like", {"html": False, "linkify": False})
    parser.disable(_NO_LINKS, ignoreInvalid=True)
    return parser


class LessonMarkdown(Markdown):
    """Markdown from a lesson file: no links or HTML, control characters escaped, clicks open nothing."""

    def __init__(self, markdown: str | None = None, *, id: str | None = None) -> None:
        super().__init__(
            printable(markdown) if markdown is not None else None,
            id=id,
            parser_factory=lesson_markdown_parser,
            open_links=False,
        )

    def update(self, markdown: str):  # noqa: ANN201 - Textual's AwaitComplete
        """Show new lesson Markdown (control characters escaped)."""
        return super().update(printable(markdown))


class PlainStatic(Static):
    """A Static for text from outside the app: a string is shown literally (no markup), control characters escaped.

    Styled text is passed as ``rich.text.Text`` built from :func:`printable` or :func:`one_line` strings.
    """

    def __init__(self, content: VisualType = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(_plain(content), id=id, classes=classes, markup=False)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        """Show new content; a string as plain text."""
        super().update(_plain(content), layout=layout)


def _plain(content: VisualType) -> VisualType:
    """A string with its control characters escaped; anything else (already styled text) as it is."""
    return printable(content) if isinstance(content, str) else content
