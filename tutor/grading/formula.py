"""Formula answers: what their names mean, the allow-list over the parsed tree, evaluation at one run.

In an answer, each name of the lesson (input, constant or node) stands for its forward value, and
``d<name>`` for the gradient (delta) of the output with respect to ``<name>``, as in NumPy code:
``dZ2``, ``dW1``, ``dx``. When the lesson itself has a leaf or node named ``d...`` (say ``dx``), that
real name wins: ``dx`` is then its value, and that gradient cannot be written as a name. In a lesson on a
batch (its data has one number of rows, see :func:`batch_size`), ``N`` is that number, as in the lessons'
NumPy code (``N = X.shape[0]``), unless the lesson has a name ``N`` of its own.

Allowed, and nothing else: numbers, those names, ``+ - * / ** @``, unary minus, parentheses,
``x.T`` (transpose), the functions of the language (the op table's, :mod:`tutor.engine.ops`, listed in
docs/authoring.md; ``σ`` is sigmoid), and number literals ``[1, 2]``, ``[[1, 2], [3, 4]]``.
``sum(x, 0)`` sums down each column (over the batch) and keeps a 1×n row; ``sum(x, 1)`` sums each
row; ``sum(x)`` sums everything; ``mean`` likewise; the axis is the number 0, 1 or -1. There are no
strings, attributes other than ``.T``, subscripts, keywords or calls of anything else: the parser
refuses them, and :func:`check_tree` walks the tree and refuses any node outside this list before
anything is evaluated.
"""

from __future__ import annotations

import builtins
import difflib
import keyword
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tutor.course.model import Lesson, Step
from tutor.engine import EvalError, Trace, build, leaf
from tutor.engine.node import Node
from tutor.engine.ops import BINARY, OPS
from tutor.lang import FUNCTIONS
from tutor.lang.parse import quote
from tutor.lang.pretty import to_text
from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary, walk

ALLOWED_NODES = (Num, Name, Unary, Binary, Call, Transpose, Literal)


@dataclass(frozen=True)
class Meaning:
    """What one name in an answer stands for: the value or the gradient (``kind``) of a lesson name, or a number
    the lesson implies (``N``, the batch size)."""

    kind: str  # "value", "grad" or "number"
    of: str
    number: float = 0.0  # kind "number": its value


#: the name of the batch size in answers
BATCH_NAME = "N"


def batch_size(lesson: Lesson) -> int | None:
    """The number of samples when the lesson's data (its 2-D constants with more than one row) has one."""
    sizes = {int(np.shape(x)[0]) for x in lesson.constants.values() if np.ndim(x) == 2 and np.shape(x)[0] > 1}
    return sizes.pop() if len(sizes) == 1 else None


