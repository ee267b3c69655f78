"""Where the boxes and wires of a computation graph go on a character grid: a layered layout, left to right.

Pure Python (no textual): the circuit widget, the SVG pictures in ``docs/`` and the benchmarks all use it.

The layout is the usual layered one (Sugiyama's): every node sits one layer right of its latest input, a leaf
one layer left of its first consumer, so parameters enter where they are used; a wire that skips layers
passes through a one-row slot in each layer it crosses. Within a layer, nodes keep the lesson's order and a
node lines up with its first input where there is room, so the main path is a straight line. Between two
layers, each wire gets its own vertical channel, then runs right into its own row of the target box, where
its label (the local derivative) stands just before the arrow. A graph too large to draw
(:data:`MAX_CELLS`) gets no layout: the caller shows the table instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from tutor.course.live import show_number
from tutor.course.steps import JACOBIAN, LOCAL
from tutor.safetext import one_line

if TYPE_CHECKING:
    from tutor.course import Lesson, Solution
    from tutor.ui.session import GraphRow, GraphView, LessonSession

#: the largest picture drawn (columns × rows); a larger graph is shown as the table
MAX_CELLS = 200_000
MAX_PARTS = 600  # a lesson's graph lines (200 at most), inputs and constants
MAX_PASSING = 2000  # pass-through slots: a wire crossing a layer takes one in it
#: rows between two boxes of a layer, columns between a wire's channels and a label
ROW_GAP = 0
#: the narrowest box, and how much a box adds around its text (borders and one space each side)
MIN_BOX_WIDTH = 7
BOX_PADDING = 4


class TooLarge(ValueError):
    """The graph has too many parts, or its picture too many cells, to be drawn."""


@dataclass(frozen=True)
class Part:
    """One leaf or node of the graph to draw: its name, the names it is computed from, what its box needs."""

    name: str
    inputs: tuple[str, ...]
    text_width: int  # the widest line of text inside its box
    lines: int = 2  # lines of text inside the box (its title is on the top border)


@dataclass(frozen=True)
class Box:
    """Where one part's box stands: its top-left corner, its size, its layer, the rows its wires use."""

    name: str
    x: int
    y: int
    width: int
    height: int
    layer: int
    exit_row: int  # the row its output wire leaves from (its first line of text)
    entry_rows: dict[str, int] = field(default_factory=dict)  # input name -> the row its wire enters on

    @property
    def right(self) -> int:
        """The column just right of the box."""
        return self.x + self.width


@dataclass(frozen=True)
class Wire:
    """One edge, source → target, as a path of points (each step horizontal or vertical), ending at the arrow."""

    source: str
    target: str
    points: tuple[tuple[int, int], ...]
    label_x: int  # where the label (the local derivative) starts, on the last row of the path
    label_width: int


@dataclass(frozen=True)
class Layout:
    """The whole picture's geometry: the boxes, the wires and the size of the grid."""

    boxes: dict[str, Box]
    wires: tuple[Wire, ...]
    width: int
    height: int

    def wire(self, source: str, target: str) -> Wire | None:
        """The wire from ``source`` into ``target`` (None if there is none)."""
        return next((w for w in self.wires if w.source == source and w.target == target), None)

    def box_at(self, x: int, y: int) -> str | None:
        """The name of the box drawn at column ``x``, row ``y`` (its border included), or None."""
        return next((b.name for b in self.boxes.values() if b.x <= x < b.right and b.y <= y < b.y + b.height), None)


def layers(parts: Sequence[Part]) -> dict[str, int]:
    """Each part's layer: nodes one right of their latest input, leaves one left of their first consumer."""
    known = {p.name for p in parts}
    layer: dict[str, int] = {}
    for p in parts:
        layer[p.name] = 1 + max((layer[i] for i in p.inputs if i in layer), default=-1) if p.inputs else 0
    for p in parts:
        if not p.inputs:
            users = [layer[q.name] for q in parts if p.name in q.inputs]
            if users:
                layer[p.name] = max(0, min(users) - 1)
    missing = {i for p in parts for i in p.inputs} - known
    if missing:
        raise ValueError(f"inputs with no part: {sorted(missing)}")
    return layer


