"""The step kinds: everything about one kind of step (``value``, ``local``, ``grad``, ``jacobian``, ``update``) in one
entry.

A step names a kind and a target (``grad: x``, ``local: L/y``). Its :class:`StepKind` says how the target is
written, what the loader checks, how the engine answers it, the answer's shape and prompt, how learners and maths
name it, how PyTorch computes it, which of the grader's computed mistakes apply and which name would be the answer
itself, what the graph panel marks as asked and earned, and its part of the JSON Schema. Code asks a step's kind;
it never compares it with a name (a kind is equal only to itself, and comparing one with text raises). Adding a
kind is one entry in :data:`KINDS`, plus its tests.

Nothing here imports NumPy or the engine at import time: the lesson-list index reads step ids through this module
before NumPy is loaded. A kind's computations import what they need when they run.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from tutor.course.model import Lesson, Step
    from tutor.engine import Program, Trace
    from tutor.lang.syntax import Expr

    Values = Mapping[str, np.ndarray]

#: a name of an input, a constant or a node (the lesson format's, :mod:`tutor.course.format`)
NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]{0,31}"


@dataclass(frozen=True)
class StepContext:
    """What the loader's check of a step can look at: the graph, its values, and the lesson's settings."""

    program: Program
    values: Values
    settings: Mapping[str, float] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name of the lesson: inputs, constants, nodes."""
        return (*self.program.inputs, *self.program.constants, *self.program.nodes)


@dataclass(frozen=True)
class Question:
    """What a step asks, in maths (``δ = ∂L/∂y``), one line of context, and a note after the question (``(dy)``)."""

    asks: str
    context: str = ""
    note: str = ""


@dataclass(frozen=True)
class TorchCode:
    """A step's answer in PyTorch: setup lines (maybe none), the expression, and what it computes (plain text)."""

    setup: tuple[str, ...]
    expr: str
    note: str


class TorchWriter(Protocol):
    """What a kind's PyTorch snippet may ask of the script writer (:mod:`tutor.reveal.codegen`)."""

    @property
    def names(self) -> Mapping[str, str]:
        """Each lesson name's Python name."""
        ...

    @property
    def reached(self) -> set[str]:
        """The names PyTorch gives a .grad (a gradient reaches them from the output)."""
        ...

    def render(self, e: Expr, rename: Mapping[str, str] | None = None) -> str:
        """An expression in PyTorch spelling."""
        ...

    def fresh(self, base: str) -> str:
        """A Python name no other name of the script uses, made from ``base``."""
        ...

    def comment(self, text: str) -> str:
        """Lesson text made safe for a comment."""
        ...

    def passes_gradient(self, e: Expr, name: str) -> bool:
        """Whether PyTorch's value of ``e`` keeps a graph back to ``name``."""
        ...

    def float_literal(self, x: float) -> str:
        """A float as an exact Python number."""
        ...

    def scalar(self, name: str) -> bool:
        """Whether a lesson value is one number (no dimensions)."""
        ...


@dataclass(frozen=True)
class Candidate:
    """One computed wrong answer: ``key`` is the same at every point, ``id`` names the diagnosis, ``message`` is
    the learner's feedback and ``slip`` names the mistake for authors (the linter): "a sign slip (−x)"."""

    key: str
    id: str
    value: np.ndarray
    message: str
    slip: str
    formula: str = ""  # the part of the feedback that gives the answer away: the grader holds it back at first


@dataclass(frozen=True, kw_only=True)
class LessonNumber:
    """A lesson-level number a kind needs (``learning_rate``): it may stand in any lesson, bounded, exclusive."""

    name: str
    doc: str
    above: float  # exclusive bounds
    below: float
    example: str


