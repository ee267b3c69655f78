"""Parsed trees compiled once into plain calls of the op table's forward functions, for a training loop.

The engine builds a node per op on every run (to go backwards through them); a training loop that runs the
same graph and the same formulas a thousand times needs only the values. :func:`compile_expr` turns a tree,
whose shapes :func:`tutor.engine.shapes.expr_shape` has already checked, into a Python closure that calls each
op's ``forward`` from :data:`tutor.engine.ops.OPS` (through :func:`tutor.engine.op_of`, the one mapping from
syntax to the table) on the values of a dict of names: no parsing, no node, no shape check per epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import itemgetter

import numpy as np

from tutor.engine import op_of
from tutor.engine.node import literal_value
from tutor.lang.syntax import Expr, Literal, Name, Num

Values = dict[str, np.ndarray]
Compiled = Callable[[Values], np.ndarray]


def compile_expr(expr: Expr, fixed: Mapping[str, np.ndarray] | None = None) -> Compiled:
    """A function of a dict of values that computes ``expr``; names in ``fixed`` are constants (``N``)."""
    fixed = fixed or {}
    if isinstance(expr, Num):
        return _constant(np.asarray(expr.value, dtype=float))
    if isinstance(expr, Name):
        if expr.id in fixed:
            return _constant(np.asarray(fixed[expr.id], dtype=float))
        return itemgetter(expr.id)
    if isinstance(expr, Literal):
        return _constant(literal_value(expr))
    app = op_of(expr)
    assert app is not None  # every other piece of syntax applies an op
    forward = app.op.forward
    parts = [compile_expr(x, fixed) for x in app.operands]
    if app.op.takes_axis:
        axis = app.axis
        return lambda env: forward(*(f(env) for f in parts), axis=axis)
    if len(parts) == 1:
        (a,) = parts
        return lambda env: forward(a(env))
    if len(parts) == 2:
        a, b = parts
        return lambda env: forward(a(env), b(env))
    return lambda env: forward(*(f(env) for f in parts))


def _constant(value: np.ndarray) -> Compiled:
    """A function that always gives ``value``."""
    return lambda env: value


def reshaped(f: Compiled, shape: tuple[int, ...]) -> Compiled:
    """``f`` with its value (a number) given the shape of a 1×1 value it stands for."""
    return lambda env: np.reshape(f(env), shape)
