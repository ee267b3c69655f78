"""Shapes before arrays: every value's shape from the leaves' shapes and the op table, and what a run costs.

Nothing here builds an array. :func:`expr_shape` walks one expression, :func:`program_shapes` a whole graph;
both refuse, with the column of the op, a value of more than :data:`MAX_NODE_ENTRIES` entries or a run of more
than :data:`MAX_RUN_WORK` work units, so that a 30 KB lesson can no longer ask for 4096×4096 matrices.

A *work unit* is about what one entry costs an op, forward and backward (a few nanoseconds): an op costs
the entries it reads and writes, plus :data:`OP_OVERHEAD` for the Python around it, and a matrix product
its multiply-adds. The Jacobian and the linter budget their engine runs in the same units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from math import prod
from typing import TYPE_CHECKING

from tutor.engine.dispatch import op_of
from tutor.engine.errors import EvalError
from tutor.engine.ops import Op, Shape, ShapeMismatch, fmt_shape
from tutor.lang.syntax import Expr, Literal, Name, Num, Unary

if TYPE_CHECKING:
    from tutor.engine.program import Program

#: entries of any one value of a graph, a step or an answer; the shipped course needs at most 64
MAX_NODE_ENTRIES = 65_536
#: work units of one forward and backward run of a whole graph (about 20 ms)
MAX_RUN_WORK = 4_000_000
#: work units an op costs besides its entries: its Python overhead, measured at about 1000 entries' worth
OP_OVERHEAD = 1_000


@dataclass(frozen=True)
class ProgramShapes:
    """The shape of every leaf and node of a graph, the work units of each line and of one run of the whole."""

    shapes: dict[str, Shape]
    work: int
    line_work: dict[str, int]


def entries(shape: Shape) -> int:
    """How many numbers a value of this shape holds."""
    return prod(shape)


def _checked(shape: Shape, pos: int) -> Shape:
    """``shape``, or an EvalError when a value of that shape would be too large to compute."""
    n = entries(shape)
    if n > MAX_NODE_ENTRIES:
        raise EvalError(
            f"this makes a {fmt_shape(shape)} value ({n} entries), more than the {MAX_NODE_ENTRIES} a lesson may "
            "compute: use smaller inputs",
            pos,
        )
    return shape


def _op_work(op: Op, inputs: tuple[Shape, ...], out: Shape) -> int:
    """The work units of one op: its entries in and out, the overhead, and its own extra (a matrix product's
    multiply-adds, from the op table)."""
    work = OP_OVERHEAD + entries(out) + sum(entries(s) for s in inputs)
    if op.work is not None:
        work += op.work(inputs, out)
    return work


def _apply(op: Op, inputs: tuple[Shape, ...], pos: int, axis: int | None = None) -> tuple[Shape, int]:
    """The shape of ``op`` on operands of these shapes and its work; EvalError when they do not fit."""
    try:
        out = op.shape(*inputs, axis=axis)
    except ShapeMismatch as e:
        raise EvalError(str(e), pos) from None
    return _checked(out, pos), _op_work(op, inputs, out)


def literal_shape(expr: Expr) -> Shape:
    """The shape of a literal of numbers such as ``[[1, -2], [3, 4]]``; EvalError when it is not rectangular."""
    if isinstance(expr, Num) or (isinstance(expr, Unary) and isinstance(expr.operand, Num)):
        return ()
    if isinstance(expr, Literal):
        rows = {literal_shape(item) for item in expr.items}
        if len(rows) != 1:
            raise EvalError("the rows of a matrix literal must all have the same length", expr.pos)
        row = rows.pop()
        if len(row) >= 2:
            raise EvalError("literals have at most two levels of brackets (a matrix)", expr.pos)
        return _checked((len(expr.items), *row), expr.pos)
    raise EvalError("a literal holds only numbers, e.g. [[1, -2], [3, 4]]", getattr(expr, "pos", 0))


def expr_shape(expr: Expr, shapes: Mapping[str, Shape]) -> tuple[Shape, int]:
    """The shape of an expression's value and the work units of computing it, from the shapes of its names.

    Raises EvalError (with the column) for an unknown name, shapes an op cannot take, a bad axis, or a
    value or a total too large; this is the check every engine run makes before it builds anything.
    """
    shape, work = _shape(expr, shapes)
    if work > MAX_RUN_WORK:
        raise EvalError(
            f"this expression takes {work} work units to compute, more than the {MAX_RUN_WORK} a lesson may use: "
            "use smaller values or fewer operations",
            getattr(expr, "pos", 0),
        )
    return shape, work


def _shape(expr: Expr, shapes: Mapping[str, Shape]) -> tuple[Shape, int]:
    """:func:`expr_shape` without the total check (recursive: parsed trees are at most 200 levels deep)."""
    if isinstance(expr, Num):
        return (), 1
    if isinstance(expr, Name):
        try:
            return tuple(shapes[expr.id]), 0
        except KeyError:
            raise EvalError(f"unknown name {expr.id!r}", expr.pos) from None
    if isinstance(expr, Literal):
        shape = literal_shape(expr)
        return shape, OP_OVERHEAD + entries(shape)
    app = op_of(expr)  # EvalError for an unknown op or a bad axis, before the operands are looked at
    assert app is not None  # every other piece of syntax applies an op
    parts = [_shape(x, shapes) for x in app.operands]
    out, more = _apply(app.op, tuple(s for s, _ in parts), expr.pos, app.axis)
    return out, sum(w for _, w in parts) + more


def program_shapes(program: Program, leaf_shapes: Mapping[str, Shape]) -> ProgramShapes:
    """Every node's shape, line by line, and the work of one run; EvalError naming the line that fails.

    Worked out once per graph and leaf shapes (the linter and central differences run one graph many times); the
    result is shared: read it, do not change it."""
    key = tuple((name, tuple(shape)) for name, shape in leaf_shapes.items())
    try:
        hash(program)
    except TypeError:  # a program holding something unhashable: worked out every time
        return _program_shapes(program, key)
    return _program_shapes_once(program, key)


@lru_cache(maxsize=256)
def _program_shapes_once(program: Program, leaf_shapes: tuple[tuple[str, Shape], ...]) -> ProgramShapes:
    """:func:`_program_shapes`, kept for the same graph and leaf shapes (an EvalError is not kept)."""
    return _program_shapes(program, leaf_shapes)


def _program_shapes(program: Program, leaf_shapes: tuple[tuple[str, Shape], ...]) -> ProgramShapes:
    """Every node's shape, line by line, and the work of one run; EvalError naming the line that fails."""
    shapes: dict[str, Shape] = dict(leaf_shapes)
    line_work: dict[str, int] = {}
    total = 0
    for a in program.assignments:
        try:
            shape, work = expr_shape(a.expr, shapes)
        except EvalError as e:
            raise EvalError(e.message, e.pos, a.name) from None
        total += work
        if total > MAX_RUN_WORK:
            raise EvalError(
                f"the graph up to {a.name} takes {total} work units to compute, more than the {MAX_RUN_WORK} a "
                "lesson may use: use smaller values or fewer lines",
                0,
                a.name,
            )
        shapes[a.name] = shape
        line_work[a.name] = work
    return ProgramShapes(shapes, total, line_work)
