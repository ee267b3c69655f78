"""The home screen: the course's lessons in order with their progress, and the files that did not load.

Each lesson is two lines of plain text laid out to the list's width (a ``rich`` table per lesson cost a tenth
of a second before the first paint): its mark, number and title over its summary, and on the right its steps
over a bar in which solved steps (■) and steps whose answer was shown (▣) are told apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tutor.course.index import CourseIndex, LessonEntry
from tutor.progress import SHOWN, SOLVED, ProgressStore, lesson_source
from tutor.safetext import one_line
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.titlebar import TitleBar


@dataclass
class ResetChosen(Message):
    """The learner asked (in the command palette) to start a lesson again, or one step of it."""

    lesson_id: str
    step_id: str | None = None


BAR_WIDTH = 10
SOLVED_MARK, SHOWN_MARK, OPEN_MARK = "■", "▣", "□"
MARK_WIDTH = 5  # "✓ 1. " before the title
#: columns the list takes from the terminal's width before it is laid out: the pane's padding, the list's border
#: and padding, and a scrollbar
LIST_FRAME = 2 + 2 + 2 + 1
#: the blank column each row leaves on its right, between its status and the list's scrollbar
SCROLLBAR_GAP = 1
#: the widest the lesson list is laid out for (titles and summaries are cut with "…" beyond it)
MAX_LIST_WIDTH = 160


@dataclass(frozen=True)
class Tally:
    """How a learner stands in a lesson: steps solved, shown (the answer was shown), and in all."""

    solved: int
    shown: int
    total: int

    @property
    def done(self) -> int:
        """Steps solved or shown."""
        return self.solved + self.shown

    @property
    def finished(self) -> bool:
        """Every step solved or shown."""
        return self.total > 0 and self.done >= self.total

    def mark(self, started: bool) -> str:
        """``✓`` every step solved, ``◑`` every step done with some shown, ``▸`` started, else blank."""
        if self.finished:
            return "✓" if not self.shown else "◑"
        return "▸" if started else " "

    def status(self) -> str:
        """``6 steps``, then ``done`` or ``done, 2 shown`` when finished."""
        text = f"{self.total} steps"
        if self.finished:
            text += "  done" + (f", {self.shown} shown" if self.shown else "")
        return text

    def bar(self, width: int = BAR_WIDTH) -> str:
        """``■■■▣□□□□□□ 3/9``: solved then shown steps; full only when every step is done (it never exaggerates)."""
        if not self.total:
            return OPEN_MARK * width + " 0/0"
        done = width if self.finished else (self.done * width) // self.total
        shown = min(done, -(-self.shown * width // self.total)) if self.shown else 0
        text = SOLVED_MARK * (done - shown) + SHOWN_MARK * shown + OPEN_MARK * (width - done)
        return text + f" {self.solved}/{self.total}" + (f" +{self.shown} shown" if self.shown else "")


def tally(store: ProgressStore, lesson: LessonEntry) -> tuple[Tally, bool]:
    """How the learner stands in a lesson of the list, and whether they have started it."""
    record = store.peek(lesson.id, lesson.content_hash, lesson_source(lesson.path))
    total = len(lesson.asked_ids)
    if record is None:
        return Tally(0, 0, total), False
    steps = [record.steps[s] for s in lesson.asked_ids if s in record.steps]
    solved = sum(1 for s in steps if s.status == SOLVED)
    shown = sum(1 for s in steps if s.status == SHOWN)
    return Tally(solved, shown, total), record.started


def _cut(text: str, width: int, style: str = "") -> Text:
    """One line of plain text, cut with ``…`` and padded to ``width`` cells."""
    line = Text(one_line(text), style=style)
    line.truncate(max(width, 1), overflow="ellipsis", pad=True)
    return line


def lesson_option(number: int, lesson: LessonEntry, stand: Tally, started: bool, width: int) -> Text:
    """A lesson's two lines, ``width`` cells wide: mark, number, title and status; its summary and bar."""
    right = max(len(stand.status()), len(stand.bar()))
    left = max(width - MARK_WIDTH - right - 2, 8)
    text = Text()
    text.append(f"{stand.mark(started)}{number:>2}. ", style="bold")
    text.append_text(_cut(lesson.title, left, "bold"))
    text.append(f"  {stand.status():>{right}}\n")
    text.append(" " * MARK_WIDTH)
    text.append_text(_cut(lesson.summary, left, "italic"))
    text.append(f"  {stand.bar():>{right}}")
    return text


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
        Binding("s", "skills", "Skills"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "app.quit", "Quit", priority=True),
    ]

    def __init__(self, course: CourseIndex, store: ProgressStore) -> None:
        super().__init__()
        self.course = course
        self.store = store
        self._width = 0  # the width the list was last laid out for
        self._resumed = False  # shown once already (the list is filled when mounted)

    def compose(self) -> ComposeResult:
        """A line of welcome, the lessons, the problems."""
        yield TitleBar()
        # above the list, so that it shows however long the course is; counted after the first paint (on_mount)
        yield Static("Review: …", id="home-review")
        yield Static(id="home-skills")  # the skill the learner is least sure of (counted in the background)
        with Vertical(id="home-pane"):
            yield Static(
                "Learn backprop by computing every value, local derivative and delta yourself.\n"
                "↑ ↓ and Enter open a lesson; your progress is saved after every answer.",
                id="home-intro",
            )
            with Vertical(id="lessons-room"):  # the list scrolls in the room the welcome and any problems leave
                yield OptionList(id="lessons")
            yield Static(id="load-problems")
        yield KeysFooter()

    def on_mount(self) -> None:
        """Fill the list and show problems, if any."""
        self.title = "backprop-tutor"
        self.sub_title = "lessons"
        self.fill(review=False)
        self.call_after_refresh(self.show_review)  # after the first paint: it imports the scheduler (fsrs)
        self.call_after_refresh(self.count_skills)  # after the first paint too: it reads the progress of every lesson
        self.call_after_refresh(self._relayout)  # once laid out, the list's own width
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
        """Coming back from a lesson: its progress changed (the first resume follows the mount, which filled it)."""
        if self._resumed:
            self.fill()
            self.count_skills()
        self._resumed = True

    def came_back_from(self, lesson_id: str) -> None:
        """The learner left a lesson: once it is finished, the list moves on to the next lesson to do."""
        entries = self.course.entries
        index = next((i for i, e in enumerate(entries) if e.id == lesson_id), None)
        if index is None or not tally(self.store, entries[index])[0].finished:
            return
        after = entries[index + 1 :]
        following = next((e for e in after if not tally(self.store, e)[0].finished), after[0] if after else None)
        if following is not None:
            options = self.query_one("#lessons", OptionList)
            options.highlighted = entries.index(following)

    @on(events.Resize)
    def _resized(self) -> None:
        """Lay the list out again for its new width."""
        self.call_after_refresh(self._relayout)

    def _relayout(self) -> None:
        """Fill the list again if the width it is laid out for has changed."""
        if self._list_width() != self._width:
            self.fill()

    def _list_width(self) -> int:
        """The width an option has: the list's, once laid out, else the terminal's less the frame."""
        options = self.query_one("#lessons", OptionList)
        laid_out = options.scrollable_content_region.width
        width = (laid_out if laid_out > 0 else self.app.size.width - LIST_FRAME) - SCROLLBAR_GAP
        return min(max(width, 20), MAX_LIST_WIDTH)

    def fill(self, review: bool = True) -> None:
        """(Re)build the list, keeping the highlight (the first lesson not finished when there is none); count the
        review cards due (unless ``review`` is False)."""
        if review:
            self.show_review()
        options = self.query_one("#lessons", OptionList)
        keep = options.highlighted
        if not self.course.entries:
            return
        width = self._width = self._list_width()
        stands = [tally(self.store, lesson) for lesson in self.course.entries]
        options.clear_options()
        options.add_options(
            Option(lesson_option(i, lesson, stand, started, width), id=lesson.id)
            for i, (lesson, (stand, started)) in enumerate(zip(self.course.entries, stands, strict=True), 1)
        )
        first_open = next((i for i, (stand, _) in enumerate(stands) if not stand.finished), 0)
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

    def count_skills(self) -> None:
        """The Skills line: count the first tries in the background (it loads the lessons they name), then show
        the skill the learner is least sure of."""
        from tutor.skills import summary
        from tutor.ui.screens.skills import count_skills

        lessons = {e.id: e.path for e in self.course.entries}
        self.app.in_background(  # type: ignore[attr-defined]
            "counting your skills",
            lambda: count_skills(self.store, lessons),
            lambda rates: self.query_one("#home-skills", Static).update(Text(summary(rates))),
            lambda error: self.query_one("#home-skills", Static).update(Text("")),
            quiet=True,
        )

    def action_skills(self) -> None:
        """The skills page: every rule with how often the first try was right."""
        from tutor.ui.screens.skills import SkillsScreen

        self.app.push_screen(SkillsScreen(self.store, {e.id: e.path for e in self.course.entries}))

    def action_review(self) -> None:
        """Review the card due first."""
        self.post_message(self.ReviewChosen())

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
