"""Grade one typed answer to one step against the engine: numbers, literals and formulas, with diagnoses.

A number or literal (or arithmetic without names) is graded as a number at the lesson's values. A
formula (see :mod:`tutor.grading.formula` for what names mean and what is allowed) is evaluated at
the lesson's values, and when right there, again at a few random points (:mod:`tutor.grading.points`):
right here but wrong elsewhere is "right value at this point, but not ∂L/∂y in general". A wrong
answer is compared, in order, with the author's ``mistakes:``, the mistakes computed from the graph
(:mod:`tutor.grading.mistakes`), the shape, a constant factor (N samples, a power's exponent) and,
for arrays, which entries are off; the first that matches gives the one-sentence feedback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from tutor.course.model import Step
from tutor.course.solution import Solution
from tutor.engine import EvalError, build, fmt_shape
from tutor.grading.compare import all_close, close, fit_shape
from tutor.grading.formula import FormulaError, check_tree, evaluate, own_name, walk
from tutor.grading.mistakes import batch_sizes, candidates, describe, exponents
from tutor.grading.points import Point, other_points, point_of
from tutor.grading.verdict import Verdict
from tutor.lang import ParseError, names_in, parse, to_text
from tutor.lang.parse import tokenize
from tutor.lang.pretty import format_number
from tutor.lang.syntax import Expr, Num

MAX_ENTRIES_LISTED = 6


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
    if abs(v) < 1e9 and v == int(v):
        return str(int(v))
    return format_number(float(f"{v:.{digits}g}"))


def unreadable(message: str, text: str = "", pos: int | None = None, read_as: str = "") -> Verdict:
    """A verdict for input that could not be read (not counted as an attempt)."""
    where = ""
    if pos is not None and text:
        where = f" at column {pos + 1}"
    end = "" if message.endswith((".", "?", "!")) else "."
    return Verdict("unreadable", f"Could not read that{where}: {message}{end}", read_as)


def grade(solution: Solution, step: Step, text: str) -> Verdict:
    """Grade ``text`` as the answer to ``step``: a number, a literal, arithmetic, or a formula in the lesson's names."""
    text = text.strip()
    if not text:
        return unreadable(
            "the answer is empty; type a number (-2), a matrix ([[1, 2], [3, 4]]) or a formula (2*(y - t))"
        )
    try:
        tree = parse(text)
    except ParseError as e:
        return unreadable(e.message, text, e.pos)
    verdict = _grade_tree(solution, step, text, tree)
    if verdict.correct or not verdict.read_as or only_respells(text, tree):
        return verdict
    return replace(verdict, read_as_shown=verdict.read_as)


def only_respells(text: str, tree: Expr) -> bool:
    """Whether the reading of ``text`` is ``text`` itself in other spellings, so that showing it tells nothing:
    ``-2.5`` (−2.5), ``2*y-t`` (2·y − t), ``x^2`` (x²), ``A1.T@dZ2`` (A1ᵀ @ dZ2) only re-spell; ``2x`` (2·x),
    ``1/2x``, ``(a)(b)`` or a dropped ``+`` do not. The typed tokens are compared with those of the reading
    in plain spelling, numbers by their shown value."""
    try:
        return _spelling(text) == _spelling(to_text(tree, math=False))
    except ParseError:  # the plain reading is longer than an answer may be: show it
        return False


def _spelling(text: str) -> list[tuple[str, str]]:
    """The tokens of an expression (friendly spellings folded), each number as it is shown (``2.50`` as 2.5)."""
    return [(t.kind, format_number(float(t.text)) if t.kind == "num" else t.text) for t in tokenize(text)]


def _grade_tree(solution: Solution, step: Step, text: str, tree: Expr) -> Verdict:
    """Grade a parsed answer: arithmetic without names as a number, anything else as a formula."""
    read_as = to_text(tree)
    point = point_of(solution)
    try:
        check_tree(tree, point.names)
    except FormulaError as e:
        return unreadable(e.message, text, e.pos, read_as)
    names = names_in(tree)
    if not names:
        try:
            value = build(tree, {}).value
        except EvalError as e:
            return unreadable(e.message, text, e.pos, read_as)
        return grade_value(solution, step, value, read_as)
    return _grade_formula(point, step, tree, read_as)


def grade_value(solution: Solution, step: Step, value: np.ndarray, read_as: str = "") -> Verdict:
    """Grade an already computed answer value (a number or an array) at the lesson's values."""
    value = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(value)):
        return Verdict("wrong", "That evaluates to a value that is not finite (NaN or infinity).", read_as, value)
    expected = solution.answer(step)
    fitted = fit_shape(value, expected.shape)
    if fitted is not None and all_close(fitted, expected, solution.lesson.tolerance_for(step)):
        return Verdict("correct", "Correct.", read_as, fitted)
    return _wrong(point_of(solution), step, value, read_as, None)


