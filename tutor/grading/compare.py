"""Compare a learner's array with the expected one: shapes, then values within ``|a − e| ≤ abs + rel·|e|``."""

from __future__ import annotations

import numpy as np

from tutor.course.tolerance import Tolerance, tolerance_of


def fit_shape(answer: np.ndarray, expected_shape: tuple[int, ...]) -> np.ndarray | None:
    """The answer in the expected shape when it means the same thing, else None.

    A number stands for any one-entry shape (``1×1``); a flat list stands for a row or a column of
    the same length. A matrix of another shape (say a transposed one) does not fit.
    """
    answer = np.asarray(answer, dtype=float)
    if answer.shape == expected_shape:
        return answer
    if answer.size != int(np.prod(expected_shape, dtype=np.int64)):
        return None
    if answer.ndim <= 1 or answer.size == 1:
        squeezed = tuple(n for n in expected_shape if n != 1)
        if answer.size == 1 or answer.shape == squeezed:
            return answer.reshape(expected_shape)
    return None


def close(answer: np.ndarray, expected: np.ndarray, tolerance: float | Tolerance) -> np.ndarray:
    """Entry by entry, whether the answer is within tolerance of the expected value.

    An entry passes when ``|a − e| ≤ abs + rel·|e|`` (:class:`~tutor.course.tolerance.Tolerance`; a plain number is
    ``rel`` with the default ``abs``): with the default, rel 0.01 and abs 1e-6, answers rounded to three
    significant digits pass, answers 5% off do not, and float noise around an exact 0 passes.
    """
    tol = tolerance_of(tolerance)
    expected = np.asarray(expected, dtype=float)
    answer = np.asarray(answer, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(answer - expected) <= tol.abs + float(tol) * np.abs(expected)
    return ok & np.isfinite(answer)


def all_close(answer: np.ndarray, expected: np.ndarray, tolerance: float | Tolerance) -> bool:
    """Whether every entry is within tolerance (shapes must already agree)."""
    return bool(np.all(close(answer, expected, tolerance)))
