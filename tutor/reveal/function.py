"""A learner's backward as a custom ``torch.autograd.Function``, checked with ``torch.autograd.gradcheck``.

On a ``backward: y/x`` step the learner types ``dy`` times the line's local derivative as a formula of the
answer language (``dy * (sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x)))``). :func:`function_script` parses it
(never evaluates it), checks that it uses only what a Function's ``backward`` sees (the line's inputs, saved
in ``ctx``, its output and the incoming gradient ``dy``) and writes a script whose ``forward`` is the lesson's
line and whose ``backward`` is the formula rendered from its parsed tree by the code generator: the typed text
never reaches the script. :func:`check_function` runs it in the session's PyTorch worker (a child of its own, as
every reveal: tens of milliseconds once the worker runs, instead of a fresh Python's seconds) and reads gradcheck's
verdict and the largest difference between the formula's Jacobian and central differences.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from tutor.course import Lesson, Step
from tutor.course.steps import BACKWARD
from tutor.engine import leaf
from tutor.grading.formula import FormulaError, Meaning, check_tree
from tutor.lang import Expr, ParseError, parse
from tutor.lang.syntax import Name, walk
from tutor.reveal.codegen import DTYPE, REPORT_MARKER, _Writer, py_array
from tutor.reveal.run import TorchRun, run_in_worker_reading

#: at most this many entries in the input checked (central differences run the line twice an entry)
MAX_ENTRIES = 256
#: the step of the central differences (float64)
STEP = 1e-6
#: the longest formula read
MAX_FORMULA_LENGTH = 2000


class FunctionError(ValueError):
    """A formula that cannot become a Function's backward; the message says what to change."""


@dataclass(frozen=True)
class FunctionCheck:
    """What PyTorch said: ``status`` ``ok`` (gradcheck ran), ``missing`` (no torch) or ``failed``; whether
    gradcheck passed, and the largest difference between the formula's Jacobian and central differences."""

    status: str
    passed: bool = False
    largest_error: float = float("inf")
    message: str = ""


def seen_by_backward(lesson: Lesson, step: Step) -> dict[str, Meaning]:
    """The names a Function's backward may use: the line's inputs and output (saved in ctx) and its gradient."""
    line = lesson.program.assignment(step.node)
    names = {n: Meaning("value", n) for n in (*line.inputs, step.node)}
    names.setdefault("d" + step.node, Meaning("grad", step.node))
    return names


def class_name(lesson: Lesson, step: Step) -> str:
    """The Function's class name: ``MyLine`` from the node's name, letters and digits only."""
    tail = "".join(ch for ch in step.node if ch.isalnum() and ch.isascii())
    return f"My{tail[:1].upper()}{tail[1:]}Line" if tail else "MyLine"


def function_script(lesson: Lesson, step: Step, formula: str) -> str:
    """The script: the Function with the formula as its backward, gradcheck, and a report line (FunctionError for
    a formula that cannot be one)."""
    if step.kind is not BACKWARD or step.wrt is None:
        raise FunctionError(f"{step.id} is not a backward step: a Function's backward answers 'backward: y/x'")
    if len(formula) > MAX_FORMULA_LENGTH:
        raise FunctionError(f"the formula is longer than {MAX_FORMULA_LENGTH} characters")
    try:
        tree = parse(formula)
    except ParseError as e:
        raise FunctionError(f"could not read the formula: {e.message}") from e
    names = seen_by_backward(lesson, step)
    unseen = next((e.id for e in walk(tree) if isinstance(e, Name) and e.id not in names), None)
    if unseen is not None:
        raise FunctionError(
            f"{unseen!r} is not something a Function's backward sees: it gets {', '.join(names)} (the line's inputs "
            "and output, saved in ctx, and the gradient that comes in)"
        )
    try:
        check_tree(tree, names)
    except FormulaError as e:
        raise FunctionError(e.message) from e
    x = step.wrt
    w = _Writer(lesson)
    size = int(np.size(w.values[x]))
    if size > MAX_ENTRIES:
        raise FunctionError(f"{x} has {size} entries; the check runs central differences on at most {MAX_ENTRIES}")
    return _script(lesson, step, tree, w)