def lay_out(parts: Sequence[Part], label_widths: Mapping[tuple[str, str], int] | None = None) -> Layout:
    """The layout of a graph (parts in the lesson's order, each input before its users), labels reserved."""
    if len(parts) > MAX_PARTS:
        raise TooLarge(f"{len(parts)} parts (at most {MAX_PARTS} are drawn)")
    label_widths = label_widths or {}
    by_name = {p.name: p for p in parts}
    layer = layers(parts)
    depth = max(layer.values(), default=0) + 1
    edges = [(i, p.name) for p in parts for i in p.inputs]
    passing = sum(layer[t] - layer[s] - 1 for s, t in edges)
    if passing > MAX_PASSING:
        raise TooLarge(f"wires passing {passing} boxes (at most {MAX_PASSING} are drawn)")
    # each layer's slots in order: a part, or a wire passing through (source, target)
    slots: list[list[str | tuple[str, str]]] = [[] for _ in range(depth)]
    for p in parts:
        slots[layer[p.name]].append(p.name)
    for source, target in edges:
        for k in range(layer[source] + 1, layer[target]):
            slots[k].append((source, target))
    order = _slot_order(parts)
    for col in slots:
        col.sort(key=order)
    widths = [max([_box_width(by_name[s]) for s in col if isinstance(s, str)], default=1) for col in slots]
    # the gap before each layer: one channel per wire arriving there, then the widest label, then the arrow
    arriving = [[(s, t) for s, t in edges if layer[t] == k] + _passing(slots[k]) for k in range(depth)]
    gaps = [0] + [
        len(arriving[k]) + 2 + max([label_widths.get(e, 0) for e in arriving[k]], default=0) for k in range(1, depth)
    ]
    xs = []
    x = 0
    for k in range(depth):
        x += gaps[k]
        xs.append(x)
        x += widths[k]
    width = x
    rows: dict[str | tuple[str, str, int], int] = {}  # the row each box's wire leaves from; a wire's in each layer
    boxes: dict[str, Box] = {}
    for k in range(depth):
        free = 0
        for slot in slots[k]:
            if isinstance(slot, str):
                p = by_name[slot]
                height = max(p.lines, len(p.inputs)) + 2
                want = _aligned_top(p, rows)
                top = max(free, want)
                rows[slot] = top + 1
                boxes[slot] = Box(slot, xs[k], top, _box_width(p), height, k, top + 1)
                free = top + height + ROW_GAP
            else:
                source = slot[0]
                row = max(free, rows[source] if source in rows else free)
                rows[(*slot, k)] = row  # a wire crossing several layers has a row in each
                free = row + 1 + ROW_GAP
    height = max([b.y + b.height for b in boxes.values()] + [r + 1 for r in rows.values()], default=0)
    if width * height > MAX_CELLS:
        raise TooLarge(f"a picture of {width}×{height} cells (at most {MAX_CELLS} are drawn)")
    wires = []
    for k in range(1, depth):
        wires += _route(k, arriving[k], slots, layer, rows, boxes, xs[k] - gaps[k], xs[k], label_widths)
    return Layout(boxes, tuple(wires), width, height)


def _slot_order(parts: Sequence[Part]) -> Callable[[str | tuple[str, str]], tuple[int, int]]:
    """The order of slots in a layer: by the first node they feed, then by their place among its inputs (so
    ``X @ W1 + b1`` stacks X, W1, b1); the output last."""
    users: dict[str, tuple[int, int]] = {}
    for n, p in enumerate(parts):
        for i, name in enumerate(p.inputs):
            users.setdefault(name, (n, i))
    index = {p.name: n for n, p in enumerate(parts)}

    def key(slot: str | tuple[str, str]) -> tuple[int, int]:
        if isinstance(slot, tuple):
            source, target = slot
            return index[target], parts[index[target]].inputs.index(source)
        return users.get(slot, (len(parts), 0))

    return key


