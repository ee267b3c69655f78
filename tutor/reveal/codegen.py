"""A lesson's graph as a runnable PyTorch script, and each step's answer as a PyTorch expression (no torch import).

Everything is built from the parsed tree and the op table: names are the lesson's validated
identifiers (renamed where Python or the script needs the word), numbers are formatted here, and
lesson text (title, formulas) only ever appears inside ``#`` comments, cleaned of line breaks.
"""

from __future__ import annotations

import builtins
import json
import keyword
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tutor.course import Lesson, Step, solve
from tutor.engine import BINARY, OPS, Node, Op, build, leaf
from tutor.engine.node import literal_value
from tutor.lang import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary

#: The line of the machine-readable report the script prints last when asked to (see :func:`lesson_script`).
REPORT_MARKER = "@@backprop-tutor-report@@"

DTYPE = "dtype=torch.float64"

# Words the script itself uses: a lesson name equal to one of them is renamed (``F`` -> ``F_``).
_SCRIPT_WORDS = {"torch", "F", "json", "node", "step", "answer", "step_id", "_bt_plain", "_bt_tree", "_bt_named"}
_TAKEN = _SCRIPT_WORDS | set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist)

# Python's binding strength, loosest first, as far as the generated code needs it.
_ADD, _MUL, _NEG, _POW, _ATOM = 1, 2, 3, 4, 6
_PREC = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL, "@": _MUL, "**": _POW}


def comment(text: str, limit: int = 160) -> str:
    """Text made safe to follow ``#``: one line of printable characters, at most ``limit`` long."""
    flat = " ".join(text.split())
    flat = "".join(ch for ch in flat if ch.isprintable())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def py_number(x: float) -> str:
    """A float as an exact Python literal: ``2``, ``0.5``, ``-1e-06``."""
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def py_array(a: np.ndarray) -> str:
    """An array as an exact Python number or nested list (``[[0.5, -1.0], ...]``)."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return repr(float(a))
    return repr(a.tolist())


def python_names(lesson: Lesson) -> dict[str, str]:
    """Each lesson name's Python identifier: itself, unless Python or the script already uses the word."""
    names = [*lesson.program.inputs, *lesson.program.constants, *lesson.program.nodes]
    used = set(names) | _TAKEN
    out: dict[str, str] = {}
    for n in names:
        py = n
        if n in _TAKEN:
            py = n + "_"
            while py in used:
                py += "_"
            used.add(py)
        out[n] = py
    return out


@dataclass(frozen=True)
class StepCode:
    """The PyTorch code for one step: setup lines (maybe none), then the expression whose value is the answer."""

    step_id: str
    setup: tuple[str, ...]
    expr: str
    note: str

    @property
    def text(self) -> str:
        """The setup lines and the expression, as one snippet to show."""
        return "\n".join((*self.setup, self.expr))


class _Writer:
    """Renders expressions of one lesson in PyTorch spelling (knows its names and the shapes of its values)."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.names = python_names(lesson)
        self.values = solve(lesson).trace.values
        self.env: dict[str, Node] = {n: leaf(v, n) for n, v in self.values.items()}
        # A node computed from constants alone is made a leaf that requires grad (so it gets a delta too);
        # every other node then depends on something that requires grad.
        tracked = {*lesson.program.inputs, *lesson.program.nodes}
        self.fresh_leaves = {a.name for a in lesson.program.assignments if not tracked.intersection(a.inputs)}

    def shape(self, e: Expr) -> tuple[int, ...]:
        """The shape of a subexpression at the lesson's values."""
        return build(e, self.env).value.shape

    def render(self, e: Expr, rename: Mapping[str, str] | None = None) -> str:
        """The expression in PyTorch spelling; ``rename`` maps lesson names to other Python names."""
        text, _, _ = self._go(e, dict(rename or {}))
        return text

    # Each _go returns (code, precedence, is_tensor): a subexpression without names is a Python number.
    def _go(self, e: Expr, rename: dict[str, str]) -> tuple[str, int, bool]:
        if isinstance(e, Num):
            return py_number(e.value), (_NEG if e.value < 0 else _ATOM), False
        if isinstance(e, Name):
            return rename.get(e.id, self.names[e.id]), _ATOM, True
        if isinstance(e, Literal):
            return f"torch.tensor({py_array(literal_value(e))}, {DTYPE})", _ATOM, True
        if isinstance(e, Unary):
            if e.op == "+":
                return self._go(e.operand, rename)
            return self._apply(OPS["neg"], [e.operand], rename)
        if isinstance(e, Transpose):
            if len(self.shape(e.operand)) < 2:  # the engine's transpose of a vector or number is itself
                return self._go(e.operand, rename)
            return self._apply(OPS["transpose"], [e.operand], rename)
        if isinstance(e, Binary):
            return self._apply(OPS[BINARY[e.op]], [e.left, e.right], rename)
        assert isinstance(e, Call)
        op = OPS[e.func]
        if op.takes_axis and len(e.args) == 2:
            axis = int(literal_value(e.args[1]))
            return self._apply(op, [e.args[0]], rename, axis=axis)
        if op.torch_broadcast and len({self.shape(a) for a in e.args}) > 1:
            return self._apply(op, list(e.args), rename, template=op.torch_broadcast)
        return self._apply(op, list(e.args), rename)

    def _apply(
        self, op: Op, args: list[Expr], rename: dict[str, str], axis: int | None = None, template: str = ""
    ) -> tuple[str, int, bool]:
        parts = [self._go(a, rename) for a in args]
        tensor = any(t for _, _, t in parts)
        if axis is not None:
            template = op.torch_axis.replace("{axis}", str(axis))
        template = template or op.torch
        if op.symbol:  # infix: parenthesize operands by Python's precedence
            p = _PREC[op.symbol]
            (lt, lp, _), (rt, rp, _) = parts
            if op.symbol == "**":
                lt = f"({lt})" if lp <= _POW else lt
                rt = f"({rt})" if rp < _NEG else rt
            else:
                lt = f"({lt})" if lp < p else lt
                rt = f"({rt})" if rp <= p else rt
            return template.format(lt, rt), p, tensor
        # a function or method of torch: its operands must be tensors
        codes = [code if t else f"torch.tensor({code}, {DTYPE})" for code, _, t in parts]
        if template.startswith("-{0}"):
            (code, prec, _) = parts[0]
            return template.format(f"({code})" if prec < _POW else code), _NEG, tensor
        if template.startswith("{0}."):
            code, prec, t = parts[0]
            codes[0] = code if (t and prec >= _ATOM) else f"({code})" if t else codes[0]
        return template.format(*codes), _ATOM, True

    def line(self, name: str) -> tuple[str, bool]:
        """The right-hand side of a graph line in PyTorch, and whether it depends on no input."""
        a = self.lesson.program.assignment(name)
        e = a.expr
        while isinstance(e, Unary) and e.op == "+":
            e = e.operand
        code, _, tensor = self._go(e, {})
        if isinstance(e, Name):  # a line that only renames: a copy of its own, with its own gradient
            code = f"{code}.clone()"
        elif not tensor:
            code = f"torch.tensor({code}, {DTYPE})"
        return code, name in self.fresh_leaves


