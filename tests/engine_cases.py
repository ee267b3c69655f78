"""Test cases for every op of the engine, derived from ``OPS`` (no hand-written op lists).

Each op is spelled as the language writes it (``Op.spell``), over scalar, vector and matrix shapes (every broadcast
pair for two-input ops, and every axis for reductions), once per input: that argument is the input
the loss is differentiated by, the others are constants. Values come from the first domain, starting
from what the op's ``requires`` notes ask for, where the engine's values and gradients are finite:
signed (away from kinks), positive, inside (0, 1). A new op in ``OPS`` gets its cases here without
anyone listing it; one the language cannot spell, or that has no finite domain, gets none, and the
coverage tests fail with its name.

:data:`EDGES` is the small per-op table of what the op table cannot give: the points where an op is easy to
get wrong (a kink, a tie, zeros in a product, a condition of 0, PyTorch's softplus threshold), compared with
PyTorch only, since most sit on a kink on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from tutor.engine import OPS, Assignment, EvalError, Op, Program, run
from tutor.lang import parse_assignment

Shape = tuple[int, ...]

SHAPES: tuple[Shape, ...] = ((), (3,), (2, 3))
#: for ops along an axis, also a row and a column: an axis of length 1 (squeeze takes only such an axis)
EDGE_SHAPES: tuple[Shape, ...] = ((1, 3), (3, 1))
PAIRS: tuple[tuple[Shape, Shape], ...] = (
    ((), ()),
    ((3,), (3,)),
    ((2, 3), (2, 3)),
    ((2, 3), (1, 3)),
    ((2, 3), (3,)),
    ((), (2, 3)),
    ((2, 1), (1, 3)),
    ((2, 3), (3, 2)),
    ((3,), (3, 2)),
    ((1, 3), (3, 1)),
)
AXES: tuple[int | None, ...] = (None, 0, 1, -1)
DOMAINS = ("signed", "positive", "unit")
ARGS = ("a", "b", "c", "d")  # argument names; "w" holds the weights of the loss L = sum(y * w)

_A = [[1.0, 2.0, -3.0], [0.5, 0.0, 4.0]]
_B = [[2.0, 2.0, -3.0], [0.5, -1.0, 3.0]]  # equal to _A at three entries
_GATE = [-1.0, 0.0, 2.0]
#: per op, the operands' values at the points where it is easy to get wrong
EDGES: dict[str, tuple[tuple[object, ...], ...]] = {
    "abs": ((_GATE,),),
    "relu": ((_GATE,),),
    "heaviside": ((_GATE,),),
    "softplus": (([-40.0, -1.0, 0.0, 19.9, 20.0, 20.1, 35.0],),),  # PyTorch's threshold is 20
    "maximum": ((_A, _B), (_A, [2.0, 2.0, -3.0])),
    "minimum": ((_A, _B),),
    "where": (([[1.0, 0.0, -2.0], [0.0, 3.0, -0.5]], _A, _B),),
    "prod": (([[0.0, 2.0, 3.0], [1.5, -1.0, 2.0]],), ([[0.0, 2.0, 3.0], [1.0, 0.0, 0.0]],)),
    "cross_entropy": (
        (_A, [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
        (_A, [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]),
        (_A[0], [0.0, 1.0, 0.0]),
    ),
}


def sample(shape: Shape, domain: str, seed: int) -> np.ndarray:
    """Random values of a shape in a domain: signed (|x| ≥ 0.1, away from kinks), positive or in (0, 1)."""
    rng = np.random.default_rng(seed)
    if domain == "positive":
        return rng.uniform(0.3, 1.7, size=shape)
    if domain == "unit":
        return rng.uniform(0.1, 0.9, size=shape)
    v = rng.uniform(-1.5, 1.5, size=shape)
    return np.asarray(np.where(np.abs(v) < 0.1, 0.37, v), dtype=float)


def program(inputs: tuple[str, ...], constants: tuple[str, ...], lines: list[str]) -> Program:
    """A program from lines of the language."""
    return Program(inputs, constants, tuple(Assignment.of(*parse_assignment(x)[:2]) for x in lines))


@dataclass(frozen=True)
class Case:
    """One op, on given shapes (and axis), differentiated by one of its arguments."""

    op: str
    shapes: tuple[Shape, ...]
    axis: int | None
    wrt: int
    domain: str
    edge: int | None = None  # the index of the values in EDGES[op], instead of random ones

    @property
    def id(self) -> str:
        """A readable test id, e.g. ``mul-2x3,1x3-by-b`` or ``prod-edge1-axis0-by-a``."""
        shapes = ",".join("x".join(map(str, s)) or "scalar" for s in self.shapes)
        where = shapes if self.edge is None else f"edge{self.edge}"
        axis = "" if self.axis is None else f"-axis{self.axis}"
        return f"{self.op}-{where}{axis}-by-{ARGS[self.wrt]}"

    @property
    def args(self) -> tuple[str, ...]:
        """The argument names, in order."""
        return ARGS[: len(self.shapes)]

    @property
    def expression(self) -> str:
        """The op as the language writes it."""
        return OPS[self.op].spell(self.args, self.axis)

    def values(self) -> dict[str, np.ndarray]:
        """The arguments' values, and weights ``w`` shaped like the op's output."""
        if self.edge is None:
            pairs = enumerate(zip(self.args, self.shapes, strict=True))
            vals = {n: sample(s, self.domain, seed=i) for i, (n, s) in pairs}
        else:
            vals = {n: np.array(v, dtype=float) for n, v in zip(self.args, EDGES[self.op][self.edge], strict=True)}
        y = run(self._program_without_weights(), vals).values["y"]
        vals["w"] = np.random.default_rng(7).uniform(-1, 1, size=np.shape(y)) + 0.05
        return vals

    def program(self) -> Program:
        """``y = op(...)``, ``L = sum(y * w)``: the argument ``wrt`` is the input, the rest constants."""
        wrt = self.args[self.wrt]
        constants = (*(n for n in self.args if n != wrt), "w")
        return program((wrt,), constants, [f"y = {self.expression}", "L = sum(y * w)"])

    def _program_without_weights(self) -> Program:
        return program(self.args, (), [f"y = {self.expression}", "L = sum(y)"])


def _narrowest_required(op: Op) -> str:
    """The domain the op's own ``requires`` notes ask for ("x > 0": positive, "0 < p < 1": unit), else signed."""
    if any("< 1" in r for r in op.requires):
        return "unit"
    if any("> 0" in r for r in op.requires):
        return "positive"
    return "signed"


