"""The graph panel follows the step: the rows the step needs are always shown, the header sits over its columns
at any width (also after moving back and forth on a finished batch lesson), wide matrices are shortened with
every entry one key away (F8), F7 shows every row, and the local derivatives earned are on the screen."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHIPPED
from helpers import screen_text, settle, shipped_course, type_answer
from rich.console import Console
from textual.containers import VerticalScroll

from tutor.course import load_lesson, solve
from tutor.course.steps import GRAD, LOCAL
from tutor.grading import show_array
from tutor.progress import SHOWN, ProgressStore
from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.numbers import NumbersScreen
from tutor.ui.session import LessonSession
from tutor.ui.widgets.graph import GAP, GraphPanel, lay_out
from tutor.ui.widgets.pictures import PictureSwitch


@pytest.fixture
def table_view(monkeypatch):
    """The lesson screen opens on the table (the circuit is the default view; these tests are about the table)."""
    monkeypatch.setattr(PictureSwitch, "chosen", "table")


def column_starts(header: str, titles: list[str]) -> list[int]:
    """Where each column title starts in the header line."""
    return [header.index(t) for t in titles]


def assert_aligned(header: str, body: str, titles: list[str]) -> None:
    """Every line of the body has the gap of spaces in front of each column the header names."""
    starts = column_starts(header, titles)
    for line in body.splitlines():
        for start in starts[1:]:
            if len(line) >= start:
                assert line[start - len(GAP) : start] == GAP, (header, line)


def sessions():
    """A session on every step of every shipped lesson, with every step before it done (the graph as earned)."""
    for path in SHIPPED:
        lesson = load_lesson(path)
        store = ProgressStore()
        session = LessonSession(lesson, store)
        for i, step in enumerate(lesson.steps):
            session.go(i)
            yield lesson.id, step, session
            session.progress(step).status = SHOWN


@pytest.mark.parametrize("width", [40, 60, 80, 100, 140])
def test_the_header_sits_over_its_columns_and_the_steps_rows_are_shown(width):
    for lesson_id, step, session in sessions():
        view = session.graph()
        layout = lay_out(view, width, budget=6)
        header = layout.header.plain
        titles = ["computes", "value", "delta"] + (["local"] if view.has_locals else [])  # a narrow panel cuts titles
        assert_aligned(header, layout.body.plain, titles)
        assert set(session.needed_rows(step)) <= set(layout.shown), (lesson_id, step.id)
        if width >= 60:  # narrower, the widest lessons' columns cannot all fit: the panel cuts the lines
            assert all(len(line) <= width for line in [header, *layout.body.plain.splitlines()]), (lesson_id, width)


def test_a_step_needs_its_operands_and_for_a_delta_what_it_feeds():
    lesson = load_lesson(next(p for p in SHIPPED if p.stem == "two-layer-batch"))
    session = LessonSession(lesson, ProgressStore())
    assert set(session.needed_rows(lesson.step("value:Z1"))) == {"Z1", "X", "W1", "b1"}
    session.progress(lesson.step("grad:Z1")).status = SHOWN
    assert set(session.needed_rows(lesson.step("grad:W1"))) == {"W1", "Z1", "X"}  # not b1: it is only added
    assert set(session.needed_rows(lesson.step("grad:b1"))) == {"b1", "Z1"}


async def test_two_layer_batch_step_1_shows_x_w1_and_b1_at_80x24(table_view):
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("two-layer-batch"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(pilot)
        for row in ("› W1", "› b1", "› X", "▶ Z1"):
            assert row in text, text
        assert "[[0.5, -1.2, 0.8]" in text and "[[0.1, -0.3, 0.2]]" in text and "[[0.6, -0.9]" in text
        assert "F7 shows all" in text
        # every entry of the operands is on the screen (matrices on few lines), not cut
        for entry in ("1.5, 0.4, -0.6]]", "-0.3, -0.4]", "-1.3, -0.7]]"):
            assert entry in text, text
        assert "cut to fit" not in text
        # and the step's question has the room it needs under the panel: nothing more below it
        for _ in range(50):
            if "more below" not in screen_text(pilot):
                break
            await pilot.pause(0.02)
        assert "Z1 = X @ W1 + b1" in text and "more below" not in screen_text(pilot)


async def test_the_header_stays_aligned_after_f5_three_times_on_a_finished_batch_lesson(table_view):
    course = shipped_course()
    lesson = course.get("two-layer-batch")
    app = TutorApp.with_course(course, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        for _ in lesson.steps:
            await pilot.press("f3")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
        assert app.screen.session.on_summary
        for _ in range(3):
            await pilot.press("f5")
            await settle(pilot)
            lines = screen_text(pilot).splitlines()
            header = next(line for line in lines if "computes" in line and "value" in line)
            body = [line for line in lines if "[[" in line and line.startswith("│")]
            assert body
            value_at = header.index("value")
            for line in body:  # every matrix row starts in the value column or later, never under "computes"
                assert line[value_at - 2 : value_at] == "  ", (header, line)


async def test_wide_matrices_are_cut_and_f8_shows_every_entry():
    course = shipped_course()
    lesson = course.get("two-layer-batch")
    solution = solve(lesson)
    app = TutorApp.with_course(course, lesson=lesson)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("enter")
        await settle(pilot)
        for step in lesson.steps:
            if step.id == "grad:W1":
                break
            await pilot.press("f3")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
        assert screen.session.step.id == "grad:W1"
        layout = screen.query_one(GraphPanel).layout_shown
        assert layout.cut and "F8 shows every number" in layout.note
        await pilot.press("f8")
        await pilot.pause()
        numbers = app.screen
        assert isinstance(numbers, NumbersScreen)
        console = Console(width=200, color_system=None)
        with console.capture() as capture:
            for row in numbers.query(".numbers-row"):
                console.print(row.content)
        text = capture.get()
        dz1 = solution.trace.grads["Z1"]
        for entry in np.asarray(dz1).reshape(-1):  # every entry of dZ1, in full
            assert show_array(entry, 6) in text
        assert "dZ1 = ∂L/∂Z1, 4×3:" in text
        box = numbers.query_one("#numbers-box", VerticalScroll)
        assert box.max_scroll_y > 0  # it scrolls: a modal of its own
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_f7_shows_every_row_and_back():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("two-layer-batch"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        graph = app.screen.query_one(GraphPanel)
        assert graph.layout_shown.hidden > 0
        await pilot.press("f7")
        await pilot.pause()
        assert graph.layout_shown.hidden == 0 and len(graph.layout_shown.shown) == len(graph.graph.rows)
        await pilot.press("f7")
        await pilot.pause()
        assert graph.layout_shown.hidden > 0


async def test_the_locals_earned_are_on_the_screen_to_multiply(table_view):
    course = shipped_course()
    lesson = course.get("chain-rule-paths")
    solution = solve(lesson)
    app = TutorApp.with_course(course, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await pilot.press("enter")
        await settle(pilot)
        while screen.session.step is not None and screen.session.step.kind is not GRAD:
            await type_answer(pilot, show_array(solution.answer(screen.session.step), 8))
            if screen.session.stage == "solved":
                await pilot.press("enter")
                await settle(pilot)
        graph = screen.query_one(GraphPanel)
        text = screen_text(pilot)
        assert "local derivatives" in text
        for step in lesson.steps:
            if step.kind is LOCAL:
                label = f"∂{step.node}/∂{step.wrt} = {show_array(solution.answer(step), 5)}"
                assert label in graph.get_cell(step.node, "locals") and label in text, label


async def test_a_graph_set_before_the_panels_rows_are_mounted_is_drawn_once_they_are():
    """Under load a lesson screen's first position can arrive before the panel's rows are mounted (a stress run
    crashed the app with NoMatches on '#graph-body'): the panel draws once they are there instead."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    lesson = load_lesson(next(p for p in SHIPPED if p.stem == "chain-rule"))
    session = LessonSession(lesson, ProgressStore())

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield GraphPanel(id="graph")

    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        panel = app.query_one(GraphPanel)
        await panel.query_one("#graph-body").remove()  # the rows' text not mounted yet
        panel.graph = session.graph()  # must not raise
        await pilot.pause()
        await panel.query_one("#graph-rows", VerticalScroll).mount(Static(id="graph-body", markup=False))
        await settle(pilot)
        drawn = str(panel.query_one("#graph-body", Static).render())
        assert all(f" {name} " in drawn for name in ("x", "y", "L")), drawn  # every node's row, once mounted
