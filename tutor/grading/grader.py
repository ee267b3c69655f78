"""Grade one typed answer to one step against the engine's answer."""

from __future__ import annotations

import numpy as np

from tutor.course.model import Step
from tutor.course.solution import Solution
from tutor.engine import EvalError, build, fmt_shape
from tutor.grading.compare import all_close, fit_shape
from tutor.grading.verdict import Verdict
from tutor.lang import ParseError, names_in, parse, to_text
from tutor.lang.pretty import format_number


def show_array(x: np.ndarray, digits: int = 4) -> str:
    """An array the way a learner would type it: ``-2``, ``[0.1, 0.2]``, ``[[1, 2], [3, 4]]``."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        return _num(float(a), digits)
    if a.ndim == 1:
        return "[" + ", ".join(_num(float(v), digits) for v in a) + "]"
    return "[" + ", ".join(show_array(row, digits) for row in a) + "]"


def _num(v: float, digits: int) -> str:
    if v == 0:
        return "0"
    if v == int(v) and abs(v) < 1e9:
        return str(int(v))
    return format_number(float(f"{v:.{digits}g}"))


def unreadable(message: str, text: str = "", pos: int | None = None) -> Verdict:
    """A verdict for input that could not be read (not counted as an attempt)."""
    where = ""
    if pos is not None and text:
        where = f" at column {pos + 1}"
    return Verdict("unreadable", f"Could not read that{where}: {message}.")


def grade(solution: Solution, step: Step, text: str) -> Verdict:
    """Grade ``text`` as the answer to ``step``: a number, a literal or an arithmetic expression."""
    text = text.strip()
    if not text:
        return unreadable("the answer is empty; type a number, e.g. -2, or a matrix, e.g. [[1, 2], [3, 4]]")
    try:
        tree = parse(text)
    except ParseError as e:
        return unreadable(e.message, text, e.pos)
    read_as = to_text(tree)
    names = names_in(tree)
    if names:
        return Verdict(
            "unreadable",
            f"Type a number or a matrix literal; names such as {names[0]!r} are not accepted here.",
            read_as,
        )
    try:
        value = build(tree, {}).value
    except EvalError as e:
        return unreadable(e.message, text, e.pos)
    return grade_value(solution, step, value, read_as)


def grade_value(solution: Solution, step: Step, value: np.ndarray, read_as: str = "") -> Verdict:
    """Grade an already computed answer value."""
    expected = solution.answer(step)
    rtol = solution.lesson.tolerance_for(step)
    if not np.all(np.isfinite(value)):
        return Verdict("wrong", "That evaluates to a value that is not finite (NaN or infinity).", read_as, value)
    fitted = fit_shape(value, expected.shape)
    if fitted is None:
        return Verdict(
            "wrong",
            f"Wrong shape: expected {fmt_shape(expected.shape)}, you gave {fmt_shape(np.shape(value))}.",
            read_as,
            value,
            "shape",
        )
    if all_close(fitted, expected, rtol):
        return Verdict("correct", "Correct.", read_as, fitted)
    return Verdict("wrong", "Not quite: that is not the right value.", read_as, fitted)
