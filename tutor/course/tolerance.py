"""How close an answer must be: a relative tolerance and an absolute one, ``|a − b| ≤ abs + rel·|b|`` entry by entry.

A lesson or a step writes ``tolerance: 0.001`` (the relative tolerance) or ``tolerance: {rel: 1e-6, abs: 1e-9}``.
The default, ``rel`` 0.01 with ``abs`` 1e-6, takes three significant digits and refuses 5% off; its small absolute
part takes float noise around an exact 0 (PyTorch's float32 prints ``1.7881e-07`` for a gradient that is 0).

A :class:`Tolerance` *is* its relative part as a number (``2 * tol``, ``abs(k - 1) < tol`` read as before) and
carries its absolute part as ``.abs``; :func:`tutor.grading.compare.close` uses both.
"""

from __future__ import annotations

from collections.abc import Mapping

#: the keys of ``tolerance: {rel: ..., abs: ...}``
KEYS = ("rel", "abs")
DEFAULT_REL = 0.01  # three significant digits pass, 5% off does not
DEFAULT_ABS = 1e-6  # float noise around an exact 0 passes (float32's 1.8e-7 from PyTorch), 1e-5 does not


class Tolerance(float):
    """A relative tolerance (the number itself) with an absolute part, ``.abs``."""

    abs: float

    def __new__(cls, rel: float = DEFAULT_REL, absolute: float = DEFAULT_ABS) -> Tolerance:
        """``Tolerance(0.01, 1e-6)``: rel and abs are finite and not negative, one of them positive."""
        made = super().__new__(cls, rel)
        made.abs = float(absolute)
        return made

    @property
    def rel(self) -> float:
        """The relative part."""
        return float(self)

    def __eq__(self, other: object) -> bool:
        """Equal when both parts are (a plain number compares with the relative part, the absolute at its default)."""
        if isinstance(other, Tolerance):
            return float(self) == float(other) and self.abs == other.abs
        if isinstance(other, int | float):
            return float(self) == float(other) and self.abs == DEFAULT_ABS
        return NotImplemented

    def __hash__(self) -> int:
        return hash((float(self), self.abs))

    def __repr__(self) -> str:
        return f"Tolerance(rel={float(self)!r}, abs={self.abs!r})"

    def __reduce__(self) -> tuple[type, tuple[float, float]]:
        return (Tolerance, (float(self), self.abs))

    def describe(self) -> str:
        """``rel 0.01, abs 1e-06``, for messages."""
        return f"rel {float(self):g}, abs {self.abs:g}"


DEFAULT = Tolerance()


def from_parts(parts: Mapping[str, float]) -> Tolerance:
    """A tolerance from the parts a lesson gives (``{rel: 1e-6}``); a part left out keeps its default."""
    rel, absolute = KEYS
    return Tolerance(parts.get(rel, DEFAULT.rel), parts.get(absolute, DEFAULT.abs))


def tolerance_of(value: float | Tolerance | None) -> Tolerance:
    """A tolerance from a plain relative one (with the default absolute part), or the default for None."""
    if value is None:
        return DEFAULT
    if isinstance(value, Tolerance):
        return value
    return Tolerance(float(value))
