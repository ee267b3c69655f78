"""The help screen: how to type answers, what the panels mean, and every key."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# How to use the tutor

Each lesson is a small computation graph. You compute it **forward** (every node's value),
then **backward**: each node's *local derivative* and its *delta* δ = ∂L/∂node, the
gradient of the output with respect to that node. The graph panel fills in as you go.

## Typing answers

| you want | type |
|---|---|
| a number | `-2.5`, `1e-3`, `2*(3-4.25)`, `exp(-1)` |
| a vector | `[0.1, -0.2, 0.3]` |
| a matrix (one line, row by row) | `[[1, 2], [3, 4]]` |

Three significant digits are enough. The prompt says the **shape** expected (`scalar`, `3`, `2×3`).
An answer that cannot be read is not counted as an attempt.

## Keys on a lesson

| key | does |
|---|---|
| Enter | grade the answer; on a finished step, go on |
| F1 | this help |
| F2 | the next hint (hints do not cost anything) |
| F3 | show the answer (the step counts as *shown*, not solved) |
| F4 | the PyTorch panel: the same step computed by PyTorch |
| F5 / F6 | previous / next step |
| Escape | back to the lessons |
| Ctrl+P | command palette: open any lesson, change the theme |
| Ctrl+Q | quit (your progress is saved after every answer) |

The mouse works too: click a lesson, click the footer's keys, scroll the panels.
Your progress is kept per lesson; if a lesson file changes, it starts afresh.

*Escape or F1 closes this help.*
"""


class HelpScreen(ModalScreen[None]):
    """A modal with the help text; Escape, F1 or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        """The help text in a scrollable box."""
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP)
