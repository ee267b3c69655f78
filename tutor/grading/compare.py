"""Compare a learner's array with the expected one: shapes, then values within a relative tolerance."""

from __future__ import annotations

import numpy as np

ABS_FLOOR = 1e-9  # differences below this always pass (answers that are 0 up to rounding)
SCALE_FLOOR = 1e-3  # an entry may be off by this fraction of the answer's largest entry


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


def close(answer: np.ndarray, expected: np.ndarray, rtol: float) -> np.ndarray:
    """Entry by entry, whether the answer is within tolerance of the expected value.

    An entry passes when ``|a − e| ≤ rtol·|e| + 1e-3·max|E| + 1e-9``: answers rounded to three
    significant digits pass with the default ``rtol = 0.01``, answers 5% off do not.
    """
    expected = np.asarray(expected, dtype=float)
    answer = np.asarray(answer, dtype=float)
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(answer - expected) <= rtol * np.abs(expected) + SCALE_FLOOR * scale + ABS_FLOOR
    return ok & np.isfinite(answer)


def all_close(answer: np.ndarray, expected: np.ndarray, rtol: float) -> bool:
    """Whether every entry is within tolerance (shapes must already agree)."""
    return bool(np.all(close(answer, expected, rtol)))
