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
from typing import NamedTuple

import numpy as np

from tutor.course.model import Lesson, Step
from tutor.course.solution import Solution
from tutor.course.tolerance import DEFAULT as DEFAULT_TOLERANCE
from tutor.engine import EvalError, build, fmt_shape
from tutor.engine.autograd import Fact
from tutor.grading.compare import all_close, close, fit_shape
from tutor.grading.feedback import split_formula
from tutor.grading.formula import FormulaError, check_tree, evaluate, own_name, walk
from tutor.grading.mistakes import batch_sizes, candidates, describe, exponents
from tutor.grading.points import Point, other_points, point_of
from tutor.grading.shortcuts import calculus_notation, is_the_line, not_yet_known, own_line_message
from tutor.grading.verdict import AnswerContext, Verdict
from tutor.grading.words import grade_words
from tutor.lang import ParseError, names_in, parse, to_text
from tutor.lang.parse import tokenize
from tutor.lang.pretty import format_number
from tutor.lang.syntax import Binary, Expr, Num

MAX_ENTRIES_LISTED = 6


def show_array(x: np.ndarray | Fact, digits: int = 4) -> str:
    """An answer the way a learner would type it: ``-2``, ``[0.1, 0.2]``, ``[[1, 2], [3, 4]]``, ``None``; float
    noise (an entry below 1e-12, or below 1e-10 of the array's largest) is shown as the 0 it stands for."""
    if isinstance(x, Fact):
        return x.text
    a = for_people(np.asarray(x, dtype=float))
    if a.ndim == 0:
        return _num(float(a), digits)
    if a.ndim == 1:
        return "[" + ", ".join(_num(float(v), digits) for v in a) + "]"
    return "[" + ", ".join(show_array(row, digits) for row in a) + "]"


NOISE_ABS = 1e-12  # an engine value this small is float noise around an exact 0 (−3.3e-16 for 0)
NOISE_REL = 1e-10  # ... and so is an entry this small against its array's largest


def for_people(a: np.ndarray) -> np.ndarray:
    """The array with its float noise set to 0, so that a person reads 0 where the maths gives 0."""
    finite = np.isfinite(a)
    if not finite.any():
        return a
    scale = float(np.max(np.abs(a[finite])))
    return np.where(finite & (np.abs(a) <= max(NOISE_ABS, NOISE_REL * scale)), 0.0, a)


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


def grade(solution: Solution, step: Step, text: str, context: AnswerContext | None = None) -> Verdict:
    """Grade ``text`` as the answer to ``step``: a number, a literal, arithmetic, or a formula in the lesson's names.

    ``context`` says where the learner stands (steps earned, wrong tries so far, hints seen); by default, a first
    try by a learner who has done every step before this one."""
    context = context or AnswerContext()
    text = text.strip()
    if not text and step.kind.words:
        return unreadable("the answer is empty; type what PyTorch prints: None, True, False, a name or numbers")
    if not text:
        return unreadable(
            "the answer is empty; type a number (-2), a matrix ([[1, 2], [3, 4]]) or a formula (2*(y - t))"
        )
    if step.kind.words:  # None, True, a grad_fn's name: read first (tutor.grading.words)
        word_verdict = grade_words(solution, step, text)
        if word_verdict is not None:
            return word_verdict
    point = point_of(solution)
    if "∂" in text:
        return _refused(calculus_notation(text, None, point.names, solution.lesson, step))
    try:
        tree = parse(text)
    except ParseError as e:
        return unreadable(e.message, text, e.pos)
    verdict = _grade_tree(point, step, text, tree, context)
    if verdict.correct or not verdict.read_as or only_respells(text, tree):
        return verdict
    return replace(verdict, read_as_shown=verdict.read_as)


