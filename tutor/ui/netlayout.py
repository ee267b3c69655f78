"""A layer lesson's network as units and connections (the Finnish page's 2-3-1 figure), on a grid of characters.

Pure Python (no textual). A *layer* is a graph line whose matrix product multiplies an activation by a
weight matrix that is an input of the lesson (``X @ W1 + b1`` in rows, ``W @ x + b`` in columns), and whose
node goes through an activation (σ, tanh, relu ...) or is the last layer. Units are circles in columns, the
connections are drawn in Braille dots between them, and each weight is written on its connection, on cells no
other connection crosses (a layer is given more columns, up to :data:`WIRE_GAPS`, until its weights fit). Where
they do not fit, or make the picture wider than the panel when the narrow one would not be, the lit layer's weights
stand in a legend under the picture, one row per unit they come from. The layer the current step is about is lit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tutor.course.live import show_number
from tutor.engine import Program
from tutor.lang.syntax import Binary, Call, Name, Transpose, Unary
from tutor.safetext import one_line
from tutor.ui.layout import Row, role_runs

MAX_UNITS = 12  # units per column drawn; a larger layer shows no network picture
UNIT = "◯"
UNIT_LIT = "◉"
GAP = 24  # columns between two columns of units (a 2-3-1 network is 74 wide: it fits 80 columns, a scrollbar beside)
WIRE_GAPS = (24, 32, 40)  # the gaps tried, in order, to write a layer's weights on its wires
LABEL = 6  # columns for a unit's name
LAST = LABEL + 2  # columns of the last column of units: its circle, a space, a name of 4 and 2 subscript digits
SPREAD_UNITS = 4  # up to this many units in a column, rows 3 apart (4 up to 3 units: room for the weights), else 2
#: where along a wire its weight may stand (fractions of the way from the unit it comes from), tried in order
ALONG = tuple(k / 20 for k in (10, 9, 11, 8, 12, 7, 13, 6, 14, 5, 15, 4, 16, 3, 17))
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
    layers: Sequence[Layer],
    program: Program,
    values: Mapping[str, np.ndarray],
    lit: str | None = None,
    width: int | None = None,
) -> list[Row]:
    """The picture: one column of units per layer's input and output, Braille connections, each weight written on
    its connection where the layer's weights fit there and the picture fits ``width`` columns (else the lit layer's
    weights in a legend under the picture, one row per unit they come from); ``lit`` (a layer's weights) in the
    ``wire-current`` role."""
    columns = [layers[0].units_in] + [layer.units_out for layer in layers]
    names = [layers[0].source] + [activation_of(program, layer.node) for layer in layers]
    weights = [np.asarray(values[layer.weights], dtype=float) for layer in layers]
    labels = [
        {
            (i, j): show_number(layer.weight(i, j, w), ".2g")
            for i in range(layer.units_in)
            for j in range(layer.units_out)
        }
        for layer, w in zip(layers, weights, strict=True)
    ]
    plan = _plan(columns, labels, width)
    xs = [0]
    for gap in plan.gaps:
        xs.append(xs[-1] + gap + LABEL + 3)
    canvas = _Canvas(xs[-1] + LAST, plan.height)
    legends = []
    for k, layer in enumerate(layers):
        role = "wire-current" if layer.weights == lit else "wire"
        dots: dict[tuple[int, int], int] = {}
        for a, b in plan.wires(k, xs[k]).values():
            _line(dots, a, b)
        for (cx, cy), bits in dots.items():
            canvas.put(cx, cy, chr(0x2800 + bits), role)
        placed = plan.placed[k]
        if placed is not None:
            for (i, j), (x, y) in placed.items():
                canvas.put(xs[k] + x - 1, y, f" {labels[k][i, j]} ", "local" if layer.weights == lit else "value")
        elif layer.weights == lit:
            legends.append(k)
    for c, n in enumerate(columns):
        for j in range(n):
            label = f"{one_line(names[c])[: LABEL - 2]}{str(j + 1).translate(SUBSCRIPTS)}"
            lit_unit = lit is not None and c > 0 and layers[c - 1].weights == lit
            canvas.put(xs[c] + 2, plan.unit_row(c, j), label, "title")
            canvas.put(xs[c], plan.unit_row(c, j), UNIT_LIT if lit_unit else UNIT, "current" if lit_unit else "box")
    for k, layer in enumerate(layers):
        role = "wire-current" if layer.weights == lit else "wire"
        title = f"{one_line(layer.weights)[:10]}{'' if layer.rows else 'ᵀ'}"
        where = ": from ↓ to →" if k in legends else " on the wires" if plan.placed[k] is not None else ""
        canvas.put(xs[k] + LABEL + 3, plan.height, title + where, role)
    for k in legends:
        layer = layers[k]
        for i in range(layer.units_in):
            cells = " ".join(f"{labels[k][i, j]:>5}" for j in range(layer.units_out))
            canvas.put(xs[k] + LABEL + 3, plan.height + 1 + i, cells, "local")
    return canvas.rows()


@dataclass
class _Plan:
    """Where things go: the rows between units, each layer's gap, and where its weights stand (None: a legend)."""

    columns: list[int]
    spacing: int
    gaps: list[int]
    placed: list[dict[tuple[int, int], tuple[int, int]] | None]

    @property
    def height(self) -> int:
        """Rows of the units and wires."""
        return self.spacing * (max(self.columns) - 1) + 1

    def unit_row(self, column: int, j: int) -> int:
        """The row of unit ``j`` of a column (each column centred)."""
        return (self.height - (self.spacing * (self.columns[column] - 1) + 1)) // 2 + self.spacing * j

    def wires(
        self, k: int, x: int, gap: int | None = None
    ) -> dict[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]]:
        """Layer ``k``'s connections, from its column at ``x``, as lines of Braille dots (2 per column, 4 per row)."""
        gap = self.gaps[k] if gap is None else gap
        end = x + gap + LABEL + 3
        return {
            (i, j): (
                (2 * (x + 2 + LABEL), 4 * self.unit_row(k, i) + 2),
                (2 * (end - 1) - 1, 4 * self.unit_row(k + 1, j) + 2),
            )
            for i in range(self.columns[k])
            for j in range(self.columns[k + 1])
        }


