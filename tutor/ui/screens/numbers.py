"""Every number of the graph in full (F8): each matrix as a grid with its shape, the step's rows first.

The graph panel shortens what does not fit the terminal; here nothing is cut, and the modal scrolls. Only
what the learner has earned is shown (a value or delta not known yet says so), plain text throughout.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.engine import fmt_shape
from tutor.grading import show_array
from tutor.safetext import one_line
from tutor.ui.session import GraphRow, GraphView

DIGITS = 6
#: the most entries one grid shows (a bigger matrix is summarised by its shape: lessons are far smaller)
MAX_ENTRIES = 2_500


def grid(x: np.ndarray, digits: int = DIGITS) -> RenderableType:
    """A number, or a vector or matrix as a grid of right-aligned entries (row and column numbers around)."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        return Text(show_array(a, digits))
    if a.size > MAX_ENTRIES or a.ndim > 2:
        return Text(f"({fmt_shape(a.shape)}: too many entries to show)", style="dim")
    rows = a.reshape(1, -1) if a.ndim == 1 else a
    table = Table(box=None, show_header=True, padding=(0, 1), header_style="dim")
    table.add_column("", style="dim", justify="right")
    for j in range(rows.shape[1]):
        table.add_column(str(j + 1), justify="right")
    for i, row in enumerate(rows):
        table.add_row(str(i + 1), *(show_array(v, digits) for v in row))
    return table


def row_numbers(row: GraphRow, output: str) -> RenderableType:
    """One row of the graph: its heading, then its value, its delta and its earned locals, each in full."""
    kind = row.computes if row.leaf else f"= {row.computes}"
    parts: list[RenderableType] = [Text(one_line(f"{row.name}  {kind}"), style="bold")]

    def part(label: str, x: np.ndarray | None, missing: str) -> None:
        if x is None:
            parts.append(Text(one_line(f"  {label}: {missing}"), style="dim"))
            return
        parts.append(Text(one_line(f"  {label}, {fmt_shape(np.shape(x))}:")))
        parts.append(grid(x))

    part("value", row.value, "the question now" if row.value_asked else "not known yet")
    if row.computes != "constant":
        part(
            f"d{row.name} = ∂{output}/∂{row.name}", row.grad, "the question now" if row.grad_asked else "not known yet"
        )
    for local in row.locals:
        part(local.label, local.value, "")
    return Group(*parts, Text(""))


class NumbersScreen(ModalScreen[None]):
    """The graph's numbers in full: the box clicked in the circuit (if any), the rows the current step needs, then
    the others."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f8,q", "dismiss", "Close")]

    def __init__(self, view: GraphView, chosen: str | None = None) -> None:
        super().__init__()
        self.view = view
        self.chosen = chosen  # a box the learner clicked in the circuit: its row comes first

    def compose(self) -> ComposeResult:
        """A heading, then every row's numbers."""
        view = self.view
        chosen = [r for r in view.rows if r.name == self.chosen]
        first = chosen + [r for r in view.rows if (r.needed or r.current) and r not in chosen]
        rest = [r for r in view.rows if r not in first]
        with VerticalScroll(id="numbers-box"):
            which = f": {one_line(chosen[0].name)} first" if chosen else ": this step's rows first" if first else ""
            heading = "Every number of the graph, in full" + which
            yield Static(Text(heading + "   (Escape closes)", style="bold"), id="numbers-title")
            for row in [*first, *rest]:
                yield Static(row_numbers(row, view.output), classes="numbers-row")
