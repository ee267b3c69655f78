"""The computation-graph panel: every leaf and node, its formula, and the numbers earned so far.

The panel shows a :class:`~tutor.ui.session.GraphView` (what the session says is known and what the current
step needs); it decides nothing about the lesson. It lays the table out itself, every column at a width it
computed for the header and the rows alike, so the header always sits over its column (Textual's DataTable
cached its header at the width it had before wide rows were measured). When every row does not fit the
space the panel prefers, it shows the rows the current step needs (F7 shows them all); a matrix too wide for
the terminal is shown with fewer digits, then cut with ``…`` (F8 shows every entry). Every cell is plain
``rich.text.Text`` built from escaped lesson text, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.reactive import var
from textual.widgets import Static

from tutor.engine import fmt_shape
from tutor.grading import show_array
from tutor.safetext import one_line
from tutor.ui.session import GraphRow, GraphView

UNKNOWN = "·"
ASKED = "?"
CONSTANT = "—"
GAP = "  "
DIGITS = (5, 4, 3)  # significant digits tried, most first, until the table fits its width
MIN_CELL = 8  # a cut cell keeps at least this many columns
CURRENT_MARK, NEEDED_MARK = "▶", "›"
#: rows the step pane keeps under the panel (its title, question, context and feedback)
STEP_PANE_ROWS = 6
#: rows outside both: the title bar, the answer box and the footer
OTHER_ROWS = 1 + 3 + 1
#: the share of the screen's height the panel takes before it shows only the rows the step needs
PREFERRED_SHARE = 0.4
#: the panel's own lines around its rows: the border above and below (what was left out is said on the lower
#: one) and the header
FRAME_LINES = 3
COLUMNS = ("node", "op", "value", "grad", "locals")


def show_cell(x: np.ndarray, digits: int = 5, compact: bool = False) -> str:
    """A value for a table cell: a number, a vector, a column on one line as a transposed row (``[1, 2]ᵀ``), or a
    matrix one row per line (``compact``: on one line, as typed)."""
    a = np.asarray(x, dtype=float)
    if compact and a.ndim == 2 and a.shape[1] > 1:
        return "[" + ", ".join(show_array(row, digits) for row in a) + "]"
    if a.ndim <= 1:
        return show_array(a, digits)
    if a.ndim == 2 and a.shape[1] == 1 and a.shape[0] > 1:
        return show_array(a[:, 0], digits) + "ᵀ"
    if a.ndim == 2:
        rows = [show_array(row, digits) for row in a]
        return "\n".join(("[" if i == 0 else " ") + r + ("]" if i == len(rows) - 1 else "") for i, r in enumerate(rows))
    return f"({fmt_shape(a.shape)})"


@dataclass
class GraphLayout:
    """The table laid out for a width: the header, the rows shown, where each row starts, what was left out."""

    header: Text
    body: Text
    offsets: dict[str, int] = field(default_factory=dict)  # row name -> its first line in the body
    shown: tuple[str, ...] = ()
    hidden: int = 0  # rows left out (F7 shows them)
    cut: bool = False  # some entries were cut to fit the width (F8 shows them)
    digits: int = DIGITS[0]

    @property
    def note(self) -> str:
        """The line under the rows: what was left out and which key shows it ("" when nothing was)."""
        parts = []
        if self.hidden:
            parts.append(f"{self.hidden} more row{'s' if self.hidden != 1 else ''}: F7 shows all")
        if self.cut:
            parts.append("some entries cut to fit: F8 shows every number")
        elif self.hidden:
            parts.append("F8 every number")
        return " · ".join(parts)


def _lines(text: str, style: str = "") -> list[Text]:
    """A cell's text as styled lines (control characters escaped)."""
    return [Text(one_line(line), style=style) for line in text.split("\n")]


def _number(x: np.ndarray | None, asked: bool, digits: int, compact: bool = False) -> list[Text]:
    """A value if earned, ``?`` if it is the question, ``·`` if not known yet."""
    if asked:
        return [Text(ASKED, style="bold reverse")]
    if x is None:
        return [Text(UNKNOWN, style="dim")]
    return _lines(show_cell(x, digits, compact))


def _locals(row: GraphRow, digits: int) -> list[Text]:
    """The local derivatives earned for a node, one per line; a matrix by its shape (F8 shows it)."""
    out = []
    for local in row.locals:
        value = np.asarray(local.value, dtype=float)
        if local.jacobian or value.ndim >= 2:
            out.append(Text(one_line(f"{local.label}: {fmt_shape(value.shape)} (F8)")))
        else:
            out.append(Text(one_line(f"{local.label} = {show_array(value, digits)}")))
    return out or [Text("")]


