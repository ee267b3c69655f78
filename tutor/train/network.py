"""A lesson's graph as a network to train: its data names, its parameters, their shapes at a hidden size.

A lesson is trainable when it is written as the course writes a network (docs/notation.md §3): constants ``X``
(the samples, one per row, N×D) and ``Y`` (the targets, one row per sample, N×K), the parameters as its inputs
(every input gets a gradient and is updated), and a scalar loss as its last line. Training replaces ``X`` and
``Y`` by a data set with the same D and K and, if asked, the hidden width by another; every shape of the graph
is checked at those sizes before any array is built.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.course.model import Lesson
from tutor.engine import EvalError, fmt_shape
from tutor.engine.shapes import ProgramShapes, program_shapes
from tutor.train.data import DataSet

DATA = "X"
TARGETS = "Y"
#: the widest hidden layer a run may have (checked before anything is computed)
MAX_HIDDEN = 64
WEIGHT_SEED = 1

Shape = tuple[int, ...]


class TrainError(ValueError):
    """Why a network cannot be trained as asked: the message says what to do, ``step`` names the step to fix."""

    def __init__(self, message: str, step: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.step = step


@dataclass(frozen=True)
class Network:
    """A trainable lesson: its parameters (the inputs) and their shapes, D and K, and the hidden width if it has one."""

    lesson: Lesson
    parameters: tuple[str, ...]
    lesson_shapes: dict[str, Shape]
    inputs_width: int  # D
    targets_width: int  # K
    hidden: int | None  # the hidden width that can be changed, None when the shapes do not single one out

    @property
    def program(self):  # noqa: ANN201 - tutor.engine.Program
        """The lesson's graph."""
        return self.lesson.program


def network_of(lesson: Lesson) -> Network:
    """The lesson as a network to train; TrainError saying what is missing when it is not one."""
    program = lesson.program
    missing = [n for n in (DATA, TARGETS) if n not in program.constants]
    if missing:
        raise TrainError(
            f"lesson {lesson.id} has no constant {' or '.join(missing)}: a network to train takes its samples as "
            f"the constant {DATA} (one per row) and its targets as {TARGETS}"
        )
    X, Y = lesson.constants[DATA], lesson.constants[TARGETS]
    if np.ndim(X) != 2 or np.ndim(Y) != 2 or X.shape[0] != Y.shape[0]:
        raise TrainError(
            f"lesson {lesson.id}: {DATA} ({fmt_shape(np.shape(X))}) and {TARGETS} ({fmt_shape(np.shape(Y))}) must be "
            "matrices with one row per sample"
        )
    if not program.inputs:
        raise TrainError(f"lesson {lesson.id} has no inputs: the parameters to train are a network's inputs")
    shapes = {n: tuple(np.shape(lesson.inputs[n])) for n in program.inputs}
    D, K = int(X.shape[1]), int(Y.shape[1])
    dims = {d for s in shapes.values() for d in s}
    hidden = dims - {D, K, 1}
    return Network(lesson, tuple(program.inputs), shapes, D, K, hidden.pop() if len(hidden) == 1 else None)


@dataclass(frozen=True)
class Setup:
    """A network on a data set at one hidden width: every leaf's shape, and the graph's shapes and work."""

    network: Network
    data: DataSet
    hidden: int | None
    shapes: dict[str, Shape]  # parameters and constants
    graph: ProgramShapes

    def leaves(self, weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The values of every leaf of the graph: these weights, the data set, the lesson's other constants."""
        lesson = self.network.lesson
        return {**lesson.constants, DATA: self.data.X, TARGETS: self.data.Y, **weights}


def set_up(network: Network, data: DataSet, hidden: int | None = None) -> Setup:
    """The network's shapes on ``data`` with ``hidden`` units (the lesson's own when None); TrainError if they fail."""
    lesson = network.lesson
    if data.X.shape[1] != network.inputs_width or data.Y.shape[1] != network.targets_width:
        raise TrainError(
            f"the data set {data.name} has {data.X.shape[1]} inputs and {data.Y.shape[1]} target columns; lesson "
            f"{lesson.id}'s network takes {network.inputs_width} and {network.targets_width}: "
            + _which_sets(network.targets_width)
        )
    width = network.hidden
    if hidden is not None and hidden != width:
        if width is None:
            raise TrainError(
                f"lesson {lesson.id}'s hidden width cannot be changed (its layer sizes do not single one out): "
                "train it without --hidden"
            )
        if not 1 <= hidden <= MAX_HIDDEN:
            raise TrainError(f"the hidden width must be 1 to {MAX_HIDDEN}, not {hidden}")
        width = hidden
    shapes: dict[str, Shape] = {n: tuple(np.shape(v)) for n, v in lesson.constants.items()}
    shapes[DATA], shapes[TARGETS] = data.X.shape, data.Y.shape
    for name, shape in network.lesson_shapes.items():
        shapes[name] = tuple(width if width is not None and d == network.hidden else d for d in shape)
    try:
        graph = program_shapes(lesson.program, shapes)
    except EvalError as e:
        line = f" (the line of {e.node})" if e.node else ""
        raise TrainError(f"lesson {lesson.id}'s graph does not compute on {data.name}{line}: {e.message}") from None
    if graph.shapes[lesson.output] not in ((), (1,), (1, 1)):
        raise TrainError(f"lesson {lesson.id}'s last line must be a scalar loss to train on")
    return Setup(network, data, width, shapes, graph)


def _which_sets(k: int) -> str:
    """Which data sets fit a network with ``k`` target columns."""
    from tutor.train.data import TARGET_COLUMNS

    fit = [name for name, cols in TARGET_COLUMNS.items() if cols == k]
    return f"choose {', '.join(fit)}" if fit else "no shipped data set has that many target columns"


def initial_weights(setup: Setup, seed: int = WEIGHT_SEED) -> dict[str, np.ndarray]:
    """Each parameter drawn uniformly from ±1/√(rows), as nn.Linear does with its fan-in; the same for a seed."""
    rng = np.random.default_rng(seed)
    out = {}
    for name in setup.network.parameters:
        shape = setup.shapes[name]
        bound = 1.0 / np.sqrt(max(shape[0], 1)) if shape else 1.0
        out[name] = rng.uniform(-bound, bound, size=shape)
    return out