def _passing(slots: list[str | tuple[str, str]]) -> list[tuple[str, str]]:
    """The wires that pass through a layer."""
    return [s for s in slots if isinstance(s, tuple)]


def _box_width(p: Part) -> int:
    """A box's width: its text and title with padding."""
    return max(MIN_BOX_WIDTH, p.text_width + BOX_PADDING)


def _aligned_top(p: Part, rows: Mapping[str | tuple[str, str, int], int]) -> int:
    """The top row that lines a box's first text row up with its first input's wire (0 for a leaf)."""
    if not p.inputs:
        return 0
    first = p.inputs[0]
    return max(0, rows[first] - 1) if first in rows else 0


def _route(
    k: int,
    arriving: list[tuple[str, str]],
    slots: list[list[str | tuple[str, str]]],
    layer: Mapping[str, int],
    rows: Mapping[str | tuple[str, str, int], int],
    boxes: dict[str, Box],
    gap_x: int,
    layer_x: int,
    label_widths: Mapping[tuple[str, str], int],
) -> list[Wire]:
    """The wires that end in layer ``k`` (at a box, or at a pass-through slot), each with its own channel."""
    ends: list[tuple[tuple[str, str], int, int, int]] = []  # edge, start row, end row, end column
    by_target: dict[str, list[tuple[str, str]]] = {}

    def start_row(e: tuple[str, str]) -> int:
        """The row a wire comes from: its source box, or its slot in the layer before."""
        return rows[e[0]] if layer[e[0]] == k - 1 else rows[(*e, k - 1)]

    for e in arriving:
        target = e[1]
        if layer[target] == k:
            by_target.setdefault(target, []).append(e)
        else:
            ends.append((e, start_row(e), rows[(*e, k)], layer_x))
    for target, edges in by_target.items():
        box = boxes[target]
        part_inputs = [s for s, _ in edges]
        ordered = sorted(edges, key=start_row)
        entries = {e[0]: box.y + 1 + i for i, e in enumerate(ordered)}
        box.entry_rows.update({s: entries[s] for s in part_inputs})
        for e in ordered:
            ends.append((e, start_row(e), entries[e[0]], box.x))
    # channels: wires going up take the channels nearest the sources, wires going down those nearest the
    # targets, so that a wire's last stretch does not run along another's first
    ends.sort(key=lambda t: (t[2] - t[1] >= 0, -t[1] if t[2] >= t[1] else t[1], t[2]))
    wires = []
    for i, (e, start, end, end_x) in enumerate(ends):
        channel = gap_x + 1 + i
        begin = boxes[e[0]].right if layer[e[0]] == k - 1 else gap_x
        points = [(begin, start), (channel, start), (channel, end), (end_x - 1, end)]
        if layer[e[1]] != k:  # passing through: the wire goes on across the layer
            points[-1] = (end_x + _slot_width(slots[k], boxes) - 1, end)
        label = label_widths.get(e, 0) if layer[e[1]] == k else 0
        wires.append(Wire(e[0], e[1], _dedupe(points), end_x - 1 - label, label))
    return wires


def _slot_width(column: list[str | tuple[str, str]], boxes: Mapping[str, Box]) -> int:
    """The width of a layer: its widest box."""
    return max([boxes[s].width for s in column if isinstance(s, str) and s in boxes], default=1)