@dataclass(frozen=True, kw_only=True, eq=False)
class StepKind:
    """One kind of step: how it is written and checked, answered, asked, named, graded, shown and scripted."""

    name: str  # the key in a lesson file, and the step id's prefix
    title: str  # what the lesson screen calls it: "local derivative"
    noun: str  # what messages call its answer: "the delta is 0 here"
    doc: str  # what it asks for, for authors (the JSON Schema's description, the guide's table)
    pair: bool  # the target is NODE/INPUT (else NODE)
    #: the loader's check of a target, once the graph has run: why it cannot be asked, or None
    problem: Callable[[StepContext, str, str | None], str | None]
    #: the engine's answer, from one run (the lesson gives its program and settings)
    expected: Callable[[Lesson, Trace, Step], np.ndarray]
    shape: Callable[[Values, Step], tuple[int, ...]]  # the answer's shape, from the forward values
    shape_of: str  # whose shape that is, for messages: "node", "wrt" or "" (no one's)
    question: Callable[[Lesson, Step, Values], Question]
    describe: Callable[[Lesson, Step], str]  # what the step asks for, in maths: "∂L/∂y", "the Jacobian ∂S/∂X"
    torch: Callable[[TorchWriter, Lesson, Step], TorchCode]  # its answer as PyTorch computes it
    #: the grader's mistakes computed from the graph that apply (tutor.grading.mistakes.GRAPH_MISTAKES)
    graph_mistakes: tuple[str, ...] = ()
    #: this kind's own wrong answers, computed from one run (beside the sign and transposition every kind gets)
    mistakes: Callable[[Lesson, Trace, Step], list[Candidate]] | None = None
    own: str = ""  # the meaning of a name that would be the answer itself: "value" (y) or "grad" (dy)
    marks: str = ""  # the graph panel's column this step asks for and earns: "value", "grad" or "" (none)
    #: what the answer is the derivative of: "output" (∂L/∂node), "line" (∂node/∂input, elementwise), "jacobian"
    #: (the node's line, entry by entry) or "" (not a derivative); the grader looks for a power's exponent, and
    #: the linter checks by central differences, by it
    derivative: str = ""
    #: work units of its answer beyond one run (the loader's and the linter's budgets); None: nothing to speak of
    work: Callable[[Program, Values, str, str], int] | None = None
    settings: tuple[LessonNumber, ...] = ()  # lesson-level numbers it needs

    def __eq__(self, other: object) -> bool:
        """A kind is equal only to itself; comparing one with a name is a mistake, said loudly."""
        if isinstance(other, str):
            raise TypeError(f"compare a step's kind with a StepKind (steps.KINDS), not with the text {other!r}")
        return self is other

    __hash__ = object.__hash__

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"StepKind({self.name})"

    def parse_target(self, text: str) -> tuple[str, str | None]:
        """``L / y`` → (``L``, ``y``) for a pair, ``y`` → (``y``, None); spaces dropped, a missing part empty."""
        if not self.pair:
            return text.strip(), None
        node, _, wrt = text.partition("/")
        return node.strip(), wrt.strip() or None

    def target_pattern(self) -> str:
        """The target as a regular expression (for the JSON Schema)."""
        if self.pair:
            return rf"^\s*{NAME_PATTERN}\s*/\s*{NAME_PATTERN}\s*$"
        return rf"^\s*{NAME_PATTERN}\s*$"

    def example(self) -> str:
        """A step of this kind as a lesson writes it: ``local: L/y``."""
        return f"{self.name}: {'L/y' if self.pair else 'y'}"

    def whose_shape(self, step: Step) -> str | None:
        """The name whose shape the answer has (for messages), or None."""
        return {"node": step.node, "wrt": step.wrt}.get(self.shape_of)


def step_id(kind: StepKind, node: str, wrt: str | None = None) -> str:
    """``grad:x``, ``local:L/y``: the id of a step (the one place ids are written)."""
    return f"{kind.name}:{node}/{wrt}" if wrt else f"{kind.name}:{node}"


# ---------------------------------------------------------------- checks shared by kinds


def did_you_mean(word: str, options: tuple[str, ...], known: str = "expected one of") -> str:
    """``; did you mean 'grad'?`` for a near miss, else the options listed."""
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; {known}: {', '.join(options)}" if options else ""


def _a_name(kind: str, ctx: StepContext, node: str) -> str | None:
    """Why ``node`` is not a name of the lesson, or None."""
    if node in ctx.names:
        return None
    return f"{kind}: {node!r} is not a name of the lesson" + did_you_mean(node, ctx.names, "the names")


