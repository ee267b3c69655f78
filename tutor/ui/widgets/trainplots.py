"""The training screen's two pictures: the loss curves (Braille, log scale) and the decision boundary.

The core draws them (:mod:`tutor.train.plot`: every character and what it shows); these widgets only colour
each character with the theme's colours, at the size they have. Nothing here imports NumPy or the trainer at
start: the widgets are created when the training screen opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from tutor.train.plot import Picture

#: the theme variable of each curve, in the order the screen gives them: yours, the engine's, PyTorch's; and of
#: a character that several curves share (curve on curve)
CURVE_COLOURS = ("accent", "success", "warning", "primary")
SHARED = 3
CLASS_COLOURS = ("primary", "error", "success")


def _colours(widget: Widget, names: Sequence[str]) -> list[str]:
    """The theme's colours of these variables (hex), for Rich styles."""
    variables = widget.app.get_css_variables()
    return [variables.get(n, "") for n in names]


class LossPlot(Widget):
    """Loss curves over the epochs, each in its colour; where curves share a character, the first one's."""

    DEFAULT_CSS = """
    LossPlot {
        height: 1fr;
        width: 1fr;
    }
    """

    #: the curves to draw (yours, the engine's, PyTorch's ...) and the number of epochs of the x axis
    curves: reactive[tuple[tuple[float, ...], ...]] = reactive((), always_update=True)
    epochs: reactive[int] = reactive(1)

    def show(self, curves: Sequence[Sequence[float]], epochs: int) -> None:
        """Draw these curves over ``epochs``."""
        self.epochs = max(epochs, 1)
        self.curves = tuple(tuple(c) for c in curves)

    def render(self) -> Text:
        """The chart at the widget's size."""
        from tutor.train.plot import loss_chart

        picture = loss_chart(self.curves, self.epochs, self.size.width, self.size.height)
        return paint(picture, _colours(self, CURVE_COLOURS), lambda cell: _curve(cell.curves))


class BoundaryPlot(Widget):
    """The predicted class of every cell with the data points over it, each class in its colour."""

    DEFAULT_CSS = """
    BoundaryPlot {
        height: 1fr;
        width: 1fr;
    }
    """

    picture: reactive[Picture | None] = reactive(None, always_update=True)
    #: what shows while there is no picture
    note: reactive[str] = reactive("(the decision boundary shows once training starts)")

    def render(self) -> Text:
        """The picture, or a line saying why there is none."""
        if self.picture is None:
            return Text(self.note, style="dim")
        colours = _colours(self, CLASS_COLOURS)
        return paint(self.picture, colours, lambda cell: cell.point if cell.point >= 0 else cell.region)


def _curve(mask: int) -> int:
    """The colour of a character that these curves pass through: the curve's own, SHARED for several, −1 none."""
    if not mask:
        return -1
    return (mask & -mask).bit_length() - 1 if mask & (mask - 1) == 0 else SHARED


def paint(picture: Picture, colours: list[str], which: object) -> Text:
    """The picture as Rich text: each character in the colour of what it shows (``which(cell)``: an index)."""
    text = Text(no_wrap=True, overflow="crop")
    for r, row in enumerate(picture.rows):
        if r:
            text.append("\n")
        for cell in row:
            i = which(cell)  # type: ignore[operator]
            style = colours[i % len(colours)] if i >= 0 and colours else ""
            if cell.point >= 0:
                style = f"bold {style}"
            text.append(cell.char, style=style)
    return text