def only_respells(text: str, tree: Expr) -> bool:
    """Whether the reading of ``text`` is ``text`` itself in other spellings, so that showing it tells nothing:
    ``-2.5`` (−2.5), ``2*y-t`` (2·y − t), ``x^2`` (x²), ``A1.T@dZ2`` (A1ᵀ @ dZ2) only re-spell; ``2x`` (2·x),
    ``1/2x``, ``(a)(b)``, a dropped ``+`` or a NumPy spelling (``M.sum(axis=0)``) do not. The typed tokens are
    compared with those of the reading in plain spelling, numbers by their shown value."""
    try:
        return _spelling(text) == _spelling(to_text(tree, math=False))
    except ParseError:  # the plain reading is longer than an answer may be: show it
        return False


def _spelling(text: str) -> list[tuple[str, str]]:
    """The tokens of an expression (friendly spellings folded), each number as it is shown (``2.50`` as 2.5)."""
    return [(t.kind, format_number(float(t.text)) if t.kind == "num" else t.text) for t in tokenize(text)]


def _refused(message: str, read_as: str = "") -> Verdict:
    """An answer that is readable but not one this step takes (not counted as an attempt)."""
    return Verdict("unreadable", message, read_as)


def _grade_tree(point: Point, step: Step, text: str, tree: Expr, context: AnswerContext) -> Verdict:
    """Grade a parsed answer: arithmetic without names as a number, anything else as a formula."""
    read_as = to_text(tree)
    lesson = point.solution.lesson
    calculus = calculus_notation(text, tree, point.names, lesson, step)
    if calculus:
        return _refused(calculus, read_as)
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
        return _grade_number(point, step, value, read_as, context)
    return _grade_formula(point, step, tree, read_as, context)


def grade_value(
    solution: Solution, step: Step, value: np.ndarray, read_as: str = "", context: AnswerContext | None = None
) -> Verdict:
    """Grade an already computed answer value (a number or an array) at the lesson's values."""
    return _grade_number(point_of(solution), step, value, read_as, context or AnswerContext())


def _grade_number(point: Point, step: Step, value: np.ndarray, read_as: str, context: AnswerContext) -> Verdict:
    """Grade a value (typed numbers, a literal, arithmetic) at the lesson's values."""
    solution = point.solution
    value = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(value)):
        return Verdict("wrong", "That evaluates to a value that is not finite (NaN or infinity).", read_as, value)
    expected = solution.answer(step)
    fitted = fit_shape(value, expected.shape)
    if fitted is not None and all_close(fitted, expected, solution.lesson.tolerance_for(step)):
        return Verdict("correct", "Correct.", read_as, fitted)
    return _wrong(point, step, value, read_as, None, context)


def _grade_formula(point: Point, step: Step, tree: Expr, read_as: str, context: AnswerContext) -> Verdict:
    lesson = point.solution.lesson
    own = own_name(step, point.names)
    if own is not None and own in names_in(tree):
        return _refused(
            f"{own} is the very thing this step asks for, so it cannot be part of the answer: "
            f"write {describe(lesson, step)} with the other names (this did not count as an attempt).",
            read_as,
        )
    later = not_yet_known(tree, point.names, lesson, step, context.earned_ids(lesson.steps, step))
    if later is not None:
        return _refused(later[0], read_as)
    try:
        value = evaluate(tree, point.env)
    except EvalError as e:
        diagnosis, message = _cannot_compute(tree, e, point)
        return Verdict("wrong", message, read_as, None, diagnosis)
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
        if step.kind.marks == "value" and is_the_line(tree, lesson.program, step.node):
            return _refused(own_line_message(lesson.program, step.node), read_as)
        return Verdict("correct", "Correct.", read_as, fitted)
    return _wrong(point, step, value, read_as, others, context, tree)