def _a_node_and_input(kind: str, ctx: StepContext, node: str, wrt: str | None) -> str | None:
    """Why NODE/INPUT does not name a node and a name of the lesson, or None."""
    if not wrt:
        return f"{kind}: takes NODE/INPUT, e.g. '{kind}: L/y'"
    if node not in ctx.program.nodes:
        return f"{kind}: {node!r} is not a node of the graph" + did_you_mean(node, ctx.program.nodes, "the nodes")
    if wrt not in ctx.names:
        return f"{kind}: {wrt!r} is not a name of the lesson" + did_you_mean(wrt, ctx.names, "the names")
    return None


def _short(x: np.ndarray) -> str:
    """One entry of a value, as the prompt shows it."""
    import numpy as np

    from tutor.lang.pretty import format_number

    return format_number(float(np.asarray(x).reshape(-1)[0]))


def _shape_of(values: Values, name: str) -> tuple[int, ...]:
    import numpy as np

    return tuple(np.shape(values[name]))


# ---------------------------------------------------------------- value: a forward value


def _value_problem(ctx: StepContext, node: str, wrt: str | None) -> str | None:
    problem = _a_name("value", ctx, node)
    if problem or node in ctx.program.nodes:
        return problem
    given = "input" if node in ctx.program.inputs else "constant"
    return f"value: {node!r} is a given {given}; ask for the value of a node"


def _value_question(lesson: Lesson, step: Step, values: Values) -> Question:
    import numpy as np

    a = lesson.program.assignment(step.node)
    known = ", ".join(f"{n} = {_short(values[n])}" for n in a.inputs if np.size(values[n]) == 1)
    return Question(step.node, f"{a.text}" + (f", at {known}" if known else ""))


def _value_torch(w: TorchWriter, lesson: Lesson, step: Step) -> TorchCode:
    return TorchCode((), w.names[step.node], f"the forward value of {step.node}")


VALUE = StepKind(
    name="value",
    title="forward value",
    noun="forward value",
    doc="The forward value of a node.",
    pair=False,
    problem=_value_problem,
    expected=lambda lesson, trace, step: trace.values[step.node],
    shape=lambda values, step: _shape_of(values, step.node),
    shape_of="node",
    question=_value_question,
    describe=lambda lesson, step: f"{step.node}",
    torch=_value_torch,
    graph_mistakes=("forward",),
    own="value",
    marks="value",
)


# ---------------------------------------------------------------- local: one line's derivative, others fixed


def _local_problem(ctx: StepContext, node: str, wrt: str | None) -> str | None:
    from tutor.engine import local_problem

    problem = _a_node_and_input("local", ctx, node, wrt)
    return problem or local_problem(ctx.program, ctx.values, node, wrt or "")


def _local_expected(lesson: Lesson, trace: Trace, step: Step) -> np.ndarray:
    from tutor.engine import local_derivative

    return local_derivative(lesson.program, trace.values, step.node, step.wrt or "")


def _local_torch(w: TorchWriter, lesson: Lesson, step: Step) -> TorchCode:
    """∂node/∂wrt of the node's own line only, on a fresh copy of the input (zeros where no gradient passes)."""
    assert step.wrt is not None
    a = lesson.program.assignment(step.node)
    x = w.names[step.wrt]
    if not w.passes_gradient(a.expr, step.wrt):
        note = f"∂{step.node}/∂{step.wrt} is 0: the line {w.comment(a.text)} passes no gradient back to {step.wrt}"
        return TorchCode((), f"torch.zeros_like({x})", note)
    fresh = w.fresh(x + "_")
    body = w.render(a.expr, {step.wrt: fresh})
    setup = [f"{fresh} = {x}.detach().requires_grad_()"]
    if w.scalar(step.node):
        expr = f"torch.autograd.grad({body}, {fresh})[0]"
    else:
        out = w.fresh(fresh + "out")
        setup.append(f"{out} = {body}")
        expr = f"torch.autograd.grad({out}, {fresh}, torch.ones_like({out}))[0]"
    note = f"∂{step.node}/∂{step.wrt} of the line {w.comment(a.text)} alone, its other inputs held fixed"
    return TorchCode(tuple(setup), expr, note)


