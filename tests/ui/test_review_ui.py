"""The review in the app: a mistake made in a lesson comes back on the home screen once due, is asked again with
the old answer and its diagnosis beside it, and the answer reschedules the card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpers import settle, shipped_course, shown, type_answer, wait_for

from tutor.progress import ProgressStore
from tutor.review import NOW_VAR, cards
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.review import ReviewScreen


async def test_a_mistake_comes_back_for_review_with_the_old_answer(monkeypatch):
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(110, 36)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.session.go_to_step("grad:y")
        screen.position = screen.session.position
        await type_answer(pilot, "2.5")  # the sign flipped: diagnosed 'sign'
        assert "sign is flipped" in shown(pilot, "#feedback")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)
        assert "nothing due now (1 card scheduled)" in shown(pilot, "#home-review")

    later = datetime.now(UTC) + timedelta(hours=2)
    monkeypatch.setenv(NOW_VAR, later.isoformat())
    app = TutorApp.with_course(course)
    async with app.run_test(size=(110, 36)) as pilot:
        await settle(pilot)
        assert "Review: 1 card of your mistakes due now: press r." in shown(pilot, "#home-review")
        await pilot.press("r")
        assert await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReviewScreen))
        await settle(pilot)
        title = shown(pilot, "#review-title")
        assert title.startswith("Review · ") and "new numbers (1)" in title and "step 4 of" in title
        assert "dy = ∂L/∂y = ?" in shown(pilot, "#review-question")
        last = shown(pilot, "#review-last")
        assert last.startswith("Last time you answered 2.5: The sign is flipped")
        review = pilot.app.screen.review
        assert review.lesson.variant == 1 and float(review.lesson.leaf_values()["t"]) >= 5.5  # t = 4.25 as written
        right = review.session.answer_text(review.step)
        assert right != "-2.5"  # new numbers, so a new answer
        await type_answer(pilot, right)
        said = shown(pilot, "#review-feedback")
        assert said.startswith("✓") and "This card comes back in 1 d." in said
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)
        assert "nothing due now (1 card scheduled)" in shown(pilot, "#home-review")
    (card,) = cards(ProgressStore())  # saved: a new start of the tutor finds the card rescheduled
    assert card.reviews == 1 and card.due - later == timedelta(days=1)
