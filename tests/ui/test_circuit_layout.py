"""The circuit's layout (pure, no Textual): boxes left to right without overlaps, wires that reach their boxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import shipped_course

from tutor.course import solve
from tutor.progress import ProgressStore
from tutor.ui.layout import (
    ARROW,
    MAX_PARTS,
    Part,
    TooLarge,
    asked_local,
    circuit_rows,
    earned_locals,
    lay_out,
    lesson_circuit,
    path_cells,
)
from tutor.ui.session import LessonSession

LESSONS = [lesson.id for lesson in shipped_course().lessons]
PANEL = 98  # the picture's width inside the graph panel's border at 100 columns
#: the shipped lessons too deep for 100 columns (deep-vanishing's five layers, the Finnish exercise's chain,
#: gradient-check's two runs, mlp-loop's three layers, the unrolled dynamic graph, review's eight layers, which fit
#: only with numbers of 5 characters, where its small deltas read "−0.0…"): their picture scrolls sideways to the
#: current box (tests/ui/test_circuit_widget.py); every other lesson must fit
SCROLLS_SIDEWAYS = {
    "deep-vanishing",
    "chained-functions",
    "gradient-check",
    "mlp-loop",
    "torch-dynamic-graph",
    "course-review",
}


def circuit_of(lesson_id: str, width: int | None = PANEL):
    """A shipped lesson's circuit at the engine's numbers."""
    lesson = shipped_course().get(lesson_id)
    return lesson, lesson_circuit(lesson, solve(lesson), width)


def text(rows) -> list[str]:
    """The picture as plain lines."""
    return ["".join(run for run, _ in row) for row in rows]


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_every_lesson_is_laid_out_left_to_right_without_overlaps(lesson_id: str):
    lesson, circuit = circuit_of(lesson_id)
    boxes = circuit.layout.boxes
    program = lesson.program
    if lesson_id not in SCROLLS_SIDEWAYS:  # fits at 100 columns without scrolling sideways
        assert circuit.layout.width <= PANEL
    for a in program.assignments:  # every input stands left of the node it feeds
        assert all(boxes[i].right < boxes[a.name].x for i in a.inputs)
    assert max(b.x for b in boxes.values()) == boxes[program.output].x  # the loss is on the right
    cells = [(b.name, x, y) for b in boxes.values() for x in range(b.x, b.right) for y in range(b.y, b.y + b.height)]
    assert len({(x, y) for _, x, y in cells}) == len(cells)


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_every_wire_leaves_its_source_and_arrives_at_its_own_row_of_the_target(lesson_id: str):
    lesson, circuit = circuit_of(lesson_id)
    layout = circuit.layout
    boxes = layout.boxes
    lines = text(circuit_rows(circuit, _session(lesson).graph()))
    for a in lesson.program.assignments:
        target = boxes[a.name]
        rows = sorted(target.entry_rows[i] for i in a.inputs)
        assert len(set(rows)) == len(rows) and all(target.y < r < target.y + target.height - 1 for r in rows)
        for i in a.inputs:
            row = target.entry_rows[i]
            assert lines[row][target.x - 1] == ARROW and lines[row][target.x] == "│"
            source = boxes[i]
            assert lines[source.exit_row][source.right] in "─┬┴┼╮╯"


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_no_wire_runs_through_a_box(lesson_id: str):
    # gradient-check's x → g crosses two layers: its row in the first was taken from the second, t's bottom border
    _, circuit = circuit_of(lesson_id, None)
    layout = circuit.layout
    inside = {
        (x, y): b.name for b in layout.boxes.values() for x in range(b.x, b.right) for y in range(b.y, b.y + b.height)
    }
    for w in layout.wires:
        crossed = {inside[c] for c in path_cells(w.points) if c in inside}
        assert not crossed, f"the wire {w.source} → {w.target} runs through {sorted(crossed)}"


def test_the_picture_does_not_move_as_the_learner_earns_numbers(tmp_path: Path):
    lesson, circuit = circuit_of("sigmoid-neuron")
    session = _session(lesson, tmp_path)
    first = text(circuit_rows(circuit, session.graph()))
    for step in lesson.steps:
        session.progress(step).status = "solved"
    last = text(circuit_rows(circuit, session.graph()))
    assert [len(r) for r in first] == [len(r) for r in last]
    assert first != last and "0.319" in "\n".join(last) and "0.319" not in "\n".join(first)


def test_a_node_shows_its_shape_and_a_preview_of_its_matrix():
    _, circuit = circuit_of("two-layer-net")
    lines = text(circuit_rows(circuit, _session(shipped_course().get("two-layer-net")).graph()))
    picture = "\n".join(lines)
    assert "W1 2×3" in picture and "→ 0.5 …" in picture  # whole entries only, then …


def test_a_graph_too_large_to_draw_is_refused_before_it_is_laid_out():
    parts = [Part(f"x{i}", (), 3) for i in range(MAX_PARTS + 1)]
    with pytest.raises(TooLarge, match=f"at most {MAX_PARTS}"):
        lay_out(parts)


def test_a_chain_that_reuses_its_input_everywhere_is_refused_before_its_wires_are_routed():
    # 200 lines, each using x: x's wires would pass 0 + 1 + ... + 199 boxes
    parts = [Part("x", (), 3), Part("n0", ("x",), 3)] + [Part(f"n{i}", (f"n{i - 1}", "x"), 3) for i in range(1, 200)]
    with pytest.raises(TooLarge, match="wires passing 19900 boxes"):
        lay_out(parts)


def _session(lesson, home: Path | None = None) -> LessonSession:
    """A fresh learner's session on a lesson."""
    home = home or Path("/nonexistent-pictures-home")
    return LessonSession(lesson, ProgressStore(home / "progress.json"), solve(lesson))


@pytest.mark.parametrize(("lesson_id", "step_id", "asked", "earned"), [
    ("chain-rule", "local:L/y", "×?▶", "×−2.5▶"),
    ("softmax-ce", "jacobian:P/Z", "J ?▶", "J 6×6▶"),
])  # fmt: skip
def test_the_wire_whose_local_the_step_asks_shows_a_question_mark_until_it_is_done(
    tmp_path: Path, lesson_id: str, step_id: str, asked: str, earned: str
):
    lesson, circuit = circuit_of(lesson_id)
    session = _session(lesson, tmp_path)
    index = next(i for i, s in enumerate(lesson.steps) if s.id == step_id)
    session.go(index)
    step = lesson.steps[index]
    wire_row = circuit.layout.boxes[step.node].entry_rows[step.wrt]

    def wire_line() -> str:
        return text(circuit_rows(circuit, session.graph(), earned_locals(session), asked_local(session)))[wire_row]

    assert asked_local(session) == (step.wrt, step.node) and asked in wire_line()
    session.progress(step).status = "solved"
    assert asked_local(session) is None and earned in wire_line() and "?" not in wire_line()
    session.go(index + 1)  # the next step asks for no local: no question mark on any wire
    assert "×?" not in "\n".join(text(circuit_rows(circuit, session.graph(), earned_locals(session), None)))