LOCAL = StepKind(
    name="local",
    title="local derivative",
    noun="local derivative",
    doc="The local derivative of a node with respect to one of its inputs, others held fixed (elementwise and "
    "scalar nodes).",
    pair=True,
    problem=_local_problem,
    expected=_local_expected,
    shape=lambda values, step: _shape_of(values, step.wrt or ""),
    shape_of="wrt",
    question=lambda lesson, step, values: Question(
        f"∂{step.node}/∂{step.wrt}", lesson.program.assignment(step.node).text, "(local: other inputs fixed)"
    ),
    describe=lambda lesson, step: f"∂{step.node}/∂{step.wrt}",
    torch=_local_torch,
    graph_mistakes=("local",),
    derivative="line",
)


# ---------------------------------------------------------------- grad: the delta of the output


def _grad_problem(ctx: StepContext, node: str, wrt: str | None) -> str | None:
    problem = _a_name("grad", ctx, node)
    if problem or node not in ctx.program.constants:
        return problem
    return f"grad: {node!r} is a constant and gets no gradient; make it an input to ask for its gradient"


def _grad_question(lesson: Lesson, step: Step, values: Values) -> Question:
    import numpy as np

    users = lesson.program.consumers(step.node)
    return Question(
        f"δ = ∂{lesson.output}/∂{step.node}",
        f"{step.node} feeds {', '.join(users)}" if users else "",
        f"(d{step.node})" if np.ndim(values[step.node]) > 0 else "",
    )


def _grad_torch(w: TorchWriter, lesson: Lesson, step: Step) -> TorchCode:
    n = w.names
    if step.node not in w.reached:
        note = f"∂{lesson.output}/∂{step.node} is 0: no gradient reaches {step.node} (PyTorch leaves its .grad None)"
        return TorchCode((), f"torch.zeros_like({n[step.node]})", note)
    return TorchCode(
        (), f"{n[step.node]}.grad", f"∂{lesson.output}/∂{step.node}, filled in by {n[lesson.output]}.backward()"
    )


GRAD = StepKind(
    name="grad",
    title="delta (gradient of the output)",
    noun="delta",
    doc="The delta: the derivative of the output with respect to a node or an input.",
    pair=False,
    problem=_grad_problem,
    expected=lambda lesson, trace, step: trace.grads[step.node],
    shape=lambda values, step: _shape_of(values, step.node),
    shape_of="node",
    question=_grad_question,
    describe=lambda lesson, step: f"∂{lesson.output}/∂{step.node}",
    torch=_grad_torch,
    graph_mistakes=("chain",),
    own="grad",
    marks="grad",
    derivative="output",
)


# ---------------------------------------------------------------- jacobian: a line's full Jacobian


def _jacobian_problem(ctx: StepContext, node: str, wrt: str | None) -> str | None:
    from tutor.engine import jacobian_problem

    problem = _a_node_and_input("jacobian", ctx, node, wrt)
    return problem or jacobian_problem(ctx.program, ctx.values, node, wrt or "")


def _jacobian_expected(lesson: Lesson, trace: Trace, step: Step) -> np.ndarray:
    from tutor.engine import jacobian

    return jacobian(lesson.program, trace.values, step.node, step.wrt or "")


def _jacobian_shape(values: Values, step: Step) -> tuple[int, ...]:
    import numpy as np

    return (int(np.size(values[step.node])), int(np.size(values[step.wrt or ""])))


def _jacobian_work(program: Program, values: Values, node: str, wrt: str) -> int:
    from tutor.engine import jacobian_work

    return jacobian_work(program, values, node, wrt)


def _jacobian_torch(w: TorchWriter, lesson: Lesson, step: Step) -> TorchCode:
    assert step.wrt is not None
    x, n = w.names[step.wrt], w.names[step.node]
    body = w.render(lesson.program.assignment(step.node).expr)  # the lambda's parameter takes the input's own name
    return TorchCode(
        (),
        f"torch.autograd.functional.jacobian(lambda {x}: {body}, {x}).reshape({n}.numel(), {x}.numel())",
        f"∂{step.node}/∂{step.wrt}: rows are {step.node}'s entries, columns {step.wrt}'s, both row-major",
    )


