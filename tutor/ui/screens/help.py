"""The help screen (F1): the keys, and every form of answer the grader reads (the "Answers" page).

The operators and functions of the Answers page come from the op table (:mod:`tutor.engine.ops`), so a new op
is documented here as soon as the grader reads it; the op table is imported when the page is first shown. On a
lesson the page opens with the grader's own list of forms written in that lesson's names
(:func:`tutor.grading.notation.answer_forms`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, TabbedContent, TabPane

from tutor.ui.plain import markdown_literal

if TYPE_CHECKING:
    from tutor.course import Lesson

KEYS = """\
# How to use the tutor

Each lesson is a small computation graph. You compute it **forward** (every node's value),
then **backward**: each node's *local derivative* `∂node/∂input` (that node alone, its other
inputs held fixed), and each value's *delta* `dv = ∂L/∂v`: how the loss moves with `v` (NumPy's
`dv`, PyTorch's `v.grad`). The graph panel fills in as you go.

Type a number, a list or a formula (the **Answers** page, `a` or →, says every form), and
press Enter. Three significant digits are enough. The prompt says the
**shape** expected (`scalar`, `3`, `2×3`). An answer that cannot be read is not counted
as an attempt. `dy/du` is one delta divided by another, not the local derivative ∂y/∂u:
type the slope itself.

## Keys on a lesson

| key | does |
|---|---|
| Enter | grade the answer; on a finished step, go on; on the summary, the next lesson |
| F1 | this help |
| F2 | the next hint (hints do not cost anything) |
| F3 | show the answer (the step counts as *shown*, not solved) |
| F4 | the PyTorch panel: the same step computed by PyTorch (on a step not answered yet, its numbers stay hidden \
until you press v, which counts as shown) |
| F5 / F6 | previous / next step |
| F7 | the graph: every row, or only the rows this step needs |
| F8 | every number of the graph in full, each matrix as a grid (in the circuit, a click on a box shows \
that box's first) |
| PageUp / PageDown, ctrl+↑ / ctrl+↓ | scroll the text above the answer box (while you type) |
| shift+PageUp / shift+PageDown | scroll the graph |
| ctrl+r | start this step again (on the intro or the summary: the whole lesson); asks first |
| Escape | back to the lessons |
| Ctrl+P | command palette: open any lesson, reset a lesson, change the theme |
| Ctrl+Q | quit (your progress is saved after every answer) |

In the graph, ▶ marks the node the step is about and › the rows it needs. The lesson list
marks a lesson ✓ when every step is solved and ◑ when some answers were shown; in its bar
■ is a solved step and ▣ a shown one.

The mouse works too: click a lesson, click the footer's keys, scroll the panels.
Your progress is kept per lesson; if a lesson file changes, it starts afresh.

*Escape or F1 closes this help.*
"""

ANSWERS_HEAD = """\
# Answers

## Numbers, lists and matrices

| you type | it means |
|---|---|
| `-2.5`, `1e-3`, `2*(3-4.25)`, `1/3` | a number, or arithmetic that gives one |
| `[0.1, -0.2, 0.3]` | a vector (a flat list stands for a row or a column, whichever the step needs) |
| `[[1, 2], [3, 4]]` | a matrix, on one line, row by row |

An answer is right when it has the expected shape and is within 1% (three significant digits).

## Formulas in the lesson's names

| you type | it means |
|---|---|
| `y`, `W1`, `A2` | the forward value of that node, input or constant |
| `dy`, `dW1` | its delta ∂L/∂y, ∂L/∂W1 (*d* + the name, as in NumPy code) |
| `2*(y-t)`, `dy*2`, `q*(1-q)` | any formula of them: it is checked at the lesson's values and at random other points |
| `2y`, `y^2` | `2*y` and `y**2` |
| `A1 @ W2`, `A1.T`, `A1ᵀ` | the matrix product and the transpose |
| `sum(dZ2, 0)` | the column sums, keeping a row (over the batch) |
| `sum(dZ2, 1)`, `sum(dZ2)` | the row sums; the sum of every entry |

A formula may use the forward values and the deltas you already have. A forward value
asks for the number: the graph shows its formula.
"""

ANSWERS_TAIL = """\

A name written `dy/du` is not a derivative here (`dy` is ∂L/∂y): type the local
derivative's value or its formula instead.
"""


def lesson_forms(lesson: Lesson) -> str:
    """The forms the grader reads, with examples in this lesson's names (Markdown; every cell plain text)."""
    from tutor.grading.notation import answer_forms

    rows = ["## In this lesson", "", "| form | you type | it means |", "|---|---|---|"]
    for form in answer_forms(lesson):
        cells = (markdown_literal(form.what), _code(form.example), markdown_literal(form.means))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n\n"


def _code(text: str) -> str:
    """An example as typed, in code spans (a backtick or a bar cannot end them early: lesson names have neither)."""
    return "   ".join(f"`{part}`" for part in text.replace("`", "'").replace("|", "∣").split("   "))


def answers_page(lesson: Lesson | None = None) -> str:
    """The Answers page: on a lesson, its forms in its names; the fixed forms; every operator and function of the
    op table."""
    from tutor.engine.ops import OPS

    rows = ["", "## Operators", "", "| you type | it means |", "|---|---|"]
    for op in OPS.values():
        if op.syntax in ("infix", "prefix", "postfix"):
            also = f" (also {', '.join(f'`{a}`' for a in op.aliases)})" if op.aliases else ""
            rows.append(f"| `{op.spell(list(op.names))}`{also} | {op.doc} |")
    rows += ["", "## Functions", "", "| you type | it means |", "|---|---|"]
    for op in OPS.values():
        if op.syntax == "call":
            spellings = [op.spell(list(op.names))] + ([op.spell(list(op.names), 0)] if op.takes_axis else [])
            typed = ", ".join(f"`{t}`" for t in spellings)
            also = f" (also {', '.join(f'`{a}`' for a in op.aliases)})" if op.aliases else ""
            rows.append(f"| {typed}{also} | {op.doc.replace('|', '∣')} |")
    head = ANSWERS_HEAD
    if lesson is not None:
        title, _, rest = ANSWERS_HEAD.partition("\n\n")
        head = f"{title}\n\n{lesson_forms(lesson)}{rest}"
    return head + "\n".join(rows) + "\n" + ANSWERS_TAIL


class HelpScreen(ModalScreen[None]):
    """A modal with two pages, the keys and the answers; Escape, F1 or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close"),
        Binding("a,right", "page('answers')", "Answers"),
        Binding("k,left", "page('keys')", "Keys"),
    ]

    def __init__(self, page: str = "keys", lesson: Lesson | None = None) -> None:
        super().__init__()
        self.page = page
        self.lesson = lesson

    def compose(self) -> ComposeResult:
        """The two pages in tabs, each scrollable."""
        with TabbedContent(initial=self.page, id="help-box"):
            with TabPane("Keys", id="keys"), VerticalScroll(id="keys-scroll"):
                yield Markdown(KEYS)
            with TabPane("Answers", id="answers"), VerticalScroll(id="answers-scroll"):
                yield Markdown(answers_page(self.lesson), id="answers-text")

    def on_mount(self) -> None:
        """The page shown scrolls with the arrow keys and PageUp/PageDown."""
        self.action_page(self.page)

    def action_page(self, page: str) -> None:
        """Show one page, ready to scroll from the keyboard."""
        self.query_one(TabbedContent).active = page
        self.query_one(f"#{page}-scroll", VerticalScroll).focus()