def row_cells(row: GraphRow, digits: int, with_locals: bool, compact: bool = False) -> list[list[Text]]:
    """The cells of a row, each a list of lines: the node (marked when the step is about it or needs it),
    what it computes, its value, its delta, and (with ``with_locals``) its earned local derivatives; with
    ``compact`` every row is one line (a matrix as typed, cut to its column if it must be)."""
    mark = CURRENT_MARK if row.current else NEEDED_MARK if row.needed else " "
    name = Text(mark + " ", style="bold" if row.current else "")
    name.append(one_line(row.name), style="bold" if row.current or row.needed else "")
    if row.computes == "constant":
        grad = [Text(CONSTANT, style="dim")]
    else:
        grad = _number(row.grad, row.grad_asked, digits, compact)
    cells = [
        [name],
        _lines(row.computes, "italic dim" if row.leaf else ""),
        _number(row.value, row.value_asked, digits, compact),
        grad,
    ]
    if with_locals:
        cells.append(_locals(row, digits))
    return cells


def _header(view: GraphView) -> list[str]:
    """The column titles."""
    titles = ["  node", "computes", "value", one_line(f"delta ∂{view.output}/∂node")]
    if view.has_locals:
        titles.append("local derivatives")
    return titles


def _width_of(cell: list[Text]) -> int:
    """The widest line of a cell."""
    return max((line.cell_len for line in cell), default=0)


def _fit(widths: list[int], natural: list[list[int]], width: int) -> tuple[list[int], bool]:
    """Column widths within ``width``: the widest of the columns after the node's narrowed first (never below
    MIN_CELL); whether any cell or title is now cut."""
    widths = list(widths)
    # the node column keeps its width; the others may go down to MIN_CELL, their titles cut with … as well
    floor = [w if i == 0 else min(MIN_CELL, w) for i, w in enumerate(widths)]
    total = sum(widths) + len(GAP) * (len(widths) - 1)
    while total > width:
        wide = max(range(1, len(widths)), key=lambda i: widths[i] - floor[i])
        if widths[wide] <= floor[wide]:
            break
        widths[wide] -= 1
        total -= 1
    cut = any(w > widths[i] for row in natural[1:] for i, w in enumerate(row))
    return widths, cut


Cells = tuple[list[list[Text]], ...]


def _measure(view: GraphView, titles: list[str], width: int, compact: bool) -> tuple[Cells, list[int], bool, int]:
    """Every row's cells at the most digits that fit ``width`` (else at the fewest, columns narrowed and cut):
    the cells, the column widths, whether anything was cut, the digits."""
    chosen: Cells = ()
    natural: list[list[int]] = []
    widths: list[int] = []
    for digits in DIGITS:
        chosen = tuple(row_cells(r, digits, view.has_locals, compact) for r in view.rows)
        natural = [[len(t) for t in titles]] + [[_width_of(c) for c in cells] for cells in chosen]
        widths = [max(col) for col in zip(*natural, strict=True)]
        if sum(widths) + len(GAP) * (len(widths) - 1) <= width:
            return chosen, widths, False, digits
    widths, cut = _fit(widths, natural, width)
    return chosen, widths, cut, DIGITS[-1]


def lay_out(view: GraphView, width: int, *, expanded: bool = False, budget: int = 10**6) -> GraphLayout:
    """The table for ``width`` columns: every row when ``expanded`` or when all fit in ``budget`` lines, else
    the rows the current step needs (or, with none, as many as fit); columns narrowed to fit the width. When
    even the rows the step needs are taller than ``budget``, each row takes one line (matrices as typed, cut
    with … where they must be: F8 shows every entry)."""
    titles = _header(view)
    chosen, widths, cut, digits = _measure(view, titles, width, compact=False)
    heights = [max(len(c) for c in cells) for cells in chosen]
    keep = _rows_to_show(view, heights, expanded, budget)
    if not expanded and sum(heights[i] for i in keep) > budget:
        chosen, widths, cut, digits = _measure(view, titles, width, compact=True)
        wrapped = tuple([_wrap(cell, w) for cell, w in zip(cells, widths, strict=True)] for cells in chosen)
        wrapped_heights = [max(len(c) for c in cells) for cells in wrapped]
        keep = _rows_to_show(view, wrapped_heights, expanded, budget)
        if sum(wrapped_heights[i] for i in keep) <= budget:  # every entry fits, on a few lines
            chosen, heights, cut = wrapped, wrapped_heights, False
        else:  # one line each, cut
            heights = [max(len(c) for c in cells) for cells in chosen]
            keep = _rows_to_show(view, heights, expanded, budget)
    body = Text()
    offsets: dict[str, int] = {}
    line_no = 0
    for i in keep:
        offsets[view.rows[i].name] = line_no
        for k in range(heights[i]):
            if line_no:
                body.append("\n")
            body.append_text(_line([cell[k] if k < len(cell) else Text("") for cell in chosen[i]], widths))
            line_no += 1
    header = _line([Text(t) for t in titles], widths)
    header.stylize("bold")
    shown = tuple(view.rows[i].name for i in keep)
    return GraphLayout(header, body, offsets, shown, len(view.rows) - len(keep), cut, digits)


