"""Our autograd engine: reverse mode on NumPy float64, with one table of ops (imports neither textual nor torch).

``op_of`` maps the language's syntax to the table, ``backward`` is the one backward loop and ``line_graph``
rebuilds one line of a graph on fresh leaves: the grader, the linter and the PyTorch writer use these.
"""

from tutor.engine.dispatch import Application, op_of
from tutor.engine.node import EvalError, Node, backward, build, fmt_shape, leaf, unbroadcast
from tutor.engine.ops import BINARY, IDENTITY, OPS, Op
from tutor.engine.program import (
    Assignment,
    LineGraph,
    Program,
    Trace,
    central_difference,
    forward,
    jacobian,
    jacobian_problem,
    jacobian_work,
    line_graph,
    local_derivative,
    local_problem,
    run,
)

__all__ = [
    "BINARY",
    "IDENTITY",
    "OPS",
    "Application",
    "Assignment",
    "EvalError",
    "LineGraph",
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
    "line_graph",
    "local_derivative",
    "local_problem",
    "op_of",
    "run",
    "unbroadcast",
]