def _cannot_compute(tree: Expr, error: EvalError, point: Point) -> tuple[str, str]:
    """Why a formula cannot be computed, and what to do: ``*`` where ``@`` was meant, the order or a ᵀ of a product."""
    failed = next((e for e in walk(tree) if isinstance(e, Binary) and e.pos == error.pos), None)
    if isinstance(failed, Binary):
        left: np.ndarray | None
        right: np.ndarray | None
        try:
            left, right = (evaluate(x, point.env) for x in (failed.left, failed.right))
        except EvalError:
            left = right = None
        if left is not None and right is not None:
            fits = _product_fits(left, right)
            if failed.op == "*" and fits:
                return "star-for-matmul", (
                    f"That cannot be computed: {error.message}. * multiplies entry by entry; "
                    f"for the matrix product write @ ({to_text(failed.left)} @ {to_text(failed.right)})."
                )
            if failed.op == "@" and np.shape(left) == np.shape(right):
                return "matmul-for-star", (
                    f"That cannot be computed: {error.message}. @ is the matrix product; to multiply entry by "
                    "entry (as a local derivative such as σ′ does) write *."
                )
            if failed.op == "@":
                return "shape", (
                    f"That cannot be computed: {error.message}; check the order of the factors and which one "
                    "carries the ᵀ."
                )
    return "shape", f"That cannot be computed: {error.message}."


def _product_fits(left: np.ndarray, right: np.ndarray) -> bool:
    """Whether ``left @ right`` has fitting shapes (both vectors or matrices, inner sizes equal)."""
    a, b = np.shape(left), np.shape(right)
    return len(a) >= 1 and len(b) >= 1 and a[-1] == (b[0] if len(b) == 1 else b[-2])


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
    point: Point,
    step: Step,
    value: np.ndarray,
    read_as: str,
    others: list[tuple[Point, np.ndarray]] | None,
    context: AnswerContext,
    tree: Expr | None = None,
) -> Verdict:
    found = diagnose(point, step, value, others, tree)
    if found is None:
        what = describe(point.solution.lesson, step)
        if others is not None and np.size(value) <= 6:  # a formula: say what it gave
            message = f"Not quite: {read_as} gives {show_array(value)} here, which is not {what}."
        else:
            message = f"Not quite: that is not {what}, and it matches none of the usual slips."
        return Verdict("wrong", message, read_as, value)
    shown = found.message
    if found.formula and context.formula_due(step):
        shown = found.whole or f"{shown} {found.formula}"
    return Verdict("wrong", shown, read_as, value, found.id, formula=found.formula)


class Diagnosis(NamedTuple):
    """A mistake named: its id, the message, and the formula that would give the answer away (held back at first);
    ``whole``: the message as written, when it was cut in two (an author's)."""

    id: str
    message: str
    formula: str = ""
    whole: str = ""