class FormulaError(ValueError):
    """A formula outside the allow-list or with a name the lesson lacks; ``pos`` is its column."""

    def __init__(self, message: str, pos: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def meanings(lesson: Lesson) -> dict[str, Meaning]:
    """Every name an answer to this lesson may use, and what it stands for."""
    program = lesson.program
    out: dict[str, Meaning] = {}
    for n in (*program.inputs, *program.nodes):
        out["d" + n] = Meaning("grad", n)
    for n in (*program.inputs, *program.constants, *program.nodes):
        out[n] = Meaning("value", n)  # a real name wins over a d-name
    n_samples = batch_size(lesson)
    if n_samples is not None and BATCH_NAME not in out:
        out[BATCH_NAME] = Meaning("number", "the batch size", float(n_samples))
    return out


def own_name(step: Step, names: Mapping[str, Meaning]) -> str | None:
    """The name that would be the answer itself (``dx`` for grad:x, ``y`` for value:y: the kind's ``own``), if any."""
    if not step.kind.own:
        return None
    own = Meaning(step.kind.own, step.node)
    return next((name for name, m in names.items() if m == own), None)


def _unknown(name: str, names: Mapping[str, Meaning]) -> str:
    if keyword.iskeyword(name) or name in vars(builtins) or name in ("os", "sys", "np", "numpy", "torch"):
        return (
            f"{quote(name)} is Python, not part of the answer language: use the lesson's names, numbers and functions"
        )
    lower = {n.lower(): n for n in names}
    guess = lower.get(name.lower())
    if guess is None:
        close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
        guess = close[0] if close else None
    if guess is not None:
        return f"unknown name {quote(name)}: did you mean {guess}?"
    values = [n for n, m in names.items() if m.kind == "value"]
    grads = [n for n, m in names.items() if m.kind == "grad"]
    numbers = [f"{n} = {m.number:g} ({m.of})" for n, m in names.items() if m.kind == "number"]
    return (
        f"unknown name {quote(name)}: this lesson has {', '.join(values)}"
        + (f", and the gradients {', '.join(grads)}" if grads else "")
        + (f"; {', '.join(numbers)}" if numbers else "")
    )


def check_tree(tree: Expr, names: Mapping[str, Meaning]) -> None:
    """Raise FormulaError unless every node of the tree is on the allow-list (nothing is evaluated here)."""
    nodes = walk(tree)
    for e in nodes:
        if isinstance(e, Name) and e.id not in names:
            raise FormulaError(_unknown(e.id, names), e.pos)
    for e in reversed(nodes):  # the innermost first: sum(x, 2) before the squeeze around it
        pos = getattr(e, "pos", 0)
        if not isinstance(e, ALLOWED_NODES):
            raise FormulaError(f"{type(e).__name__} is not part of the answer language", pos)
        if isinstance(e, Unary) and e.op != "-":
            raise FormulaError(f"unknown operator {quote(e.op)}", pos)
        if isinstance(e, Binary) and e.op not in BINARY:
            raise FormulaError(f"unknown operator {quote(e.op)}", pos)
        if isinstance(e, Call):
            if e.func not in FUNCTIONS or e.func not in OPS:
                raise FormulaError(f"unknown function {quote(e.func)}", pos)
            lo, hi = FUNCTIONS[e.func]
            if not lo <= len(e.args) <= hi:
                raise FormulaError(f"{e.func}() takes {lo if lo == hi else f'{lo} or {hi}'} arguments", pos)
            if OPS[e.func].takes_axis and len(e.args) == 2:
                axis = e.args[1]
                if not (isinstance(axis, Num) and axis.value in (0, 1, -1)):
                    x = to_text(e.args[0], math=False)
                    x = x if len(x) <= 20 and x.isidentifier() else "M"
                    raise FormulaError(
                        f"the second argument of {e.func}() is the axis, the number 0 (down the columns), 1 or -1: "
                        f"write {e.func}({x}, 0) or {x}.{e.func}(axis=0)",
                        pos,
                    )
        if isinstance(e, Literal):
            for item in e.items:
                if not isinstance(item, Num | Literal):
                    raise FormulaError("a [...] literal holds only numbers, e.g. [[1, -2], [3, 4]]", item.pos)


def environment(trace: Trace, names: Mapping[str, Meaning]) -> dict[str, Node]:
    """Leaf nodes for every allowed name, at the values and gradients of one run."""
    env: dict[str, Node] = {}
    for name, m in names.items():
        if m.kind == "number":
            env[name] = leaf(np.array(m.number), name)
            continue
        source = trace.values if m.kind == "value" else trace.grads
        if m.of in source:
            env[name] = leaf(source[m.of], name)
    return env


def evaluate(tree: Expr, env: Mapping[str, Node]) -> np.ndarray:
    """The value of a checked formula at one run; EvalError on shapes that do not fit."""
    return build(tree, env).value


__all__ = [
    "ALLOWED_NODES",
    "BATCH_NAME",
    "EvalError",
    "FormulaError",
    "Meaning",
    "batch_size",
    "check_tree",
    "environment",
    "evaluate",
    "meanings",
    "own_name",
    "walk",
]