def _grade_formula(point: Point, step: Step, tree: Expr, read_as: str) -> Verdict:
    lesson = point.solution.lesson
    own = own_name(step, point.names)
    if own is not None and own in names_in(tree):
        return Verdict(
            "unreadable",
            f"{own} is the very thing this step asks for, so it cannot be part of the answer: "
            f"write {describe(lesson, step)} with the other names (this did not count as an attempt).",
            read_as,
        )
    try:
        value = evaluate(tree, point.env)
    except EvalError as e:
        return Verdict(
            "wrong",
            f"That cannot be computed: {e.message}; check the order of the factors and which one carries the ᵀ.",
            read_as,
            None,
            "shape",
        )
    if not np.all(np.isfinite(value)):
        return Verdict("wrong", "That evaluates to a value that is not finite (NaN or infinity).", read_as, value)
    expected = point.solution.answer(step)
    rtol = lesson.tolerance_for(step)
    others = _values_elsewhere(tree, other_points(lesson))
    fitted = fit_shape(value, expected.shape)
    if fitted is not None and all_close(fitted, expected, rtol):
        for p, v in others:
            e_p = p.solution.answer(step)
            f = fit_shape(v, e_p.shape)
            if f is None or not all_close(f, e_p, rtol):
                return Verdict("wrong", _not_general(point, step, tree, read_as), read_as, fitted, "not-general")
        return Verdict("correct", "Correct.", read_as, fitted)
    return _wrong(point, step, value, read_as, others)


def _values_elsewhere(tree: Expr, points: list[Point]) -> list[tuple[Point, np.ndarray]]:
    """The formula's value at each other point where it can be computed and is finite."""
    out = []
    for p in points:
        try:
            v = evaluate(tree, p.env)
        except EvalError:
            continue
        if np.all(np.isfinite(v)):
            out.append((p, v))
    return out


def _not_general(point: Point, step: Step, tree: Expr, read_as: str) -> str:
    lesson = point.solution.lesson
    message = (
        f"Right value at this point, but {read_as} is not {describe(lesson, step)} in general: "
        "at other values of the inputs it gives a different number."
    )
    numbers = [e.value for e in _nums(tree) if e.value not in (0, 1, 2, -1, -2, 0.5)]
    for n in numbers:
        for name, node in point.env.items():
            x = node.value
            if np.size(x) == 1 and abs(float(x.reshape(-1)[0]) - n) <= 1e-3 * max(abs(n), 1e-9):
                return message[:-1] + f" (the number {format_number(n)} is {name} here: write {name})."
    return message


def _nums(tree: Expr) -> list[Num]:
    return [e for e in walk(tree) if isinstance(e, Num)]


def _wrong(
    point: Point, step: Step, value: np.ndarray, read_as: str, others: list[tuple[Point, np.ndarray]] | None
) -> Verdict:
    found = diagnose(point, step, value, others)
    if found is None:
        what = describe(point.solution.lesson, step)
        if others is not None and np.size(value) <= 6:  # a formula: say what it gave
            message = f"Not quite: {read_as} gives {show_array(value)} here, which is not {what}."
        else:
            message = f"Not quite: that is not {what}, and it matches none of the usual slips."
        return Verdict("wrong", message, read_as, value)
    diagnosis, message = found
    return Verdict("wrong", message, read_as, value, diagnosis)


def diagnose(
    point: Point, step: Step, value: np.ndarray, others: list[tuple[Point, np.ndarray]] | None = None
) -> tuple[str, str] | None:
    """Which mistake a wrong answer matches: ``(diagnosis id, message)``, or None.

    ``value`` is the answer at ``point``; ``others`` its values at other points when it is a formula
    (a match must then hold at those points too).
    """
    lesson = point.solution.lesson
    rtol = lesson.tolerance_for(step)
    expected = point.solution.answer(step)
    elsewhere = others or []

    def same(a: np.ndarray, b: np.ndarray) -> bool:
        f = fit_shape(a, np.shape(b))
        return f is not None and bool(np.all(np.isfinite(b))) and all_close(f, b, rtol)

    def everywhere(check: Callable[[Point, np.ndarray], bool]) -> bool:
        return all(check(p, v) for p, v in elsewhere)

    for m in step.mistakes:
        here = _at(m.expr, point)
        if here is not None and same(value, here):
            if everywhere(lambda p, v, e=m.expr: (w := _at(e, p)) is None or same(v, w)):
                return "author", m.message
    for c in candidates(point, step):
        if c.value.shape == expected.shape and all_close(c.value, expected, rtol):
            continue  # this mistake gives the right answer here: it cannot be told apart
        if same(value, c.value):
            if everywhere(lambda p, v, key=c.key: same(v, _by_key(p, step, key))):
                return c.id, c.message
    fitted = fit_shape(value, expected.shape)
    if fitted is None:
        return "shape", _shape_message(point, step, np.shape(value), expected.shape)
    found = _factor(point, step, fitted, expected, elsewhere, rtol)
    if found is not None:
        return found
    return _entries(fitted, expected, rtol)


