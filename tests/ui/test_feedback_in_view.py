"""After every graded answer and hint, the question and the new feedback are both in view where they fit (mlp-loop
at 100×30 had the question scrolled above the top and '(attempt 1)' below the fold), at 100×30 and 80×24."""

from __future__ import annotations

import pytest
from helpers import settle, shipped_course, type_answer, wait_for
from textual.containers import VerticalScroll

from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen


def in_view(screen: LessonScreen, selector: str) -> bool:
    """Whether a part of the step pane is shown and wholly inside the pane's visible region."""
    pane = screen.query_one("#step-pane", VerticalScroll)
    widget = screen.query_one(selector)
    return bool(widget.display) and widget.region.height > 0 and pane.content_region.contains_region(widget.region)


async def opened_at(pilot, step_id: str) -> LessonScreen:
    """The lesson screen at a step (every step before it passed over, as F6 would)."""
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    await pilot.press("enter")
    await settle(pilot)
    while screen.session.step is not None and screen.session.step.id != step_id:
        await pilot.press("f6")
        await settle(pilot)
    assert await wait_for(pilot, lambda: screen.pictures.circuit is not None)
    await pilot.pause(0.1)
    return screen


@pytest.mark.parametrize("size", [(100, 30), (80, 24)])
async def test_mlp_loop_keeps_the_question_and_the_feedback_in_view(size):
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("mlp-loop"))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = await opened_at(pilot, "grad:Z2")
        await type_answer(pilot, "dA2")  # the delta above the sigmoids: a diagnosis
        await pilot.pause(0.1)
        assert "(attempt 1)" in str(screen.query_one("#feedback").render())
        assert in_view(screen, "#question") and in_view(screen, "#feedback")
        await type_answer(pilot, "dA2*A2")
        await pilot.pause(0.1)
        assert "(attempt 2)" in str(screen.query_one("#feedback").render())
        assert in_view(screen, "#question") and in_view(screen, "#feedback")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.pause(0.1)
        assert in_view(screen, "#hints") and in_view(screen, "#feedback")
        if size == (100, 30):
            assert in_view(screen, "#question")


async def test_a_wrong_matrix_answer_at_80x24_keeps_the_question_in_view():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("two-layer-batch"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await opened_at(pilot, "value:Z1")
        await type_answer(pilot, "X @ W1")  # the forgotten bias
        await pilot.pause(0.1)
        assert "(attempt 1)" in str(screen.query_one("#feedback").render())
        assert in_view(screen, "#question") and in_view(screen, "#feedback")


async def test_the_explanation_after_a_correct_matrix_answer_at_80x24_is_in_view():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("two-layer-batch"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await opened_at(pilot, "value:Z1")
        grown = screen.query_one("#circuit").outer_size.height  # the step's boxes need more than its share
        await type_answer(pilot, "[[-0.95, -1.38, 1.22], [-0.65, -0.1, 0.2], [-0.6, 0.58, -0.32], [-1.6, 0.98, -0.42]]")
        await settle(pilot)
        await pilot.pause(0.2)
        assert str(screen.query_one("#feedback").render()).startswith("✓ Correct")
        assert screen.query_one("#circuit").outer_size.height < grown  # answered: the explanation gets the room back
        assert in_view(screen, "#feedback") and in_view(screen, "#explain")
