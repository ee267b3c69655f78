"""The lesson screen: the intro, then one step at a time with the graph filling in, then a summary.

The session decides (where the learner is, how a step stands, what was read, the line carried over); the
screen keeps what it shows in reactive attributes and each ``watch_`` method draws one part. Which parts show
is decided by classes on ``#step-pane`` (see ``app.tcss``), never by setting ``display`` by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from tutor.course import Lesson, Solution, Step
from tutor.course.index import LessonEntry
from tutor.course.problems import Problem
from tutor.grading import Verdict
from tutor.progress import SHOWN, SOLVED, ProgressStore
from tutor.ui.app import TutorApp
from tutor.ui.plain import LessonMarkdown, PlainStatic, markdown_literal, one_line
from tutor.ui.screens.home import HomeScreen
from tutor.ui.session import GIVEN, INTRO, STAGES, SUMMARY, LessonSession
from tutor.ui.train_command import open_training, trainable
from tutor.ui.widgets.answer import MAX_LENGTH, AnswerBox
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.graph import GraphPanel
from tutor.ui.widgets.pictures import PictureSwitch
from tutor.ui.widgets.titlebar import TitleBar

if TYPE_CHECKING:
    from tutor.ui.widgets.circuit import CircuitPanel  # imported after the first paint (widgets/pictures.py)

PLACEHOLDERS = {
    INTRO: "Press Enter to start the first step",
    "open": "Your answer, e.g. -2.5, 2*(3-4.25) or [[1, 2], [3, 4]]; Enter grades",
    SOLVED: "Press Enter for the next step",
    SHOWN: "Press Enter for the next step",
    GIVEN: "This step is worked for you: read it, then press Enter for the next step",
    SUMMARY: "Press Enter to go back to the lessons (F5: last step)",
}
WORDS_PLACEHOLDER = "None, True, False, a grad_fn's name (MulBackward0) or numbers; Enter grades"
NO_MORE_HINTS = "No more hints for this step: F3 shows the answer."
SCROLL_LINES = 3  # ctrl+↑ and ctrl+↓ scroll the text by this many lines
WIDE_FOOTER = 100  # columns from which the footer has room for F7 and F8
SHORT_SCREEN = 28  # rows under which the step pane drops the gap over the question (the circuit needs the room)
#: the step pane's parts, the only widgets whose app.tcss rules read the pane's classes, and only to show or hide
#: them (tests/ui/test_restyle.py holds app.tcss and the pane to it)
PANE_PARTS = (
    "#previous",
    "#step-title",
    "#step-text",
    "#question",
    "#context",
    "#tip",
    "#hints",
    "#feedback",
    "#explain",
)
#: the widgets whose app.tcss rules read the screen's ``-short`` class (tests/ui/test_restyle.py holds app.tcss to it)
SHORT_RULES = ("#question",)


@dataclass(frozen=True)
class Feedback:
    """The line under the question: plain text, and its kind (correct, wrong, unreadable, shown, checking: a class
    that app.tcss styles), or none."""

    text: str = ""
    kind: str = ""


def verdict_feedback(verdict: Verdict, attempts: int) -> Feedback:
    """What a wrong or unreadable answer gets: the grader's message, how it was read if that tells something."""
    read_as = f"   read as: {verdict.read_as_shown}" if verdict.read_as_shown else ""
    if verdict.status == "unreadable":
        return Feedback(f"{verdict.message}{read_as}   (not counted as an attempt)", "unreadable")
    later = "   The formula comes with your next try, or after the hints (F2)." if verdict.formula_held_back else ""
    return Feedback(f"✗ {verdict.message}{read_as}   (attempt {attempts}){later}", "wrong")


#: said on the answer box's top edge while the step pane goes on below what is in view
MORE_BELOW = "↓ more below: PgDn (PgUp back)"