def step_code(lesson: Lesson, step: Step, writer: _Writer | None = None) -> StepCode:
    """The PyTorch code whose value is the answer to ``step``, run after the script's ``backward()``."""
    w = writer or _Writer(lesson)
    n = w.names
    if step.kind == "value":
        return StepCode(step.id, (), n[step.node], f"the forward value of {step.node}")
    if step.kind == "grad":
        return StepCode(
            step.id,
            (),
            f"{n[step.node]}.grad",
            f"∂{lesson.output}/∂{step.node}, filled in by {n[lesson.output]}.backward()",
        )
    assert step.wrt is not None
    a = lesson.program.assignment(step.node)
    x = n[step.wrt]
    if step.kind == "jacobian":
        body = w.render(a.expr)  # the lambda's parameter takes the input's own name
        return StepCode(
            step.id,
            (),
            f"torch.autograd.functional.jacobian(lambda {x}: {body}, {x}).reshape({n[step.node]}.numel(), {x}.numel())",
            f"∂{step.node}/∂{step.wrt}: rows are {step.node}'s entries, columns {step.wrt}'s, both row-major",
        )
    # local: differentiate this node's own line only, on a fresh copy of the input
    used = set(n.values()) | _TAKEN
    fresh = x + "_"
    while fresh in used:
        fresh += "_"
    body = w.render(a.expr, {step.wrt: fresh})
    setup = [f"{fresh} = {x}.detach().requires_grad_()"]
    if np.ndim(w.values[step.node]) == 0:
        expr = f"torch.autograd.grad({body}, {fresh})[0]"
    else:
        out = fresh + "out"
        while out in used:
            out += "_"
        setup.append(f"{out} = {body}")
        expr = f"torch.autograd.grad({out}, {fresh}, torch.ones_like({out}))[0]"
    note = f"∂{step.node}/∂{step.wrt} of the line {comment(a.text)} alone, its other inputs held fixed"
    return StepCode(step.id, tuple(setup), expr, note)


def steps_code(lesson: Lesson) -> list[StepCode]:
    """The PyTorch code of every step of the lesson, in step order."""
    w = _Writer(lesson)
    return [step_code(lesson, s, w) for s in lesson.steps]


