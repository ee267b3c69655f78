"""Shared by the training tests: the lessons, the right formulas of each, and a short run."""

from __future__ import annotations

from pathlib import Path

from tutor.course import find_lesson, load_lesson
from tutor.train.loop import Settings, Training

HERE = Path(__file__).resolve().parent
#: the batch lesson's backward pass, right on any number of samples
BATCH = {
    "grad:Z2": "(A2 - Y) / N",
    "grad:W2": "A1.T @ dZ2",
    "grad:b2": "sum(dZ2, 0)",
    "grad:A1": "dZ2 @ W2.T",
    "grad:Z1": "dA1 * A1 * (1 - A1)",
    "grad:W1": "X.T @ dZ1",
    "grad:b1": "sum(dZ1, 0)",
}
#: the softmax network's (tests/train/lessons/softmax-net.yaml)
SOFTMAX = {**BATCH, "grad:Z2": "(softmax(Z2, 1) - Y) / N", "grad:Z1": "dA1 * (1 - A1**2)"}


def batch_lesson():
    """The shipped two-layer-batch lesson."""
    return find_lesson("two-layer-batch", [])


def softmax_lesson():
    """A 2-4-3 tanh/softmax network with the cross-entropy."""
    return load_lesson(HERE / "lessons" / "softmax-net.yaml")


def trained(lesson, formulas, **settings) -> Training:
    """A finished run."""
    t = Training(lesson, formulas, Settings(**settings))
    t.run_epochs(t.settings.epochs)
    return t