def _dedupe(points: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """A path without repeated points."""
    out: list[tuple[int, int]] = []
    for p in points:
        if not out or out[-1] != p:
            out.append(p)
    return tuple(out)


# --- drawing on a grid of characters ------------------------------------------------------------------------

N, E, S, W = 1, 2, 4, 8
#: the box-drawing character for each set of directions a line leaves a cell in
LINE_CHARS = {
    N: "│", S: "│", N | S: "│", E: "─", W: "─", E | W: "─",
    S | E: "╭", S | W: "╮", N | E: "╰", N | W: "╯",
    N | S | E: "├", N | S | W: "┤", E | W | S: "┬", E | W | N: "┴", N | E | S | W: "┼",
}  # fmt: skip
ARROW = "▶"


@dataclass(frozen=True)
class BoxText:
    """What one box shows: its title (on the top border) and lines of text, each a run of (text, role)."""

    title: str
    lines: tuple[tuple[tuple[str, str], ...], ...]
    role: str = "box"  # the border's role: box, current (the step is about it), needed


#: a drawn row: runs of (text, role); roles are names the widget maps to styles
Row = list[tuple[str, str]]


def role_runs(chars: list[list[str]], roles: list[list[str]]) -> list[Row]:
    """A grid of characters and their roles as rows of (text, role) runs: neighbours of one role joined."""
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


class Canvas:
    """A grid of characters with a role each; lines merge into junctions where they meet."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.chars = [[" "] * width for _ in range(height)]
        self.roles = [[""] * width for _ in range(height)]
        self.dirs = [[0] * width for _ in range(height)]

    def put(self, x: int, y: int, text: str, role: str) -> None:
        """Write text from (x, y) on one row, cut at the edge of the grid."""
        if not 0 <= y < self.height:
            return
        for i, ch in enumerate(text):
            if 0 <= x + i < self.width:
                self.chars[y][x + i] = ch
                self.roles[y][x + i] = role
                self.dirs[y][x + i] = 0

    def line(self, points: Sequence[tuple[int, int]], role: str) -> None:
        """A path of horizontal and vertical stretches; where it meets another line, a junction."""
        for (x0, y0), (x1, y1) in pairwise(points):
            if y0 == y1:
                step = 1 if x1 >= x0 else -1
                for x in range(x0, x1, step):
                    self._link(x, y0, E if step > 0 else W, role)
                    self._link(x + step, y0, W if step > 0 else E, role)
            else:
                step = 1 if y1 >= y0 else -1
                for y in range(y0, y1, step):
                    self._link(x0, y, S if step > 0 else N, role)
                    self._link(x0, y + step, N if step > 0 else S, role)
        if len(points) == 1:
            self._link(*points[0], E | W, role)

    def _link(self, x: int, y: int, direction: int, role: str) -> None:
        """Add a direction to the line in a cell (text already there wins)."""
        if not (0 <= x < self.width and 0 <= y < self.height):
            return
        if self.chars[y][x] != " " and self.dirs[y][x] == 0:
            return
        self.dirs[y][x] |= direction
        self.chars[y][x] = LINE_CHARS[self.dirs[y][x]]
        if self.roles[y][x] in ("", "wire"):
            self.roles[y][x] = role

    def rows(self) -> list[Row]:
        """Every row as runs of text of one role."""
        return role_runs(self.chars, self.roles)


def draw(
    layout: Layout,
    texts: Mapping[str, BoxText],
    labels: Mapping[tuple[str, str], tuple[str, str]],
    lit: set[tuple[str, str]] | None = None,
) -> list[Row]:
    """The picture: every wire (``lit`` ones in the ``wire-current`` role), its label, and every box."""
    lit = lit or set()
    canvas = Canvas(layout.width, layout.height)
    for wire in sorted(layout.wires, key=lambda w: (w.source, w.target) in lit):
        role = "wire-current" if (wire.source, wire.target) in lit else "wire"
        canvas.line(wire.points, role)
    for wire in layout.wires:
        x, y = wire.points[-1]
        if wire.target in layout.boxes and x == layout.boxes[wire.target].x - 1:
            role = "wire-current" if (wire.source, wire.target) in lit else "arrow"
            canvas.put(x, y, ARROW, role)
            label = labels.get((wire.source, wire.target))
            if label is not None and wire.label_width:
                text, label_role = label
                canvas.put(wire.label_x, y, text[: wire.label_width].rjust(wire.label_width, "─"), label_role)
    for name, box in layout.boxes.items():
        _draw_box(canvas, box, texts[name])
    return canvas.rows()


def _draw_box(canvas: Canvas, box: Box, text: BoxText) -> None:
    """One box: a rounded border with the title on top, its lines of text inside, blanks cleared."""
    inner = box.width - 2
    title = f" {text.title} "[:inner]
    canvas.put(box.x, box.y, "╭" + title + "─" * (inner - len(title)) + "╮", text.role)
    canvas.put(box.x + 1, box.y, title, "title-current" if text.role == "current" else "title")
    for r in range(1, box.height - 1):
        canvas.put(box.x, box.y + r, "│" + " " * inner + "│", text.role)
        if r - 1 < len(text.lines):
            x = box.x + 2
            for run, role in text.lines[r - 1]:
                run = run[: max(0, box.x + box.width - 2 - x)]
                canvas.put(x, box.y + r, run, role)
                x += len(run)
    canvas.put(box.x, box.y + box.height - 1, "╰" + "─" * inner + "╯", text.role)


# --- a lesson's circuit -------------------------------------------------------------------------------------

#: the longest text shown for a number inside a box or on a wire (a matrix shows a preview: F8 shows it all)
PREVIEW = 12
MIN_PREVIEW = 6  # at 5 a small delta reads "−0.0…": a picture that needs fewer scrolls sideways
SCROLLED_PREVIEW = 9  # the numbers of a picture that scrolls sideways anyway
DIGITS = (3, 2, 1)  # significant digits of a number in the picture, fewer only where more do not fit
VALUE_MARK = "→ "  # forward: the value, in the value colour
GRAD_MARK = "← "  # backward: the delta, in the gradient colour
UNKNOWN = "·"
ASKED = "?"


def preview(x: np.ndarray | float, width: int = PREVIEW) -> str:
    """A number as it fits in ``width`` columns: 3 significant digits, fewer where that fits, ``−`` for minus; a vector
    or matrix as its entries in reading order (the title says the shape), as many whole ones as fit, then ``…``. A
    number is cut only when not even one digit fits (``−0.0…`` reads as nothing)."""
    a = np.asarray(x, dtype=float)
    entries = a.reshape(-1)[:width]
    texts = {d: [show_number(v, f".{d}g") for v in entries] for d in DIGITS}
    if a.size == 1:
        return next((t[0] for t in texts.values() if len(t[0]) <= width), texts[DIGITS[-1]][0][: width - 1] + "…")
    for d in DIGITS[:2]:
        if a.size == len(entries) and len(" ".join(texts[d])) <= width:
            return " ".join(texts[d])
    for d in DIGITS:
        shown: list[str] = []
        for t in texts[d]:
            if len(" ".join([*shown, t, "…"])) > width:
                break
            shown.append(t)
        if shown:
            return " ".join([*shown, "…"])
    first = next((t[0] for t in texts.values() if len(t[0]) < width), None)  # one entry, the … close up
    return first + "…" if first is not None else " ".join(texts[DIGITS[-1]])[: width - 1] + "…"


def title_of(name: str, shape: tuple[int, ...]) -> str:
    """A box's title: the name, and the shape of a vector or matrix (``W1 2×3``)."""
    name = one_line(name)
    return name if len(shape) == 0 or shape == (1, 1) or shape == (1,) else f"{name} {'×'.join(map(str, shape))}"


@dataclass(frozen=True)
class Circuit:
    """A lesson's picture, laid out once: the layout, each box's title, and the local derivative each wire may
    show (its label's full text), all sized from the engine's numbers so the picture never moves."""

    layout: Layout
    titles: dict[str, str]
    locals: dict[tuple[str, str], str]  # (input, node) -> the label of ∂node/∂input, for the wires that have one
    cut: int = 12  # the longest number shown


def plan_circuit(
    names: Sequence[tuple[str, tuple[str, ...]]],
    values: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    local_labels: Mapping[tuple[str, str], Callable[[int], str]],
    width: int | None = None,
) -> Circuit:
    """Lay out a lesson's graph (names in order with their inputs) for these values and deltas, and the labels of
    the wires that show a local derivative (a function of the longest text allowed): numbers cut shorter
    (down to :data:`MIN_PREVIEW`) until the picture fits ``width`` columns, if it can."""
    circuit = _plan(names, values, grads, local_labels, PREVIEW)
    cut = PREVIEW
    while width is not None and circuit.layout.width > width and cut > MIN_PREVIEW:
        cut -= 1
        circuit = _plan(names, values, grads, local_labels, cut)
    if width is not None and circuit.layout.width > width:  # it scrolls anyway: numbers as long as they read well
        circuit = _plan(names, values, grads, local_labels, SCROLLED_PREVIEW)
    return circuit


def _plan(
    names: Sequence[tuple[str, tuple[str, ...]]],
    values: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    local_labels: Mapping[tuple[str, str], Callable[[int], str]],
    cut: int,
) -> Circuit:
    """The circuit with numbers cut to ``cut`` characters."""
    titles = {n: title_of(n, np.shape(values[n])) for n, _ in names}
    local_text = {e: label(cut) for e, label in local_labels.items()}
    parts = []
    for name, inputs in names:
        texts = [titles[name], VALUE_MARK + preview(values[name], cut)]
        if name in grads:
            texts.append(GRAD_MARK + preview(grads[name], cut))
        parts.append(Part(name, inputs, max(len(t) for t in texts), len(texts) - 1))
    widths = {e: len(t) + 1 for e, t in local_text.items()}
    return Circuit(lay_out(parts, widths), titles, local_text, cut)


def local_label(value: np.ndarray, jacobian: bool) -> Callable[[int], str]:
    """The label of a wire's local derivative: ``×2`` (the delta going back is multiplied by it), or for a
    Jacobian its shape, ``J 8×6``."""
    if jacobian:
        shape = "×".join(map(str, np.shape(value)))
        return lambda cut: f"J {shape}"[:cut]
    return lambda cut: "×" + preview(value, cut - 1)


def lesson_circuit(lesson: Lesson, solution: Solution, width: int | None = None) -> Circuit:
    """A lesson's circuit at the engine's numbers, fitted to ``width`` columns where it can be."""
    program = lesson.program
    names: list[tuple[str, tuple[str, ...]]] = [(n, ()) for n in (*program.inputs, *program.constants)]
    names += [(a.name, tuple(a.inputs)) for a in program.assignments]
    labels = {
        (s.wrt, s.node): local_label(solution.answer(s), s.kind is JACOBIAN)
        for s in lesson.steps
        if s.wrt is not None and s.kind in (LOCAL, JACOBIAN)
    }
    trace = solution.trace
    grads = {n: g for n, g in trace.grads.items() if n not in program.constants}
    return plan_circuit(names, trace.values, grads, labels, width)


def earned_locals(session: LessonSession) -> set[tuple[str, str]]:
    """The wires (input, node) whose local derivative or Jacobian step the learner has done (the session's rule,
    as the table's locals column shows them)."""
    return {(s.wrt, s.node) for s in session.earned_local_steps() if s.wrt is not None}


def asked_local(session: LessonSession) -> tuple[str, str] | None:
    """The wire (input, node) whose local derivative or Jacobian the current step asks, if it is not done yet."""
    step = session.step
    if step is None or step.wrt is None or step.kind not in (LOCAL, JACOBIAN) or session.progress(step).done:
        return None
    return step.wrt, step.node


def circuit_rows(
    circuit: Circuit,
    graph: GraphView,
    earned: set[tuple[str, str]] | None = None,
    asked: tuple[str, str] | None = None,
) -> list[Row]:
    """The picture of what the learner has earned: values and deltas in the boxes (``?`` where the step asks),
    each earned local derivative on its wire (``earned``, see :func:`earned_locals`) and ``×?`` on the wire whose
    local the step asks (``asked``, see :func:`asked_local`), the current step's boxes and wire lit."""
    rows = {r.name: r for r in graph.rows}
    texts = {name: _box_text(circuit, r) for name, r in rows.items() if name in circuit.layout.boxes}
    labels = {e: (circuit.locals[e], "local") for e in earned or () if e in circuit.locals}
    if asked is not None and asked in circuit.locals and asked not in labels:
        labels[asked] = ("J ?" if circuit.locals[asked].startswith("J ") else "×" + ASKED, "asked")
    current = [r.name for r in graph.rows if r.current]
    lit = {(a, b) for a in current for b in current if a in rows[b].inputs}
    return draw(circuit.layout, texts, labels, lit)


def _box_text(circuit: Circuit, row: GraphRow) -> BoxText:
    """One box: the value (→) and, for all but constants, the delta (←), or ``?`` / ``·``."""
    lines = [((VALUE_MARK, "value"), _number(row.value, row.value_asked, "value", circuit.cut))]
    if row.computes != "constant":
        lines.append(((GRAD_MARK, "grad"), _number(row.grad, row.grad_asked, "grad", circuit.cut)))
    role = "current" if row.current else "needed" if row.needed else "box"
    return BoxText(circuit.titles[row.name], tuple(tuple(line) for line in lines), role)


def _number(x: np.ndarray | None, asked: bool, role: str, cut: int) -> tuple[str, str]:
    """A number earned, the question mark, or the dot of a number not earned yet."""
    if asked:
        return ASKED, "asked"
    if x is None:
        return UNKNOWN, "unknown"
    return preview(x, cut), role


def path_cells(points: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every cell a wire's path passes through, in order."""
    cells = [points[0]] if points else []
    for (x0, y0), (x1, y1) in pairwise(points):
        n = max(abs(x1 - x0), abs(y1 - y0))
        for s in range(1, n + 1):
            cells.append((x0 + (x1 - x0) * s // n, y0 + (y1 - y0) * s // n))
    return cells


def flow_back(layout: Layout, node: str) -> list[list[tuple[int, int]]]:
    """The cells the gradient passes on its way back into ``node``: each wire out of it, from its arrow back to
    the node (a wire through pass-through slots included)."""
    return [path_cells(w.points)[::-1] for w in layout.wires if w.source == node]


def focus_region(
    layout: Layout,
    current: Sequence[str],
    needed: Sequence[str],
    lines: int,
    width: int,
    height: int,
) -> tuple[int, int, int, int] | None:
    """The part of the picture to keep in view, as (x, y, width, height): the current step's boxes (all their
    lines), then as many of the boxes it needs (their title and first ``lines`` lines: the value, or also the
    delta; else only the title, its name) as fit ``width`` × ``height`` together, nearest to the current box first.
    None without a current box."""
    first = [layout.boxes[n] for n in current if n in layout.boxes]
    if not first:
        return None
    anchor = first[0]
    region = _union([(b.x, b.y, b.width, b.height - 1) for b in first])
    others = [layout.boxes[n] for n in needed if n in layout.boxes and n not in current]
    others.sort(key=lambda b: abs(b.x - anchor.x) + abs(b.y - anchor.y))
    for box in others:
        for shown in (1 + min(lines, box.height - 2), 1):  # its lines, or at least its title (its name)
            grown = _union([region, (box.x, box.y, box.width, shown)])
            if grown[2] <= width and grown[3] <= height:
                region = grown
                break
    return region


def _union(regions: Sequence[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    """The smallest (x, y, width, height) holding all these."""
    x0 = min(r[0] for r in regions)
    y0 = min(r[1] for r in regions)
    x1 = max(r[0] + r[2] for r in regions)
    y1 = max(r[1] + r[3] for r in regions)
    return x0, y0, x1 - x0, y1 - y0


def snap_scroll(
    offset: int, start: int, length: int, view: int, total: int, edges: Sequence[int], past_end: bool = False
) -> int:
    """Where to scroll along one axis so that ``start``…``start + length`` is in a ``view`` of a picture ``total``
    long: the least move from ``offset``, then onto a box's edge (``edges``) where the span still fits, so that no
    box is cut at the view's first column or row (its title stays whole). With ``past_end`` the view may go past
    the picture's end to land on an edge (the caller widens the picture with blank space)."""
    top = max(0, total - view)
    if start < offset:
        offset = start
    elif start + length > offset + view:
        offset = start + length - view
    offset = max(0, min(offset, top))
    last = start if past_end else min(start, top)
    fitting = [e for e in {0, *edges} if e <= last and e + view >= start + length]
    if not fitting or offset in fitting:
        return offset
    return min(fitting, key=lambda e: (abs(e - offset), e))