def _domain(op: Op, shapes: tuple[Shape, ...], axis: int | None) -> str | None:
    """The first domain, from what ``requires`` asks, where the engine accepts the shapes and gives finite
    values and gradients; None if there is none."""
    for domain in DOMAINS[DOMAINS.index(_narrowest_required(op)) :]:
        case = Case(op.name, shapes, axis, 0, domain)
        try:
            trace = run(case.program(), case.values())
        except EvalError:
            return None  # shapes (or an axis) the op does not take, whatever the values
        arrays = [*trace.values.values(), *trace.grads.values()]
        if all(np.all(np.isfinite(a)) for a in arrays):
            return domain
    return None


def _shape_options(op: Op) -> tuple[tuple[Shape, ...], ...]:
    if op.operands == 1:
        return tuple((s,) for s in SHAPES + (EDGE_SHAPES if op.takes_axis else ()))
    if op.operands == 2:
        return PAIRS
    return tuple((s,) * op.operands for s in SHAPES)


@cache
def cases() -> tuple[Case, ...]:
    """Every case of every op in ``OPS``."""
    found: list[Case] = []
    for op in OPS.values():
        for shapes in _shape_options(op):
            for axis in AXES if op.takes_axis else (None,):
                domain = _domain(op, shapes, axis)
                if domain is not None:
                    found += [Case(op.name, shapes, axis, wrt, domain) for wrt in range(op.operands)]
    return tuple(found)


@cache
def edge_cases() -> tuple[Case, ...]:
    """Every case of EDGES: each op's awkward points, along every axis it takes, by each operand."""
    found: list[Case] = []
    for name, points in EDGES.items():
        op = OPS[name]
        for k, point in enumerate(points):
            shapes = tuple(np.shape(v) for v in point)
            axes = [a for a in AXES if len(shapes[0]) > 1 or a in (None, 0, -1)] if op.takes_axis else [None]
            found += [Case(name, shapes, axis, wrt, "edge", k) for axis in axes for wrt in range(op.operands)]
    return tuple(found)


def missing_cases(covered: set[tuple[str, int]]) -> list[str]:
    """The ``op (argument)`` pairs of ``OPS`` with no case in ``covered``."""
    return [
        f"{op.name} (by {ARGS[i]})" for op in OPS.values() for i in range(op.operands) if (op.name, i) not in covered
    ]