def _at(expr: Expr, point: Point) -> np.ndarray | None:
    try:
        v = evaluate(expr, point.env)
    except (EvalError, KeyError):
        return None
    return v if np.all(np.isfinite(v)) else None


def _by_key(point: Point, step: Step, key: str) -> np.ndarray:
    for c in candidates(point, step):
        if c.key == key:
            return c.value
    return np.full(1, np.nan)


def _shape_message(point: Point, step: Step, given: tuple[int, ...], want: tuple[int, ...]) -> str:
    of = step.kind.whose_shape(step)
    whose = f" (the shape of {of})" if of else ""
    if len(given) == 2 and len(want) == 2 and given == want[::-1]:
        return (
            f"Wrong shape: expected {fmt_shape(want)}{whose}, you gave {fmt_shape(given)}, the transposed shape: "
            "check the order of the factors and which one carries the ᵀ."
        )
    return f"Wrong shape: expected {fmt_shape(want)}{whose}, you gave {fmt_shape(given)}."


def _ratio_text(k: float) -> str:
    if abs(k - round(k)) < 1e-6 * max(1.0, abs(k)):
        return format_number(round(k))
    if abs(1 / k - round(1 / k)) < 1e-6 * max(1.0, abs(1 / k)):
        return f"1/{format_number(round(1 / k))}"
    return f"{k:.3g}"


def _factor(
    point: Point,
    step: Step,
    fitted: np.ndarray,
    expected: np.ndarray,
    elsewhere: list[tuple[Point, np.ndarray]],
    rtol: float,
) -> tuple[str, str] | None:
    """A constant factor off (N samples, a power's exponent, or another number), or None."""
    big = np.abs(expected) > 1e-6 * float(np.max(np.abs(expected), initial=0.0))
    if not big.any():
        return None
    with np.errstate(all="ignore"):  # a huge typed number may overflow the ratio: then it is no factor
        k = float(np.median(fitted[big] / expected[big]))
    if not np.isfinite(k) or abs(k) < 1e-6 or abs(k - 1) < 2 * rtol or abs(k + 1) < 2 * rtol:
        return None
    if not all_close(fitted, k * expected, rtol):
        return None
    for p, v in elsewhere:
        e_p = p.solution.answer(step)
        f = fit_shape(v, e_p.shape)
        if f is None or not all_close(f, k * e_p, rtol):
            return None

    def near(a: float, b: float) -> bool:
        return abs(a - b) <= 2 * rtol * abs(b)

    lesson = point.solution.lesson
    for n in batch_sizes(lesson):
        if near(k, n):
            return "factor-n", (
                f"That is {n} times the right answer, with N = {n} samples: the loss is a mean over the batch, "
                f"so the gradient carries the factor 1/{n}."
            )
        if near(k, 1 / n):
            return "factor-n", (
                f"That is the right answer divided by N = {n}: the 1/N of the mean is already in the deltas, "
                "so over the batch take a sum, not a mean."
            )
    for n in exponents(lesson, step):
        if near(k, n) or near(k, 1 / n):
            return "power", (
                f"Off by a factor of {_ratio_text(k)}: check the power rule, d/du uⁿ = n·uⁿ⁻¹ "
                f"(the exponent {format_number(n)} comes down in front, once)."
            )
    # One typed number is always *some* multiple of the answer: only a simple ratio (2, 1/3 ...) tells
    # something then. Several entries, or a formula checked at other points, make any ratio meaningful.
    informative = int(big.sum()) > 1 or bool(elsewhere)
    simple = "." not in _ratio_text(k) and 0.1 <= abs(k) <= 10
    if not (informative or simple):
        return None
    return "factor", f"Off by a constant factor: your answer is {_ratio_text(k)} times the right one."


def _entries(fitted: np.ndarray, expected: np.ndarray, rtol: float) -> tuple[str, str] | None:
    """Which entries of an array answer are wrong, when only some are."""
    if fitted.size < 2:
        return None
    ok = close(fitted, expected, rtol)
    bad = np.argwhere(~ok)
    if len(bad) == 0 or len(bad) == fitted.size:
        return None
    where = [f"({', '.join(str(int(i) + 1) for i in idx)})" if fitted.ndim > 1 else str(int(idx[0]) + 1) for idx in bad]
    shown = ", ".join(where[:MAX_ENTRIES_LISTED]) + (
        f" and {len(where) - MAX_ENTRIES_LISTED} more" if len(where) > MAX_ENTRIES_LISTED else ""
    )
    right = int(ok.sum())
    flipped = all_close(fitted[~ok], -expected[~ok], rtol)
    which = "row, column" if fitted.ndim > 1 else "position"
    noun = "Entry" if len(bad) == 1 else "Entries"
    verb = "is" if len(bad) == 1 else "are"
    tail = " (the sign is flipped there)" if flipped else ""
    return "entries", (
        f"{noun} {shown} ({which}) {verb} wrong{tail}; the other {right} {'is' if right == 1 else 'are'} right."
    )
