"""A lesson's graph as a program of named assignments, and everything one run of it gives.

From one :func:`run`: every node's value and every node's gradient (delta) of the output. On demand:
the :func:`local_derivative` of one assignment with respect to one of its inputs, other inputs held
fixed, and the full :func:`jacobian` of an assignment with respect to one of its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tutor.engine.dispatch import op_of
from tutor.engine.node import EvalError, Node, Record, apply, backward, build, build_checked, fmt_shape, leaf
from tutor.engine.ops import IDENTITY
from tutor.engine.shapes import expr_shape, program_shapes
from tutor.lang.pretty import to_text
from tutor.lang.syntax import Expr, names_in

MAX_JACOBIAN_ENTRIES = 250_000
#: work units of a Jacobian (one backward pass through the node's line per row, see tutor.engine.shapes):
#: about a tenth of a second, so that validating, solving or grading a Jacobian step never stalls
MAX_JACOBIAN_WORK = 20_000_000


@dataclass(frozen=True)
class Assignment:
    """One line of the graph: ``name = expr``."""

    name: str
    expr: Expr
    inputs: tuple[str, ...] = ()

    @staticmethod
    def of(name: str, expr: Expr) -> Assignment:
        """An assignment with its input names worked out from the expression."""
        return Assignment(name, expr, tuple(names_in(expr)))

    @property
    def text(self) -> str:
        """The line as maths, e.g. ``L = (y − t)²``."""
        return f"{self.name} = {to_text(self.expr)}"


@dataclass(frozen=True)
class Program:
    """Leaves (inputs get gradients, constants do not) and assignments in order; the last is the output."""

    inputs: tuple[str, ...]
    constants: tuple[str, ...]
    assignments: tuple[Assignment, ...]

    @property
    def output(self) -> str:
        """The name of the output node (the loss)."""
        return self.assignments[-1].name

    @property
    def nodes(self) -> tuple[str, ...]:
        """The names of the assigned nodes, in order."""
        return tuple(a.name for a in self.assignments)

    def assignment(self, name: str) -> Assignment:
        """The assignment that defines ``name``; KeyError if none does."""
        for a in self.assignments:
            if a.name == name:
                return a
        raise KeyError(name)

    def reaching_output(self) -> set[str]:
        """The names (leaves and nodes) on some path to the output."""
        reach = {self.output}
        for a in reversed(self.assignments):
            if a.name in reach:
                reach.update(a.inputs)
        return reach

    def consumers(self, name: str) -> list[str]:
        """The nodes whose assignment uses ``name``."""
        return [a.name for a in self.assignments if name in a.inputs]


@dataclass
class Trace:
    """One forward and backward run: values of every leaf and node, gradients of every input and node."""

    program: Program
    values: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]
    nodes: dict[str, Node] = field(repr=False, default_factory=dict)

    @property
    def output(self) -> str:
        """The output's name."""
        return self.program.output


def forward(program: Program, values: Mapping[str, object]) -> dict[str, Node]:
    """Build the graph on the given leaf values; returns the node of every name.

    Every line's shapes and the run's size are checked before any array is built (EvalError naming the line).
    """
    env: dict[str, Node] = {}
    for name in (*program.inputs, *program.constants):
        env[name] = leaf(values[name], name)
    program_shapes(program, {name: node.value.shape for name, node in env.items()})
    for a in program.assignments:
        node = build_checked(a.expr, env)
        if node.name is not None:  # a line that only renames another value: its own node, with its own delta
            node = apply(IDENTITY, node)
        node.name = a.name
        env[a.name] = node
    return env


def run(program: Program, values: Mapping[str, object]) -> Trace:
    """Forward and backward: every value, and the gradient of the output with respect to every node."""
    env = forward(program, values)
    out = env[program.output]
    grads_by_id = backward(out)
    grads: dict[str, np.ndarray] = {}
    for name in (*program.inputs, *program.nodes):
        node = env[name]
        g = grads_by_id.get(id(node))
        grads[name] = np.zeros_like(node.value) if g is None else g
    return Trace(program, {n: env[n].value for n in env}, grads, env)


@dataclass
class LineGraph:
    """One line of the graph rebuilt alone: its root, its inputs as fresh leaves, each op node with its syntax."""

    root: Node
    inputs: dict[str, Node]
    applications: Record


def line_graph(program: Program, values: Mapping[str, np.ndarray], node: str) -> LineGraph:
    """The assignment of ``node`` rebuilt alone on fresh leaves at the given values (the one helper for this)."""
    a = program.assignment(node)
    inputs = {n: leaf(values[n], n) for n in a.inputs}
    applications: Record = []
    return LineGraph(build(a.expr, inputs, applications), inputs, applications)


def _elementwise_path(expr: Expr, wrt: str) -> bool:
    """Whether every op between the root of ``expr`` and each use of ``wrt`` is elementwise."""
    if wrt not in names_in(expr):
        return True
    app = op_of(expr)
    if app is None:  # the name itself
        return True
    return app.op.elementwise and all(_elementwise_path(x, wrt) for x in app.operands)