JACOBIAN = StepKind(
    name="jacobian",
    title="Jacobian",
    noun="Jacobian",
    doc="The full Jacobian of a node with respect to one of its inputs (rows: the node's entries, columns: the "
    "input's entries, both row-major).",
    pair=True,
    problem=_jacobian_problem,
    expected=_jacobian_expected,
    shape=_jacobian_shape,
    shape_of="",
    question=lambda lesson, step, values: Question(
        f"Jacobian ∂{step.node}/∂{step.wrt}",
        f"{lesson.program.assignment(step.node).text}; rows: {step.node} entries, columns: {step.wrt} entries, "
        "row-major",
    ),
    describe=lambda lesson, step: f"the Jacobian ∂{step.node}/∂{step.wrt}",
    torch=_jacobian_torch,
    derivative="jacobian",
    work=_jacobian_work,
)


# ---------------------------------------------------------------- update: one step of gradient descent

LEARNING_RATE = LessonNumber(
    name="learning_rate",
    doc="The learning rate of the lesson's update steps: W ← W − learning_rate·∂L/∂W.",
    above=0,
    below=10,
    example="0.1",
)


def _update_problem(ctx: StepContext, node: str, wrt: str | None) -> str | None:
    problem = _a_name("update", ctx, node)
    if problem:
        return problem
    if node not in ctx.program.inputs:
        inputs = ", ".join(ctx.program.inputs)
        return f"update: {node!r} is not an input; gradient descent updates the inputs (the weights): {inputs}"
    if LEARNING_RATE.name not in ctx.settings:
        rate = f"{LEARNING_RATE.name}: {LEARNING_RATE.example}"
        return f"update: needs the lesson's learning rate: add '{rate}' to the lesson"
    return None


def _update_expected(lesson: Lesson, trace: Trace, step: Step) -> np.ndarray:
    return trace.values[step.node] - lesson.settings[LEARNING_RATE.name] * trace.grads[step.node]


def _rate(lesson: Lesson) -> str:
    """The learning rate as the prompt shows it."""
    from tutor.lang.pretty import format_number

    return format_number(lesson.settings[LEARNING_RATE.name])


def _update_question(lesson: Lesson, step: Step, values: Values) -> Question:
    w, out = step.node, lesson.output
    context = f"one step of gradient descent with the learning rate lr = {_rate(lesson)}, using δ = ∂{out}/∂{w}"
    return Question(f"{w} − lr·∂{out}/∂{w}", context, f"(the new {w})")


def _update_torch(w: TorchWriter, lesson: Lesson, step: Step) -> TorchCode:
    """The optimizer's step by hand: under torch.no_grad(), so that the new value is not part of the graph."""
    x, lr = w.names[step.node], w.float_literal(lesson.settings[LEARNING_RATE.name])
    new = w.fresh(x + "_new")
    grad = f"{x}.grad" if step.node in w.reached else f"torch.zeros_like({x})"  # PyTorch leaves .grad None there
    setup = ("with torch.no_grad():", f"    {new} = {x} - {lr} * {grad}")
    return TorchCode(setup, new, f"{step.node} after one step of gradient descent, as an optimizer's step() makes it")


def _update_mistakes(lesson: Lesson, trace: Trace, step: Step) -> list[Candidate]:
    """Climbing instead of descending, the learning rate left out, the change alone, no change, the gradient."""
    w, out = step.node, lesson.output
    value, grad, lr = trace.values[w], trace.grads[w], lesson.settings[LEARNING_RATE.name]
    right = f"{w} − lr·d{w}"
    return [
        Candidate(
            "update-ascent",
            "update-ascent",
            value + lr * grad,
            f"That is {w} + lr·d{w}, a step up the loss: gradient descent steps against the gradient, {right}.",
            f"adds the step (gives {w} + lr·d{w}, climbing the loss)",
        ),
        Candidate(
            "update-no-rate",
            "update-no-rate",
            value - grad,
            f"That is {w} − d{w}: the step is the gradient times the learning rate lr = {_rate(lesson)}, {right}.",
            f"forgets the learning rate (gives {w} − d{w})",
        ),
        Candidate(
            "update-change-only",
            "update-change-only",
            -lr * grad,
            f"That is only the change −lr·d{w}: the new {w} is the old one plus it, {right}.",
            f"gives only the change −lr·d{w}",
        ),
        Candidate(
            "update-unchanged",
            "update-unchanged",
            value,
            f"That is {w} before the step: subtract lr·d{w}, {right}.",
            f"gives {w} unchanged",
        ),
        Candidate(
            "update-gradient",
            "update-gradient",
            grad,
            f"That is the gradient ∂{out}/∂{w}; the step asks for the new value of {w}, {right}.",
            f"gives the gradient d{w}",
        ),
    ]


