"""Small data sets for training, generated in NumPy with a fixed seed (no downloads): XOR, two moons,
concentric circles, and a 3-class spiral.

Each set has ``X`` (N×2, one point per row, roughly within [-1.5, 1.5]) and ``Y`` (one target row per point:
N×1 with 0 or 1 for the two-class sets, N×3 one-hot for the spiral), named as in the lessons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SEED = 0
#: points of each data set unless asked otherwise
DEFAULT_POINTS = 200
#: the most points a run may have (checked before anything is generated)
MAX_POINTS = 1000
MIN_POINTS = 4


@dataclass(frozen=True)
class DataSet:
    """Points ``X`` (N×2) and targets ``Y`` (N×classes or N×1), with the set's name and its number of classes."""

    name: str
    X: np.ndarray
    Y: np.ndarray
    classes: int

    @property
    def points(self) -> int:
        """N, the number of samples."""
        return int(self.X.shape[0])

    def labels(self) -> np.ndarray:
        """Each point's class, 0 … classes − 1."""
        if self.Y.shape[1] == 1:
            return self.Y[:, 0].astype(int)
        return np.argmax(self.Y, axis=1)


def _two_class(name: str, X: np.ndarray, label: np.ndarray) -> DataSet:
    """A two-class set: targets as an N×1 column of 0 and 1."""
    return DataSet(name, X.astype(float), label.reshape(-1, 1).astype(float), 2)


def xor(n: int, rng: np.random.Generator) -> DataSet:
    """Four clusters at the corners (±1, ±1): class 1 where exactly one coordinate is positive."""
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    which = np.arange(n) % 4
    X = corners[which] * 0.8 + rng.normal(0.0, 0.25, size=(n, 2))
    label = (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(float)
    return _two_class("xor", X, label)


def moons(n: int, rng: np.random.Generator) -> DataSet:
    """Two interleaved half circles (scikit-learn's make_moons, rescaled to about [-1.5, 1.5])."""
    top = n // 2
    a = np.linspace(0.0, np.pi, top)
    b = np.linspace(0.0, np.pi, n - top)
    X = np.concatenate([np.c_[np.cos(a), np.sin(a)], np.c_[1.0 - np.cos(b), 0.5 - np.sin(b)]])
    X = (X - [0.5, 0.25]) * 1.0 + rng.normal(0.0, 0.1, size=(n, 2))
    label = np.r_[np.zeros(top), np.ones(n - top)]
    return _two_class("moons", X, label)


def circles(n: int, rng: np.random.Generator) -> DataSet:
    """A disc inside a ring: class 1 for the inner points."""
    inner = n // 2
    angle = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.r_[np.full(inner, 0.5), np.full(n - inner, 1.25)] + rng.normal(0.0, 0.1, n)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    label = np.r_[np.ones(inner), np.zeros(n - inner)]
    return _two_class("circles", X, label)


def spiral(n: int, rng: np.random.Generator) -> DataSet:
    """Three interleaved spiral arms (CS231n's example), one class each: targets one-hot, N×3."""
    classes = 3
    per = [n // classes + (1 if k < n % classes else 0) for k in range(classes)]
    X = np.zeros((n, 2))
    Y = np.zeros((n, classes))
    start = 0
    for k, m in enumerate(per):
        r = np.linspace(0.05, 1.4, m)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, m) + rng.normal(0.0, 0.2, m)
        X[start : start + m] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[start : start + m, k] = 1.0
        start += m
    return DataSet("spiral", X, Y, classes)


MAKERS: dict[str, Callable[[int, np.random.Generator], DataSet]] = {
    "xor": xor,
    "moons": moons,
    "circles": circles,
    "spiral": spiral,
}
#: the number of target columns each set has (1 for two classes, one-hot for more)
TARGET_COLUMNS = {"xor": 1, "moons": 1, "circles": 1, "spiral": 3}


class DataSetError(ValueError):
    """A data set that cannot be made: an unknown name or a number of points out of bounds."""


def make(name: str, points: int = DEFAULT_POINTS, seed: int = SEED) -> DataSet:
    """The data set ``name`` with ``points`` samples, the same every time for the same seed."""
    maker = MAKERS.get(name)
    if maker is None:
        raise DataSetError(f"no data set {name!r}: choose one of {', '.join(MAKERS)}")
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise DataSetError(f"a data set has {MIN_POINTS} to {MAX_POINTS} points, not {points}")
    return maker(points, np.random.default_rng(seed))