def local_problem(program: Program, values: Mapping[str, np.ndarray], node: str, wrt: str) -> str | None:
    """Why ``local: node/wrt`` is not defined, or None when it is."""
    try:
        a = program.assignment(node)
    except KeyError:
        return f"{node!r} is not a node of the graph"
    if wrt not in a.inputs:
        return f"{wrt!r} is not an input of {node} (its inputs: {', '.join(a.inputs) or 'none'})"
    out_shape = np.shape(values[node])
    in_shape = np.shape(values[wrt])
    if int(np.prod(out_shape)) == 1:
        return None
    if not _elementwise_path(a.expr, wrt):
        return (
            f"{node} depends on {wrt} through a non-elementwise op, so ∂{node}/∂{wrt} is a full "
            f"Jacobian: ask for 'jacobian: {node}/{wrt}' or 'grad: {wrt}'"
        )
    if out_shape != in_shape:
        return (
            f"{wrt} ({fmt_shape(in_shape)}) is broadcast to {node} ({fmt_shape(out_shape)}), so the local "
            f"derivative does not have {wrt}'s shape: ask for 'jacobian: {node}/{wrt}' or 'grad: {wrt}'"
        )
    return None


def local_derivative(program: Program, values: Mapping[str, np.ndarray], node: str, wrt: str) -> np.ndarray:
    """∂node/∂wrt of one assignment, other inputs fixed, shaped like ``wrt`` (elementwise or scalar nodes)."""
    problem = local_problem(program, values, node, wrt)
    if problem:
        raise EvalError(problem)
    line = line_graph(program, values, node)
    x = line.inputs[wrt]
    return backward(line.root).get(id(x), np.zeros_like(x.value)).reshape(np.shape(values[wrt]))


def jacobian_work(program: Program, values: Mapping[str, np.ndarray], node: str, wrt: str) -> int:
    """The work units of ``jacobian: node/wrt``: one backward pass through the node's line per row, plus the row.

    EvalError when the line cannot be computed at these shapes.
    """
    a = program.assignment(node)
    _, line_work = expr_shape(a.expr, {n: np.shape(values[n]) for n in a.inputs})
    return int(np.size(values[node])) * (line_work + int(np.size(values[wrt])))


def jacobian_problem(program: Program, values: Mapping[str, np.ndarray], node: str, wrt: str) -> str | None:
    """Why ``jacobian: node/wrt`` cannot be asked (not an input, too many entries, too much work), or None."""
    try:
        a = program.assignment(node)
    except KeyError:
        return f"{node!r} is not a node of the graph"
    if wrt not in a.inputs:
        return f"{wrt!r} is not an input of {node} (its inputs: {', '.join(a.inputs) or 'none'})"
    rows, cols = int(np.size(values[node])), int(np.size(values[wrt]))
    if rows * cols > MAX_JACOBIAN_ENTRIES:
        return f"the Jacobian ∂{node}/∂{wrt} would have {rows * cols} entries, too many to ask for"
    try:
        work = jacobian_work(program, values, node, wrt)
    except EvalError as e:
        return e.message
    if work > MAX_JACOBIAN_WORK:
        return (
            f"the Jacobian ∂{node}/∂{wrt} takes {rows} backward passes through the line of {node}, {work} work "
            f"units, more than the {MAX_JACOBIAN_WORK} a step may use: make {node} smaller or its line simpler, "
            f"or ask for 'grad: {wrt}'"
        )
    return None


def jacobian(program: Program, values: Mapping[str, np.ndarray], node: str, wrt: str) -> np.ndarray:
    """The full Jacobian ∂node/∂wrt: rows are node's entries, columns wrt's, both flattened row-major.

    Row i is one backward pass seeded with the i-th unit vector; the seed is one array, set and reset.
    """
    problem = jacobian_problem(program, values, node, wrt)
    if problem:
        raise EvalError(problem)
    line = line_graph(program, values, node)
    out, x = line.root, line.inputs[wrt]
    result = np.zeros((out.value.size, x.value.size))
    seed = np.zeros(out.value.shape)
    unit = seed.reshape(-1)  # a view: setting unit[i] sets the seed
    for i in range(out.value.size):
        unit[i] = 1.0
        g = backward(out, seed).get(id(x))
        if g is not None:
            result[i] = np.asarray(g).reshape(-1)  # a copy, taken before the seed is reset
        unit[i] = 0.0
    return result


def central_difference(program: Program, values: Mapping[str, np.ndarray], wrt: str, eps: float = 1e-6) -> np.ndarray:
    """∂output/∂wrt by central differences, for checking the engine and lessons."""
    base = {k: np.array(v, dtype=float) for k, v in values.items()}
    x = base[wrt]
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        hi = forward(program, base)[program.output].value
        flat[i] = keep - eps
        lo = forward(program, base)[program.output].value
        flat[i] = keep
        grad.reshape(-1)[i] = (float(hi) - float(lo)) / (2 * eps)
    return grad
