"""Our autograd engine: reverse mode on NumPy float64, with one table of ops (imports neither textual nor torch)."""

from tutor.engine.node import EvalError, Node, backward, build, fmt_shape, leaf, unbroadcast
from tutor.engine.ops import BINARY, OPS, Op
from tutor.engine.program import (
    Assignment,
    Program,
    Trace,
    central_difference,
    forward,
    jacobian,
    jacobian_problem,
    jacobian_work,
    local_derivative,
    local_problem,
    run,
)

__all__ = [
    "BINARY",
    "OPS",
    "Assignment",
    "EvalError",
    "Node",
    "Op",
    "Program",
    "Trace",
    "backward",
    "build",
    "central_difference",
    "fmt_shape",
    "forward",
    "jacobian",
    "jacobian_problem",
    "jacobian_work",
    "leaf",
    "local_derivative",
    "local_problem",
    "run",
    "unbroadcast",
]
