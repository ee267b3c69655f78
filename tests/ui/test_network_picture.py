"""The network picture (the Finnish page's 2-3-1 figure): each weight written on its own connection where it fits,
else the lit matrix's entries in a legend; the learner's current matrix lit."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import shipped_course

from tutor.course import solve
from tutor.course.live import show_number
from tutor.ui.netlayout import activation_of, draw_network, network_layers


def picture(lesson_id: str, lit: str | None, width: int | None) -> tuple[list[str], list[list[str]], dict]:
    """The network of a shipped lesson: its rows as text, each cell's role, and the lesson's weights."""
    lesson = shipped_course().get(lesson_id)
    values = solve(lesson).trace.values
    layers = network_layers(lesson.program, values)
    rows = draw_network(layers, lesson.program, values, lit, width)
    text = ["".join(run for run, _ in row) for row in rows]
    roles = [[role for run, role in row for _ in run] for row in rows]
    return text, roles, {layer.weights: (layer, np.asarray(values[layer.weights])) for layer in layers}


def unit(text: list[str], name: str) -> tuple[int, int]:
    """Where a unit's circle stands (column, row), found by its name (``A1₂``)."""
    (found,) = [(line.index(f" {name}") - 1, y) for y, line in enumerate(text) if f" {name}" in line]
    return found


def labels(line: str, number: str) -> list[int]:
    """The columns where ``number`` stands alone (a space each side) in a line."""
    return [i + 1 for i in range(len(line)) if line.startswith(f" {number} ", i)]


@pytest.mark.parametrize("lesson_id", ["two-layer-net", "mlp-loop", "sigmoid-layer", "course-review"])
def test_each_weight_stands_on_its_own_connection(lesson_id: str):
    text, _, weights = picture(lesson_id, None, None)
    program = shipped_course().get(lesson_id).program
    for layer, w in weights.values():
        assert f"{layer.weights}{'' if layer.rows else 'ᵀ'} on the wires" in "\n".join(text)
        for i in range(layer.units_in):
            for j in range(layer.units_out):
                number = show_number(layer.weight(i, j, w), ".2g")
                a = unit(text, f"{layer.source[:4]}{_sub(i + 1)}")
                b = unit(text, f"{activation_of(program, layer.node)[:4]}{_sub(j + 1)}")
                found = [(x, y) for y, line in enumerate(text) for x in labels(line, number) if a[0] < x < b[0]]
                assert found, f"{layer.weights}[{i},{j}] = {number} is not written between its units"
                on_wire = [
                    (x, y)
                    for x, y in found
                    if abs(y - (a[1] + (b[1] - a[1]) * (x + len(number) / 2 - a[0]) / (b[0] - a[0]))) <= 1.5
                ]
                assert on_wire, f"{layer.weights}[{i},{j}] = {number} at {found} is off the line {a} → {b}"


def _sub(n: int) -> str:
    """A unit's number as a subscript."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def test_the_lit_matrix_is_highlighted_on_its_wires_and_the_others_are_not():
    text, roles, weights = picture("two-layer-net", "W2", None)
    for name, role in (("W2", "local"), ("W1", "value")):
        _, w = weights[name]
        for number in {show_number(x, ".2g") for x in w.reshape(-1)}:
            cells = [(x, y) for y, line in enumerate(text) for x in labels(line, number)]
            assert cells and all(roles[y][x] == role for x, y in cells), (name, number)
    assert [line.count("◉") for line in text if "◉" in line] == [1]  # W2's one output unit


def test_too_narrow_for_the_weights_on_the_wires_the_lit_matrix_goes_to_a_legend():
    wide, _, _ = picture("two-layer-net", "W1", None)
    text, roles, weights = picture("two-layer-net", "W1", 78)  # the 80×24 screen's panel
    assert max(len(line.rstrip()) for line in text) <= 78 < max(len(line.rstrip()) for line in wide)
    assert "W1: from ↓ to →" in "\n".join(text) and "on the wires" not in "\n".join(text)
    legend = text.index(next(line for line in text if "W1: from ↓ to →" in line))
    assert text[legend + 1].split() == ["0.5", "−1.2", "0.8"] and text[legend + 2].split() == ["1.5", "0.4", "−0.6"]
    assert {roles[legend + 1][x] for x, ch in enumerate(text[legend + 1]) if ch.strip()} == {"local"}
    _, w2 = weights["W2"]
    assert not any(labels(line, show_number(w2[0, 0], ".2g")) for line in text)  # only the lit matrix's legend
