"""The computation-graph panel: every leaf and node, its inputs, its formula, and the numbers earned so far.

Every cell is ``rich.text.Text``: DataTable reads a plain string as markup.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widgets import DataTable

from tutor.course import Step
from tutor.engine import fmt_shape
from tutor.grading import show_array
from tutor.lang.pretty import to_text
from tutor.safetext import one_line
from tutor.ui.session import LessonSession

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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.can_focus = False
        self.session: LessonSession | None = None

    def show(self, session: LessonSession) -> None:
        """Fill the table from a session (rebuilds every row; lessons have a handful of nodes)."""
        self.session = session
        lesson = session.lesson
        program = lesson.program
        step = session.step
        self.clear(columns=True)
        self.add_column("inputs →", key="from")
        self.add_column("node", key="node")
        self.add_column("computes", key="op")
        self.add_column("value", key="value")
        self.add_column(Text(one_line(f"δ = ∂{lesson.output}/∂node")), key="grad")
        leaves = [(n, "input") for n in program.inputs] + [(n, "constant") for n in program.constants]
        for name, kind in leaves:
            self.add_row(
                "",
                self._name_cell(name, step),
                Text(kind, style="italic dim"),
                self._value_cell(name, step),
                self._grad_cell(name, step, constant=kind == "constant"),
                key=name,
                height=None,
            )
        for a in program.assignments:
            self.add_row(
                Text(one_line(", ".join(a.inputs) + " →"), style="dim") if a.inputs else "",
                self._name_cell(a.name, step),
                Text(one_line(to_text(a.expr))),
                self._value_cell(a.name, step),
                self._grad_cell(a.name, step),
                key=a.name,
                height=None,
            )
        if step is not None:
            self.show_cursor = True
            self.move_cursor(row=self.get_row_index(step.node), animate=False)
        else:
            self.show_cursor = False

    @staticmethod
    def _name_cell(name: str, step: Step | None) -> Text:
        """The node's name; bold when the current step is about it or (for a local step) its input."""
        if step is not None and (name == step.node or name == step.wrt):
            return Text(one_line(name), style="bold")
        return Text(one_line(name))

    def _value_cell(self, name: str, step: Step | None) -> Text | str:
        """The forward value if earned, ``?`` if it is the question, ``·`` if not known yet."""
        assert self.session is not None
        if step is not None and step.kind == "value" and step.node == name and not self.session.value_known(name):
            return Text(ASKED, style="bold reverse")
        if self.session.value_known(name):
            return Text(show_cell(self.session.value(name)))
        return Text(UNKNOWN, style="dim")

    def _grad_cell(self, name: str, step: Step | None, constant: bool = False) -> Text | str:
        """The delta if earned, ``?`` if it is the question, ``·`` if not known yet, ``—`` for constants."""
        assert self.session is not None
        if constant:
            return Text("— (constant)", style="dim")
        asked = step is not None and step.kind == "grad" and step.node == name
        if asked and not self.session.grad_known(name):
            return Text(ASKED, style="bold reverse")
        grad = self.session.grad(name)
        if grad is not None and self.session.grad_known(name):
            return Text(show_cell(grad))
        return Text(UNKNOWN, style="dim")
