"""Training with the learner's compiled formulas against the same loop written directly in NumPy.

    python benchmarks/train.py              # 1,000 epochs, 200 points of xor, 8 hidden units; median of 7
    python benchmarks/train.py --repeat 15

The subject is ``Training.learner_epoch`` (the lesson's graph and the learner's delta formulas, parsed and
compiled once into calls of the op table's forward functions, then the update), 1,000 times; the floor is the
same network, the same formulas and the same update typed as NumPy code. Both start from the same weights and
must reach the same loss (checked). Subject and floor alternate, so both see the same machine load; the
figure is the ratio of the medians. The goal (issue 17): at most 2×.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tutor.course import find_lesson  # noqa: E402
from tutor.train.loop import Settings, Training  # noqa: E402

FORMULAS = {
    "grad:Z2": "(A2 - Y) / N",
    "grad:W2": "A1.T @ dZ2",
    "grad:b2": "sum(dZ2, 0)",
    "grad:A1": "dZ2 @ W2.T",
    "grad:Z1": "dA1 * A1 * (1 - A1)",
    "grad:W1": "X.T @ dZ1",
    "grad:b1": "sum(dZ1, 0)",
}
EPOCHS, POINTS, HIDDEN, LR = 1000, 200, 8, 2.0


def training() -> Training:
    """The two-layer-batch lesson with the right formulas, on xor."""
    lesson = find_lesson("two-layer-batch", [])
    return Training(lesson, FORMULAS, Settings("xor", POINTS, EPOCHS, LR, HIDDEN))


def by_compiled_formulas() -> tuple[float, float]:
    """Seconds for EPOCHS epochs of the learner's compiled run, and the final loss."""
    t = training()
    start = time.perf_counter()
    with np.errstate(all="ignore"):
        for _ in range(EPOCHS):
            loss = t.learner_epoch()
    return time.perf_counter() - start, loss


def whole_run() -> float:
    """Seconds for EPOCHS epochs of a whole run as the app and the CLI do it: the learner's epoch, the engine's
    forward and backward beside it, the losses recorded and the gradients compared (not part of the goal)."""
    t = training()
    start = time.perf_counter()
    t.run_epochs(EPOCHS)
    return time.perf_counter() - start


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ, as the engine computes it for these values."""
    return 1.0 / (1.0 + np.exp(-z))


def by_hand() -> tuple[float, float]:
    """Seconds for EPOCHS epochs of the same loop written in NumPy, and the final loss."""
    t = training()
    X, Y = t.data.X, t.data.Y
    W1, b1, W2, b2 = (t.initial[k].copy() for k in ("W1", "b1", "W2", "b2"))
    N = X.shape[0]
    start = time.perf_counter()
    for _ in range(EPOCHS):
        A1 = sigmoid(X @ W1 + b1)
        A2 = sigmoid(A1 @ W2 + b2)
        loss = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
        dZ2 = (A2 - Y) / N
        dW2 = A1.T @ dZ2
        db2 = dZ2.sum(axis=0, keepdims=True)
        dA1 = dZ2 @ W2.T
        dZ1 = dA1 * A1 * (1 - A1)
        dW1 = X.T @ dZ1
        db1 = dZ1.sum(axis=0, keepdims=True)
        W1 -= LR * dW1
        b1 -= LR * db1
        W2 -= LR * dW2
        b2 -= LR * db2
    return time.perf_counter() - start, float(loss)


def main() -> int:
    """Alternate subject and floor, print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    mine, theirs = [], []
    for _ in range(args.repeat):
        s, loss_s = by_compiled_formulas()
        f, loss_f = by_hand()
        assert abs(loss_s - loss_f) <= 1e-9, (loss_s, loss_f)
        mine.append(s)
        theirs.append(f)
    whole = statistics.median(whole_run() for _ in range(max(args.repeat // 3, 1)))
    m, f = statistics.median(mine), statistics.median(theirs)
    print(f"{EPOCHS} epochs, {POINTS} points of xor, {HIDDEN} hidden units (median of {args.repeat}):")
    print(f"  the learner's compiled formulas  {m * 1e3:8.1f} ms")
    print(f"  the same loop in NumPy           {f * 1e3:8.1f} ms")
    print(f"  ratio {m / f:.2f}x (goal: at most 2x); final loss {loss_s:.12f} both")
    print(f"  a whole run beside the engine's gradients (the app's and the CLI's) {whole * 1e3:8.1f} ms")
    return 0 if m / f <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
