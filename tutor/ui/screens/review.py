"""The review screen: one due card's step asked again, the old wrong answer and its diagnosis beside it.

Everything shown is computed by :class:`tutor.ui.review_session.ReviewSession` and the grader; text from the
lesson and the learner goes through :func:`tutor.safetext.one_line` into plain ``Text`` (never markup).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from tutor.course import Solution
from tutor.grading import Verdict
from tutor.review import ReviewCard, clock, when_due
from tutor.review import card as find_card
from tutor.safetext import one_line
from tutor.ui.review_session import ReviewSession
from tutor.ui.widgets.answer import AnswerBox
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.graph import GraphPanel
from tutor.ui.widgets.titlebar import TitleBar

if TYPE_CHECKING:
    from tutor.course import Lesson
    from tutor.progress import ProgressStore
    from tutor.ui.app import TutorApp


def due_in(review: ReviewSession) -> str:
    """When the card comes back, after its review was rated."""
    card = find_card(review.store, review.card.key)
    return "" if card is None else when_due(card.due, clock()).replace("due now", "now")


class ReviewScreen(Screen[None]):
    """One review: the graph up to the step, the question, last time's answer and diagnosis, an answer box."""

    DEFAULT_CSS = """
    ReviewScreen #review-pane { height: 1fr; padding: 0 1; }
    ReviewScreen #review-last { color: $warning; margin: 1 0; }
    ReviewScreen #review-feedback { margin: 1 0 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "home", "Lessons")]

    def __init__(self, review: ReviewSession, original: Solution, due_left: int) -> None:
        super().__init__()
        self.review = review
        self.original = original
        self.due_left = due_left  # other cards due after this one
        self.checking = False

    @property
    def tutor(self) -> TutorApp:
        """The app this screen runs in (for its background work)."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """Title bar, graph, the review pane, the answer box, the footer."""
        yield TitleBar()
        with Vertical(id="review-body"):
            yield GraphPanel(id="graph")
            with VerticalScroll(id="review-pane"):
                yield Static(id="review-title")
                yield Static(id="review-question")
                yield Static(id="review-context")
                yield Static(id="review-last")
                yield Static(id="review-feedback")
            yield AnswerBox(id="answer")
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Show the step, the old answer and what was wrong with it."""
        r = self.review
        s = r.session
        lesson = s.lesson
        self.title = lesson.title
        self.sub_title = "review"
        step = r.step
        p = s.prompt(step)
        numbers = f" · new numbers ({lesson.variant})" if lesson.variant else ""
        heading = (
            f"Review · {one_line(lesson.title)}{numbers} · step {s.position + 1} of {len(s.steps)} · {step.kind.title}"
        )
        self.query_one("#review-title", Static).update(Text(heading, style="bold"))
        self.query_one("#review-question", Static).update(
            Text.assemble((one_line(p.question), "bold"), "    ", (p.expects, "italic"))
        )
        self.query_one("#review-context", Static).update(Text(one_line(p.context)))
        said = one_line(r.old_mistake(self.original))
        self.query_one("#review-last", Static).update(Text(f"Last time you answered {one_line(r.card.answer)}: {said}"))
        self.query_one(GraphPanel).graph = s.graph()
        box = self.query_one("#answer", AnswerBox)
        box.placeholder = "Your answer; Enter grades (Esc: back to the lessons)"
        box.focus()

    def _say(self, text: str, kind: str = "") -> None:
        """One line of feedback under the old answer."""
        line = self.query_one("#review-feedback", Static)
        line.set_classes(kind)
        line.update(Text(one_line(text)))

    @on(Input.Submitted, "#answer")
    def submit(self, event: Input.Submitted) -> None:
        """Enter: grade the answer in the background; after a right answer, go back."""
        if self.review.now_step.status is not None:
            self.action_home()
            return
        if self.checking:
            return
        self.checking = True
        text = event.value
        self._say("Checking your answer…", "checking")
        self.tutor.in_background(
            "checking your answer",
            lambda: self.review.check(text),
            lambda verdict: self._graded(text, verdict),
            lambda error: self._not_graded(error),
        )

    def _graded(self, text: str, verdict: Verdict) -> None:
        """Rate the card with the first graded answer, and say how it went."""
        self.checking = False
        try:
            self.review.answer(text, verdict)
        except OSError as e:
            self._say(f"Your review could not be saved ({e.strerror or e}).", "wrong")
            return
        if verdict.status == "unreadable":
            self._say(f"{verdict.message}   (not counted)", "unreadable")
            return
        back = due_in(self.review)
        after = f" This card comes back {back}." if back else ""
        more = f" {self.due_left} more due." if self.due_left else ""
        if verdict.correct:
            self.query_one("#answer", AnswerBox).value = ""
            self._say(f"✓ {verdict.message}{after}{more} Press Enter to go back.", "correct")
        else:
            self._say(f"✗ {verdict.message}{after}", "wrong")

    def _not_graded(self, error: Exception) -> None:
        """Grading raised: say so; the answer is not counted."""
        self.checking = False
        self._say(f"Your answer could not be graded ({one_line(str(error))[:200]}); it was not counted.", "wrong")

    def action_home(self) -> None:
        """Back to the lessons (the home screen counts the cards due afresh)."""
        self.app.pop_screen()


