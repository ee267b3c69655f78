"""The problems screen: a watched lesson file that does not load, one ``file:line:col`` line per problem."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tutor.course import Problem
from tutor.safetext import one_line
from tutor.ui.widgets.titlebar import TitleBar


class ProblemsScreen(Screen[None]):
    """Shown while a watched lesson file has errors; it goes away by itself once the file is fixed."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Lessons")]

    def __init__(self, path: str, problems: list[Problem]) -> None:
        super().__init__()
        self.path = path
        self.problems = problems
        self._composed = False

    def compose(self) -> ComposeResult:
        """A heading and the problems."""
        yield TitleBar()
        with VerticalScroll(id="problems-pane"):
            yield Static(id="problems-title")
            yield Static(id="problems-list")
            yield Static(
                "Fix the file and save it: the lesson reloads by itself. Escape: the lessons.", id="problems-help"
            )
        yield Footer()

    def on_mount(self) -> None:
        """Fill in the problems."""
        self._composed = True
        self.title = "backprop-tutor"
        self.sub_title = "watching " + self.path
        self.show(self.problems)

    def show(self, problems: list[Problem]) -> None:
        """Replace the problems shown (the file was saved again, still broken)."""
        self.problems = problems
        if not self._composed:
            return  # saved again before the screen was composed: on_mount shows these
        errors = sum(1 for p in problems if p.severity == "error")
        self.query_one("#problems-title", Static).update(
            Text(f"{one_line(self.path)} does not load: {errors} problem{'s' if errors != 1 else ''}", style="bold")
        )
        self.query_one("#problems-list", Static).update(Text("\n".join(one_line(str(p)) for p in problems)))