UPDATE = StepKind(
    name="update",
    title="update (one step of gradient descent)",
    noun="updated value",
    doc="An input after one step of gradient descent, W − learning_rate·∂L/∂W (the lesson gives learning_rate).",
    pair=False,
    problem=_update_problem,
    expected=_update_expected,
    shape=lambda values, step: _shape_of(values, step.node),
    shape_of="node",
    question=_update_question,
    describe=lambda lesson, step: f"{step.node} − lr·∂{lesson.output}/∂{step.node}",
    torch=_update_torch,
    mistakes=_update_mistakes,
    settings=(LEARNING_RATE,),
)


# ---------------------------------------------------------------- the registry

#: every kind, in the order the format lists them
KINDS: tuple[StepKind, ...] = (VALUE, LOCAL, GRAD, JACOBIAN, UPDATE)
#: the kinds by the key a lesson file writes them with
STEP_KINDS: dict[str, StepKind] = {k.name: k for k in KINDS}
#: the lesson-level numbers the kinds need (``learning_rate``), by name
SETTINGS: dict[str, LessonNumber] = {s.name: s for k in KINDS for s in k.settings}


def kind_named(name: str) -> StepKind:
    """The kind a lesson file calls ``name``; KeyError (naming the kinds) when there is none."""
    try:
        return STEP_KINDS[name]
    except KeyError:
        raise KeyError(f"no step kind {name!r}; the kinds are {', '.join(STEP_KINDS)}") from None


def default_walk(nodes: list[str] | tuple[str, ...], inputs: list[str] | tuple[str, ...]) -> list[tuple[StepKind, str]]:
    """The walk used when a lesson gives no steps: every node's value in graph order, then the delta of every
    node from the output backwards (the output's own, 1, is skipped), then the delta of every input, in reverse
    order of declaration."""
    walk = [(VALUE, n) for n in nodes]
    walk += [(GRAD, n) for n in reversed(nodes[:-1])]
    walk += [(GRAD, n) for n in reversed(inputs)]
    return walk


def _check(kinds: tuple[StepKind, ...]) -> None:
    """Refuse a registry that contradicts itself, naming the kind."""
    seen: set[str] = set()
    for k in kinds:
        problems = []
        if k.name in seen:
            problems.append("the name is taken")
        if k.shape_of not in ("node", "wrt", "") or (k.shape_of == "wrt" and not k.pair):
            problems.append(f"shape_of {k.shape_of!r} is not 'node', 'wrt' (of a pair) or ''")
        if k.own not in ("value", "grad", "") or k.marks not in ("value", "grad", ""):
            problems.append("own and marks are 'value', 'grad' or ''")
        if k.derivative not in ("output", "line", "jacobian", ""):
            problems.append(f"derivative {k.derivative!r} is not 'output', 'line', 'jacobian' or ''")
        if problems:
            raise ValueError(f"step kind {k.name}: " + "; ".join(problems))
        seen.add(k.name)


_check(KINDS)

__all__ = [
    "GRAD",
    "JACOBIAN",
    "KINDS",
    "LOCAL",
    "SETTINGS",
    "STEP_KINDS",
    "UPDATE",
    "VALUE",
    "Candidate",
    "LessonNumber",
    "Question",
    "StepContext",
    "StepKind",
    "TorchCode",
    "TorchWriter",
    "default_walk",
    "did_you_mean",
    "kind_named",
    "step_id",
]
