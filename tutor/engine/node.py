"""Reverse-mode autograd on NumPy float64: a node per value, a topological sort, one reversed loop."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from tutor.engine.dispatch import op_of
from tutor.engine.errors import EvalError
from tutor.engine.ops import VJP, Op, fmt_shape
from tutor.engine.shapes import expr_shape
from tutor.lang.syntax import Expr, Literal, Name, Num, Unary

__all__ = ["EvalError", "Node", "backward", "build", "fmt_shape", "leaf", "literal_value", "unbroadcast"]

#: A record of the op nodes a build made, each with the syntax that made it, in the order they were made.
Record = list[tuple["Node", Expr]]


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


def build(expr: Expr, env: Mapping[str, Node], record: Record | None = None) -> Node:
    """Evaluate a syntax tree into nodes; names are looked up in ``env``.

    Every shape and the size of the work are checked first (:func:`tutor.engine.shapes.expr_shape`), so an
    EvalError comes before any array is built. Floating-point warnings are silenced: overflow and NaN show
    up in the values, where the lesson checker and the grader look for them. ``record``, when given, gets
    every op node with the syntax that made it, operands before the op that uses them, left to right.
    """
    expr_shape(expr, _Shapes(env))
    return build_checked(expr, env, record)


def build_checked(expr: Expr, env: Mapping[str, Node], record: Record | None = None) -> Node:
    """:func:`build` for an expression whose shapes :mod:`tutor.engine.shapes` has already checked."""
    with np.errstate(all="ignore"):
        return _build(expr, env, record)


class _Shapes(Mapping[str, tuple[int, ...]]):
    """The shapes of the nodes of an environment, read without copying anything."""

    def __init__(self, env: Mapping[str, Node]) -> None:
        self.env = env

    def __getitem__(self, name: str) -> tuple[int, ...]:
        return self.env[name].value.shape

    def __iter__(self):  # noqa: ANN204 - Mapping protocol
        return iter(self.env)

    def __len__(self) -> int:
        return len(self.env)


def _build(expr: Expr, env: Mapping[str, Node], record: Record | None) -> Node:
    if isinstance(expr, Num):
        return leaf(expr.value)
    if isinstance(expr, Name):
        return env[expr.id]
    if isinstance(expr, Literal):
        return leaf(literal_value(expr))
    app = op_of(expr)
    assert app is not None  # every other piece of syntax applies an op
    node = apply(app.op, *(_build(x, env, record) for x in app.operands), axis=app.axis)
    if record is not None:
        record.append((node, expr))
    return node


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


def backward(
    root: Node,
    seed: np.ndarray | None = None,
    vjp_override: Mapping[int, VJP] | None = None,
    on_part: Callable[[Node, np.ndarray], None] | None = None,
) -> dict[int, np.ndarray]:
    """Gradients of ``root`` with respect to every node below it, keyed by ``id(node)``: the one backward loop.

    Where a node feeds several others its gradient is the sum of their contributions (``+=``). ``seed`` is the
    gradient at the root (ones by default, broadcast to its shape). For the grader's typical mistakes,
    ``vjp_override`` replaces the VJP of some nodes (by ``id``), and ``on_part(parent, part)`` sees every
    contribution before broadcasting is undone.
    """
    start = np.ones_like(root.value) if seed is None else np.asarray(seed, dtype=float)
    grads: dict[int, np.ndarray] = {id(root): np.broadcast_to(start, root.value.shape)}
    override = vjp_override or {}
    with np.errstate(all="ignore"):
        for node in reversed(topological(root)):
            g = grads.get(id(node))
            if g is None or node.op is None:
                continue
            vjp = override.get(id(node), node.op.vjp)
            args = [p.value for p in node.parents]
            parts = vjp(g, node.value, *args, axis=node.axis) if node.op.takes_axis else vjp(g, node.value, *args)
            for parent, part in zip(node.parents, parts, strict=True):
                part = np.asarray(part, dtype=float)
                if on_part is not None:
                    on_part(parent, part)
                part = unbroadcast(part, parent.value.shape)
                grads[id(parent)] = grads[id(parent)] + part if id(parent) in grads else part
    return grads
