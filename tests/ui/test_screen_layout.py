"""The learner's eyes stay on the work: the text scrolls from the keyboard while the answer box has the focus, new
feedback, hints and explanations are scrolled into view, and the graph panel never pushes the answer area
below the fold (at 80×24 it shows the rows the step needs)."""

from __future__ import annotations

import pytest
from helpers import screen_text, settle, shipped_course, shown, type_answer
from textual.containers import VerticalScroll
from textual.widgets import Input

from tutor.course import solve
from tutor.course.steps import JACOBIAN
from tutor.grading import show_array
from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import NO_MORE_HINTS, LessonScreen
from tutor.ui.widgets.graph import GraphPanel


def app_on(lesson_id: str) -> TutorApp:
    """The tutor opening one shipped lesson, in a fresh home."""
    course = shipped_course()
    return TutorApp.with_course(course, lesson=course.get(lesson_id))


def in_view(screen: LessonScreen, selector: str) -> bool:
    """Whether a part of the step pane is shown and wholly inside the pane's visible region."""
    pane = screen.query_one("#step-pane", VerticalScroll)
    widget = screen.query_one(selector)
    if not widget.display:
        return False
    visible = pane.content_region
    return visible.contains_region(widget.region) and widget.region.height > 0


async def answer_up_to(pilot, lesson_id: str, count: int) -> LessonScreen:
    """Answer the first ``count`` steps with the engine's answers (Enter past each explanation but the last)."""
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    solution = solve(screen.lesson)
    await pilot.press("enter")
    await settle(pilot)
    for i, step in enumerate(screen.lesson.steps[:count]):
        await type_answer(pilot, show_array(solution.answer(step), 8))
        if step.explain and i < count - 1:
            await pilot.press("enter")
            await settle(pilot)
    return screen


@pytest.mark.parametrize("lesson_id", ["chain-rule", "chain-rule-paths"])
async def test_the_intro_scrolls_from_the_answer_box_and_says_there_is_more(lesson_id):
    app = app_on(lesson_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.session.on_intro
        pane = screen.query_one("#step-pane", VerticalScroll)
        assert pane.max_scroll_y > 0  # the intro is longer than the pane at 100×30
        assert "↓ more below: PgDn" in screen_text(pilot) and "PgUp/Dn Scroll" in screen_text(pilot)
        for _ in range(10):
            await pilot.press("pagedown")
            await pilot.pause()
        assert pane.scroll_y == pane.max_scroll_y  # the intro's last line is reachable from the keyboard
        assert isinstance(app.focused, Input)  # and the answer box kept the focus
        assert "↓ more below" not in screen_text(pilot)
        await pilot.press("pageup")
        await pilot.pause()
        assert pane.scroll_y < pane.max_scroll_y
        before = pane.scroll_y
        await pilot.press("ctrl+down")
        await pilot.pause()
        assert pane.scroll_y > before
        await pilot.press("enter")  # Enter still starts the lesson
        await settle(pilot)
        assert screen.session.step is not None


async def test_an_explanation_after_a_correct_matrix_answer_is_scrolled_into_view():
    app = app_on("two-layer-net")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await answer_up_to(pilot, "two-layer-net", 8)  # up to dW2, a 3×1 matrix, whose explanation waits
        assert screen.session.step.id == "grad:W2" and screen.session.stage == "solved"
        await pilot.pause(0.2)
        assert shown(pilot, "#feedback").startswith("✓ Correct")
        assert in_view(screen, "#feedback") and in_view(screen, "#explain")
        assert "The hidden unit with the largest activation" in screen_text(pilot)


async def test_the_verdict_after_the_hints_is_in_view():
    app = app_on("matmul-jacobian")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await answer_up_to(pilot, "matmul-jacobian", 1)
        if screen.session.stage == "solved":
            await pilot.press("enter")
            await settle(pilot)
        step = screen.session.step
        assert step.kind is JACOBIAN
        for _ in step.hints:
            await pilot.press("f2")
        await pilot.pause()
        assert in_view(screen, "#hints")
        await type_answer(pilot, show_array(solve(screen.lesson).answer(step), 8))
        await pilot.pause(0.2)
        assert shown(pilot, "#feedback").startswith("✓ Correct") and in_view(screen, "#feedback")


async def test_a_third_f2_says_there_are_no_more_hints():
    app = app_on("chain-rule")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "f6")  # value:L, two hints
        await settle(pilot)
        await pilot.press("f2", "f2")
        await pilot.pause()
        assert NO_MORE_HINTS not in shown(pilot, "#hints")
        await pilot.press("f2")
        await pilot.pause()
        assert shown(pilot, "#hints").splitlines()[-1] == NO_MORE_HINTS
        assert in_view(app.screen, "#hints")


async def test_the_carried_line_goes_after_a_wrong_answer_on_the_next_step():
    app = app_on("chain-rule")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await type_answer(pilot, "3")
        assert shown(pilot, "#previous") == "✓ y = 3"
        await type_answer(pilot, "99")  # wrong, on L
        assert shown(pilot, "#feedback").startswith("✗") and not shown(pilot, "#previous")


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_the_graph_never_pushes_the_answer_below_the_fold(size):
    app = app_on("two-layer-batch")
    width, height = size
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        solution = solve(screen.lesson)
        await pilot.press("enter")
        await settle(pilot)
        for step in screen.lesson.steps:
            assert screen.session.step == step
            await pilot.pause()
            answer = screen.query_one("#answer", Input)
            assert answer.region.bottom <= height - 1  # above the footer, on the screen
            pane = screen.query_one("#step-pane", VerticalScroll)
            assert pane.region.height >= 4, (step.id, pane.region)
            graph = screen.query_one(GraphPanel)
            layout = graph.layout_shown
            assert layout is not None and set(screen.session.needed_rows(step)) <= set(layout.shown), step.id
            rows = graph.query_one("#graph-rows", VerticalScroll)
            assert rows.max_scroll_y == 0 or width >= 100, (step.id, "the step's rows do not fit: they scroll")
            await type_answer(pilot, show_array(solution.answer(step), 8))
            if screen.session.stage == "solved" and screen.session.step == step:
                await pilot.press("enter")
                await settle(pilot)


async def test_the_first_wrong_try_names_the_mistake_and_the_formula_comes_with_the_next():
    app = app_on("two-layer-batch")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        screen.session.go_to_step("grad:W1")
        screen.position = screen.session.position
        await settle(pilot)
        await type_answer(pilot, "X.T @ dZ1 / 4")  # the 1/N twice (the learner trial saw the formula at once)
        first = shown(pilot, "#feedback")
        assert first.startswith("✗") and "dW1 = X.T @ dZ1" not in first
        assert "The formula comes with your next try" in first and in_view(screen, "#feedback")
        await type_answer(pilot, "X.T @ dZ1 / 4")
        second = shown(pilot, "#feedback")
        assert "dW1 = X.T @ dZ1" in second and "The formula comes" not in second
