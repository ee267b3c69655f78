"""A layer lesson's network as units and connections (the Finnish page's 2-3-1 figure), on a grid of characters.

Pure Python (no textual). A *layer* is a graph line whose matrix product multiplies an activation by a
weight matrix that is an input of the lesson (``X @ W1 + b1`` in rows, ``W @ x + b`` in columns), and whose
node goes through an activation (σ, tanh, relu ...) or is the last layer. Units are circles in columns, the
connections are drawn in Braille dots between them, and each layer's weights stand under its connections,
one row per unit they come from; the layer the current step is about is lit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tutor.course.live import show_number
from tutor.engine import Program
from tutor.lang.syntax import Binary, Call, Name, Transpose, Unary
from tutor.safetext import one_line
from tutor.ui.layout import Row

MAX_UNITS = 12  # units per column drawn; a larger layer shows no network picture
UNIT = "◯"
UNIT_LIT = "◉"
GAP = 26  # columns between two columns of units
LABEL = 6  # columns for a unit's name
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Layer:
    """One layer: its weights, the activation it reads, the node it computes, and its sizes."""

    weights: str
    source: str
    node: str
    units_in: int
    units_out: int
    rows: bool  # rows form (A @ W: W is in×out) or columns form (W @ x: W is out×in)

    def weight(self, i: int, j: int, w: np.ndarray) -> float:
        """The weight from unit ``i`` of the layer below to unit ``j`` of this layer."""
        return float(w[i, j] if self.rows else w[j, i])


def network_layers(program: Program, values: Mapping[str, np.ndarray]) -> list[Layer]:
    """The lesson's layers in order ([] if the lesson has none, or a layer too wide to draw)."""
    layers = []
    for a in program.assignments:
        for left, right in _products(a.expr):
            w_right = right in program.inputs and np.ndim(values[right]) == 2
            w_left = left in program.inputs and np.ndim(values[left]) == 2
            if w_right and not w_left:
                rows, w, source = True, right, left
            elif w_left and not w_right:
                rows, w, source = False, left, right
            else:
                continue
            shape = np.shape(values[w])
            units_in, units_out = (shape[0], shape[1]) if rows else (shape[1], shape[0])
            if max(units_in, units_out) > MAX_UNITS:
                return []
            layers.append(Layer(w, source, a.name, units_in, units_out, rows))
    return layers if any(_activated(program, layer.node) for layer in layers) else []


def _products(expr: object) -> list[tuple[str, str]]:
    """The matrix products of two names in an expression."""
    out = []
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Binary):
            if e.op == "@" and isinstance(e.left, Name) and isinstance(e.right, Name):
                out.append((e.left.id, e.right.id))
            stack += [e.left, e.right]
        elif isinstance(e, Unary | Transpose):
            stack.append(e.operand)
        elif isinstance(e, Call):
            stack += list(e.args)
    return out


def _activated(program: Program, node: str) -> bool:
    """Whether a node goes through an activation (a one-argument call of it alone)."""
    return any(_applies(a.expr, node) for a in program.assignments)


def _applies(expr: object, node: str) -> bool:
    """Whether an expression is a function of one argument applied to the node alone (``sigmoid(Z1)``)."""
    return isinstance(expr, Call) and len(expr.args) == 1 and isinstance(expr.args[0], Name) and expr.args[0].id == node


def activation_of(program: Program, node: str) -> str:
    """The name that holds a layer's output after its activation (the node itself if it has none)."""
    for a in program.assignments:
        if _applies(a.expr, node):
            return a.name
    return node


def draw_network(
    layers: Sequence[Layer], program: Program, values: Mapping[str, np.ndarray], lit: str | None = None
) -> list[Row]:
    """The picture: one column of units per layer's input and output, Braille connections, the weights under
    each layer's connections; ``lit`` (a layer's weights) in the ``wire-current`` role."""
    columns = [layers[0].units_in] + [layer.units_out for layer in layers]
    names = [layers[0].source] + [activation_of(program, layer.node) for layer in layers]
    height = 2 * max(columns) - 1
    weight_rows = max(layer.units_in for layer in layers) + 1
    width = (len(layers) + 1) * (GAP + LABEL + 3)
    chars = [[" "] * width for _ in range(height + 1 + weight_rows)]
    roles = [[""] * width for _ in range(height + 1 + weight_rows)]

    def put(x: int, y: int, text: str, role: str) -> None:
        for k, ch in enumerate(text):
            if 0 <= x + k < width and 0 <= y < len(chars):
                chars[y][x + k], roles[y][x + k] = ch, role

    def unit_row(column: int, j: int) -> int:
        return (height - (2 * columns[column] - 1)) // 2 + 2 * j

    xs = [c * (GAP + LABEL + 3) for c in range(len(columns))]
    for k, layer in enumerate(layers):
        role = "wire-current" if layer.weights == lit else "wire"
        dots: dict[tuple[int, int], int] = {}
        x0, x1 = 2 * (xs[k] + 2 + LABEL), 2 * (xs[k + 1] - 1) - 1
        for i in range(layer.units_in):
            for j in range(layer.units_out):
                _line(dots, (x0, 4 * unit_row(k, i) + 2), (x1, 4 * unit_row(k + 1, j) + 2))
        for (cx, cy), bits in dots.items():
            put(cx, cy, chr(0x2800 + bits), role)
        w = np.asarray(values[layer.weights], dtype=float)
        title = one_line(layer.weights)[:10]
        put(xs[k] + 2, height + 1, f"{title}{'' if layer.rows else 'ᵀ'}: from ↓ to →", role)
        for i in range(layer.units_in):
            cells = " ".join(f"{show_number(layer.weight(i, j, w), '.2g'):>5}" for j in range(layer.units_out))
            put(xs[k] + 2, height + 2 + i, cells[: GAP - 1], "local" if layer.weights == lit else "value")
    for c, n in enumerate(columns):
        for j in range(n):
            label = f"{one_line(names[c])[: LABEL - 2]}{str(j + 1).translate(SUBSCRIPTS)}"
            lit_unit = lit is not None and c > 0 and layers[c - 1].weights == lit
            put(xs[c] + 2, unit_row(c, j), label, "title")
            put(xs[c], unit_row(c, j), UNIT_LIT if lit_unit else UNIT, "current" if lit_unit else "box")
    out: list[Row] = []
    for crow, rrow in zip(chars, roles, strict=True):
        row: Row = []
        for ch, role in zip(crow, rrow, strict=True):
            if row and row[-1][1] == role:
                row[-1] = (row[-1][0] + ch, role)
            else:
                row.append((ch, role))
        out.append(row)
    return out


#: Braille dot bits by (column, row) within a cell of 2 × 4 dots
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


def _line(dots: dict[tuple[int, int], int], a: tuple[int, int], b: tuple[int, int]) -> None:
    """A straight line of Braille dots from ``a`` to ``b`` (dot coordinates: 2 per column, 4 per row)."""
    (x0, y0), (x1, y1) = a, b
    n = max(abs(x1 - x0), abs(y1 - y0), 1)
    for s in range(n + 1):
        x = round(x0 + (x1 - x0) * s / n)
        y = round(y0 + (y1 - y0) * s / n)
        cell = (x // 2, y // 4)
        dots[cell] = dots.get(cell, 0) | _DOTS[x % 2][y % 4]
