"""The step kinds: everything about one kind of step (``value``, ``local``, ``grad``, ``jacobian``, ``update``,
``after_update``, ``backward``, ``autograd``) in one entry.

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

from tutor.lang.questions import QUESTION_PATTERN, parse_question
from tutor.lang.questions import Question as AutogradQuestion

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
    grads: Values = field(default_factory=dict)  # the deltas of the same run

    @property
    def names(self) -> tuple[str, ...]:
        """Every name of the lesson: inputs, constants, nodes."""
        return (*self.program.inputs, *self.program.constants, *self.program.nodes)


@dataclass(frozen=True)
class Question:
    """What a step asks, in maths (``dy = ∂L/∂y``), one line of context, a note after the question
    (``(the new w)``), and the form of the answer where a shape does not say it (``True or False``)."""

    asks: str
    context: str = ""
    note: str = ""
    form: str = ""


@dataclass(frozen=True)
class TorchCode:
    """A step's answer in PyTorch: setup lines (maybe none), the expression, and what it computes (plain text).

    ``alone`` is, where the kind writes its own, the snippet that runs by itself (after the imports) and ends
    with the answer's expression; otherwise the writer builds one from the lesson's forward and backward.
    """

    setup: tuple[str, ...]
    expr: str
    note: str
    alone: tuple[str, ...] = ()


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

    def leaf_tensor(self, name: str) -> str:
        """The code that makes a leaf's tensor afresh: its values, and ``requires_grad=True`` for an input."""
        ...

    def line(self, name: str) -> tuple[str, bool]:
        """The right-hand side of a graph line in PyTorch, and whether it depends on no input."""
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
    #: a target that is neither NODE nor NODE/INPUT: its reader (the name and the rest of the target, in one
    #: spelling; ValueError saying how to write it), its pattern (for the JSON Schema), how the guide writes it,
    #: what joins the two parts in the step id, and an example
    read: Callable[[str], tuple[str, str]] | None = None
    pattern: str = ""
    target_doc: str = ""
    joiner: str = "/"
    example_target: str = ""
    #: the answer may be a word PyTorch prints (None, True, False, a grad_fn's name): the grader reads words first
    words: bool = False

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
        """``L / y`` → (``L``, ``y``) for a pair, ``y`` → (``y``, None); spaces dropped, a missing part empty.
        A kind with its own reader: its reading, or (the text, None) where the reader refuses it."""
        if self.read is not None:
            try:
                return self.read(text)
            except ValueError:
                return text.strip(), None
        if not self.pair:
            return text.strip(), None
        node, _, wrt = text.partition("/")
        return node.strip(), wrt.strip() or None

    def target_pattern(self) -> str:
        """The target as a regular expression (for the JSON Schema)."""
        if self.pattern:
            return self.pattern
        if self.pair:
            return rf"^\s*{NAME_PATTERN}\s*/\s*{NAME_PATTERN}\s*$"
        return rf"^\s*{NAME_PATTERN}\s*$"

    @property
    def target_text(self) -> str:
        """How the guide writes the target: ``NODE``, ``NODE/INPUT``, or the kind's own."""
        return self.target_doc or ("NODE/INPUT" if self.pair else "NODE")

    def example(self) -> str:
        """A step of this kind as a lesson writes it: ``local: L/y``."""
        return f"{self.name}: {self.example_target or ('L/y' if self.pair else 'y')}"

    def whose_shape(self, step: Step) -> str | None:
        """The name whose shape the answer has (for messages), or None."""
        return {"node": step.node, "wrt": step.wrt}.get(self.shape_of)


