"""PyTorch's autograd bookkeeping, predicted from a lesson's graph without torch: which tensors require grad,
which are leaves, the name of each node's ``grad_fn``, and what ``.grad`` holds after a scenario of calls.

A :class:`Question` names a tensor, an attribute and the calls made before it is read, written as PyTorch
lines: ``x.grad after y.backward(); s.backward()``. The calls are ``NODE.backward()`` (``NODE.backward(v)`` for
a non-scalar node, with ``v`` a name of the node's shape), ``NAME.retain_grad()``, ``NAME.grad.zero_()`` and
``NAME.grad = None``. :func:`ask` plays them on the engine's graph as PyTorch would:

* an input requires grad, a constant does not, and a node does when a gradient path reaches it from an input
  (not only through an op that stops gradients, the op table's ``stops``: ``detach``, ``heaviside``, the
  condition of ``where``); a tensor that does not require grad is a leaf, and so is every input;
* a node that requires grad has a ``grad_fn``, named by the op table (``Torch.backward_name``) from the op its
  line applies last, as the generated script writes it (``1 - x`` is ``RsubBackward1``, ``M @ v`` is
  ``MvBackward0``);
* ``backward()`` adds its gradient into the ``.grad`` of every leaf that requires grad and of every node whose
  ``retain_grad()`` came before it, when the call reaches them (a gradient path leads back to them); within
  one call, the contributions of several paths are summed first (PyTorch writes each ``.grad`` once per call);
  across calls they add up until ``.grad.zero_()`` or ``.grad = None``;
* a call PyTorch refuses (``backward()`` of a tensor that requires no grad, or of a non-scalar without a
  gradient; ``zero_()`` of a ``.grad`` that is None; ``retain_grad()`` of a tensor that requires no grad) is a
  :class:`ScenarioError` with PyTorch's own message, which the loader reports at the step.

Answers that are not numbers are :class:`Fact` values: None, True, False or a ``grad_fn``'s name, each with the
reason PyTorch gives it (for the grader's feedback).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from tutor.engine.dispatch import op_of
from tutor.engine.node import backward
from tutor.engine.ops import IDENTITY
from tutor.engine.program import Program, forward
from tutor.engine.shapes import expr_shape
from tutor.lang.questions import (
    ATTRIBUTES,
    EXAMPLE,
    MAX_CALLS,
    QUESTION_PATTERN,
    Call,
    Question,
    QuestionError,
    parse_question,
)
from tutor.lang.syntax import Expr, Name, Num


class ScenarioError(ValueError):
    """A call PyTorch would refuse at that point of the scenario; the message is PyTorch's, with the call."""


@dataclass(frozen=True)
class Fact:
    """An answer that is not a number, as PyTorch prints it (None, True, False, ``MulBackward0``), and why PyTorch
    gives it (``non-leaf``, ``no-backward`` ...; not part of the answer: two facts are equal by value)."""

    value: bool | str | None
    why: str = field(default="", compare=False)

    @property
    def text(self) -> str:
        """The answer as a learner types it: ``None``, ``True``, ``MulBackward0``."""
        return "None" if self.value is None else str(self.value)


# ---------------------------------------------------------------- which tensors require grad, and their grad_fn


def gradient_sources(expr: Expr) -> set[str]:
    """The names of ``expr`` its value keeps a gradient path back to (not only through an op's ``stops``)."""
    if isinstance(expr, Name):
        return {expr.id}
    app = op_of(expr)
    if app is None:
        return set()
    return set().union(*(gradient_sources(x) for i, x in enumerate(app.operands) if i not in app.op.stops))


def requiring_grad(program: Program) -> set[str]:
    """The names whose tensor requires grad: every input, and every node with a gradient path from one."""
    need = set(program.inputs)
    for a in program.assignments:
        if need & gradient_sources(a.expr):
            need.add(a.name)
    return need


def reached_by(program: Program, root: str) -> set[str]:
    """The names a ``root.backward()`` reaches: ``root`` and, down its gradient paths, every name that requires
    grad (a leaf among them gets a ``.grad``, a node one if it retains it)."""
    need = requiring_grad(program)
    if root not in need:
        return set()
    reach = {root}
    for a in reversed(program.assignments):
        if a.name in reach:
            reach |= gradient_sources(a.expr) & need
    return reach