def _plan(columns: list[int], labels: list[dict[tuple[int, int], str]], width: int | None) -> _Plan:
    """The layout: each layer as narrow as its weights allow on its wires; all narrow (the lit layer's weights in a
    legend) when that is wider than ``width`` and the narrow one is not (a picture that scrolls anyway keeps them)."""
    spacing = 4 if max(columns) <= 3 else 3 if max(columns) <= SPREAD_UNITS else 2
    plan = _Plan(columns, spacing, [GAP] * (len(columns) - 1), [None] * (len(columns) - 1))
    for k in range(len(columns) - 1):
        for gap in WIRE_GAPS:
            placed = _place_labels(plan.wires(k, 0, gap), labels[k], (LABEL + 3, gap + LABEL + 1), plan.height)
            if placed is not None:
                plan.gaps[k], plan.placed[k] = gap, placed
                break
    narrow = (GAP + LABEL + 3) * (len(columns) - 1) + LAST
    if width is not None and sum(plan.gaps) + (LABEL + 3) * (len(columns) - 1) + LAST > width >= narrow:
        return _Plan(columns, 2, [GAP] * (len(columns) - 1), [None] * (len(columns) - 1))
    return plan


def _place_labels(
    wires: Mapping[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]],
    labels: Mapping[tuple[int, int], str],
    span: tuple[int, int],
    height: int,
) -> dict[tuple[int, int], tuple[int, int]] | None:
    """Where each weight's number stands on its wire (its first column and row): on cells that only its own wire
    crosses, apart from every other number by a space; None when one does not fit (the layer's weights then go
    to a legend)."""
    crossing: dict[tuple[int, int], set[tuple[int, int]]] = {}
    for ij, (a, b) in wires.items():
        dots: dict[tuple[int, int], int] = {}
        _line(dots, a, b)
        for cell in dots:
            crossing.setdefault(cell, set()).add(ij)
    taken: set[tuple[int, int]] = set()
    placed: dict[tuple[int, int], tuple[int, int]] = {}
    for ij, ((x0, y0), (x1, y1)) in wires.items():
        text = labels[ij]
        for t in ALONG:
            cx, cy = (x0 + (x1 - x0) * t) / 2, int((y0 + (y1 - y0) * t) // 4)
            x = round(cx - len(text) / 2)
            cells = {(x + d, cy) for d in range(-1, len(text) + 1)}
            inside = span[0] <= x - 1 and x + len(text) <= span[1] and 0 <= cy < height
            alone = all(crossing.get(cell, {ij}) <= {ij} for cell in cells)
            if inside and alone and not cells & taken:
                taken |= cells
                placed[ij] = (x, cy)
                break
        else:
            return None
    return placed


class _Canvas:
    """A grid of characters, each with its role, that a picture is written on."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.chars: list[list[str]] = [[" "] * width for _ in range(height)]
        self.roles: list[list[str]] = [[""] * width for _ in range(height)]

    def put(self, x: int, y: int, text: str, role: str) -> None:
        """Write ``text`` from column ``x`` of row ``y`` (the grid grows downwards as needed; cut at the width)."""
        while y >= len(self.chars):
            self.chars.append([" "] * self.width)
            self.roles.append([""] * self.width)
        for k, ch in enumerate(text):
            if 0 <= x + k < self.width and y >= 0:
                self.chars[y][x + k], self.roles[y][x + k] = ch, role

    def rows(self) -> list[Row]:
        """The picture as rows of (text, role) runs."""
        return role_runs(self.chars, self.roles)


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
