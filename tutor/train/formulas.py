"""The learner's backward pass: their delta formulas, read, checked and put in order once, before training.

A formula is the text typed for a ``grad`` step (``dZ2 = A2 - Y`` is the answer ``A2 - Y`` to ``grad: Z2``),
from the progress store (the latest correct formula of each step) or from an answers file. It is parsed by
the answer language's parser and checked against its allow-list (:mod:`tutor.grading.formula`: nothing is ever
evaluated as Python), with the names an answer has: a name is its forward value, ``d<name>`` its delta, and
``N`` the number of samples (as in the lessons' NumPy code, ``N = X.shape[0]``) unless the lesson has a name
``N``. Every formula a parameter's delta needs, directly or through other deltas, must be there; they are put
in the order they use each other, and every shape is checked on the data set's shapes: a wrong transpose, or
a one-sample formula that keeps a row per sample where a parameter has one, is refused here, naming the step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.course.model import Lesson, Step
from tutor.engine import EvalError, fmt_shape
from tutor.engine.shapes import expr_shape
from tutor.grading.formula import FormulaError, Meaning, check_tree, meanings, own_name
from tutor.lang import ParseError, names_in, parse
from tutor.lang.syntax import Expr
from tutor.train.compiled import Compiled, compile_expr, reshaped
from tutor.train.network import Setup, TrainError

#: the name of the number of samples in a formula
BATCH = "N"


@dataclass(frozen=True)
class Formula:
    """One delta as the learner wrote it: the step, the name it defines (``dZ2``), the text and its tree."""

    step: str  # the step id, grad:Z2
    node: str  # Z2
    delta: str  # dZ2
    text: str
    tree: Expr

    @property
    def line(self) -> str:
        """``dZ2 = A2 - Y``."""
        return f"{self.delta} = {self.text}"


@dataclass(frozen=True)
class Backward:
    """The learner's formulas in the order they use each other, compiled; the delta name of each parameter."""

    formulas: tuple[Formula, ...]
    compiled: tuple[tuple[str, Compiled], ...]  # (delta name, function of the values)
    of_parameter: dict[str, str]  # W1 -> dW1
    batch: float  # N
    work: int = 0  # work units of one run of every formula (tutor.engine.shapes)

    def run(self, env: dict[str, np.ndarray]) -> None:
        """Every delta of the formulas, written into ``env`` (which holds the forward values)."""
        for name, f in self.compiled:
            env[name] = f(env)


def answer_names(lesson: Lesson) -> dict[str, Meaning]:
    """The names a formula may use: the grader's (values and deltas), and ``N`` unless the lesson has one."""
    names = dict(meanings(lesson))
    names.setdefault(BATCH, Meaning("value", BATCH))
    return names


def grad_steps(lesson: Lesson) -> dict[str, tuple[Step, str]]:
    """The steps that ask for a delta, by the node they ask about: (step, the delta's name in answers)."""
    names = meanings(lesson)
    out = {}
    for step in lesson.steps:
        own = own_name(step, names)
        if own is not None and names[own].kind == "grad":
            out[step.node] = (step, own)
    return out


def read_formulas(lesson: Lesson, texts: dict[str, str]) -> dict[str, Formula]:
    """The formulas among ``texts`` (step id -> answer as typed), by node; TrainError for one that cannot be read.

    An answer to a grad step that has no name in it (numbers) is left out: it is no formula.
    """
    names = answer_names(lesson)
    out = {}
    for node, (step, delta) in grad_steps(lesson).items():
        text = texts.get(step.id)
        if text is None:
            continue
        try:
            tree = parse(text)
            check_tree(tree, names)
        except (ParseError, FormulaError) as e:
            raise TrainError(f"{step.id}: {delta} = {text}: column {e.pos + 1}: {e.message}", step.id) from None
        if names_in(tree):
            out[node] = Formula(step.id, node, delta, text, tree)
    return out


def _needed(setup: Setup, formulas: dict[str, Formula], texts: dict[str, str]) -> list[Formula]:
    """The formulas the parameters' deltas need, each after the deltas it uses; TrainError for a missing one."""
    lesson = setup.network.lesson
    names = answer_names(lesson)
    steps = grad_steps(lesson)
    order: list[Formula] = []
    state: dict[str, str] = {}  # node -> "busy" while its uses are followed, "done" after

    def visit(node: str, wanted_by: str) -> None:
        if state.get(node) == "done":
            return
        if state.get(node) == "busy":
            raise TrainError(
                f"{steps[node][0].id}: the formulas use each other in a circle (through {wanted_by}): a delta is "
                "computed from the ones above it, never from itself",
                steps[node][0].id,
            )
        f = formulas.get(node)
        if f is None:
            raise TrainError(
                _missing(lesson, node, steps, texts, wanted_by), steps[node][0].id if node in steps else None
            )
        state[node] = "busy"
        for n in names_in(f.tree):
            m = names[n]
            if m.kind == "grad" and m.of != lesson.output:
                visit(m.of, f.line)
        state[node] = "done"
        order.append(f)

    for p in setup.network.parameters:
        visit(p, "the update of " + p)
    return order


