"""The home screen: the course's lessons in order with their progress, and the files that did not load."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tutor.course.index import CourseIndex, LessonEntry
from tutor.progress import ProgressStore, lesson_source
from tutor.safetext import one_line
from tutor.ui.widgets.titlebar import TitleBar

BAR_WIDTH = 10


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """``■■■□□□□□□□  3/9``: a bar that never exaggerates (full only when every step is done)."""
    filled = width if total and done >= total else (done * width) // total if total else 0
    return "■" * filled + "□" * (width - filled) + f" {done}/{total}"


class HomeScreen(Screen[None]):
    """Lessons in course order; Enter (or a click) chooses the highlighted one, and the app opens it."""

    @dataclass
    class LessonChosen(Message):
        """The learner chose a lesson to open (on the lesson list or in the command palette)."""

        lesson_id: str

    class ReviewChosen(Message):
        """The learner asked to review the card due first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True, priority=False),
        Binding("r", "review", "Review"),
        Binding("f1", "help", "Help"),
    ]

    def __init__(self, course: CourseIndex, store: ProgressStore) -> None:
        super().__init__()
        self.course = course
        self.store = store

    def compose(self) -> ComposeResult:
        """A line of welcome, the lessons, the problems."""
        yield TitleBar()
        yield Static(id="home-review")  # above the list, so that it shows however long the course is
        with VerticalScroll(id="home-pane"):
            yield Static(
                "Learn backpropagation by computing every value, local derivative and delta yourself.\n"
                "Choose a lesson (↑ ↓ and Enter, or click). Your progress is saved after every answer.",
                id="home-intro",
            )
            yield OptionList(id="lessons")
            yield Static(id="load-problems")
        yield Footer()

    def on_mount(self) -> None:
        """Fill the list and show problems, if any."""
        self.title = "backprop-tutor"
        self.sub_title = "lessons"
        self.fill()
        self.show_problems()
        if not self.course.entries:
            self.query_one("#lessons", OptionList).add_option(Option("No lessons found.", disabled=True))

    def show_problems(self) -> None:
        """List the lesson files that have problems (as found so far) under the lessons."""
        problems = self.query_one("#load-problems", Static)
        self.set_class(bool(self.course.problems), "-problems")
        if self.course.problems:
            text = Text("Lesson files with problems (fix them and restart; `backprop-tutor validate` tells more):\n")
            text.stylize("bold")
            text.append("\n".join(one_line(str(p)) for p in self.course.problems))
            problems.update(text)

    def on_screen_resume(self) -> None:
        """Coming back from a lesson: its progress changed."""
        self.fill()

    def fill(self) -> None:
        """(Re)build the list, keeping the highlight; count the review cards due."""
        self.show_review()
        options = self.query_one("#lessons", OptionList)
        keep = options.highlighted
        if not self.course.entries:
            return
        options.clear_options()
        for i, lesson in enumerate(self.course.entries, 1):
            options.add_option(Option(self.entry(i, lesson), id=lesson.id))
        first_open = next((i for i, lesson in enumerate(self.course.entries) if not self._finished(lesson)), 0)
        options.highlighted = keep if keep is not None else first_open
        options.focus()

    def show_review(self) -> None:
        """The Review line: how many cards of the learner's mistakes are due now (or the clock's problem)."""
        from tutor.review import ClockError, clock, due_cards, sync_cards

        line = self.query_one("#home-review", Static)
        try:
            now = clock()
        except ClockError as e:
            line.update(Text(one_line(str(e)), style="bold red"))
            return
        sync_cards(self.store)
        due = len(due_cards(self.store, now))
        total = len(self.store.cards)
        if not total:
            text = "Review: no cards yet (a mistake the tutor can name makes one)."
        elif due:
            text = f"Review: {due} card{'s' if due != 1 else ''} of your mistakes due now: press r."
        else:
            text = f"Review: nothing due now ({total} card{'s' if total != 1 else ''} scheduled)."
        line.update(Text(text, style="bold" if due else ""))

    def action_review(self) -> None:
        """Review the card due first."""
        self.post_message(self.ReviewChosen())

    def _finished(self, lesson: LessonEntry) -> bool:
        """Whether every step of a lesson is solved or shown."""
        record = self.store.peek(lesson.id, lesson.content_hash, lesson_source(lesson.path))
        return record is not None and record.done_count(lesson.asked_ids) == len(lesson.asked_ids)

    def entry(self, number: int, lesson: LessonEntry) -> Table:
        """A lesson's row: mark and number; title over its summary; steps over the progress bar."""
        record = self.store.peek(lesson.id, lesson.content_hash, lesson_source(lesson.path))
        total = len(lesson.asked_ids)
        done = record.done_count(lesson.asked_ids) if record is not None else 0
        finished = total > 0 and done == total
        mark = "✓" if finished else "▸" if record is not None and record.started else " "
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=4, no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_column(no_wrap=True, justify="right")
        title = Text(one_line(lesson.title), style="bold")
        title.append("\n" + one_line(lesson.summary), style="italic")
        grid.add_row(
            Text(f"{mark}{number:>2}.", style="bold"),
            title,
            Text(f"{total} steps" + ("  done" if finished else "") + "\n" + progress_bar(done, total)),
        )
        return grid

    @on(OptionList.OptionSelected, "#lessons")
    def selected(self, event: OptionList.OptionSelected) -> None:
        """A lesson was chosen with Enter or the mouse."""
        if event.option.id is not None:
            self.post_message(self.LessonChosen(event.option.id))

    def action_open(self) -> None:
        """Choose the highlighted lesson."""
        option = self.query_one("#lessons", OptionList).highlighted_option
        if option is not None and option.id is not None:
            self.post_message(self.LessonChosen(option.id))

    def action_help(self) -> None:
        """The help screen."""
        from tutor.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())