def _wrap(cell: list[Text], width: int) -> list[Text]:
    """A cell's lines broken after ``, `` to fit ``width`` (a piece wider than that stays whole, to be cut)."""
    out: list[Text] = []
    for line in cell:
        if line.cell_len <= width:
            out.append(line)
            continue
        pieces = line.plain.split(", ")
        current = ""
        for k, piece in enumerate(pieces):
            piece += "," if k < len(pieces) - 1 else ""
            if current and len(current) + 1 + len(piece) > width:
                out.append(Text(current, style=line.style))
                current = " " + piece
            else:
                current = f"{current} {piece}" if current else piece
        out.append(Text(current, style=line.style))
    return out


def _rows_to_show(view: GraphView, heights: list[int], expanded: bool, budget: int) -> list[int]:
    """Which rows to show, by index: all of them, or those the step needs, or the first that fit."""
    every = list(range(len(view.rows)))
    if expanded or sum(heights) <= budget:
        return every
    needed = [i for i in every if view.rows[i].needed or view.rows[i].current]
    if needed:
        return needed
    keep: list[int] = []
    used = 0
    for i in every:
        if used + heights[i] > budget and keep:
            break
        keep.append(i)
        used += heights[i]
    return keep


def _line(cells: list[Text], widths: list[int]) -> Text:
    """One line of the table: each cell cut (``…``) or padded to its column's width."""
    out = Text()
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        piece = cell.copy()
        piece.truncate(width, overflow="ellipsis", pad=i < len(cells) - 1)
        if i:
            out.append(GAP)
        out.append_text(piece)
    return out


class GraphPanel(Vertical):
    """The lesson's graph, filling in as the learner earns values (forward) and deltas (backward)."""

    class Redrawn(Message):
        """The panel was laid out again (its height may have changed: the text under it has more or less room)."""

    #: what to show; every assignment redraws the table (lessons have a handful of nodes)
    graph: var[GraphView | None] = var(None, always_update=True, init=False)
    #: every row, not only those the step needs (F7)
    expanded: var[bool] = var(False, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.layout_shown: GraphLayout | None = None
        self._cells: dict[str, dict[str, str]] = {}

    def compose(self) -> ComposeResult:
        """The header and the rows (scrolling when taller than the panel); the border says what was left out."""
        yield Static(id="graph-header", markup=False)
        with VerticalScroll(id="graph-rows"):
            yield Static(id="graph-body", markup=False)

    def watch_graph(self) -> None:
        """Draw the new graph."""
        self.draw()

    def watch_expanded(self, expanded: bool) -> None:
        """Show every row, or only those the step needs."""
        self.set_class(expanded, "-expanded")
        self.draw()

    def on_resize(self) -> None:
        """Lay the table out again for the new size."""
        self.draw()

    def get_cell(self, row: str, column: str) -> str:
        """The full text of one cell (``node``, ``op``, ``value``, ``grad``, ``locals``), cut or not."""
        return self._cells[row][column]

    def draw(self) -> None:
        """Lay the table out for the panel's width and the screen's height, and scroll to the step's rows."""
        graph = self.graph
        if graph is None or not self.is_mounted:
            return
        try:
            rows = self.query_one("#graph-rows", VerticalScroll)
            header, body = self.query_one("#graph-header", Static), self.query_one("#graph-body", Static)
        except NoMatches:  # asked to draw before its rows are mounted (a busy machine opening a lesson): draw after
            self.call_after_refresh(self.draw)
            return
        height = self.app.size.height
        rows.styles.max_height = max(2, height - OTHER_ROWS - STEP_PANE_ROWS - FRAME_LINES)
        budget = max(2, int(height * PREFERRED_SHARE) - FRAME_LINES)
        width = (self.content_region.width or self.app.size.width - 4) - 2  # room for a scrollbar
        layout = lay_out(graph, max(width, 20), expanded=self.expanded, budget=budget)
        self.layout_shown = layout
        self._cells = {
            r.name: dict(zip(COLUMNS, ("\n".join(t.plain for t in c) for c in row_cells(r, 5, True)), strict=True))
            for r in graph.rows
        }
        header.update(layout.header)
        body.update(layout.body)
        self.border_subtitle = Text(layout.note) if layout.note else None
        step_rows = [layout.offsets[r.name] for r in graph.rows if (r.current or r.needed) and r.name in layout.offsets]
        self.call_after_refresh(self._scroll_rows_to, min(step_rows, default=0))
        self.post_message(self.Redrawn())

    def _scroll_rows_to(self, line: int) -> None:
        """Bring the current step's first row to the top of the rows, if they scroll."""
        self.query_one("#graph-rows", VerticalScroll).scroll_to(y=line, animate=False)

    def scroll_rows(self, pages: int) -> None:
        """Scroll the rows by pages (negative: up)."""
        rows = self.query_one("#graph-rows", VerticalScroll)
        rows.scroll_to(y=rows.scroll_y + pages * max(1, rows.size.height - 1), animate=False)