def _missing(lesson: Lesson, node: str, steps: dict, texts: dict[str, str], wanted_by: str) -> str:
    """What to say when the delta of ``node`` has no formula."""
    if node not in steps:
        return (
            f"lesson {lesson.id} asks for no delta d{node}, which {wanted_by} needs: training takes every delta "
            "from your own formulas"
        )
    step, delta = steps[node]
    typed = texts.get(step.id)
    if typed is not None:
        return (
            f"{step.id}: {delta} was answered with numbers ({typed[:40]}); training runs your formulas: type "
            f"{delta} as a formula in the lesson's names, as in NumPy (needed by {wanted_by})"
        )
    return f"{step.id}: no formula of yours for {delta} yet (needed by {wanted_by}): type it in the lesson first"


def compile_backward(setup: Setup, texts: dict[str, str]) -> Backward:
    """The learner's backward pass on this setup's shapes, checked and compiled once; TrainError naming the step."""
    lesson = setup.network.lesson
    formulas = _needed(setup, read_formulas(lesson, texts), texts)
    names = answer_names(lesson)
    shapes = dict(setup.graph.shapes)
    n = float(setup.data.points)
    own_names = {*lesson.program.inputs, *lesson.program.constants, *lesson.program.nodes}
    fixed: dict[str, np.ndarray] = {}
    for name, m in names.items():
        if m.kind == "grad" and m.of == lesson.output:  # dL: the seed of backpropagation, 1
            fixed[name] = np.ones(shapes[lesson.output])
        elif name == BATCH and BATCH not in own_names:
            fixed[name] = np.asarray(n)
    for name, value in fixed.items():
        shapes[name] = value.shape
    for name, m in names.items():
        if m.kind == "value" and name not in fixed:
            shapes[name] = setup.graph.shapes[m.of]
    compiled = []
    total = 0
    for f in formulas:
        want = setup.graph.shapes[f.node]
        try:
            got, work = expr_shape(f.tree, shapes)
        except EvalError as e:
            raise TrainError(_cannot(setup, f, e), f.step) from None
        total += work
        fn = compile_expr(f.tree, fixed)
        if got != want:
            if int(np.prod(got)) == 1 and int(np.prod(want)) == 1:
                fn = reshaped(fn, want)
            else:
                raise TrainError(_wrong_shape(setup, f, got, want), f.step)
        shapes[f.delta] = want
        compiled.append((f.delta, fn))
    by_node = {f.node: f.delta for f in formulas}
    return Backward(tuple(formulas), tuple(compiled), {p: by_node[p] for p in setup.network.parameters}, n, total)


def _sizes(setup: Setup) -> str:
    """The run's sizes, for a message: ``200 samples, 8 hidden units``."""
    hidden = f", {setup.hidden} hidden units" if setup.hidden is not None else ""
    return f"{setup.data.points} samples of {setup.data.name}{hidden}"


def _cannot(setup: Setup, f: Formula, e: EvalError) -> str:
    """A formula whose shapes do not fit on the data set (or that is too much work on it)."""
    if "work units" in e.message:
        return f"{f.step}: {f.line} is too much work on {_sizes(setup)}: {e.message}; fix this step before training"
    return (
        f"{f.step}: {f.line} cannot be computed on {_sizes(setup)}: {e.message}. Check the order of the factors "
        "and which one carries the .T (the other factor, transposed, on the side that makes the shapes fit); "
        "fix this step before training"
    )


def _wrong_shape(setup: Setup, f: Formula, got: tuple[int, ...], want: tuple[int, ...]) -> str:
    """A formula that computes, but not with the shape of its delta."""
    rows = got[:1] == (setup.data.points,) and want[:1] == (1,) and got[1:] == want[1:]
    why = (
        f": it keeps one row per sample, but {f.node} is shared by all {setup.data.points} of them, so its delta adds "
        "their contributions up (broadcast forward, sum backward)"
        if rows
        else ""
    )
    return (
        f"{f.step}: {f.line} gives {fmt_shape(got)} on {_sizes(setup)}, but {f.delta} must have the shape of "
        f"{f.node}, {fmt_shape(want)}{why}; fix this step before training"
    )