def is_python_number(expr: Expr) -> bool:
    """Whether the generated script writes ``expr`` as a plain Python number (a number, or operators applied to
    numbers alone): ``1 - x`` then calls ``x.__rsub__``, another op than ``x - 1``."""
    if isinstance(expr, Num):
        return True
    app = op_of(expr)
    if app is None:
        return False
    return app.op.torch.form in ("infix", "prefix") and all(is_python_number(x) for x in app.operands)


def as_computed(expr: Expr, shapes: Mapping[str, tuple[int, ...]]) -> Expr:
    """``expr`` as PyTorch computes it: an op that changes nothing at these shapes (a vector's ``.T``) dropped."""
    app = op_of(expr)
    while app is not None and any(len(expr_shape(x, shapes)[0]) < app.op.torch.min_ndim for x in app.operands):
        expr = app.operands[0]
        app = op_of(expr)
    return expr


def backward_name(expr: Expr, shapes: Mapping[str, tuple[int, ...]]) -> str:
    """The name of the backward node PyTorch records for a line that requires grad (the op it applies last)."""
    expr = as_computed(expr, shapes)
    app = op_of(expr)
    if app is None:  # the line copies another value: the script clones it
        return IDENTITY.torch.grad_fn
    operands = tuple(None if is_python_number(x) else len(expr_shape(x, shapes)[0]) for x in app.operands)
    return app.op.torch.backward_name(operands, app.axis)


def grad_fn_name(program: Program, values: Mapping[str, np.ndarray], name: str) -> str | None:
    """``name.grad_fn``'s class name as PyTorch prints it (``MulBackward0``), or None for a leaf."""
    if name not in program.nodes or name not in requiring_grad(program):
        return None
    shapes = {n: np.shape(v) for n, v in values.items()}
    return backward_name(program.assignment(name).expr, shapes)


# ---------------------------------------------------------------- playing a scenario


@dataclass
class Outcome:
    """What a question's scenario leaves: the answer (an array or a :class:`Fact`); for ``.grad``, what each
    ``backward()`` since the last reset added (``parts``) and what a reset threw away (``dropped``)."""

    answer: np.ndarray | Fact
    parts: list[np.ndarray] = field(default_factory=list)
    dropped: list[np.ndarray] = field(default_factory=list)


@dataclass
class _State:
    """The tensors' ``.grad`` as the calls leave them, who retains it, and what happened to each last."""

    grads: dict[str, np.ndarray | None] = field(default_factory=dict)
    retained: dict[str, int] = field(default_factory=dict)  # node -> backward() calls made before its retain_grad()
    parts: dict[str, list[np.ndarray]] = field(default_factory=dict)
    dropped: dict[str, list[np.ndarray]] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)  # name -> "backward", "zero_" or "none"
    backward_calls: int = 0


def check_names(program: Program, question: Question) -> str | None:
    """Why the question names something the lesson does not have, or None."""
    names = (*program.inputs, *program.constants, *program.nodes)
    for n in question.names:
        if n not in names:
            return f"{n!r} is not a name of the lesson"
    return None


def calls_work(program: Program, values: Mapping[str, np.ndarray], question: Question) -> int:
    """Work units of a question: one run of the graph, and one more for each ``backward()``."""
    from tutor.engine.shapes import program_shapes

    shapes = {n: np.shape(values[n]) for n in (*program.inputs, *program.constants)}
    run = program_shapes(program, shapes).work
    return run * (1 + sum(c.verb == "backward" for c in question.calls))


def ask(program: Program, values: Mapping[str, np.ndarray], question: Question) -> Outcome:
    """The answer to a question, as PyTorch would give it; ScenarioError for a call PyTorch refuses."""
    problem = check_names(program, question)
    if problem:
        raise ScenarioError(problem)
    if question.attribute != "grad":
        return Outcome(_static(program, values, question.name, question.attribute))
    state = _play(program, values, question.calls)
    return _grad_outcome(program, state, question.name)


def _static(program: Program, values: Mapping[str, np.ndarray], name: str, attribute: str) -> Fact:
    """``is_leaf``, ``requires_grad`` and ``grad_fn``: fixed by the graph, whatever the calls."""
    need = requiring_grad(program)
    node = name in program.nodes
    kind = "input" if name in program.inputs else "constant" if not node else "node" if name in need else "no-grad"
    if attribute == "requires_grad":
        return Fact(name in need, kind)
    if attribute == "is_leaf":
        return Fact(kind != "node", kind)
    return Fact(grad_fn_name(program, values, name), kind)