class LessonScreen(Screen[None]):
    """One lesson for one learner; every answer is graded by the core and saved at once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("f2", "hint", "Hint"),
        Binding("f3", "show_answer", "Answer"),
        Binding("f4", "torch", "PyTorch"),
        Binding("f5", "previous", "Prev"),
        Binding("f6", "next", "Next"),
        # F7 and F8 are in the footer where it is wide enough; the graph's last line names them anyway
        Binding("f7", "toggle_graph('footer')", "Graph"),
        Binding("f7", "toggle_graph", "Graph", show=False),
        Binding("f8", "numbers('footer')", "Numbers"),
        Binding("f8", "numbers", "Numbers", show=False),
        # the text above the answer box scrolls while the learner types in it (priority: the answer box, an
        # Input, would take PageUp and PageDown for itself and do nothing with them)
        Binding("pagedown", "scroll_text(1)", "Scroll", key_display="PgUp/Dn", priority=True),
        Binding("pageup", "scroll_text(-1)", "Scroll up", show=False, priority=True),
        Binding("ctrl+down", "scroll_lines(1)", "Scroll a little", show=False),
        Binding("ctrl+up", "scroll_lines(-1)", "Scroll back a little", show=False),
        Binding("shift+pagedown", "scroll_graph(1)", "Scroll the graph", show=False),
        Binding("shift+pageup", "scroll_graph(-1)", "Scroll the graph back", show=False),
        Binding("ctrl+r", "reset", "Reset", show=False),
        Binding("f9", "toggle_warnings", "Warnings"),
        Binding("ctrl+g", "picture", "Picture", show=False),  # the picture's border names it
        Binding("ctrl+n", "new_numbers", "New numbers", show=False),
        Binding("escape", "home", "Lessons"),
        Binding("ctrl+t", "train", "Train", show=False),
    ]

    #: where the learner is (−1 the intro, a step's index, len(steps) the summary); set it to show that place
    position: var[int] = var(-1, always_update=True, init=False)
    #: how that place stands (one of STAGES); set it to redraw what depends on it (mark, graph, explanation)
    stage: var[str] = var(INTRO, always_update=True, init=False)
    #: the line under the question
    feedback: var[Feedback] = var(Feedback(), init=False)
    #: the hints of the current step asked for so far, one per line
    hints: var[str] = var("", init=False)
    #: the line carried over from the step just solved ("✓ y = 3"), shown above the next step until it changes
    carried: var[str] = var("", init=False)
    #: F2 was pressed with no hint left: the hints say so
    hints_exhausted: var[bool] = var(False, init=False)
    #: the linter's warnings about a watched lesson file (shown in a strip F9 hides)
    warnings: var[tuple[Problem, ...]] = var((), init=False)

    def __init__(self, lesson: Lesson, store: ProgressStore, solution: Solution | None = None) -> None:
        super().__init__()
        self.store = store
        self.session = LessonSession(lesson, store, solution)
        self.last_value: dict[str, np.ndarray] = {}  # step id -> the learner's last graded value
        self.checking: str | None = None  # the step id whose answer is being graded in the background
        self._shown_place: str | None = None  # the place last shown (a typed answer is kept while it stays)
        self._keep_in_view: tuple[str, ...] = ()  # the parts of the step pane just shown (see bring_into_view)
        self._mount_tries = 0  # times on_mount waited for the screen's widgets to be mounted
        self._pane_restyle_due = False  # the step pane's classes changed and it is to be restyled (see _show_parts)

    @property
    def lesson(self) -> Lesson:
        """The lesson being studied."""
        return self.session.lesson

    @property
    def tutor(self) -> TutorApp:
        """The app this screen runs in (for its background work)."""
        app = self.app
        assert isinstance(app, TutorApp)
        return app

    def compose(self) -> ComposeResult:
        """Header, the graph, the step's text and feedback, the answer box, the footer."""
        yield TitleBar()
        with Vertical(id="lesson-body"):
            with VerticalScroll(id="warnings"):
                yield PlainStatic(id="warnings-text")
            yield GraphPanel(id="graph")
            with VerticalScroll(id="step-pane"):
                yield PlainStatic(id="previous")
                yield PlainStatic(id="step-title")
                yield LessonMarkdown(id="step-text")
                yield PlainStatic(id="question")
                yield PlainStatic(id="context")
                yield PlainStatic(id="tip")
                yield PlainStatic(id="hints")
                yield PlainStatic(id="feedback")
                yield LessonMarkdown(id="explain")
            yield AnswerBox(id="answer")
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Show where the learner is; say when the text goes on below what is in view. The pictures of the graph
        come after the first paint."""
        if not self.query(GraphPanel) and self._mount_tries < 100:
            # its widgets not all mounted yet (a busy machine; a stress run crashed here): show once they are
            self._mount_tries += 1
            self.call_after_refresh(self.on_mount)
            return
        self.pictures = PictureSwitch(self.query_one("#lesson-body"), self.query_one(GraphPanel))
        self.position = self.session.position
        self.call_after_refresh(self.pictures.mount)
        self.watch(self._pane, "scroll_y", self._more_below, init=False)
        self.watch(self._pane, "virtual_size", self._text_resized, init=False)  # Markdown lays out later
        if self.warnings:
            self.watch_warnings(self.warnings)

    def _more_below(self, _: object = None) -> None:
        """Show the "more below" line while the step pane can scroll further down."""
        pane = self._pane
        more = pane.scroll_y < pane.max_scroll_y
        # on the answer box's top edge, which takes no room: a line of its own changed the pane's height, and with it
        # whether there was more below, so the layout flipped it on and off without end (a test run hung there)
        self.query_one(AnswerBox).border_title = MORE_BELOW if more else None

    def bring_into_view(self, *selectors: str) -> None:
        """After the next refresh, scroll the step pane so that these parts (those showing) are in view, with the
        question above them where both fit, else the first of them at least: new feedback, a hint, an explanation.
        They are kept in view while the text settles (Markdown lays out later), until the learner scrolls or moves."""
        self._keep_in_view = selectors
        self.call_after_refresh(self._scroll_to_new)

    def _scroll_to_new(self) -> None:
        """Scroll the parts asked by :meth:`bring_into_view` into view (the question too, where it fits)."""
        pane = self._pane
        parts: list[Widget] = [w for sel in self._keep_in_view if (w := pane.query_one(sel)).display]
        if parts:
            room = pane.scrollable_content_region.height
            region = Region.from_union([w.virtual_region_with_margin for w in parts])
            question = pane.query_one("#question")
            if question.display and region.union(question.virtual_region).height <= room:
                region = region.union(question.virtual_region)
            if region.height > room:
                first = parts[0].virtual_region_with_margin
                region = first.union(Region(first.x, first.y, first.width, room))
            pane.scroll_to_region(region, animate=False, immediate=True)
        self._more_below()

    def _text_resized(self) -> None:
        """The step pane's text changed height: keep the new parts in view, and say whether there is more below."""
        if self._keep_in_view:
            self._scroll_to_new()
        else:
            self._more_below()

    # --- showing: one watcher per part ----------------------------------------------------

    @property
    def _pane(self) -> VerticalScroll:
        """The step pane, whose classes say which parts show."""
        return self.query_one("#step-pane", VerticalScroll)

    def _show_parts(self, classes: dict[str, bool]) -> None:
        """Set the step pane's classes, which say which parts show; the pane is restyled once, right after the
        message being handled, however many of them it changed (a restyle walks the whole pane, Markdown included,
        and an answer graded changed up to five classes, each restyled on its own: a sixth of a Pilot test's CPU)."""
        pane = self._pane
        before = pane.classes
        pane.update_classes(classes, update=False)
        if pane.classes != before and not self._pane_restyle_due:
            self._pane_restyle_due = True
            self.call_next(self._restyle_pane)

    def _restyle_pane(self) -> None:
        """Apply the step pane's new classes to its parts: the rules that read them show or hide a part of the pane
        (PANE_PARTS) and nothing else, so the parts' own contents (a Markdown's blocks) need no restyle: that walk
        was ~7 ms at each answer graded."""
        self._pane_restyle_due = False
        self.app.stylesheet.update_nodes(self._pane.children)

    def watch_position(self) -> None:
        """A new place (or the same one afresh): its text and question; then its stage and hints."""
        s = self.session
        self.title = self.lesson.title
        step = s.step
        if s.on_intro:
            self.sub_title = "introduction"
            text, question, context = self.lesson.intro or self.lesson.summary, None, ""
        elif s.on_summary:
            self.sub_title = "summary"
            text, question, context = self._summary_markdown(), None, ""
        else:
            assert step is not None
            self.sub_title = f"step {s.position + 1} of {len(s.steps)}"
            p = s.prompt(step)
            text, context = step.prompt, p.context
            question = Text.assemble((one_line(p.question), "bold"), "    ", (p.expects, "italic"))
        pane = self._pane
        shows_text = bool(text) or step is None  # the intro and the summary always have their text
        self._show_parts({"-text": shows_text, "-context": bool(context)})
        if shows_text:
            self.query_one("#step-text", LessonMarkdown).update(text)
        if question is not None:
            self.query_one("#question", PlainStatic).update(question)
        self.query_one("#context", PlainStatic).update(context)
        answer = self.query_one("#answer", AnswerBox)
        self.hints_exhausted = False
        if self._shown_place != s.place:
            answer.value = ""  # a typed answer belongs to the place it was typed at
            self._shown_place = s.place
        self.hints = self._hint_lines()
        self._keep_in_view = ()
        self.stage = s.stage
        pane.scroll_home(animate=False)
        self.call_after_refresh(self._more_below)
        answer.focus()

    def watch_stage(self, stage: str) -> None:
        """How the place stands: the step title and its mark, the graph, the placeholder, the feedback, the
        explanation of a step done."""
        s = self.session
        self.query_one("#step-title", PlainStatic).update(self._title())
        self.query_one(GraphPanel).graph = s.graph()
        self.pictures.draw(s)
        answer = self.query_one("#answer", AnswerBox)
        step = s.step
        words = stage == "open" and step is not None and step.kind.words  # PyTorch prints a word here
        answer.placeholder = WORDS_PLACEHOLDER if words else PLACEHOLDERS[stage]
        explained = step is not None and stage in (SOLVED, SHOWN, GIVEN) and bool(step.explain)
        tip = s.formula_tip(step) if step is not None and stage == "open" else ""
        self.query_one("#tip", PlainStatic).update(tip)
        stages = {f"-{name}": name == stage for name in STAGES}
        self._show_parts({**stages, "-explain": explained, "-tip": bool(tip)})
        if step is None:
            self.feedback = Feedback()
        elif stage in (SOLVED, SHOWN, GIVEN):
            answer.value = ""
            self.feedback = self._done_feedback(step)
            if explained:
                self.run_worker(self._explain(step.explain), group="explain", exclusive=True)
            else:
                self.bring_into_view("#feedback")
        elif tries := s.progress(step).wrong_attempts:
            self.feedback = Feedback(f"{tries} wrong attempt{'s' if tries != 1 else ''} so far.", "wrong")
        else:
            self.feedback = Feedback()

    async def _explain(self, text: str) -> None:
        """Show a step's explanation, then scroll the verdict and the explanation into view."""
        await self.query_one("#explain", LessonMarkdown).update(text)
        self.bring_into_view("#feedback", "#explain")

    def watch_feedback(self, feedback: Feedback) -> None:
        """One line of feedback (plain text), styled by its kind."""
        line = self.query_one("#feedback", PlainStatic)
        line.set_classes(feedback.kind)
        line.update(feedback.text)
        self._show_parts({"-feedback": bool(feedback.text)})

    def watch_hints(self, hints: str) -> None:
        """The hints asked for so far (and, once F2 finds none left, that there are no more)."""
        self.query_one("#hints", PlainStatic).update(hints)
        self._show_parts({"-hints": bool(hints)})

    def watch_hints_exhausted(self) -> None:
        """F2 found no hint left: the hints say so."""
        self.hints = self._hint_lines()

    def watch_carried(self, line: str) -> None:
        """The line carried over from the step just solved."""
        self.query_one("#previous", PlainStatic).update(line)
        self._show_parts({"-carried": bool(line)})

    def _title(self) -> Text:
        """The heading of the place: the lesson's title on the intro and the summary, else the step, its kind and
        its mark."""
        s = self.session
        step = s.step
        if step is None:
            numbers = f" · new numbers ({self.lesson.variant})" if self.lesson.variant else ""
            place = "introduction" if s.on_intro else "done"
            return Text(f"{one_line(self.lesson.title)}{numbers} · {place}", style="bold")
        mark = {SOLVED: "  ✓ solved", SHOWN: "  (answer shown)", GIVEN: "  (worked for you)"}.get(s.stage, "")
        return Text.assemble(
            (f"Step {s.position + 1} of {len(s.steps)}", "bold"), f" · {step.kind.title}", (mark, "bold")
        )

    def _hint_lines(self) -> str:
        """The current step's hints asked for so far, numbered ("" off a step)."""
        step = self.session.step
        if step is None:
            return ""
        seen = self.session.hints_seen(step)
        lines = [f"Hint {i + 1}/{len(step.hints)}: {h}" for i, h in enumerate(seen)]
        if self.hints_exhausted:
            lines.append(NO_MORE_HINTS)
        return "\n".join(lines)

    def _done_feedback(self, step: Step) -> Feedback:
        """A solved or shown step: what was right."""
        s = self.session
        record = s.progress(step)
        answer = s.answer_text(step)
        if step.given:
            return Feedback(f"Worked: {s.prompt(step).answered(answer)}", "given")
        if record.status == SOLVED:
            typed = next((a.text for a in reversed(record.attempts) if a.correct), answer)
            tries = len(record.attempts)
            how = "first try" if tries == 1 else f"after {tries} attempts"
            return Feedback(f"✓ Correct ({how}): {typed}   engine: {answer}", "correct")
        return Feedback(f"The answer is {answer}   (shown: this step does not count as solved)", "shown")

    def _summary_markdown(self) -> str:
        """The end-of-lesson summary: how each step went (by its question), the outro, and where to go next."""
        summary = self.session.summary()
        lesson = self.lesson

        def names(ids: list[str]) -> str:
            labels = [markdown_literal(one_line(self.session.step_label(i))) for i in ids]
            return ", ".join(labels) if labels else "none"

        title = markdown_literal(one_line(lesson.title))
        parts = [f"# {title}: done" if not summary.open else f"# {title}: summary"]
        if trainable(lesson):
            parts.append("Press **ctrl+t** to train this network on a data set with your own formulas.")
        parts.append(
            "\n".join(
                [
                    "| | steps | which |",
                    "|---|---|---|",
                    f"| solved at the first try | {len(summary.first_try)} | {names(summary.first_try)} |",
                    f"| solved after attempts | {len(summary.after_attempts)} | {names(summary.after_attempts)} |",
                    f"| answer shown | {len(summary.shown)} | {names(summary.shown)} |",
                ]
                + ([f"| worked for you | {len(summary.given)} | {names(summary.given)} |"] if summary.given else [])
                + ([f"| still open | {len(summary.open)} | {names(summary.open)} |"] if summary.open else [])
            )
        )
        if lesson.outro:
            parts.append(lesson.outro)
        following = self.next_lesson()
        if summary.open:
            parts.append("Some steps are still open: press **F5** to go back, or **Escape** for the lessons.")
        elif following is not None:
            parts.append(
                f"Press **Enter** for the next lesson, *{markdown_literal(one_line(following.title))}*; "
                "**Escape** for the list of lessons."
            )
        else:
            parts.append("That was the last lesson of the course. Press **Enter** to go back to the lessons.")
        parts.append("To start this lesson again, press **ctrl+r** (your answers are kept in the progress file).")
        if lesson.vary:
            parts.append("To practise it again with new numbers, press **ctrl+n**.")
        return "\n\n".join(parts)

    def next_lesson(self) -> LessonEntry | None:
        """The lesson after this one in the course, if any."""
        entries = self.tutor.course.entries
        index = next((i for i, e in enumerate(entries) if e.id == self.lesson.id), None)
        return entries[index + 1] if index is not None and index + 1 < len(entries) else None

    # --- answering ------------------------------------------------------------------------

    @on(Input.Submitted, "#answer")
    def submit(self, event: Input.Submitted) -> None:
        """Enter: start, grade, go on, or leave, depending on where the learner is."""
        s = self.session
        if s.on_intro:
            self._move(s.advance)
            return
        if s.on_summary:
            following = self.next_lesson()
            if following is not None and not s.summary().open:
                self.post_message(HomeScreen.LessonChosen(following.id))
            else:
                self.action_home()
            return
        step = s.step
        assert step is not None
        if s.progress(step).done or step.given:
            event.input.value = ""
            self._move(s.advance)
            return
        if self.checking is not None:
            return  # the answer just sent is still being graded
        self.checking = step.id
        text = event.value
        self.feedback = Feedback("Checking your answer…", "checking")
        self.tutor.in_background(
            "checking your answer",
            lambda: s.check(step, text),
            lambda verdict: self._graded(s, step, text, verdict),
            lambda error: self._not_graded(s, step, error),
        )

    def _graded(self, session: LessonSession, step: Step, text: str, verdict: Verdict) -> None:
        """An answer was graded (in the background): record it, then say how it went if the step is still shown."""
        if session is not self.session:
            return  # the lesson was reloaded meanwhile: the answer was to a step of the old version
        self.checking = None
        with self._saving():
            session.record_answer(step, text, verdict)
        if verdict.value is not None:
            self.last_value[step.id] = verdict.value
        if session.step != step:
            return  # the learner moved on meanwhile; the attempt is recorded
        if verdict.correct and step.kind.marks == "grad":
            self.pictures.flow_back(step.node)
        if not verdict.correct:
            self.carried = ""  # the step before is behind the learner now
            self.feedback = verdict_feedback(verdict, session.progress(step).wrong_attempts)
            self.bring_into_view("#feedback")
        elif step.explain:  # the explanation waits for Enter
            self.carried = ""
            self.stage = session.stage
        else:
            self._move(session.advance, carried=session.carried_line(step))

    def _not_graded(self, session: LessonSession, step: Step, error: Exception) -> None:
        """Grading raised: say so; the answer stays in the box and is not counted."""
        if session is not self.session:
            return
        self.checking = None
        self.tutor.work_failed("checking your answer", error)
        if session.step == step:
            self.feedback = Feedback("That answer could not be checked (not counted as an attempt).", "unreadable")

    @on(AnswerBox.Refused, "#answer")
    def refused(self, event: AnswerBox.Refused) -> None:
        """Text that the answer box would not take: say why."""
        self.feedback = Feedback(
            f"The answer box takes one line of at most {MAX_LENGTH} printable characters; that text was not added.",
            "unreadable",
        )

    def _move(self, how: Callable[[], None], carried: str = "") -> None:
        """Move (by calling ``how``), save the place, and show it (with the line carried over, if any)."""
        how()
        with self._saving():
            self.session.save()
        self.carried = carried
        self.position = self.session.position

    @contextmanager
    def _saving(self) -> Iterator[None]:
        """Around a change that writes the progress file: if the disk refuses, say so (the change is kept in
        memory, and the rest of the ``with`` block is skipped)."""
        try:
            yield
        except OSError as e:
            self.notify(f"Could not save your progress: {e}", severity="error", timeout=8, markup=False)

    # --- actions --------------------------------------------------------------------------

    def action_hint(self) -> None:
        """Show the current step's next hint."""
        step = self.session.step
        if step is None:
            self.notify("Hints belong to steps; press Enter to start.", timeout=3)
            return
        if not step.hints:
            self.notify("This step has no hints. F3 shows the answer.", timeout=4)
            return
        with self._saving():
            if self.session.next_hint() is None:
                self.hints_exhausted = True
        self.hints = self._hint_lines()
        self.bring_into_view("#hints", "#feedback")

    def action_show_answer(self) -> None:
        """Show the current step's answer; the step then counts as shown, not solved."""
        if self.session.step is None:
            self.notify("There is no step here to show the answer of.", timeout=3)
            return
        if self.session.step.given:
            self.notify("This step is worked for you: its answer is on the screen.", timeout=3)
            return
        with self._saving():
            self.session.reveal()
        self.carried = ""
        self.stage = self.session.stage

    def action_torch(self) -> None:
        """Open the PyTorch panel for the current step, if that feature is installed; on a step not answered
        yet its numbers stay hidden until the learner asks for them (the step then counts as shown)."""
        s = self.session
        step = s.step
        if step is None:
            self.notify("The PyTorch panel shows a step; start the lesson first.", timeout=3)
            return
        try:
            from tutor.ui.screens.torch_panel import TorchPanel
        except ImportError:
            self.notify("The PyTorch panel is not available in this build.", severity="warning", timeout=4)
            return
        attempts = s.progress(step).attempts
        typed = attempts[-1].text if attempts else ""  # a backward step's formula becomes a custom Function there
        panel = TorchPanel(
            self.lesson,
            step,
            self.last_value.get(step.id),
            typed,
            solution=s.solution,
            answered=s.progress(step).done,
            on_reveal=partial(self._shown_in_panel, s, step),
        )
        self.app.push_screen(panel)

    def _shown_in_panel(self, session: LessonSession, step: Step) -> None:
        """The learner showed a step's numbers in the PyTorch panel: the step counts as shown."""
        if session is not self.session or session.step != step:
            return
        self.action_show_answer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer's copies of F7 and F8 show only where the footer has room for them; F9 only when the linter
        has warnings (a watched lesson)."""
        if parameters == ("footer",):
            return self.app.size.width >= WIDE_FOOTER
        if action == "toggle_warnings":
            return bool(self.warnings)
        return True

    def watch_warnings(self, warnings: tuple[Problem, ...]) -> None:
        """The linter's warnings, one ``file:line:col`` line each (plain text), in a strip F9 hides."""
        if not self.is_mounted:
            return  # set on a screen just pushed (the watched file's first load): on_mount shows them
        count = len(warnings)
        head = f"{count} linter warning{'s' if count != 1 else ''} about this lesson file (F9 hides them):"
        # the file's name, not its whole path: the learner knows which file is watched, and a long path would push
        # the line and column (and the warning itself) past the strip's right edge
        lines = [head, *(one_line(str(replace(w, file=Path(w.file).name))) for w in warnings)]
        self.query_one("#warnings-text", PlainStatic).update("\n".join(lines) if warnings else "")
        self.query_one("#lesson-body").set_class(bool(warnings), "-warnings")
        self.refresh_bindings()

    def action_toggle_warnings(self) -> None:
        """Show or hide the linter's warnings."""
        self.query_one("#lesson-body").toggle_class("-warnings-hidden")

    def on_graph_panel_redrawn(self) -> None:
        """The graph changed height: the text may now fit, or not."""
        self.call_after_refresh(self._more_below)

    def on_resize(self) -> None:
        """A new size: the text may now fit, or not, and the footer may have room for more keys; on a short screen
        the step pane is tighter."""
        short = self.app.size.height < SHORT_SCREEN
        if short != self.has_class("-short"):
            self.set_class(short, "-short", update=False)
            for widget in self.query("#question"):  # the only rule that reads it (SHORT_RULES)
                widget.update_node_styles()
        self.call_after_refresh(self._more_below)
        self.refresh_bindings()

    def action_toggle_graph(self, _where: str = "") -> None:
        """Show every row of the graph (the whole circuit, as far as there is room), or only those the current step
        needs."""
        graph = self.query_one(GraphPanel)
        graph.expanded = not graph.expanded
        self.pictures.expand(graph.expanded)  # the circuit follows the same choice

    def action_numbers(self, _where: str = "") -> None:
        """Every number of the graph in full, the current step's rows first."""
        from tutor.ui.screens.numbers import NumbersScreen

        self.app.push_screen(NumbersScreen(self.session.graph()))

    def on_circuit_panel_box_chosen(self, message: CircuitPanel.BoxChosen) -> None:
        """A box clicked in the circuit: every number of the graph in full, that box's first."""
        from tutor.ui.screens.numbers import NumbersScreen

        self.app.push_screen(NumbersScreen(self.session.graph(), chosen=message.name))

    def action_scroll_text(self, pages: int) -> None:
        """Scroll the step's text by a page (while the answer box keeps the focus)."""
        self._keep_in_view = ()
        pane = self._pane
        if pages > 0:
            pane.scroll_page_down(animate=False)
        else:
            pane.scroll_page_up(animate=False)

    def action_scroll_lines(self, direction: int) -> None:
        """Scroll the step's text by a few lines."""
        self._keep_in_view = ()
        pane = self._pane
        pane.scroll_to(y=pane.scroll_y + direction * SCROLL_LINES, animate=False)

    def action_scroll_graph(self, pages: int) -> None:
        """Scroll the graph's rows by a page."""
        self.query_one(GraphPanel).scroll_rows(pages)

    def action_reset(self) -> None:
        """Start the current step again, or on the intro or the summary the whole lesson (after asking)."""
        step = self.session.step
        if step is None:
            self.confirm_reset_lesson()
        else:
            self.confirm_reset_step(step)

    def confirm_reset_lesson(self) -> None:
        """Ask, then start the whole lesson afresh at its intro (the old record goes to the history)."""
        from tutor.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                with self._saving():
                    self.session.reset_lesson()
                self._after_reset("This lesson starts afresh; your earlier answers are kept in the progress file.")

        title = one_line(self.lesson.title)
        detail = "Every step becomes open again. Your earlier answers are kept in the progress file's history."
        self.app.push_screen(ConfirmScreen(f"Start {title} again from the beginning?", detail), answered)

    def confirm_reset_step(self, step: Step) -> None:
        """Ask, then start one step afresh (its old record goes to the history)."""
        from tutor.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                with self._saving():
                    self.session.reset_step(step)
                self.session.go_to_step(step.id)
                self._after_reset("This step starts afresh; your earlier answers are kept in the progress file.")

        label = one_line(self.session.step_label(step.id))
        detail = "Its attempts, hints and mark are cleared. They are kept in the progress file's history."
        self.app.push_screen(ConfirmScreen(f"Start the step {label} again?", detail), answered)

    def _after_reset(self, message: str) -> None:
        """Show the place afresh after a reset."""
        self.last_value.clear()
        self._shown_place = None
        self.carried = ""
        self.position = self.session.position
        self.notify(message, timeout=4, markup=False)

    def action_picture(self) -> None:
        """Switch the graph between the circuit, the network (layer lessons) and the table."""
        view = self.pictures.cycle()
        why = f" (the circuit is not drawn: {self.pictures.too_large()})" if self.pictures.too_large() else ""
        self.notify(f"The graph as {'a ' + view if view != 'table' else 'the table'}{why}.", timeout=2)

    def action_previous(self) -> None:
        """Go to the previous step (or the intro)."""
        if self.session.on_intro:
            self.notify("This is the beginning of the lesson.", timeout=2)
            return
        self._move(lambda: self.session.go(self.session.position - 1))

    def action_next(self) -> None:
        """Go to the next step (or the summary), solved or not."""
        if self.session.on_summary:
            self.notify("This is the end of the lesson. Escape: the lessons.", timeout=2)
            return
        self._move(lambda: self.session.go(self.session.position + 1))

    def action_new_numbers(self) -> None:
        """Practice again with new numbers: the lesson's next variant, in a fresh session."""
        self.tutor.practise_again()

    def action_home(self) -> None:
        """Back to the list of lessons."""
        self.dismiss()

    def action_train(self) -> None:
        """Train the lesson's network with the learner's formulas (tutor/ui/screens/train.py)."""
        open_training(self.app)

    def action_help(self) -> None:
        """How to answer, and the keys."""
        from tutor.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(lesson=self.lesson))

    # --- live reload ----------------------------------------------------------------------

    def reload(self, lesson: Lesson, solution: Solution | None = None) -> None:
        """Swap in a new version of the lesson, keeping the learner's place if that step still exists."""
        self.checking = None
        old = self.session
        self.session = old.reloaded(lesson, solution)
        if any(self.session.record.steps.get(s.id) is not None for s in self.session.steps):
            with self._saving():
                self.session.save()  # the answers kept from the version before
        self.last_value = {k: v for k, v in self.last_value.items() if k in self.session.record.steps}
        self._shown_place = None
        self.carried = ""
        self.position = self.session.position
