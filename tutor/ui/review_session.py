"""A review: one step of a lesson asked again, with the learner's old wrong answer and what was wrong with it.

It is a lesson session held at the card's step: the steps before it count as done (their values and deltas
show in the graph), the step itself starts afresh, and nothing of it is written into the lesson's record.
The first graded answer rates the card (right: Good, wrong: Again) and saves the progress file; later tries
only get feedback. No Textual import: the review screen shows what this computes.
"""

from __future__ import annotations

from tutor.course import Lesson, Solution, Step
from tutor.grading import AnswerContext, Verdict, grade
from tutor.progress import SOLVED, ProgressStore, StepProgress
from tutor.review import ReviewCard, clock, reviewed


class ReviewSession:
    """The review of one card on a loaded, solved lesson (the lesson as written, or a variant of it)."""

    def __init__(self, lesson: Lesson, solution: Solution, store: ProgressStore, card: ReviewCard) -> None:
        from tutor.ui.session import LessonSession

        self.card = card
        self.lesson = lesson
        self.store = store
        found = next((i for i, s in enumerate(lesson.steps) if s.id == card.step_id), None)
        if found is None:
            raise LookupError(
                f"the lesson {lesson.id} has no step {card.step_id} any more; the card stays until it is due again"
            )
        self.index: int = found
        self.now_step = StepProgress()
        self.rated: bool | None = None  # how the card was rated: None until the first graded answer
        outer = self

        class _Held(LessonSession):
            """The lesson session, its progress read from the review instead of the record."""

            def progress(self, step: Step) -> StepProgress:
                """Steps before the card's count as done; the card's step is the review's own."""
                return outer._progress(step)

            def save(self) -> None:
                """A review writes only its card (see :meth:`ReviewSession.answer`)."""

        self.session = _Held(lesson, store, solution)
        self.session.position = self.index

    @property
    def step(self) -> Step:
        """The step under review."""
        return self.session.steps[self.index]

    def _progress(self, step: Step) -> StepProgress:
        """What counts as done in the review's graph."""
        if step.id == self.card.step_id:
            return self.now_step
        before = self.lesson.steps.index(step) < self.index
        return StepProgress(status=SOLVED if before else None)

    def old_mistake(self, original: Solution) -> str:
        """What was wrong last time, in the grader's words, from the old answer on the lesson as written."""
        step = original.lesson.step(self.card.step_id)
        verdict = grade(original, step, self.card.answer, AnswerContext(wrong_before=1))
        return verdict.message

    def check(self, text: str) -> Verdict:
        """Grade an answer to the step (reads only: safe off the UI thread)."""
        return self.session.check(self.step, text)

    def answer(self, text: str, verdict: Verdict) -> None:
        """Record a graded answer: the first rates the card and saves (OSError if the disk refuses)."""
        if not verdict.counts:
            return
        self.now_step.attempts.append(_attempt(text, verdict))
        if verdict.correct:
            self.now_step.status = SOLVED
        if self.rated is None:
            self.rated = verdict.correct
            at = clock()
            reviewed(self.store, self.card.key, text, verdict.correct, verdict.diagnosis, at, self.lesson.variant)
            self.store.save()


def _attempt(text: str, verdict: Verdict):  # noqa: ANN202 - the progress store's Attempt
    """An attempt record for the review's own step (kept in memory only)."""
    from tutor.progress import Attempt, now

    return Attempt(text.strip(), verdict.correct, verdict.diagnosis, now())
