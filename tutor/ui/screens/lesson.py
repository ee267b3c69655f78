"""The lesson screen: the intro, then one step at a time with the graph filling in, then a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input

from tutor.course import Lesson, Solution, Step
from tutor.grading import Verdict
from tutor.progress import SHOWN, SOLVED, ProgressStore
from tutor.ui.plain import LessonMarkdown, PlainStatic, markdown_literal, one_line
from tutor.ui.session import LessonSession
from tutor.ui.widgets.answer import MAX_LENGTH, AnswerBox
from tutor.ui.widgets.graph import GraphPanel
from tutor.ui.widgets.titlebar import TitleBar

if TYPE_CHECKING:
    from tutor.ui.app import TutorApp

KIND_NAMES = {
    "value": "forward value",
    "local": "local derivative",
    "grad": "delta (gradient of the output)",
    "jacobian": "Jacobian",
}


class LessonScreen(Screen[None]):
    """One lesson for one learner; every answer is graded by the core and saved at once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help"),
        Binding("f2", "hint", "Hint"),
        Binding("f3", "show_answer", "Answer"),
        Binding("f4", "torch", "PyTorch"),
        Binding("f5", "previous", "Prev"),
        Binding("f6", "next", "Next"),
        Binding("escape", "home", "Lessons"),
    ]

    def __init__(self, lesson: Lesson, store: ProgressStore, solution: Solution | None = None) -> None:
        super().__init__()
        self.store = store
        self.session = LessonSession(lesson, store, solution)
        self.last_value: dict[str, np.ndarray] = {}  # step id -> the learner's last graded value
        self.flash: str = ""  # a line carried over to the next step ("✓ y = 3 was right")
        self.checking: str | None = None  # the step id whose answer is being graded in the background

    @property
    def lesson(self) -> Lesson:
        """The lesson being studied."""
        return self.session.lesson

    def compose(self) -> ComposeResult:
        """Header, the graph, the step's text and feedback, the answer box, the footer."""
        yield TitleBar()
        with Vertical(id="lesson-body"):
            yield GraphPanel(id="graph")
            with VerticalScroll(id="step-pane"):
                yield PlainStatic(id="previous")
                yield PlainStatic(id="step-title")
                yield LessonMarkdown(id="step-text")
                yield PlainStatic(id="question")
                yield PlainStatic(id="context")
                yield PlainStatic(id="hints")
                yield PlainStatic(id="feedback")
                yield LessonMarkdown(id="explain")
            yield AnswerBox(id="answer")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Show where the learner is."""
        self.sub_title = self.lesson.title
        self.refresh_view()

    # --- showing --------------------------------------------------------------------------

    def refresh_view(self) -> None:
        """Redraw everything from the session."""
        s = self.session
        self.query_one(GraphPanel).show(s)
        title = self.query_one("#step-title", PlainStatic)
        text = self.query_one("#step-text", LessonMarkdown)
        question = self.query_one("#question", PlainStatic)
        context = self.query_one("#context", PlainStatic)
        hints = self.query_one("#hints", PlainStatic)
        feedback = self.query_one("#feedback", PlainStatic)
        explain = self.query_one("#explain", LessonMarkdown)
        answer = self.query_one("#answer", AnswerBox)
        for w in (question, context, hints, feedback, explain):
            w.display = False
        feedback.remove_class("wrong", "unreadable", "correct", "shown", "checking")
        self.title = self.lesson.title
        if s.on_intro:
            self.sub_title = "introduction"
            title.update(Text(f"{one_line(self.lesson.title)} · introduction", style="bold"))
            text.display = True
            text.update(self.lesson.intro or self.lesson.summary)
            answer.placeholder = "Press Enter to start the first step"
        elif s.on_summary:
            self.sub_title = "summary"
            title.update(Text(f"{one_line(self.lesson.title)} · done", style="bold"))
            text.display = True
            text.update(self._summary_markdown())
            answer.placeholder = "Press Enter to go back to the lessons (F5: last step)"
        else:
            step = s.step
            assert step is not None
            self._show_step(step)
        self._show_flash()
        self.query_one("#step-pane", VerticalScroll).scroll_home(animate=False)
        answer.focus()

    def _show_step(self, step: Step) -> None:
        """The question of a step, its hints so far, and its state (open, solved, shown)."""
        s = self.session
        n = len(s.steps)
        record = s.progress(step)
        self.sub_title = f"step {s.position + 1} of {n}"
        mark = {SOLVED: "  ✓ solved", SHOWN: "  (answer shown)"}.get(record.status or "", "")
        self.query_one("#step-title", PlainStatic).update(
            Text.assemble((f"Step {s.position + 1} of {n}", "bold"), f" · {KIND_NAMES[step.kind]}", (mark, "bold"))
        )
        text = self.query_one("#step-text", LessonMarkdown)
        text.display = bool(step.prompt)
        if step.prompt:
            text.update(step.prompt)
        p = s.prompt(step)
        question = self.query_one("#question", PlainStatic)
        question.display = True
        question.update(Text.assemble((one_line(p.question), "bold"), "    ", (f"shape {p.shape}", "italic")))
        if p.context:
            context = self.query_one("#context", PlainStatic)
            context.display = True
            context.update(p.context)
        self._show_hints(step)
        answer = self.query_one("#answer", AnswerBox)
        if record.done:
            answer.value = ""
            answer.placeholder = "Press Enter for the next step"
            self._show_done(step)
        else:
            if answer.value and self._shown_step != step.id:
                answer.value = ""
            tries = record.wrong_attempts
            answer.placeholder = "Your answer, e.g. -2.5, 2*(3-4.25) or [[1, 2], [3, 4]]; Enter grades"
            if tries:
                self._feedback(f"{tries} wrong attempt{'s' if tries != 1 else ''} so far.", "wrong")
        self._shown_step = step.id

    _shown_step: str | None = None

    def _show_hints(self, step: Step) -> None:
        """The hints asked for so far, numbered."""
        seen = self.session.hints_seen(step)
        hints = self.query_one("#hints", PlainStatic)
        hints.display = bool(seen)
        if seen:
            lines = [f"Hint {i + 1}/{len(step.hints)}: {h}" for i, h in enumerate(seen)]
            hints.update("\n".join(lines))

    def _show_done(self, step: Step) -> None:
        """A solved or shown step: what was right, and the explanation."""
        s = self.session
        record = s.progress(step)
        answer = s.answer_text(step)
        if record.status == SOLVED:
            typed = next((a.text for a in reversed(record.attempts) if a.correct), answer)
            tries = len(record.attempts)
            how = "first try" if tries == 1 else f"after {tries} attempts"
            self._feedback(f"✓ Correct ({how}): {typed}   engine: {answer}", "correct")
        else:
            self._feedback(f"The answer is {answer}   (shown: this step does not count as solved)", "shown")
        explain = self.query_one("#explain", LessonMarkdown)
        explain.display = bool(step.explain)
        if step.explain:
            explain.update(step.explain)

    def _feedback(self, message: str, kind: str) -> None:
        """One line of feedback (plain text), styled by its kind (correct, wrong, unreadable, shown)."""
        feedback = self.query_one("#feedback", PlainStatic)
        feedback.remove_class("wrong", "unreadable", "correct", "shown", "checking")
        feedback.add_class(kind)
        feedback.update(message)
        feedback.display = True

    def _show_flash(self) -> None:
        """The line carried over from the step just solved, above the new step (once)."""
        previous = self.query_one("#previous", PlainStatic)
        previous.display = bool(self.flash)
        previous.update(self.flash)
        self.flash = ""

    def _summary_markdown(self) -> str:
        """The end-of-lesson summary: the outro and how each step went."""
        summary = self.session.summary()
        lesson = self.lesson

        def names(ids: list[str]) -> str:
            return ", ".join(f"`{i}`" for i in ids) if ids else "none"

        title = markdown_literal(one_line(lesson.title))
        parts = [f"# {title}: done" if not summary.open else f"# {title}: summary"]
        parts.append(
            "\n".join(
                [
                    "| | steps | which |",
                    "|---|---|---|",
                    f"| solved at the first try | {len(summary.first_try)} | {names(summary.first_try)} |",
                    f"| solved after attempts | {len(summary.after_attempts)} | {names(summary.after_attempts)} |",
                    f"| answer shown | {len(summary.shown)} | {names(summary.shown)} |",
                ]
                + ([f"| still open | {len(summary.open)} | {names(summary.open)} |"] if summary.open else [])
            )
        )
        if lesson.outro:
            parts.append(lesson.outro)
        if summary.open:
            parts.append("Some steps are still open: press **F5** to go back, or **Escape** for the lessons.")
        else:
            parts.append("Press **Enter** to go back to the lessons.")
        return "\n\n".join(parts)

    # --- answering ------------------------------------------------------------------------

    @on(Input.Submitted, "#answer")
    def submit(self, event: Input.Submitted) -> None:
        """Enter: start, grade, go on, or leave, depending on where the learner is."""
        s = self.session
        if s.on_intro:
            self._move(s.advance)
            return
        if s.on_summary:
            self.action_home()
            return
        step = s.step
        assert step is not None
        if s.progress(step).done:
            event.input.value = ""
            self._move(s.advance)
            return
        if self.checking is not None:
            return  # the answer just sent is still being graded
        self.checking = step.id
        text = event.value
        self._feedback("Checking your answer…", "checking")
        app: TutorApp = self.app  # type: ignore[assignment]
        app.in_background(
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
        try:
            session.record_answer(step, text, verdict)
        except OSError as e:
            self._not_saved(e)
            return
        if verdict.value is not None:
            self.last_value[step.id] = verdict.value
        if session.step != step:
            return  # the learner moved on meanwhile; the attempt is recorded
        answer = self.query_one("#answer", AnswerBox)
        if verdict.correct:
            answer.value = ""
            if step.explain:
                self.refresh_view()
            else:
                question = session.prompt(step).question
                self.flash = "✓ " + question.replace("= ?", f"= {session.answer_text(step, 4)}", 1)
                self._move(session.advance)
            return
        record = session.progress(step)
        read_as = f"   read as: {verdict.read_as}" if verdict.read_as and verdict.read_as != text.strip() else ""
        if verdict.status == "unreadable":
            self._feedback(f"{verdict.message}{read_as}   (not counted as an attempt)", "unreadable")
        else:
            n = record.wrong_attempts
            self._feedback(f"✗ {verdict.message}{read_as}   (attempt {n})", "wrong")

    def _not_graded(self, session: LessonSession, step: Step, error: Exception) -> None:
        """Grading raised: say so; the answer stays in the box and is not counted."""
        if session is not self.session:
            return
        self.checking = None
        app: TutorApp = self.app  # type: ignore[assignment]
        app._work_failed("checking your answer", error)
        if session.step == step:
            self._feedback("That answer could not be checked (not counted as an attempt).", "unreadable")

    @on(AnswerBox.Refused, "#answer")
    def refused(self, event: AnswerBox.Refused) -> None:
        """Text that the answer box would not take: say why."""
        self._feedback(
            f"The answer box takes one line of at most {MAX_LENGTH} printable characters; that text was not added.",
            "unreadable",
        )

    def _move(self, how: object) -> None:
        """Move (by calling ``how``), save the place, and redraw."""
        assert callable(how)
        how()
        try:
            self.session.save()
        except OSError as e:
            self._not_saved(e)
        self.refresh_view()

    def _not_saved(self, error: OSError) -> None:
        """Say that the progress file could not be written (its path is shown as plain text)."""
        self.notify(f"Could not save your progress: {error}", severity="error", timeout=8, markup=False)

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
        try:
            hint = self.session.next_hint()
        except OSError as e:
            self._not_saved(e)
            return
        if hint is None:
            self.notify("No more hints for this step. F3 shows the answer.", timeout=4)
        self._show_hints(step)

    def action_show_answer(self) -> None:
        """Show the current step's answer; the step then counts as shown, not solved."""
        step = self.session.step
        if step is None:
            self.notify("There is no step here to show the answer of.", timeout=3)
            return
        try:
            self.session.reveal()
        except OSError as e:
            self._not_saved(e)
        self.query_one("#answer", AnswerBox).value = ""
        self.refresh_view()

    def action_torch(self) -> None:
        """Open the PyTorch panel for the current step, if that feature is installed."""
        step = self.session.step
        if step is None:
            self.notify("The PyTorch panel shows a step; start the lesson first.", timeout=3)
            return
        try:
            from tutor.ui.screens.torch_panel import TorchPanel
        except ImportError:
            self.notify("The PyTorch panel is not available in this build.", severity="warning", timeout=4)
            return
        self.app.push_screen(TorchPanel(self.lesson, step, self.last_value.get(step.id)))

    def action_previous(self) -> None:
        """Go to the previous step (or the intro)."""
        if self.session.on_intro:
            self.notify("This is the beginning of the lesson.", timeout=2)
            return
        self.query_one("#answer", AnswerBox).value = ""
        self._move(lambda: self.session.go(self.session.position - 1))

    def action_next(self) -> None:
        """Go to the next step (or the summary), solved or not."""
        if self.session.on_summary:
            self.notify("This is the end of the lesson. Escape: the lessons.", timeout=2)
            return
        self.query_one("#answer", AnswerBox).value = ""
        self._move(lambda: self.session.go(self.session.position + 1))

    def action_home(self) -> None:
        """Back to the list of lessons."""
        self.dismiss()

    def action_help(self) -> None:
        """How to answer, and the keys."""
        from tutor.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    # --- live reload ----------------------------------------------------------------------

    def reload(self, lesson: Lesson, solution: Solution | None = None) -> None:
        """Swap in a new version of the lesson, keeping the learner's place if that step still exists."""
        old = self.session
        place = old.step.id if old.step is not None else ("intro" if old.on_intro else "summary")
        self.checking = None
        self.session = LessonSession(lesson, self.store, solution)
        if place == "intro":
            self.session.go(-1)
        elif place == "summary":
            self.session.go(len(lesson.steps))
        elif not self.session.go_to_step(place):
            self.session.go(min(max(old.position, 0), len(lesson.steps)))
        self.last_value.clear()
        self._shown_step = None
        self.refresh_view()