def diagnose(
    point: Point,
    step: Step,
    value: np.ndarray,
    others: list[tuple[Point, np.ndarray]] | None = None,
    tree: Expr | None = None,
) -> Diagnosis | None:
    """Which mistake a wrong answer matches, or None.

    ``value`` is the answer at ``point``; ``others`` its values at other points when it is a formula
    (a match must then hold at those points too), ``tree`` the formula itself.
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
            if everywhere(lambda p, v: (w := _at(m.expr, p)) is None or same(v, w)):  # noqa: B023 (called at once)
                return Diagnosis("author", *split_formula(point, step, m.message), m.message)
    for c in candidates(point, step):
        if c.value.shape == expected.shape and all_close(c.value, expected, rtol):
            continue  # this mistake gives the right answer here: it cannot be told apart
        if same(value, c.value):
            if everywhere(lambda p, v: same(v, _by_key(p, step, c.key))):  # noqa: B023 (called at once)
                return Diagnosis(c.id, c.message, c.formula)
    fitted = fit_shape(value, expected.shape)
    if fitted is None:
        return Diagnosis("shape", _shape_message(point, step, np.shape(value), expected.shape))
    found = _factor(point, step, fitted, expected, elsewhere, rtol, tree)
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
    tree: Expr | None = None,
) -> Diagnosis | None:
    """A constant factor off (N samples, a power's exponent, or another number), or None."""
    big = np.abs(expected) > 1e-6 * float(np.max(np.abs(expected), initial=0.0))
    if not big.any():
        return None
    with np.errstate(all="ignore"):  # a huge typed number may overflow the ratio: then it is no factor
        k = float(np.median(fitted[big] / expected[big]))
    if float(rtol) < DEFAULT_TOLERANCE.rel and all_close(fitted, expected, DEFAULT_TOLERANCE):
        return _precision(k, rtol)  # right to three digits, but this step asks for more
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
        if near(k, n) or near(k, 1 / n):
            return _factor_n(lesson, step, n, near(k, n), expected)
    for power in exponents(lesson, step):
        if near(k, power) or near(k, 1 / power):
            return Diagnosis(
                "power",
                f"Off by a factor of {_ratio_text(k)}: check the power rule, d/du uⁿ = n·uⁿ⁻¹ "
                f"(the exponent {format_number(power)} comes down in front, once).",
            )
    # One typed number is always *some* multiple of the answer: only a simple ratio (2, 1/3 ...) tells
    # something then. Several entries, or a formula checked at other points, make any ratio meaningful.
    informative = int(big.sum()) > 1 or bool(elsewhere)
    if informative and 0.9 < abs(k) < 1.1:  # every entry a little off by one factor: rounded early, not "1 times"
        more = "larger" if abs(k) > 1 else "smaller"
        sign = "" if k > 0 else ", and of the opposite sign"
        return Diagnosis(
            "factor",
            f"Every entry is {abs(abs(k) - 1) * 100:.2g}% {more} than the right one{sign}: check for a value "
            "rounded too early.",
        )
    simple = "." not in _ratio_text(k) and 0.1 <= abs(k) <= 10
    if not (informative or simple):
        return None
    if _ratio_text(k) in ("1", "-1"):  # a factor of 1 at three digits is not a factor: the step wants more digits
        return _precision(k, rtol) if k > 0 else None
    return Diagnosis("factor", f"Off by a constant factor: your answer is {_ratio_text(k)} times the right one.")


def _precision(k: float, rtol: float) -> Diagnosis:
    """An answer close to the right one, but outside a tight tolerance: ask for more digits."""
    off = abs(k - 1) if np.isfinite(k) else 0.0
    return Diagnosis(
        "precision",
        f"Close, but not close enough: your answer is {off:.2g} off relatively ({off * 100:.2g}%), and this step "
        f"accepts {float(rtol):.2g}; give more significant digits.",
    )


def _factor_n(lesson: Lesson, step: Step, n: int, times: bool, expected: np.ndarray) -> Diagnosis:
    """N times the answer (a sum where the mean was due), or the answer divided by N once more."""
    if times and step.kind.marks == "value":
        return Diagnosis(
            "factor-n",
            f"That is {n} times the right answer, with N = {n} samples: {step.node} is a mean over the batch, "
            "not a sum: divide by N.",
        )
    if times:
        return Diagnosis(
            "factor-n",
            f"That is {n} times the right answer, with N = {n} samples: the loss is a mean over the batch, so the "
            f"delta carries the factor 1/{n}.",
        )
    reduced = np.ndim(expected) == 0 or np.shape(expected)[0] != n  # no batch rows left: a sum over the batch
    tail = (
        "over the batch take a sum, not a mean."
        if reduced
        else f"it is already in the deltas above {step.node}, so do not divide again."
    )
    return Diagnosis("n-twice", f"That divides by N = {n} twice: the 1/N of the mean loss enters once; {tail}")


def _entries(fitted: np.ndarray, expected: np.ndarray, rtol: float) -> Diagnosis | None:
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
    return Diagnosis(
        "entries",
        f"{noun} {shown} ({which}) {verb} wrong{tail}; the other {right} {'is' if right == 1 else 'are'} right.",
    )
