"""Text pictures of a training run, for a terminal and for the command line: the loss curves in Braille dots
(a log scale, several curves in one chart) and the decision boundary with the data points, one character a cell.

Each character comes with what it shows (which curves pass through it; which class a cell or point has), so
the app can colour it; printed as plain text the pictures still read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BRAILLE = 0x2800
#: the bit of each dot of a Braille character, by (column, row) within its 2×4 cell
_DOT = {(0, 0): 0x01, (0, 1): 0x02, (0, 2): 0x04, (1, 0): 0x08, (1, 1): 0x10, (1, 2): 0x20, (0, 3): 0x40, (1, 3): 0x80}
FLOOR = 1e-6  # losses below this are drawn at it (a log scale has no 0)
#: a region's character per class, and a data point's
REGION = "·░▒"
POINT = "ox+"


@dataclass(frozen=True)
class Cell:
    """One character of a picture and what it shows: a mask of curves (bit i for curve i) or a class (−1: none)."""

    char: str
    curves: int = 0
    region: int = -1
    point: int = -1


@dataclass(frozen=True)
class Picture:
    """Rows of cells, and the same as plain text."""

    rows: tuple[tuple[Cell, ...], ...]

    @property
    def lines(self) -> list[str]:
        """The picture as plain text lines."""
        return ["".join(c.char for c in row) for row in self.rows]


def _label(x: float) -> str:
    """A loss for an axis label: ``0.693``, ``1.2e-03``."""
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.1e}"


def loss_chart(curves: Sequence[Sequence[float]], epochs: int, width: int, height: int) -> Picture:
    """Loss curves on a log scale over ``epochs`` (the x axis), ``width`` × ``height`` characters with the axes."""
    label_width = 8
    plot_w, plot_h = max(width - label_width - 1, 4), max(height - 2, 2)
    finite = [v for c in curves for v in c if math.isfinite(v) and v > 0]
    top = max(finite, default=1.0)
    bottom = min(max(min(finite, default=FLOOR), FLOOR), top)
    if top / bottom < 10:  # at least one decade, so that a flat curve sits in the middle
        mid = math.sqrt(top * bottom)
        top, bottom = mid * math.sqrt(10), mid / math.sqrt(10)
    lo, hi = math.log10(bottom), math.log10(top)
    dots = [[0] * plot_w for _ in range(plot_h)]
    owners = [[0] * plot_w for _ in range(plot_h)]
    for i, curve in enumerate(curves):
        _draw(curve, epochs, lo, hi, plot_w, plot_h, dots, owners, 1 << i)
    rows = []
    for r in range(plot_h):
        label = _label(top) if r == 0 else _label(bottom) if r == plot_h - 1 else ""
        row = [Cell(ch) for ch in f"{label:>{label_width}}│"]
        row += [Cell(chr(BRAILLE + dots[r][c]), owners[r][c]) for c in range(plot_w)]
        rows.append(tuple(row))
    rows.append(tuple(Cell(ch) for ch in " " * label_width + "└" + "─" * plot_w))
    end = f"epoch {epochs}"
    axis = " " * label_width + " 0" + " " * max(plot_w - len(end) - 1, 1) + end
    rows.append(tuple(Cell(ch) for ch in axis))
    return Picture(tuple(rows))


def _draw(
    curve: Sequence[float],
    epochs: int,
    lo: float,
    hi: float,
    w: int,
    h: int,
    dots: list[list[int]],
    owners: list[list[int]],
    mask: int,
) -> None:
    """Set the dots of one curve, joining consecutive points by a vertical run in each column."""
    px_w, px_h = 2 * w, 4 * h
    last: tuple[int, int] | None = None
    for e, v in enumerate(curve):
        if not math.isfinite(v):
            break
        x = min(round(e / max(epochs, 1) * (px_w - 1)), px_w - 1)
        frac = (math.log10(max(v, 10**lo)) - lo) / (hi - lo) if hi > lo else 0.5
        y = min(max(round((1 - frac) * (px_h - 1)), 0), px_h - 1)
        if last is not None and x - last[0] <= 1:  # the same or the next column: join the two points
            ys = list(range(min(y, last[1]), max(y, last[1]) + 1))
        else:
            ys = [y]
        for yy in ys:
            r, c = yy // 4, x // 2
            dots[r][c] |= _DOT[(x % 2, yy % 4)]
            owners[r][c] |= mask
        last = (x, y)


def boundary_picture(classes: np.ndarray, X: np.ndarray, labels: np.ndarray, extent: tuple[float, ...]) -> Picture:
    """The predicted class of every cell (rows from the top) with the data points drawn over it."""
    rows_n, cols_n = classes.shape
    x0, x1, y0, y1 = extent
    points: dict[tuple[int, int], int] = {}
    for (x, y), k in zip(X, labels, strict=True):
        c = min(max(int((x - x0) / (x1 - x0) * cols_n), 0), cols_n - 1)
        r = min(max(int((y1 - y) / (y1 - y0) * rows_n), 0), rows_n - 1)
        points[(r, c)] = int(k)
    rows = []
    for r in range(rows_n):
        row = []
        for c in range(cols_n):
            region = int(classes[r, c])
            point = points.get((r, c), -1)
            char = POINT[point % len(POINT)] if point >= 0 else REGION[region % len(REGION)]
            row.append(Cell(char, region=region, point=point))
        rows.append(tuple(row))
    return Picture(tuple(rows))


def sampled(curve: Sequence[float], every: int) -> list[tuple[int, float]]:
    """(epoch, loss) every ``every`` epochs, and the last."""
    n = len(curve)
    picks = list(range(0, n, max(every, 1)))
    if n and picks[-1] != n - 1:
        picks.append(n - 1)
    return [(e, float(curve[e])) for e in picks]
