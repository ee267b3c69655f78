"""The engine's one error: an expression that cannot be computed, with the column of the op and the line."""

from __future__ import annotations


class EvalError(ValueError):
    """An expression that cannot be computed (unknown name, shapes that do not fit, too large ...).

    ``pos`` is the column of the offending op in its expression; ``node`` names the graph line, when known.
    """

    def __init__(self, message: str, pos: int = 0, node: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.node = node
