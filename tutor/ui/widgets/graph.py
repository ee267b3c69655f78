"""The computation-graph panel: every leaf and node, its inputs, its formula, and the numbers earned so far.

The panel shows a :class:`~tutor.ui.session.GraphView` (what the session says is known); it decides nothing.
Every cell is ``rich.text.Text``: DataTable reads a plain string as markup.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.reactive import var
from textual.widgets import DataTable

from tutor.engine import fmt_shape
from tutor.grading import show_array
from tutor.safetext import one_line
from tutor.ui.session import GraphRow, GraphView

UNKNOWN = "·"
ASKED = "?"


def show_cell(x: np.ndarray, digits: int = 5) -> str:
    """A value for a table cell: a number, a vector, or a matrix one row per line."""
    a = np.asarray(x, dtype=float)
    if a.ndim <= 1:
        return show_array(a, digits)
    if a.ndim == 2:
        rows = [show_array(row, digits) for row in a]
        return "\n".join(("[" if i == 0 else " ") + r + ("]" if i == len(rows) - 1 else "") for i, r in enumerate(rows))
    return f"({fmt_shape(a.shape)})"


class GraphPanel(DataTable[Text | str]):
    """A table of the lesson's graph that fills in as the learner earns values (forward) and deltas (backward)."""

    DEFAULT_CSS = """
    GraphPanel { height: auto; max-height: 50%; }
    """

    #: what to show; every assignment redraws the table (lessons have a handful of nodes)
    graph: var[GraphView | None] = var(None, always_update=True, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.can_focus = False

    def watch_graph(self, graph: GraphView | None) -> None:
        """Rebuild every row, and put the cursor on the current step's node."""
        self.clear(columns=True)
        if graph is None:
            return
        self.add_column("inputs →", key="from")
        self.add_column("node", key="node")
        self.add_column("computes", key="op")
        self.add_column("value", key="value")
        self.add_column(Text(one_line(f"δ = ∂{graph.output}/∂node")), key="grad")
        for row in graph.rows:
            self.add_row(*self._cells(row), key=row.name, height=None)
        self.show_cursor = graph.current is not None
        if graph.current is not None:
            self.move_cursor(row=self.get_row_index(graph.current), animate=False)

    @staticmethod
    def _cells(row: GraphRow) -> tuple[Text | str, ...]:
        """The five cells of a row: its inputs, its name, what it computes, its value, its delta."""
        inputs = Text(one_line(", ".join(row.inputs) + " →"), style="dim") if row.inputs else ""
        name = Text(one_line(row.name), style="bold" if row.current else "")
        computes = Text(one_line(row.computes), style="italic dim" if row.leaf else "")
        return inputs, name, computes, _number_cell(row.value, row.value_asked), _grad_cell(row)


def _number_cell(x: np.ndarray | None, asked: bool) -> Text:
    """A value if earned, ``?`` if it is the question, ``·`` if not known yet."""
    if asked:
        return Text(ASKED, style="bold reverse")
    if x is not None:
        return Text(show_cell(x))
    return Text(UNKNOWN, style="dim")


def _grad_cell(row: GraphRow) -> Text:
    """The delta if earned, ``?`` if it is the question, ``·`` if not known yet, ``—`` for constants."""
    if row.computes == "constant":
        return Text("— (constant)", style="dim")
    return _number_cell(row.grad, row.grad_asked)
