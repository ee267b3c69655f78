"""The lesson model: a lesson file (format 1) mirrored field by field, with explicit defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tutor.course.format import AllowItem
from tutor.course.problems import Problem
from tutor.course.steps import StepKind, step_id
from tutor.course.tolerance import DEFAULT, Tolerance
from tutor.course.vary import LeafRule
from tutor.engine import Program
from tutor.lang.syntax import Expr

DEFAULT_TOLERANCE = DEFAULT  # rel 0.01 (3 significant digits pass, 5% off does not), abs 1e-6


@dataclass(frozen=True)
class Mistake:
    """An author's anticipated wrong answer: a formula and the message to show when it matches."""

    answer: str
    expr: Expr
    message: str
    line: int = 0  # where its answer stands in the file
    col: int = 0


@dataclass(frozen=True)
class Step:
    """One thing the learner computes: ``value:y``, ``local:L/y``, ``grad:x``, ``jacobian:S/X`` ... (its kind); a
    ``given`` step is shown worked (its answer and explanation) instead of asked."""

    kind: StepKind
    node: str
    wrt: str | None = None
    hints: tuple[str, ...] = ()
    explain: str = ""
    prompt: str = ""
    tolerance: Tolerance | None = None
    mistakes: tuple[Mistake, ...] = ()
    line: int = 0
    col: int = 0
    given: bool = False
    #: the warning codes this step means to keep (``lint: {allow: [W208]}``)
    lint_allow: tuple[AllowItem, ...] = ()

    @property
    def target(self) -> str:
        """``y``, ``L/y`` or ``x.grad after L.backward()``."""
        return f"{self.node}{self.kind.joiner}{self.wrt}" if self.wrt else self.node

    @property
    def id(self) -> str:
        """The step id, ``<kind>:<target>``."""
        return step_id(self.kind, self.node, self.wrt)


@dataclass(frozen=True)
class Lesson:
    """A loaded, validated lesson."""

    id: str
    title: str
    summary: str
    intro: str
    outro: str
    inputs: dict[str, np.ndarray]
    constants: dict[str, np.ndarray]
    program: Program
    steps: tuple[Step, ...]
    tolerance: Tolerance = DEFAULT_TOLERANCE
    path: Path | None = None
    content_hash: str = ""
    steps_derived: bool = False
    graph_lines: dict[str, int] = field(default_factory=dict)  # node name -> line in the file
    #: where things stand in the file, (line, col): ``id``, ``input:x``, ``constant:t``, ``node:y``
    locations: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: problems that do not stop the lesson, found while loading it (maths or Markdown that will not render)
    warnings: tuple[Problem, ...] = ()
    #: the lesson-level numbers step kinds use (``learning_rate``), as the file gives them
    settings: dict[str, float] = field(default_factory=dict)
    #: Markdown for the PyTorch panel (F4): the one autograd idea this lesson shows
    torch_note: str = ""
    #: the warning codes the whole lesson means to keep (``lint: {allow: [W103]}``)
    lint_allow: tuple[AllowItem, ...] = ()
    #: how the inputs and constants vary in the lesson's variants (the ``vary:`` section), in file order
    vary: tuple[LeafRule, ...] = ()
    #: which variant this is: 0 is the lesson as written, K ≥ 1 drawn from the rules (its content_hash says so too)
    variant: int = 0
    #: the lesson before its prose was filled in (live numbers, maths): prose is filled from it and a trace
    as_written: Lesson | None = field(default=None, repr=False, compare=False)

    @property
    def output(self) -> str:
        """The output node (the loss)."""
        return self.program.output

    def leaf_values(self) -> dict[str, np.ndarray]:
        """Inputs and constants, as the engine takes them."""
        return {**self.inputs, **self.constants}

    def step(self, step_id: str) -> Step:
        """The step with this id; KeyError if none."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def tolerance_for(self, step: Step) -> Tolerance:
        """The tolerance of a step: its own, else the lesson's (a number, its relative part, with ``.abs``)."""
        return step.tolerance if step.tolerance is not None else self.tolerance
