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


def names_in(expr: Expr) -> list[str]:
    """The names an expression uses, in order of first appearance."""
    seen: dict[str, None] = {}

    def walk(e: Expr) -> None:
        if isinstance(e, Name):
            seen.setdefault(e.id)
        elif isinstance(e, Unary | Transpose):
            walk(e.operand)
        elif isinstance(e, Binary):
            walk(e.left)
            walk(e.right)
        elif isinstance(e, Call):
            for a in e.args:
                walk(a)
        elif isinstance(e, Literal):
            for a in e.items:
                walk(a)

    walk(expr)
    return list(seen)
