"""The syntax tree of the expression language: small frozen dataclasses, one per construct."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Num:
    """A number literal such as ``2`` or ``1e-3``."""

    value: float
    pos: int = 0


@dataclass(frozen=True)
class Name:
    """A name: a lesson input, constant or node (or ``dX`` in answers)."""

    id: str
    pos: int = 0


@dataclass(frozen=True)
class Unary:
    """Unary minus or plus."""

    op: str
    operand: Expr
    pos: int = 0


@dataclass(frozen=True)
class Binary:
    """A binary operator: ``+ - * / ** @``."""

    op: str
    left: Expr
    right: Expr
    pos: int = 0


@dataclass(frozen=True)
class Call:
    """A call of one of the language's functions, e.g. ``sigmoid(z)`` or ``sum(x, 0)``."""

    func: str
    args: tuple[Expr, ...]
    pos: int = 0


@dataclass(frozen=True)
class Transpose:
    """``x.T``."""

    operand: Expr
    pos: int = 0


@dataclass(frozen=True)
class Literal:
    """A vector or matrix literal: ``[1, 2]`` or ``[[1, 2], [3, 4]]``."""

    items: tuple[Expr, ...]
    pos: int = 0


Expr = Num | Name | Unary | Binary | Call | Transpose | Literal


def walk(root: Expr) -> list[Expr]:
    """Every node of the tree in pre-order (left before right), without recursion."""
    out: list[Expr] = []
    stack = [root]
    while stack:
        e = stack.pop()
        out.append(e)
        if isinstance(e, Unary | Transpose):
            stack.append(e.operand)
        elif isinstance(e, Binary):
            stack += [e.right, e.left]
        elif isinstance(e, Call):
            stack += reversed(e.args)
        elif isinstance(e, Literal):
            stack += reversed(e.items)
    return out


def names_in(expr: Expr) -> list[str]:
    """The names an expression uses, in order of first appearance."""
    return list(dict.fromkeys(e.id for e in walk(expr) if isinstance(e, Name)))