def start_review(app: TutorApp) -> None:
    """Open the card due first: its lesson loaded and solved in the background, then the review screen."""
    from tutor.review import ClockError, due_cards, sync_cards

    try:
        now = clock()
    except ClockError as e:
        app.notify(str(e), severity="error", markup=False)
        return
    sync_cards(app.store)
    due = [c for c in due_cards(app.store, now) if _lesson_file(app, c) is not None]
    if not due:
        app.notify("No review card is due now.", markup=False)
        return
    card = due[0]
    path = _lesson_file(app, card)
    assert path is not None

    def load() -> tuple[ReviewSession, Solution]:
        return review_of(lesson_of(card, path), card, app.store)

    app.in_background(
        f"opening a review of {one_line(card.lesson_id)}",
        load,
        lambda made: _show(app, ReviewScreen(made[0], made[1], len(due) - 1)),
        lambda error: app.notify(
            f"This review cannot open: {one_line(str(error))[:300]}", severity="error", markup=False
        ),
    )


def review_of(lesson: Lesson, card: ReviewCard, store: ProgressStore) -> tuple[ReviewSession, Solution]:
    """The review of a card in a fresh variant of its lesson (the lesson as written if it has no ``vary:``), and
    the solution of the variant the old answer was given in (off the UI thread)."""
    from tutor.authoring.variants import variant
    from tutor.course import solve
    from tutor.course.variant import MAX_VARIANT
    from tutor.progress import lesson_source

    asked = variant(lesson, card.variant) if card.variant and lesson.vary else lesson
    fresh = lesson
    if lesson.vary:
        done = store.variants_done(lesson.id, lesson.content_hash, lesson_source(lesson.path))
        k = min(max(done, default=0) + 1 + card.reviews, MAX_VARIANT)
        fresh = variant(lesson, k if k != card.variant else k + 1 if k < MAX_VARIANT else 1)
    original = solve(asked)
    solution = original if fresh is asked else solve(fresh)
    return ReviewSession(fresh, solution, store, card), original


def _show(app: TutorApp, screen: ReviewScreen) -> None:
    """Put the review over the home screen."""
    app.push_screen(screen)


def lesson_of(card: ReviewCard, path: Path) -> Lesson:
    """The lesson of a card (off the UI thread): its file, or, for a drill whose file is gone or was saved before
    drills varied, the drill made again from its id, so that the review asks a new drill of the same shape."""
    from tutor.course import load_lesson
    from tutor.drill import remade

    lesson = load_lesson(path) if path.is_file() else None
    if lesson is None or not lesson.vary:
        again = remade(card.lesson_id, path)
        if again is not None and any(s.id == card.step_id for s in again.steps):
            return again
    if lesson is None:
        raise LookupError(f"the lesson file {one_line(str(path))} is gone")
    return lesson


def _lesson_file(app: TutorApp, card: ReviewCard) -> Path | None:
    """The file of the lesson a card belongs to: the course's lesson with its id from the same place, or the
    file the card came from (a drill, a lesson opened by path) while it is still there, or a drill's place (a
    drill can be made again from its id); None otherwise."""
    from tutor.drill import level_of
    from tutor.progress import lesson_source

    entry = app.course.get(card.lesson_id)
    if entry is not None and lesson_source(entry.path) == card.source:
        return entry.path
    if card.source is None:
        return None
    source = Path(card.source)
    try:
        return source if source.is_file() or level_of(card.lesson_id) is not None else None
    except (OSError, ValueError):  # a name no file can have (a damaged card)
        return None