def _play(program: Program, values: Mapping[str, np.ndarray], calls: tuple[Call, ...]) -> _State:
    """Every call in order, on one forward run of the graph."""
    need = requiring_grad(program)
    state = _State()
    env = None
    for c in calls:
        if c.verb == "retain_grad":
            if c.name not in need:
                raise ScenarioError(f"{c.code}: RuntimeError: can't retain_grad on Tensor that has requires_grad=False")
            if c.name in program.nodes:  # on a leaf it changes nothing
                state.retained.setdefault(c.name, state.backward_calls)
        elif c.verb == "backward":
            env = env if env is not None else forward(program, values)
            _backward(program, env, c, need, state)
        elif c.verb == "zero_":
            grad = state.grads.get(c.name)
            if grad is None:
                raise ScenarioError(
                    f"{c.code}: AttributeError: 'NoneType' object has no attribute 'zero_' ({c.name}.grad is None "
                    f"here: write {c.name}.grad = None, or run a backward() that reaches {c.name} first)"
                )
            _reset(state, c.name, np.zeros_like(grad), "zero_")
        else:
            _reset(state, c.name, None, "none")
    return state


def _backward(program: Program, env: dict, c: Call, need: set[str], state: _State) -> None:
    """One ``backward()``: its gradient added into the .grad of each leaf and retaining node it reaches."""
    if c.name not in need:
        raise ScenarioError(
            f"{c.code}: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn "
            f"({c.name} depends on no input through a gradient path)"
        )
    root = env[c.name]
    seed = None
    if c.seed is not None:
        seed = env[c.seed].value
        if np.shape(seed) != root.value.shape:
            raise ScenarioError(
                f"{c.code}: RuntimeError: Mismatch in shape: the gradient {c.seed} has shape "
                f"{list(np.shape(seed))} and {c.name} has shape {list(root.value.shape)}"
            )
    elif root.value.size != 1:
        raise ScenarioError(
            f"{c.code}: RuntimeError: grad can be implicitly created only for scalar outputs ({c.name} has "
            f"{root.value.size} entries: backward() it through sum({c.name}), or give the gradient, "
            f"{c.name}.backward(v))"
        )
    grads = backward(root, seed)
    state.backward_calls += 1
    for n in sorted(reached_by(program, c.name)):
        if n in program.nodes and n not in state.retained:
            continue
        part = np.asarray(grads.get(id(env[n]), np.zeros_like(env[n].value)), dtype=float).reshape(env[n].value.shape)
        old = state.grads.get(n)
        state.grads[n] = part.copy() if old is None else old + part
        state.parts.setdefault(n, []).append(part)
        state.last[n] = "backward"


def _reset(state: _State, name: str, grad: np.ndarray | None, how: str) -> None:
    """``.grad.zero_()`` or ``.grad = None``: what was added so far is thrown away."""
    state.grads[name] = grad
    state.dropped.setdefault(name, []).extend(state.parts.pop(name, []))
    state.last[name] = how


def _grad_outcome(program: Program, state: _State, name: str) -> Outcome:
    """``name.grad`` as the calls left it, with why it is None when it is."""
    grad = state.grads.get(name)
    dropped = state.dropped.get(name, [])
    if grad is not None:
        return Outcome(grad, list(state.parts.get(name, [])), list(dropped))
    if name not in requiring_grad(program):
        why = "no-grad"
    elif name in program.nodes and name not in state.retained:
        why = "non-leaf"
    elif state.last.get(name) == "none":
        why = "set-none"
    elif state.backward_calls == 0:
        why = "no-backward"
    elif name in state.retained and state.retained[name] == state.backward_calls:
        why = "retained-late"
    else:
        why = "unreached"
    return Outcome(Fact(None, why), [], list(dropped))


__all__ = [
    "ATTRIBUTES",
    "EXAMPLE",
    "MAX_CALLS",
    "QUESTION_PATTERN",
    "Call",
    "Fact",
    "Outcome",
    "Question",
    "QuestionError",
    "ScenarioError",
    "ask",
    "backward_name",
    "calls_work",
    "check_names",
    "grad_fn_name",
    "gradient_sources",
    "is_python_number",
    "parse_question",
    "reached_by",
    "requiring_grad",
]