def step_id(kind: StepKind, node: str, wrt: str | None = None) -> str:
    """``grad:x``, ``local:L/y``, ``autograd:x.grad after L.backward()``: the id of a step (the one place ids are
    written)."""
    return f"{kind.name}:{node}{kind.joiner}{wrt}" if wrt else f"{kind.name}:{node}"


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
    users = lesson.program.consumers(step.node)
    return Question(
        f"d{step.node} = ∂{lesson.output}/∂{step.node}",
        f"{step.node} feeds {', '.join(users)}" if users else "",
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
    title="delta (gradient of the loss)",
    noun="delta",
    doc="The delta dy = ∂L/∂y: the derivative of the loss (the output) with respect to a node or an input.",
    pair=False,
    problem=_grad_problem,
    expected=lambda lesson, trace, step: trace.grads[step.node],
    shape=lambda values, step: _shape_of(values, step.node),
    shape_of="node",
    question=_grad_question,
    describe=lambda lesson, step: f"d{step.node} = ∂{lesson.output}/∂{step.node}",
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


def _jacobian_question(lesson: Lesson, step: Step, values: Values) -> Question:
    """``Jacobian ∂S/∂X``, with how its rows and columns are ordered, in the learner's words."""
    import numpy as np

    node, wrt = step.node, step.wrt or ""
    first = f"{node}₁₁, {node}₁₂, …" if np.ndim(values[node]) == 2 else f"{node}₁, {node}₂, …"
    return Question(
        f"Jacobian ∂{node}/∂{wrt}",
        f"{lesson.program.assignment(node).text}; one row per entry of {node}, one column per entry of {wrt}, "
        f"each in reading order ({first})",
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
    question=_jacobian_question,
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
    context = f"one step of gradient descent with the learning rate lr = {_rate(lesson)}, using d{w} = ∂{out}/∂{w}"
    return Question(f"{w} − lr·d{w}", context, f"(the new {w})")


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
            f"That is the gradient d{w} = ∂{out}/∂{w}; the step asks for the new value of {w}, {right}.",
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
    describe=lambda lesson, step: f"{step.node} − lr·d{step.node}",
    torch=_update_torch,
    mistakes=_update_mistakes,
    settings=(LEARNING_RATE,),
)


# ---------------------------------------------------------------- after_update: a node once every input took a step


def _updated_leaves(program: Program, values: Values, grads: Values, rate: float, sign: float = 1.0) -> dict:
    """The leaves after one step of gradient descent on every input (``sign`` −1: a step up; ``rate`` 1: no rate)."""
    leaves = {n: values[n] for n in (*program.inputs, *program.constants)}
    for n in program.inputs:
        leaves[n] = values[n] - sign * rate * grads[n]
    return leaves


def _value_after(program: Program, leaves: Mapping[str, np.ndarray], node: str) -> np.ndarray:
    """A node's forward value at other leaf values (EvalError when the graph cannot be computed there)."""
    from tutor.engine import forward

    return forward(program, leaves)[node].value


def _after_update_problem(ctx: StepContext, node: str, wrt: str | None) -> str | None:
    import numpy as np

    from tutor.engine import EvalError

    problem = _a_name("after_update", ctx, node)
    if problem:
        return problem
    if node not in ctx.program.nodes:
        return f"after_update: {node!r} is not a node: ask 'update: {node}' for an input's new value, or name a node"
    if LEARNING_RATE.name not in ctx.settings:
        rate = f"{LEARNING_RATE.name}: {LEARNING_RATE.example}"
        return f"after_update: needs the lesson's learning rate: add '{rate}' to the lesson"
    leaves = _updated_leaves(ctx.program, ctx.values, ctx.grads, ctx.settings[LEARNING_RATE.name])
    try:
        with np.errstate(all="ignore"):
            value = _value_after(ctx.program, leaves, node)
    except EvalError as e:
        return f"after_update: after one step of gradient descent the graph cannot be computed ({e.message}): " + (
            "choose a smaller learning_rate"
        )
    if not np.all(np.isfinite(value)):
        return f"after_update: {node} is not finite after one step of gradient descent: choose a smaller learning_rate"
    return None


def _after_update_expected(lesson: Lesson, trace: Trace, step: Step) -> np.ndarray:
    rate = lesson.settings[LEARNING_RATE.name]
    return _value_after(lesson.program, _updated_leaves(lesson.program, trace.values, trace.grads, rate), step.node)


def _after_update_question(lesson: Lesson, step: Step, values: Values) -> Question:
    inputs = ", ".join(lesson.program.inputs)
    context = (
        f"every input ({inputs}) takes one step of gradient descent, W − lr·dW with lr = {_rate(lesson)}; then the "
        f"forward pass again ({step.node} = {_short(values[step.node])} before the step)"
    )
    return Question(f"{step.node} after the update", context)


def _after_update_torch(w: TorchWriter, lesson: Lesson, step: Step) -> TorchCode:
    """Every input stepped under torch.no_grad() (new tensors: the lesson's own stay as they are), then the forward
    pass again on them, up to the node."""
    prog = lesson.program
    lr = w.float_literal(lesson.settings[LEARNING_RATE.name])
    rename = {n: w.fresh(w.names[n] + "_new") for n in (*prog.inputs, *prog.nodes)}
    setup = ["with torch.no_grad():  # the step is not part of the graph (in a training loop: W -= lr * W.grad)"]
    for n in prog.inputs:
        x = w.names[n]
        grad = f"{x}.grad" if n in w.reached else f"torch.zeros_like({x})"  # PyTorch leaves .grad None there
        setup.append(f"    {rename[n]} = {x} - {lr} * {grad}")
    for a in prog.assignments:
        setup.append(f"    {rename[a.name]} = {w.render(a.expr, rename)}")
        if a.name == step.node:
            break
    note = f"{step.node} recomputed after one step of gradient descent on every input"
    return TorchCode(tuple(setup), rename[step.node], note)


def _after_update_mistakes(lesson: Lesson, trace: Trace, step: Step) -> list[Candidate]:
    """The value before the step, after a step up the gradient, after a step without the learning rate, and the
    first-order estimate L − lr·Σ dW² (for the loss)."""
    import numpy as np

    from tutor.engine import EvalError

    prog, node, values, grads = lesson.program, step.node, trace.values, trace.grads
    rate = lesson.settings[LEARNING_RATE.name]
    found = [
        Candidate(
            "after-update-before",
            "after-update-before",
            values[node],
            f"That is {node} before the update: first move every input by −lr·d(input), then run the forward pass "
            "again.",
            f"gives {node} before the update",
        )
    ]
    for sign, r, key, message, slip in (
        (-1.0, rate, "after-update-ascent", "a step up the gradient (+lr·dW): gradient descent subtracts", "climbs"),
        (
            1.0,
            1.0,
            "after-update-no-rate",
            f"a step by the whole gradient: multiply it by lr = {_rate(lesson)}",
            "no lr",
        ),
    ):
        try:
            with np.errstate(all="ignore"):
                value = _value_after(prog, _updated_leaves(prog, values, grads, r, sign), node)
        except EvalError:
            continue
        found.append(Candidate(key, key, value, f"That is {node} after {message}.", f"{slip} (gives {node} after it)"))
    if node == prog.output:
        guess = values[node] - rate * sum(float(np.sum(grads[n] ** 2)) for n in prog.inputs)
        found.append(
            Candidate(
                "after-update-estimate",
                "after-update-estimate",
                np.asarray(guess),
                f"That is the first-order estimate {node} − lr·Σ dW², what the gradient predicts; the step asks for "
                f"{node} recomputed at the new inputs.",
                "gives the first-order estimate",
            )
        )
    return found


AFTER_UPDATE = StepKind(
    name="after_update",
    title="after one update",
    noun="value after the update",
    doc="A node's value after one step of gradient descent on every input (W − learning_rate·∂L/∂W), the graph run "
    "again (the lesson gives learning_rate).",
    pair=False,
    problem=_after_update_problem,
    expected=_after_update_expected,
    shape=lambda values, step: _shape_of(values, step.node),
    shape_of="node",
    question=_after_update_question,
    describe=lambda lesson, step: f"{step.node} after one step of gradient descent",
    torch=_after_update_torch,
    mistakes=_after_update_mistakes,
    settings=(LEARNING_RATE,),
    example_target="L",
)


# ---------------------------------------------------------------- backward: one line's share of an input's delta


def _backward_problem(ctx: StepContext, node: str, wrt: str | None) -> str | None:
    problem = _a_node_and_input("backward", ctx, node, wrt)
    if problem:
        return problem
    a = ctx.program.assignment(node)
    if wrt not in a.inputs:
        return f"backward: {wrt!r} is not an input of {node} (its inputs: {', '.join(a.inputs) or 'none'})"
    if wrt in ctx.program.constants:
        return f"backward: {wrt!r} is a constant and gets no gradient; make it an input to ask for its share"
    return None


def _backward_expected(lesson: Lesson, trace: Trace, step: Step) -> np.ndarray:
    """The backward of the node's line alone, seeded with the node's delta: d(node) times ∂node/∂wrt."""
    import numpy as np

    from tutor.engine import backward, line_graph

    line = line_graph(lesson.program, trace.values, step.node)
    x = line.inputs[step.wrt or ""]
    grad = backward(line.root, trace.grads[step.node]).get(id(x))
    return np.zeros_like(x.value) if grad is None else np.asarray(grad, dtype=float).reshape(x.value.shape)


def _backward_question(lesson: Lesson, step: Step, values: Values) -> Question:
    node, wrt = step.node, step.wrt or ""
    others = [c for c in lesson.program.consumers(wrt) if c != node]
    context = f"{lesson.program.assignment(node).text}: this line's backward alone, d{node} through ∂{node}/∂{wrt}"
    if others:
        context += f"; {wrt} also feeds {', '.join(others)}, whose shares add to d{wrt}"
        return Question(f"d{wrt} via {node}", context, "(one line's share)")
    context += f"; {node} is {wrt}'s only use, so this is all of d{wrt}"
    return Question(f"d{wrt} via {node}", context, "(the backward of this line)")


def _backward_torch(w: TorchWriter, lesson: Lesson, step: Step) -> TorchCode:
    """The node's line alone on a fresh copy of the input, differentiated with the node's delta as the gradient."""
    assert step.wrt is not None
    a = lesson.program.assignment(step.node)
    x, n = w.names[step.wrt], w.names[step.node]
    note = f"{step.node}'s share of d{step.wrt}: the backward of {w.comment(a.text)} alone, with d{step.node}"
    if not w.passes_gradient(a.expr, step.wrt) or step.node not in w.reached:
        return TorchCode((), f"torch.zeros_like({x})", note + " (no gradient passes: 0)")
    fresh = w.fresh(x + "_")
    out = w.fresh(fresh + "out")
    setup = (f"{fresh} = {x}.detach().requires_grad_()", f"{out} = {w.render(a.expr, {step.wrt: fresh})}")
    return TorchCode(setup, f"torch.autograd.grad({out}, {fresh}, {n}.grad)[0]", note)


def _backward_mistakes(lesson: Lesson, trace: Trace, step: Step) -> list[Candidate]:
    """The local derivative without the node's delta (elementwise lines), and the input's whole delta (every
    consumer's share) where the input feeds more than this node."""
    import numpy as np

    node, wrt = step.node, step.wrt or ""
    found = []
    share = _backward_expected(lesson, trace, step)
    if not _local_problem(StepContext(lesson.program, trace.values), node, wrt):
        found.append(
            Candidate(
                "backward-local-only",
                "backward-local-only",
                _local_expected(lesson, trace, step),
                f"That is the local derivative ∂{node}/∂{wrt} alone: the backward multiplies it by the delta that "
                f"comes down, d{node}.",
                f"forgets d{node} (gives ∂{node}/∂{wrt})",
            )
        )
    if len(lesson.program.consumers(wrt)) > 1 and not np.allclose(trace.grads[wrt], share):
        found.append(
            Candidate(
                "backward-whole-delta",
                "backward-whole-delta",
                trace.grads[wrt],
                f"That is all of d{wrt}, the shares of every node {wrt} feeds; the step asks for {node}'s share alone.",
                f"gives the whole d{wrt}",
            )
        )
    return found


BACKWARD = StepKind(
    name="backward",
    title="one line's backward",
    noun="share of the delta",
    doc="One line's backward for one of its inputs: the node's delta times the line's local derivative (the "
    "vector-Jacobian product), the input's share of its delta from that node alone.",
    pair=True,
    problem=_backward_problem,
    expected=_backward_expected,
    shape=lambda values, step: _shape_of(values, step.wrt or ""),
    shape_of="wrt",
    question=_backward_question,
    describe=lambda lesson, step: f"{step.node}'s share of d{step.wrt}",
    torch=_backward_torch,
    mistakes=_backward_mistakes,
    example_target="y/x",
)


# ---------------------------------------------------------------- autograd: PyTorch's bookkeeping


def _read_question(text: str) -> tuple[str, str]:
    """``x.grad after L.backward()`` → (``x``, ``grad after L.backward()``); ValueError saying how to write it."""
    q = parse_question(text)
    return q.name, q.detail


def _question_of(node: str, detail: str | None) -> AutogradQuestion:
    """A step's question, from its name and the rest of its target."""
    return parse_question(f"{node}.{detail}")


def _autograd_problem(ctx: StepContext, node: str, wrt: str | None) -> str | None:
    from tutor.engine import EvalError
    from tutor.engine.autograd import ScenarioError, ask

    q = _question_of(node, wrt)
    unknown = [n for n in q.names if n not in ctx.names]
    if unknown:
        return f"autograd: {unknown[0]!r} is not a name of the lesson" + did_you_mean(
            unknown[0], ctx.names, "the names"
        )
    try:
        ask(ctx.program, ctx.values, q)
    except (ScenarioError, EvalError) as e:
        return f"autograd: {e}: PyTorch refuses this, so it cannot be asked"
    return None


def _autograd_expected(lesson: Lesson, trace: Trace, step: Step) -> object:
    from tutor.engine.autograd import ask

    return ask(lesson.program, trace.values, _question_of(step.node, step.wrt)).answer


def _autograd_shape(values: Values, step: Step) -> tuple[int, ...]:
    return _shape_of(values, step.node) if (step.wrt or "").startswith("grad ") or step.wrt == "grad" else ()


_FORMS = {
    "is_leaf": "True or False",
    "requires_grad": "True or False",
    "grad_fn": "a name such as MulBackward0, or None",
}


def _autograd_question(lesson: Lesson, step: Step, values: Values) -> Question:
    from tutor.engine import fmt_shape

    q = _question_of(step.node, step.wrt)
    calls = "; ".join(c.code for c in q.calls)
    context = f"after {calls}" if calls else "before any backward()"
    shape = _shape_of(values, step.node)
    tensor = f"a tensor of shape {fmt_shape(shape)}" if shape else "a number"
    form = _FORMS.get(q.attribute, f"None, or {tensor}")
    return Question(q.code, context, form=form)


def _autograd_torch(w: TorchWriter, lesson: Lesson, step: Step) -> TorchCode:
    """The scenario on fresh tensors, as PyTorch runs it: the leaves, the forward lines, the calls (every
    backward() but the last keeps the graph), then the attribute; in the whole script, inside a function, so that
    the lesson's own tensors stay as they are."""
    prog = lesson.program
    q = _question_of(step.node, step.wrt)
    n = w.names
    body = [f"{n[x]} = {w.leaf_tensor(x)}" for x in (*prog.inputs, *prog.constants)]
    body += [f"{n[a.name]} = {w.line(a.name)[0]}" for a in prog.assignments]
    calls = q.calls
    last = max((i for i, c in enumerate(calls) if c.verb == "backward"), default=-1)
    for i, c in enumerate(calls):
        if c.verb == "backward":
            seed = n[c.seed] if c.seed else ""
            keep = ", retain_graph=True" if i < last else ""
            args = ", ".join(x for x in (seed, keep.lstrip(", ")) if x)
            body.append(f"{n[c.name]}.backward({args})" + ("  # keep the graph: it is walked again" if keep else ""))
        elif c.verb == "retain_grad":
            body.append(f"{n[c.name]}.retain_grad()")
        elif c.verb == "zero_":
            body.append(f"{n[c.name]}.grad.zero_()")
        else:
            body.append(f"{n[c.name]}.grad = None")
    answer = f"{n[q.name]}.{q.attribute}"
    fn = w.fresh(f"scenario_{n[q.name]}_{q.attribute}")
    setup = (f"def {fn}():", *(f"    {line}" for line in body), f"    return {answer}")
    note = "PyTorch's own bookkeeping, played on fresh tensors (in a function, so the lesson's stay as they are)"
    return TorchCode(setup, f"{fn}()", note, alone=(*body, answer))


def _autograd_mistakes(lesson: Lesson, trace: Trace, step: Step) -> list[Candidate]:
    """For a ``.grad`` that holds numbers: the last backward()'s part alone, the first's alone, and the parts a
    reset threw away counted in."""
    import numpy as np

    from tutor.engine.autograd import Fact, ask

    q = _question_of(step.node, step.wrt)
    out = ask(lesson.program, trace.values, q)
    if isinstance(out.answer, Fact):
        return []
    name = q.name
    found = []
    if len(out.parts) > 1:
        found.append(
            Candidate(
                "autograd-last-call",
                "autograd-accumulates",
                out.parts[-1],
                f"That is what the last backward() added alone: {name}.grad adds up across backward() calls until "
                "it is zeroed.",
                "gives the last backward()'s gradient alone",
            )
        )
        found.append(
            Candidate(
                "autograd-first-call",
                "autograd-accumulates",
                out.parts[0],
                f"That is what the first backward() wrote: later calls add into {name}.grad, they do not skip it.",
                "gives the first backward()'s gradient alone",
            )
        )
    if out.dropped:
        found.append(
            Candidate(
                "autograd-reset-ignored",
                "autograd-reset",
                out.answer + np.sum(out.dropped, axis=0),
                f"That counts the backward() calls before {name}.grad was reset: zero_() (or = None) threw their "
                "gradients away.",
                "counts the gradients a reset threw away",
            )
        )
    return found


def _autograd_work(program: Program, values: Values, node: str, wrt: str) -> int:
    from tutor.engine.autograd import calls_work

    return calls_work(program, values, _question_of(node, wrt))


AUTOGRAD = StepKind(
    name="autograd",
    title="PyTorch's autograd",
    noun="PyTorch's answer",
    doc="What PyTorch holds in one tensor after a scenario of calls: NAME.grad, NAME.is_leaf, NAME.requires_grad or "
    "NAME.grad_fn, after NODE.backward(), NODE.backward(v), NAME.retain_grad(), NAME.grad.zero_() and NAME.grad = "
    "None calls (separated by ';'); the engine answers from the graph, and the learner types None, True, False, a "
    "grad_fn's name or numbers.",
    pair=False,
    problem=_autograd_problem,
    expected=_autograd_expected,  # type: ignore[arg-type]
    shape=_autograd_shape,
    shape_of="",
    question=_autograd_question,
    describe=lambda lesson, step: f"{step.node}.{step.wrt}",
    torch=_autograd_torch,
    mistakes=_autograd_mistakes,
    work=_autograd_work,
    read=_read_question,
    pattern=QUESTION_PATTERN,
    target_doc="NAME.ATTRIBUTE after CALLS",
    joiner=".",
    example_target="x.grad after L.backward(); L.backward()",
    words=True,
)


# ---------------------------------------------------------------- the registry

#: every kind, in the order the format lists them
KINDS: tuple[StepKind, ...] = (VALUE, LOCAL, GRAD, JACOBIAN, UPDATE, AFTER_UPDATE, BACKWARD, AUTOGRAD)
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
    "AFTER_UPDATE",
    "AUTOGRAD",
    "BACKWARD",
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