def _script(lesson: Lesson, step: Step, tree: Expr, w: _Writer) -> str:
    """The script's text: every lesson value a literal, the formula rendered by the writer."""
    line = lesson.program.assignment(step.node)
    inputs = list(line.inputs)
    x, node, grad = step.wrt or "", step.node, "d" + step.node
    py = {n: f"{w.fresh('in_' + w.names[n])}" for n in inputs}
    out = w.fresh("out")
    incoming = w.fresh("grad_out")
    w.env[grad] = leaf(np.zeros_like(w.values[node]), grad)  # the writer needs its shape only
    rename = {**py, node: out, grad: incoming}
    cls = class_name(lesson, step)
    forward = w.render(line.expr, py)
    backward = w.render(tree, rename)
    returns = ", ".join(f"torch.as_tensor({backward}, {DTYPE})" if n == x else "None" for n in inputs)
    lines = [
        "import json",
        "",
        "import torch",
        "import torch.nn.functional as F",
        "",
        "",
        f"class {cls}(torch.autograd.Function):",
        f"    # forward: {w.comment(line.text)}; backward: the formula you typed, as PyTorch code",
        "    @staticmethod",
        f"    def forward(ctx, {', '.join(py[n] for n in inputs)}):",
        f"        {out} = {forward}",
        f"        ctx.save_for_backward({', '.join(py[n] for n in inputs)}, {out})",
        f"        return {out}",
        "",
        "    @staticmethod",
        f"    def backward(ctx, {incoming}):",
        f"        {', '.join(py[n] for n in inputs)}, {out} = ctx.saved_tensors",
        f"        return {returns}" + ("," if len(inputs) == 1 else ""),
        "",
        "",
    ]
    for n in inputs:
        grad_flag = ", requires_grad=True" if n == x else ""
        lines.append(f"{w.names[n]} = torch.tensor({py_array(w.values[n])}, {DTYPE}{grad_flag})")
    args = ", ".join(w.names[n] for n in inputs)
    lines += [
        f"ok = torch.autograd.gradcheck({cls}.apply, ({args},), eps={STEP!r}, raise_exception=False)",
        "",
        "# the largest error: the Jacobian your backward gives against central differences",
        f"theirs = torch.autograd.functional.jacobian(lambda t: {cls}.apply({_args_with(inputs, x, w, 't')}), "
        f"{w.names[x]})",
        f"flat = {w.names[x]}.detach().reshape(-1)",
        "columns = []",
        "for i in range(flat.numel()):",
        "    up, down = flat.clone(), flat.clone()",
        f"    up[i] += {STEP!r}",
        f"    down[i] -= {STEP!r}",
        f"    f_up = {cls}.apply({_args_with(inputs, x, w, f'up.reshape({w.names[x]}.shape)')})",
        f"    f_down = {cls}.apply({_args_with(inputs, x, w, f'down.reshape({w.names[x]}.shape)')})",
        f"    columns.append(((f_up - f_down) / (2 * {STEP!r})).reshape(-1))",
        "numeric = torch.stack(columns, dim=1)",
        "largest = (theirs.reshape(numeric.shape) - numeric).abs().max().item()",
        'print("gradcheck:", "passed" if ok else "FAILED", "| largest error:", largest)',
        f"print({REPORT_MARKER!r} + json.dumps({{'ok': bool(ok), 'largest': largest, 'torch': torch.__version__}}))",
    ]
    return "\n".join(lines) + "\n"


def _args_with(inputs: list[str], x: str, w: _Writer, value: str) -> str:
    """The Function's arguments with ``value`` in the checked input's place."""
    return ", ".join(value if n == x else w.names[n] for n in inputs)


def _read_check(line: str, printed: str, seconds: float) -> FunctionCheck:
    """gradcheck's verdict and the largest error, from the script's report line."""
    report = json.loads(line)
    return FunctionCheck("ok", bool(report["ok"]), float(report["largest"]), printed.strip())


def check_function(lesson: Lesson, step: Step, formula: str) -> FunctionCheck:
    """Run the Function's script in the session's PyTorch worker and read gradcheck's verdict (FunctionError for a
    formula that cannot be one)."""
    try:
        result = run_in_worker_reading(function_script(lesson, step, formula), _read_check)
    except (ValueError, KeyError, TypeError) as e:  # a report line that does not read
        return FunctionCheck("failed", message=f"the gradcheck report could not be read: {e}")
    if isinstance(result, TorchRun):
        return FunctionCheck(result.status, message=result.message)
    return result


__all__ = ["FunctionCheck", "FunctionError", "check_function", "function_script", "seen_by_backward"]
