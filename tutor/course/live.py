"""Live numbers in lesson prose: ``{{ EXPR }}`` or ``{{ EXPR :.3g }}`` replaced by the engine's value.

``EXPR`` is an expression of the answer language, parsed by :mod:`tutor.lang` (never eval-ed): a lesson
name stands for its forward value and ``d<name>`` for its delta, as in answers (a real name ``dx`` wins
over the delta of ``x``). The value comes from a :class:`~tutor.engine.Trace`, so the same text shows
other numbers at other values: :func:`fill` is a function of (text, trace).

The format after the last ``:`` is ``.Ng``, ``.Nf`` or ``.Ne`` (N from 0 to 15) and nothing else; without
one a number shows 4 significant digits. Float noise is shown as 0 (an entry smaller than 1e-14 times the
largest, or than 1e-14: ``-3.3e-16`` is 0), minus signs are ``−``, exponents short (``1.5e-5``), and
arrays compact (``[0.5, −1]``, ``[[1, 2], [3, 4]]``, rows and columns past 8 elided with ``…``).
``\\{{`` is two literal braces; a ``{{`` that is not closed by ``}}`` is an error.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from tutor.engine import EvalError, Trace, leaf
from tutor.engine.node import Node, build_checked
from tutor.engine.shapes import MAX_RUN_WORK, expr_shape
from tutor.lang import ParseError, names_in, parse
from tutor.lang.syntax import Expr, Name

#: live numbers one lesson may hold, and the engine work all of them together may take
MAX_LIVE_NUMBERS = 500
MAX_LIVE_WORK = MAX_RUN_WORK
MAX_FORMAT_DIGITS = 15
DEFAULT_DIGITS = 4
#: an entry smaller than this times max(1, the largest entry) is float noise, shown as 0
NOISE = 1e-14
#: rows and columns shown before the middle is elided
MAX_SHOWN = 8

_MARK = re.compile(r"\\\{\{|\{\{")
_FORMAT = re.compile(r"\A\.(\d{1,2})([gfe])\Z")
_EXPONENT = re.compile(r"e([+-])0*(\d)")


@dataclass(frozen=True)
class LiveProblem:
    """A live number that cannot be shown: ``offset`` is where its ``{{`` stands in the text."""

    offset: int
    message: str


@dataclass
class Numbers:
    """What live numbers may use at one run: the names' values and deltas, and the work left to spend."""

    trace: Trace
    work_left: int = MAX_LIVE_WORK
    #: the lesson-level numbers (``learning_rate``) a plot may mark
    settings: Mapping[str, float] = field(default_factory=dict)
    count: int = 0
    _names: dict[str, np.ndarray] | None = field(default=None, repr=False)
    _env: dict[str, Node] | None = field(default=None, repr=False)
    _shapes: dict[str, tuple[int, ...]] | None = field(default=None, repr=False)
    #: each distinct expression's value (or problem) at this run, computed once; may be shared by the Numbers of
    #: the same run (a lesson's check and its display), as the value depends only on the text and the run
    values: dict[str, np.ndarray | LiveProblem] = field(default_factory=dict, repr=False)

    def names(self) -> dict[str, np.ndarray]:
        """Every name a live number may use and its array: deltas ``d<name>``, real names winning (built once)."""
        if self._names is None:
            tr = self.trace
            program = tr.program
            out = {"d" + n: tr.grads[n] for n in (*program.inputs, *program.nodes) if n in tr.grads}
            out.update({n: tr.values[n] for n in (*program.inputs, *program.constants, *program.nodes)})
            self._names = out
        return self._names

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every name a live number may use (worked out once, not once per live number)."""
        if self._shapes is None:
            self._shapes = {n: np.shape(v) for n, v in self.names().items()}
        return self._shapes

    def env(self) -> dict[str, Node]:
        """The engine's leaves for every name (built once)."""
        if self._env is None:
            self._env = {name: leaf(v, name) for name, v in self.names().items()}
        return self._env


def fill(text: str, trace: Trace) -> str:
    """``text`` with each live number replaced by its value at ``trace`` (one that cannot be shown is kept)."""
    return substitute(text, Numbers(trace))[0]


def check(text: str, trace: Trace) -> list[LiveProblem]:
    """The live numbers of ``text`` that cannot be shown at ``trace``, and why."""
    return substitute(text, Numbers(trace))[1]


def substitute(text: str, numbers: Numbers) -> tuple[str, list[LiveProblem]]:
    """``text`` with its live numbers filled in, and the problems of those that could not be."""
    if "{{" not in text:
        return text, []
    out: list[str] = []
    problems: list[LiveProblem] = []
    i = 0
    while True:
        m = _MARK.search(text, i)
        if m is None:
            out.append(text[i:])
            return "".join(out), problems
        out.append(text[i : m.start()])
        if m.group() != "{{":  # \{{ : two literal braces
            out.append("{{")
            i = m.end()
            continue
        end = text.find("}}", m.end())
        if end < 0:
            problems.append(
                LiveProblem(m.start(), "'{{' is not closed: end the live number with '}}', or write '\\{{' for braces")
            )
            out.append(text[m.start() :])
            return "".join(out), problems
        inner = text[m.end() : end]
        shown = show_live(inner, numbers)
        if isinstance(shown, LiveProblem):
            problems.append(LiveProblem(m.start(), f"{{{{{_short(inner)}}}}}: {shown.message}"))
            out.append(text[m.start() : end + 2])
        else:
            out.append(shown)
        i = end + 2


def show_live(inner: str, numbers: Numbers) -> str | LiveProblem:
    """The text of one live number (what stands between ``{{`` and ``}}``), or why it cannot be shown."""
    numbers.count += 1
    if numbers.count > MAX_LIVE_NUMBERS:
        return LiveProblem(0, f"more than {MAX_LIVE_NUMBERS} live numbers in one lesson")
    expr_text, fmt = split_format(inner)
    if isinstance(fmt, LiveProblem):
        return fmt
    if not expr_text.strip():
        return LiveProblem(0, "no expression: write one between '{{' and '}}', e.g. {{ dx }}")
    value = evaluate(expr_text, numbers)
    if isinstance(value, LiveProblem):
        return value
    return show_number(value, fmt)


def split_format(inner: str) -> tuple[str, str | LiveProblem | None]:
    """The expression and its format (``.3g``; None when there is none), or a problem with the format."""
    if ":" not in inner:
        return inner, None
    expr_text, fmt = inner.rsplit(":", 1)
    fmt = fmt.strip()
    m = _FORMAT.match(fmt)
    if m is None or int(m.group(1)) > MAX_FORMAT_DIGITS:
        return expr_text, LiveProblem(
            0,
            f"unknown format ':{fmt[:20]}': write :.Ng (significant digits), :.Nf (decimals) or :.Ne "
            f"(scientific) with N from 0 to {MAX_FORMAT_DIGITS}, e.g. :.3g",
        )
    return expr_text, fmt


def evaluate(expr_text: str, numbers: Numbers) -> np.ndarray | LiveProblem:
    """The value of one expression at the run, after checking its names, shapes and work; or why not (each
    distinct expression is computed once per run: its work is spent once)."""
    key = expr_text.strip()
    if key not in numbers.values:
        numbers.values[key] = _evaluate(key, numbers)
    return numbers.values[key]


def _evaluate(expr_text: str, numbers: Numbers) -> np.ndarray | LiveProblem:
    """The value of one expression at the run, after checking its names, shapes and work; or why not."""
    try:
        tree = _parse(expr_text.strip())
    except ParseError as e:
        return LiveProblem(0, e.message)
    names = numbers.names()
    for name in names_in(tree):
        if name not in names:
            return LiveProblem(0, _unknown(name, names))
    if isinstance(tree, Name):  # most live numbers: a name's value or delta, no work to check or spend
        value = np.asarray(names[tree.id], dtype=float)
        if not np.all(np.isfinite(value)):
            return LiveProblem(0, "is not finite at the lesson's values (NaN or infinite)")
        return value
    try:
        _, work = expr_shape(tree, numbers.shapes())
    except EvalError as e:
        return LiveProblem(0, f"cannot be computed: {e.message}")
    numbers.work_left -= work
    if numbers.work_left < 0:
        return LiveProblem(0, "the live numbers of this lesson take too much work together: use fewer or smaller ones")
    try:
        value = build_checked(tree, numbers.env()).value  # its shapes and work are checked just above
    except EvalError as e:
        return LiveProblem(0, f"cannot be computed: {e.message}")
    if not np.all(np.isfinite(value)):
        return LiveProblem(0, "is not finite at the lesson's values (NaN or infinite)")
    return value


@lru_cache(maxsize=4096)
def _parse(text: str) -> Expr:
    """A live number's tree, parsed once per distinct text (trees are immutable; a ParseError is not kept)."""
    return parse(text)


def _short(inner: str) -> str:
    """A live number's text cut to a readable length for a message."""
    return inner if len(inner) <= 60 else inner[:50] + "… "


def _unknown(name: str, names: Mapping[str, np.ndarray]) -> str:
    """An unknown name, with the closest known one."""
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    if close:
        return f"unknown name {name!r}; did you mean {close[0]!r}?"
    values = [n for n in names if not (n.startswith("d") and n[1:] in names)]
    return f"unknown name {name!r}: the lesson's names are {', '.join(values)}, and d<name> for a delta"


def show_number(value: np.ndarray | float, fmt: str | None = None) -> str:
    """A number, vector or matrix as people read it: rounded, no float noise, ``−`` for minus."""
    if np.ndim(value) == 0:  # most live numbers: the same rule without building arrays
        x = float(value)
        return _scalar(0.0 if abs(x) < NOISE * max(1.0, abs(x)) else x, fmt)
    a = np.asarray(value, dtype=float)
    biggest = float(np.max(np.abs(a), initial=0.0))
    a = np.where(np.abs(a) < NOISE * max(1.0, biggest), 0.0, a)
    if a.ndim == 0:
        return _scalar(float(a), fmt)
    if a.ndim == 1:
        return _row([_scalar(float(x), fmt) for x in a])
    rows = [_row([_scalar(float(x), fmt) for x in r]) for r in a]
    return _row(rows)


def _row(items: list[str]) -> str:
    """``[a, b, c]``, the middle elided past MAX_SHOWN items."""
    if len(items) > MAX_SHOWN:
        items = [*items[: MAX_SHOWN - 2], "…", items[-1]]
    return "[" + ", ".join(items) + "]"


def _scalar(x: float, fmt: str | None) -> str:
    """One number: ``fmt`` (``.3g``, ``.2f``, ``.1e``) or 4 significant digits; short exponents, ``−``."""
    if fmt is None:
        text = format(x, f".{DEFAULT_DIGITS}g")
    else:
        text = format(x, fmt)
    text = _EXPONENT.sub(lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)
    if text.startswith("-") and float(text.split("e")[0]) == 0:
        text = text[1:]  # -0, -0.000
    return text.replace("-", "−")
