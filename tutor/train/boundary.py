"""The decision boundary of a 2-D network: the class it predicts at every cell of a grid over the data.

The prediction is the network's output before the loss (the loss line's first operand, ``A2`` in
``L = bce(A2, Y)``): for one output column, class 1 where it is above ½ (a probability; 0 for logits, when
the loss is ``cross_entropy`` of one column); for several, the column that is largest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tutor.engine import op_of
from tutor.lang.syntax import Name
from tutor.train.network import DATA, TARGETS

if TYPE_CHECKING:
    from tutor.train.loop import Training

#: the data's bounding box is widened by this fraction on every side
MARGIN = 0.1
MAX_GRID_CELLS = 20_000


def prediction_node(training: Training) -> str | None:
    """The node the loss compares with the targets (``A2``), or None when the last line is not ``loss(node, Y)``."""
    program = training.lesson.program
    app = op_of(program.assignments[-1].expr)
    if app is None or len(app.operands) != 2:
        return None
    first, second = app.operands
    if isinstance(first, Name) and isinstance(second, Name) and second.id == TARGETS and first.id in program.nodes:
        return first.id
    return None


def extent(training: Training) -> tuple[float, float, float, float]:
    """(x min, x max, y min, y max) of the grid: the data's box with a margin."""
    X = training.data.X
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = (hi - lo) * MARGIN
    return float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1])


def grid_points(training: Training, size: tuple[int, int]) -> np.ndarray:
    """The centres of a grid of ``size`` (columns, rows) cells, row by row from the top, as an N×2 matrix."""
    cols, rows = size
    x0, x1, y0, y1 = extent(training)
    xs = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    ys = y1 - (np.arange(rows) + 0.5) * (y1 - y0) / rows
    gx, gy = np.meshgrid(xs, ys)
    return np.c_[gx.reshape(-1), gy.reshape(-1)]


def predict_grid(training: Training, size: tuple[int, int], weights: dict[str, np.ndarray]) -> np.ndarray | None:
    """The predicted class at each cell (an array of rows × columns), or None when there is no prediction to show."""
    node = prediction_node(training)
    cols, rows = size
    if node is None or training.data.X.shape[1] != 2 or not 0 < cols * rows <= MAX_GRID_CELLS:
        return None
    points = grid_points(training, size)
    env = {**training.setup.leaves(weights), DATA: points, TARGETS: np.zeros((len(points), training.data.Y.shape[1]))}
    with np.errstate(all="ignore"):
        for name, f in training.forward.lines:
            env[name] = f(env)
            if name == node:
                break
    return classes(env[node], training.lesson.program.assignments[-1].expr).reshape(rows, cols)


def classes(out: np.ndarray, loss_expr: object) -> np.ndarray:
    """The class of each row of a network's output."""
    out = np.asarray(out, dtype=float)
    if out.ndim == 2 and out.shape[1] > 1:
        return np.argmax(out, axis=1)
    app = op_of(loss_expr)  # type: ignore[arg-type]
    threshold = 0.0 if app is not None and app.op.name == "cross_entropy" else 0.5
    return (out.reshape(-1) > threshold).astype(int)
