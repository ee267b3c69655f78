"""The problems screen: a watched lesson file that does not load, one ``file:line:col`` line per problem."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from tutor.course import Problem
from tutor.safetext import one_line
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.titlebar import TitleBar


class ProblemsScreen(Screen[None]):
    """Shown while a watched lesson file has errors; it goes away by itself once the file is fixed."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Lessons")]

    #: the problems shown; the screen is composed with them, and composed again when they change
    problems: reactive[tuple[Problem, ...]] = reactive((), recompose=True)

    def __init__(self, path: str, problems: list[Problem]) -> None:
        super().__init__()
        self.path = path
        self.set_reactive(ProblemsScreen.problems, tuple(problems))

    def compose(self) -> ComposeResult:
        """A heading and the problems (plain text, one line each)."""
        errors = sum(1 for p in self.problems if p.severity == "error")
        heading = f"{one_line(self.path)} does not load: {errors} problem{'s' if errors != 1 else ''}"
        yield TitleBar()
        with VerticalScroll(id="problems-pane"):
            yield Static(Text(heading, style="bold"), id="problems-title")
            yield Static(Text("\n".join(one_line(str(p)) for p in self.problems)), id="problems-list")
            yield Static(
                "Fix the file and save it: the lesson reloads by itself. Escape: the lessons.", id="problems-help"
            )
        yield KeysFooter()

    def on_mount(self) -> None:
        """Say which file is watched."""
        self.title = "backprop-tutor"
        self.sub_title = "watching " + self.path

    def show(self, problems: list[Problem]) -> None:
        """Replace the problems shown (the file was saved again, still broken)."""
        self.problems = tuple(problems)
