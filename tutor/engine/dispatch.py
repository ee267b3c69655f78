"""The one mapping from the language's syntax to the op table: which op a piece of syntax applies, to what.

Every walk over an expression that needs its ops (building nodes, checking shapes, rebuilding a line for the
grader, writing PyTorch, the linter's checks) asks :func:`op_of` instead of matching syntax itself.
"""

from __future__ import annotations

from typing import NamedTuple

from tutor.engine.errors import EvalError
from tutor.engine.ops import OPS, Op
from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary

_BY_SYNTAX: dict[tuple[str, str], Op] = {
    (op.syntax, op.name if op.syntax == "call" else op.symbol): op for op in OPS.values() if op.syntax != "none"
}
_INFIX = {text: op for (form, text), op in _BY_SYNTAX.items() if form == "infix"}
_CALL = {text: op for (form, text), op in _BY_SYNTAX.items() if form == "call"}
AXES = (0, 1, -1)


class Application(NamedTuple):
    """One op applied in an expression: the op, its operand expressions and its axis (a static argument)."""

    op: Op
    operands: tuple[Expr, ...]
    axis: int | None = None


def op_of(expr: Expr) -> Application | None:
    """The op ``expr`` applies, with its operands and axis; None for a number, a name or a literal (the leaves).

    EvalError, at the expression's column, for an operator or function the table lacks, a wrong number of
    arguments, or an axis that is not the number 0, 1 or -1.
    """
    if isinstance(expr, Binary):  # the commonest first: this runs for every op of every run
        op = _INFIX.get(expr.op) or _op("infix", expr.op, expr)
        return Application(op, (expr.left, expr.right))
    if isinstance(expr, Name | Num | Literal):
        return None
    if isinstance(expr, Call):
        op = _CALL.get(expr.func) or _op("call", expr.func, expr)
        given = len(expr.args)
        if given == op.operands:
            return Application(op, expr.args)
        if given != op.operands + 1 or not op.takes_axis:
            lo, hi = op.arity
            raise EvalError(f"{expr.func}() takes {lo if lo == hi else f'{lo} or {hi}'} arguments", expr.pos)
        return Application(op, expr.args[:-1], _axis(expr))
    if isinstance(expr, Unary):
        return Application(_op("prefix", expr.op, expr), (expr.operand,))
    if isinstance(expr, Transpose):
        return Application(_op("postfix", ".T", expr), (expr.operand,))
    raise EvalError(f"cannot evaluate {type(expr).__name__}", getattr(expr, "pos", 0))


def _op(form: str, spelling: str, expr: Expr) -> Op:
    """The op of a form and spelling; EvalError when the table has none."""
    op = _BY_SYNTAX.get((form, spelling))
    if op is None:
        what = "function" if form == "call" else "operator"
        raise EvalError(f"unknown {what} {spelling!r}", getattr(expr, "pos", 0))
    return op


def _axis(call: Call) -> int:
    """The axis argument of a call (its last): the number 0, 1 or -1, else EvalError."""
    axis = call.args[-1]
    if not (isinstance(axis, Num) and axis.value in AXES):
        raise EvalError(f"the axis of {call.func}() must be 0, 1 or -1", call.pos)
    return int(axis.value)
