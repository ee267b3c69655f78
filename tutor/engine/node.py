"""Reverse-mode autograd on NumPy float64: a node per value, a topological sort, one reversed loop."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tutor.engine.ops import BINARY, OPS, Op
from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary


class EvalError(ValueError):
    """An expression that cannot be computed (unknown name, shape mismatch ...); ``pos`` is its column."""

    def __init__(self, message: str, pos: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


class Node:
    """A value in the graph: its array, the op that made it and the nodes it was made from."""

    __slots__ = ("axis", "name", "op", "parents", "value")

    def __init__(
        self,
        value: np.ndarray,
        op: Op | None = None,
        parents: tuple[Node, ...] = (),
        axis: int | None = None,
        name: str | None = None,
    ) -> None:
        self.value = value
        self.op = op
        self.parents = parents
        self.axis = axis
        self.name = name

    def __repr__(self) -> str:
        label = self.name or (self.op.name if self.op else "const")
        return f"Node({label}, shape={self.value.shape})"


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient back down to ``shape``, undoing NumPy broadcasting (the one place this is done)."""
    if g.shape == shape:
        return g
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g.reshape(shape)


def leaf(value: object, name: str | None = None) -> Node:
    """A leaf node holding a float64 array."""
    return Node(np.asarray(value, dtype=float), name=name)


def apply(op: Op, *parents: Node, axis: int | None = None) -> Node:
    """Run ``op`` forward on the parents' values and return the new node."""
    args = [p.value for p in parents]
    out = op.forward(*args, axis=axis) if op.takes_axis else op.forward(*args)
    return Node(np.asarray(out, dtype=float), op, parents, axis)


def _check_shapes(op: Op, parents: tuple[Node, ...], pos: int) -> None:
    shapes = [p.value.shape for p in parents]
    if len(shapes) == 2 and shapes[0] == shapes[1] and op.name != "matmul":
        return
    if op.name == "matmul":
        a, b = shapes
        if len(a) == 0 or len(b) == 0:
            raise EvalError(f"@ needs vectors or matrices, got shapes {fmt_shape(a)} and {fmt_shape(b)}", pos)
        inner_a = a[-1]
        inner_b = b[0] if len(b) == 1 else b[-2]
        if inner_a != inner_b:
            raise EvalError(
                f"shapes {fmt_shape(a)} and {fmt_shape(b)} do not match for @ "
                f"({inner_a} columns against {inner_b} rows)",
                pos,
            )
    elif len(parents) == 2:
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            raise EvalError(
                f"shapes {fmt_shape(shapes[0])} and {fmt_shape(shapes[1])} do not broadcast for {op.symbol or op.name}",
                pos,
            ) from None


def fmt_shape(shape: tuple[int, ...]) -> str:
    """A shape as a learner reads it: ``scalar``, ``3`` (a vector), ``2×3``."""
    if len(shape) == 0:
        return "scalar"
    return "×".join(str(n) for n in shape)


def build(expr: Expr, env: Mapping[str, Node]) -> Node:
    """Evaluate a syntax tree into nodes; names are looked up in ``env``.

    Floating-point warnings are silenced: overflow and NaN show up in the values, where the lesson
    checker and the grader look for them.
    """
    with np.errstate(all="ignore"):
        return _build(expr, env)


def _build(expr: Expr, env: Mapping[str, Node]) -> Node:
    build = _build
    if isinstance(expr, Num):
        return leaf(expr.value)
    if isinstance(expr, Name):
        try:
            return env[expr.id]
        except KeyError:
            raise EvalError(f"unknown name {expr.id!r}", expr.pos) from None
    if isinstance(expr, Unary):
        return apply(OPS["neg"], build(expr.operand, env))
    if isinstance(expr, Transpose):
        return apply(OPS["transpose"], build(expr.operand, env))
    if isinstance(expr, Binary):
        op = OPS[BINARY[expr.op]]
        parents = (build(expr.left, env), build(expr.right, env))
        _check_shapes(op, parents, expr.pos)
        return apply(op, *parents)
    if isinstance(expr, Call):
        op = OPS[expr.func]
        if op.takes_axis and len(expr.args) == 2:
            axis_expr = expr.args[1]
            if not (isinstance(axis_expr, Num) and axis_expr.value in (0, 1, -1)):
                raise EvalError(f"the axis of {expr.func}() must be 0, 1 or -1", expr.pos)
            x = build(expr.args[0], env)
            axis = int(axis_expr.value)
            if x.value.ndim == 0 or (axis == 1 and x.value.ndim < 2):
                raise EvalError(
                    f"{expr.func}(x, {axis}) needs x with that axis; x has shape {fmt_shape(x.value.shape)}",
                    expr.pos,
                )
            return apply(op, x, axis=axis)
        parents = tuple(build(a, env) for a in expr.args)
        if len(parents) == 2:
            _check_shapes(op, parents, expr.pos)
        return apply(op, *parents)
    if isinstance(expr, Literal):
        return leaf(literal_value(expr))
    raise EvalError(f"cannot evaluate {type(expr).__name__}", getattr(expr, "pos", 0))


def literal_value(expr: Expr) -> np.ndarray:
    """The array of a literal of numbers, e.g. ``[[1, -2], [3, 4]]``; rectangular or an EvalError."""
    if isinstance(expr, Num):
        return np.asarray(expr.value, dtype=float)
    if isinstance(expr, Unary) and isinstance(expr.operand, Num):
        return np.asarray(-expr.operand.value, dtype=float)
    if isinstance(expr, Literal):
        rows = [literal_value(item) for item in expr.items]
        shapes = {r.shape for r in rows}
        if len(shapes) != 1:
            raise EvalError("the rows of a matrix literal must all have the same length", expr.pos)
        if rows[0].ndim >= 2:
            raise EvalError("literals have at most two levels of brackets (a matrix)", expr.pos)
        return np.stack(rows)
    raise EvalError("a literal holds only numbers, e.g. [[1, -2], [3, 4]]", getattr(expr, "pos", 0))


def topological(root: Node) -> list[Node]:
    """The nodes below ``root``, each after its parents."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for p in node.parents:
            if id(p) not in seen:
                stack.append((p, False))
    return order


def backward(root: Node, seed: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """Gradients of ``root`` with respect to every node below it, keyed by ``id(node)``.

    Where a node feeds several others its gradient is the sum of their contributions (``+=``).
    """
    grads: dict[int, np.ndarray] = {
        id(root): np.ones_like(root.value) if seed is None else np.asarray(seed, dtype=float)
    }
    with np.errstate(all="ignore"):
        for node in reversed(topological(root)):
            g = grads.get(id(node))
            if g is None or node.op is None:
                continue
            args = [p.value for p in node.parents]
            if node.op.takes_axis:
                parts = node.op.vjp(g, node.value, *args, axis=node.axis)
            else:
                parts = node.op.vjp(g, node.value, *args)
            for parent, part in zip(node.parents, parts, strict=True):
                part = unbroadcast(np.asarray(part, dtype=float), parent.value.shape)
                if id(parent) in grads:
                    grads[id(parent)] = grads[id(parent)] + part
                else:
                    grads[id(parent)] = part
    return grads
