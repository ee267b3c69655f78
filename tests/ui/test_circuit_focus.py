"""The circuit keeps the current step's boxes in view: the current node, its operands (a forward value) or the nodes
its delta comes from (a delta), at 80×24 and 100×30, for the first three steps of every lesson; no box is cut at
the left edge (its name stays whole); F7 makes room for more of the picture."""

from __future__ import annotations

import pytest
from helpers import screen_text, settle, shipped_course, wait_for

from tutor.course.steps import VALUE
from tutor.ui.app import TutorApp
from tutor.ui.layout import focus_region, snap_scroll
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.circuit import CircuitPanel
from tutor.ui.widgets.pictures import circuit_room


def visible_lines(panel: CircuitPanel) -> list[str]:
    """The circuit's rows as the learner sees them (scrolled, cut to the panel)."""
    return [panel.render_line(y).text for y in range(panel.scrollable_content_region.height)]


def title_seen(panel: CircuitPanel, name: str) -> bool:
    """Whether the box of ``name`` shows its whole title (its name and shape) where it stands in the view."""
    assert panel._circuit is not None
    box = panel._circuit.layout.boxes[name]
    title = panel._circuit.titles[name]
    lines = visible_lines(panel)
    row, column = box.y - round(panel.scroll_y), box.x - round(panel.scroll_x)
    return 0 <= row < len(lines) and column >= 0 and lines[row][column : column + len(title) + 2] == f"╭ {title}"


def step_names(screen: LessonScreen) -> tuple[list[str], list[str]]:
    """The current step's boxes, and the boxes it is worked from: a value's operands, a delta's consumers."""
    step = screen.session.step
    assert step is not None
    program = screen.lesson.program
    current = [n for n in (step.node, step.wrt) if n is not None]
    if step.kind is VALUE:
        return current, list(program.assignment(step.node).inputs)
    if step.wrt is not None:
        return current, []
    return current, [u for u in program.consumers(step.node)]


def fits(panel: CircuitPanel, names: list[str], rows: int) -> bool:
    """Whether these boxes (the first ones whole, the last by its title row) fit in the view at all."""
    assert panel._circuit is not None
    boxes = panel._circuit.layout.boxes
    *whole, last = names
    region = focus_region(panel._circuit.layout, whole, [last], 0, panel.scrollable_content_region.width, rows)
    return region is not None and boxes[last].x >= region[0] and boxes[last].y >= region[1]


COURSE = shipped_course()
# the only boxes that cannot share the view with the step's box: gradient-check's g = (q - t)**2 has its operands
# spread over 96 columns and 24 rows; at 80×24, mlp-loop's db3 (a step worked for the learner) has Z3's title 10
# rows above b3's delta line, one more than the room the step pane leaves (F7 and F8 show them)
OUT_OF_REACH = {
    (80, 24): {"gradient-check:0:q", "gradient-check:0:t", "gradient-check:0:x", "mlp-loop:2:Z3"},
    (100, 30): {"gradient-check:0:q", "gradient-check:0:t", "gradient-check:0:x"},
}


# one test per lesson and size (not one walk through all 27), so that xdist spreads them over its workers
@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in COURSE.lessons])
async def test_the_boxes_a_step_is_worked_from_are_in_view_in_every_lesson(lesson_id, size):
    lesson = next(lesson for lesson in COURSE.lessons if lesson.id == lesson_id)
    drawn, out_of_reach = 0, []
    app = TutorApp.with_course(COURSE, lesson=lesson)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert await wait_for(pilot, lambda s=screen: s.pictures.circuit is not None)
        for i in range(min(3, len(lesson.steps))):
            screen.session.go(i)
            screen.position = screen.session.position
            await settle(pilot)
            await pilot.pause()
            panel = screen.pictures.circuit
            assert panel is not None
            if panel._circuit is None or not screen.query_one("#lesson-body").has_class("-circuit"):
                continue  # too large to draw: the table shows
            drawn += 1
            boxes = panel._circuit.layout.boxes
            current, sources = ([n for n in names if n in boxes] for names in step_names(screen))
            for name in current:
                assert title_seen(panel, name), (lesson.id, i, name, visible_lines(panel))
            left = round(panel.scroll_x)
            cut = [b.name for b in boxes.values() if b.x < left < b.right]
            assert not cut, (lesson.id, i, "cut at the left edge", cut, visible_lines(panel))
            most = circuit_room(size[1])[1] - 3
            for name in sources:
                if fits(panel, [*current, name], most):
                    assert title_seen(panel, name), (lesson.id, i, name, visible_lines(panel))
                else:
                    out_of_reach.append(f"{lesson.id}:{i}:{name}")
    assert drawn > 0, f"{lesson.id}: no step drew its circuit, so nothing was checked"
    assert set(out_of_reach) <= OUT_OF_REACH[size], out_of_reach


async def first_step_with_its_circuit(pilot) -> LessonScreen:
    """Start the lesson the app opened (Enter on its introduction) and wait until its circuit is drawn."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    assert await wait_for(pilot, lambda: screen.pictures.circuit is not None)
    return screen


async def test_two_layer_batch_step_1_shows_x_w1_and_b1_at_80x24():
    app = TutorApp.with_course(COURSE, lesson=COURSE.get("two-layer-batch"))
    async with app.run_test(size=(80, 24)) as pilot:
        await first_step_with_its_circuit(pilot)
        await pilot.pause(0.1)
        text = screen_text(pilot)
        for title in ("╭ X 4×2", "╭ W1 2×3", "╭ b1 1×3", "╭ Z1 4×3"):
            assert title in text, text
        assert "Z1 = ?" in text and "Your answer" in text  # the question and the answer box stay on the screen


async def test_f7_makes_room_for_the_whole_circuit_and_back():
    app = TutorApp.with_course(COURSE, lesson=COURSE.get("two-layer-batch"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await first_step_with_its_circuit(pilot)
        panel = screen.pictures.circuit
        assert panel is not None
        await pilot.pause(0.1)
        before = panel.outer_size.height
        await pilot.press("f7")
        await pilot.pause(0.1)
        assert panel.outer_size.height > before
        assert screen.query_one("#answer").region.bottom <= 23  # the answer box stays above the footer
        await pilot.press("f7")
        await pilot.pause(0.1)
        assert panel.outer_size.height == before


def test_the_view_snaps_onto_a_box_edge_so_no_title_is_cut():
    # a span at 96..107 in a 76-column view of a 136-column picture, boxes starting at 0, 8, 31, 58, 76, 96
    edges = [0, 8, 31, 58, 76, 96]
    x = snap_scroll(0, 96, 11, 76, 136, edges)
    assert x in edges and x <= 96 and x + 76 >= 107
    assert snap_scroll(58, 96, 11, 76, 136, edges) == 58  # already in view on an edge: it does not move
    assert snap_scroll(0, 10, 5, 76, 136, edges) == 0  # in view: no move


def test_the_view_may_go_past_the_end_to_land_on_a_box_edge():
    # torch-dynamic-graph at 80×24: d (191..204) and b12 (170..183) in a 78-column view of a 204-column picture;
    # the furthest scroll (126) cuts b8 (117..128), the edge 131 (b9) shows both with blank columns after d
    edges = [0, 117, 131, 144, 157, 170, 191]
    assert snap_scroll(0, 170, 34, 78, 204, edges) == 126
    assert snap_scroll(0, 170, 34, 78, 204, edges, past_end=True) == 131