def lesson_script(lesson: Lesson, report: bool = False) -> str:
    """The whole lesson as an idiomatic PyTorch script; ``report`` appends a JSON report line for the tutor."""
    w = _Writer(lesson)
    n = w.names
    prog = lesson.program
    out: list[str] = []
    add = out.append
    add(f"# {comment(lesson.title)}: the lesson {comment(lesson.id)} in PyTorch.")
    add("# Generated by backprop-tutor from the lesson's graph; run it with python. Everything is float64,")
    add("# as in the tutor's own engine, so the numbers agree to the last digits.")
    add("import torch")
    add("import torch.nn.functional as F")
    add("")
    add("torch.set_default_dtype(torch.float64)  # float64 throughout, like the tutor's engine")
    add("")
    if prog.inputs:
        add("# inputs: the leaves we want gradients for")
        for name in prog.inputs:
            add(f"{n[name]} = torch.tensor({py_array(lesson.inputs[name])}, {DTYPE}, requires_grad=True)")
    if prog.constants:
        add("# constants: data and targets, no gradient")
        for name in prog.constants:
            add(f"{n[name]} = torch.tensor({py_array(lesson.constants[name])}, {DTYPE})")
    add("")
    add("# forward: one line per line of the lesson's graph")
    retained: list[str] = []
    for a in prog.assignments:
        code, no_input = w.line(a.name)
        line = f"{n[a.name]} = {code}"
        math = comment(a.text)
        if math.replace(" ", "") != line.replace(" ", ""):
            line += f"  # {math}"
        add(line)
        if no_input:
            add(f"{n[a.name]}.requires_grad_()  # {a.name} depends on no input: ask for its gradient anyway")
        else:
            retained.append(n[a.name])
    add("")
    if retained:
        add("# PyTorch keeps .grad only for leaves; ask it to keep the deltas of the nodes too")
        add(f"for node in ({', '.join(retained)}{',' if len(retained) == 1 else ''}):")
        add("    node.retain_grad()")
        add("")
    add(f"# backward: ∂{prog.output}/∂(every leaf and node), accumulated where a value is used twice")
    add(f"{n[prog.output]}.backward()")
    add("")
    add('print("values")')
    for name in (*prog.inputs, *prog.constants, *prog.nodes):
        add(f'print("  {name} =", {n[name]}.detach())')
    add(f'print("gradients (deltas) ∂{prog.output}/∂·")')
    for name in (*prog.inputs, *prog.nodes):
        add(f'print("  ∂{prog.output}/∂{name} =", {n[name]}.grad)')
    codes = [step_code(lesson, s, w) for s in lesson.steps]
    if codes:
        add("")
        add("# the lesson's steps, each answer as PyTorch computes it")
        add("step = {}")
        for c in codes:
            add(f"# {c.step_id}: {comment(c.note)}")
            out.extend(c.setup)
            add(f"step[{json.dumps(c.step_id)}] = {c.expr}")
        add('print("steps")')
        add("for step_id, answer in step.items():")
        add('    print(f"  {step_id} =", answer.detach())')
    if report:
        out.extend(_report_lines(lesson, n, bool(codes)))
    return "\n".join(out) + "\n"


def _report_lines(lesson: Lesson, n: dict[str, str], has_steps: bool) -> list[str]:
    """The footer that prints one JSON line: values, gradients, step answers and every node's grad_fn tree."""
    prog = lesson.program

    def table(names: tuple[str, ...]) -> str:
        return "{" + ", ".join(f"{json.dumps(k)}: {n[k]}" for k in names) + "}"

    leaves = (*prog.inputs, *prog.constants)
    return [
        "",
        "",
        "# ---- for backprop-tutor: everything above as one line of JSON",
        "import json  # noqa: E402",
        "",
        "",
        "def _bt_plain(t):",
        "    return None if t is None else t.detach().tolist()",
        "",
        "",
        "def _bt_tree(t, named):",
        '    """The grad_fn tree of a tensor down to the named tensors it was computed from."""',
        "    stops = {id(v.grad_fn): k for k, v in named.items() if v is not t and v.grad_fn is not None}",
        "    stops.update({id(v): k for k, v in named.items() if v is not t})",
        "    lines = []",
        "",
        "    def walk(fn, depth):",
        "        if fn is None:",
        "            return",
        "        var = getattr(fn, 'variable', None)",
        "        if var is not None and id(var) in stops:",
        "            lines.append([depth, f'<{type(fn).__name__}>  {stops[id(var)]}'])",
        "            return",
        "        if id(fn) in stops:",
        "            lines.append([depth, f'{stops[id(fn)]}  <{type(fn).__name__}>'])",
        "            return",
        "        lines.append([depth, f'<{type(fn).__name__}>'])",
        "        for nxt, _ in fn.next_functions:",
        "            walk(nxt, depth + 1)",
        "",
        "    walk(t.grad_fn, 0)",
        "    return lines",
        "",
        "",
        f"_bt_named = {table((*leaves, *prog.nodes))}",
        "print()",
        f"print({json.dumps(REPORT_MARKER)} + json.dumps(dict(",
        "    torch=torch.__version__,",
        "    values={k: _bt_plain(v) for k, v in _bt_named.items()},",
        f"    grads={{k: _bt_plain(_bt_named[k].grad) for k in {list((*prog.inputs, *prog.nodes))!r}}},",
        "    steps={k: _bt_plain(v) for k, v in step.items()}," if has_steps else "    steps={},",
        f"    grad_fn={{k: _bt_tree(_bt_named[k], _bt_named) for k in {list(prog.nodes)!r}}},",
        ")))",
    ]


__all__ = ["REPORT_MARKER", "StepCode", "comment", "lesson_script", "python_names", "step_code", "steps_code"]
