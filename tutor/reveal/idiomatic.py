"""The second script flavour, "as you would write it": a lesson whose graph is a layered network written as
``nn.Sequential`` of ``nn.Linear`` and activation modules, the lesson's loss as an ``nn`` loss
(``BCEWithLogitsLoss`` where a sigmoid feeds binary cross-entropy), one ``optimizer.step()``, and the mapping
between PyTorch's parameters and the lesson's names printed (``model[0].weight.grad == dW1.T``: ``nn.Linear``
stores its weight out×in).

The pattern is detected from the graph: lines ``Z = IN @ W + b`` (``IN`` a constant for the first layer, the
previous line's result after it; ``W`` a matrix input, ``b`` an input of one row), each optionally followed by
``A = act(Z)`` (sigmoid, tanh, relu), and a last line ``L = loss(P, T)`` (bce, mse, cross_entropy) with a
constant target. Every number is written from the lesson's values; lesson text reaches the script only in
comments, through the code generator's ``comment``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from tutor.course import Lesson, solve
from tutor.course.steps import LEARNING_RATE
from tutor.engine import op_of
from tutor.lang import Name
from tutor.reveal.codegen import DTYPE, FIRST_LINES, REPORT_MARKER, comment, py_array, py_number, py_str
from tutor.reveal.run import TIMEOUT, TorchRun, TorchWorker, run_child

#: activation ops and their modules
ACTIVATIONS = {"sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()", "relu": "nn.ReLU()"}
#: the learning rate of the optimizer step where the lesson gives none
DEFAULT_RATE = 0.1


@dataclass(frozen=True)
class Layer:
    """One ``Z = IN @ W + b`` line, and the activation line after it (if any)."""

    node: str
    weight: str
    bias: str
    activation: str = ""  # the op's name, "" for none
    activated: str = ""  # the activation line's node


@dataclass(frozen=True)
class Network:
    """A lesson's graph read as layers: the data, the layers, the loss line (its op, prediction and target)."""

    data: str
    layers: tuple[Layer, ...]
    loss: str
    prediction: str
    target: str

    @property
    def logits_loss(self) -> bool:
        """Whether the last sigmoid and binary cross-entropy become ``BCEWithLogitsLoss``."""
        return self.loss == "bce" and self.layers[-1].activation == "sigmoid"


def _names(expr: object) -> str | None:
    return expr.id if isinstance(expr, Name) else None


def read_network(lesson: Lesson) -> Network | None:
    """The lesson's graph as a layered network, or None when it is not one."""
    prog, values = lesson.program, lesson.leaf_values()
    lines = list(prog.assignments)
    if len(lines) < 2:
        return None
    last = op_of(lines[-1].expr)
    if last is None or last.op.name not in ("bce", "mse", "cross_entropy") or len(last.operands) != 2:
        return None
    prediction, target = (_names(x) for x in last.operands)
    if prediction is None or target not in prog.constants:
        return None
    layers: list[Layer] = []
    data: str | None = None
    previous: str | None = None
    i = 0
    while i < len(lines) - 1:
        layer = _linear(lines[i].expr, values, prog.inputs)
        if layer is None:
            return None
        inp, weight, bias = layer
        if previous is None:
            if inp not in prog.constants:
                return None
            data = inp
        elif inp != previous:
            return None
        node, activation, activated = lines[i].name, "", ""
        i += 1
        if i < len(lines) - 1:
            act = op_of(lines[i].expr)
            if act is not None and act.op.name in ACTIVATIONS and _names(act.operands[0]) == node:
                activation, activated = act.op.name, lines[i].name
                i += 1
        layers.append(Layer(node, weight, bias, activation, activated))
        previous = activated or node
    if data is None or previous != prediction:
        return None
    return Network(data, tuple(layers), last.op.name, prediction, target)


def _linear(expr: object, values: dict[str, np.ndarray], inputs: tuple[str, ...]) -> tuple[str, str, str] | None:
    """``IN @ W + b`` as (IN, W, b) where W is a matrix input and b an input of one row of W's width."""
    add = op_of(expr)  # type: ignore[arg-type]
    if add is None or add.op.name != "add":
        return None
    mm, b = add.operands
    mat = op_of(mm)
    bias = _names(b)
    if mat is None or mat.op.name != "matmul" or bias not in inputs:
        return None
    inp, weight = (_names(x) for x in mat.operands)
    if inp is None or weight not in inputs or np.ndim(values[weight]) != 2:
        return None
    width = values[weight].shape[1]
    if np.shape(values[bias]) not in ((width,), (1, width)):
        return None
    return inp, weight, bias


def idiomatic_script(lesson: Lesson, report: bool = False) -> str | None:
    """The lesson as you would write it in PyTorch, or None when its graph is not a layered network."""
    net = read_network(lesson)
    if net is None:
        return None
    values = lesson.leaf_values()
    rate = lesson.settings.get(LEARNING_RATE.name, DEFAULT_RATE)
    out = [*FIRST_LINES]
    add = out.append
    add(f"# {comment(lesson.title)}: the lesson {comment(lesson.id)} as you would write it in PyTorch:")
    add("# nn.Sequential, an nn loss, an optimizer step. float64, as in the tutor's engine.")
    add("import torch")
    add("from torch import nn")
    add("")
    add("torch.set_default_dtype(torch.float64)")
    add("")
    add("# the data: one sample a row")
    # the script's own names (inputs, targets, model ...): no lesson name becomes a variable here
    add(f"inputs = torch.tensor({py_array(values[net.data])}, {DTYPE})  # {comment(net.data)}")
    add(f"targets = torch.tensor({py_array(values[net.target])}, {DTYPE})  # {comment(net.target)}")
    add("")
    add("model = nn.Sequential(")
    index: dict[str, int] = {}
    k = 0
    for j, layer in enumerate(net.layers):
        rows, cols = values[layer.weight].shape
        index[layer.node] = k
        add(f"    nn.Linear({rows}, {cols}),  # {comment(lesson.program.assignment(layer.node).text)}")
        k += 1
        if layer.activation and not (net.logits_loss and j == len(net.layers) - 1):
            add(f"    {ACTIVATIONS[layer.activation]},  # {comment(lesson.program.assignment(layer.activated).text)}")
            k += 1
    add(")")
    if net.logits_loss:
        add(f"# {comment(lesson.program.assignment(net.layers[-1].activated).text)}: inside the loss below")
    add("with torch.no_grad():  # the lesson's numbers; nn.Linear stores its weight out×in, the transpose of W")
    for layer in net.layers:
        m = f"model[{index[layer.node]}]"
        add(f"    {m}.weight.copy_(torch.tensor({py_array(values[layer.weight])}).T)  # {comment(layer.weight)}.T")
        add(f"    {m}.bias.copy_(torch.tensor({py_array(values[layer.bias])}).reshape(-1))  # {comment(layer.bias)}")
    loss = {
        "bce": "nn.BCEWithLogitsLoss()  # sigmoid and binary cross-entropy in one, stable for large logits"
        if net.logits_loss
        else "nn.BCELoss()",
        "mse": "nn.MSELoss()",
        "cross_entropy": "nn.CrossEntropyLoss()  # softmax and cross-entropy on the logits",
    }[net.loss]
    add(f"loss_fn = {loss}")
    add(f"optimizer = torch.optim.SGD(model.parameters(), lr={py_number(rate)})")
    add("")
    add("# one training step")
    add("optimizer.zero_grad()  # .grad adds up across backward() calls: start from zero")
    add("loss = loss_fn(model(inputs), targets)")
    add("loss.backward()")
    add(f"print({py_str(f'{lesson.program.output} =')}, loss.item())")
    add("# the lesson's gradients, read off the parameters")
    grads: list[tuple[str, str]] = []
    for layer in net.layers:
        m = f"model[{index[layer.node]}]"
        wexpr = f"{m}.weight.grad.T"
        bexpr = f"{m}.bias.grad.reshape({tuple(np.shape(values[layer.bias]))})"
        grads += [(layer.weight, wexpr), (layer.bias, bexpr)]
        add(f"print({py_str(f'd{layer.weight} = {m}.weight.grad.T:')}, {wexpr})")
        add(f"print({py_str(f'd{layer.bias} = {m}.bias.grad:')}, {bexpr})")
    add("optimizer.step()  # W -= lr * W.grad for every parameter, under no_grad")
    add("with torch.no_grad():")
    add("    after = loss_fn(model(inputs), targets).item()")
    add(f"print({py_str(f'{lesson.program.output} after one step:')}, after)")
    if report:
        table = ", ".join(f"{py_str(name)}: {expr}.tolist()" for name, expr in grads)
        add("")
        add(
            f"print({REPORT_MARKER!r} + __import__('json').dumps({{'loss': loss.item(), 'after': after, "
            f"'grads': {{{table}}}, 'torch': torch.__version__}}))"
        )
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class IdiomaticRun:
    """The idiomatic script's numbers beside the engine's: the loss, every parameter's gradient, the loss after
    one step; the largest difference."""

    loss: float
    after: float
    grads: dict[str, np.ndarray]
    largest: float
    torch_version: str = ""


def engine_after_step(lesson: Lesson, rate: float) -> float:
    """The engine's loss after one step of gradient descent on every input."""
    from tutor.engine import forward

    sol = solve(lesson)
    leaves = dict(lesson.leaf_values())
    for name in lesson.program.inputs:
        leaves[name] = sol.trace.values[name] - rate * sol.trace.grads[name]
    return float(forward(lesson.program, leaves)[lesson.program.output].value)


def run_idiomatic(
    lesson: Lesson, timeout: float = TIMEOUT, worker: TorchWorker | None = None
) -> IdiomaticRun | TorchRun:
    """Run the idiomatic script in the isolated child, or in ``worker`` (a PyTorch worker already running, as the
    tests' one per process), and compare with the engine (a TorchRun says why not)."""
    script = idiomatic_script(lesson, report=True)
    if script is None:
        return TorchRun("failed", f"{lesson.id} is not a layered network (Z = X @ W + b, A = act(Z) … loss)")
    sol = solve(lesson)
    rate = lesson.settings.get(LEARNING_RATE.name, DEFAULT_RATE)

    def read(line: str, printed: str, seconds: float) -> IdiomaticRun:
        report = json.loads(line)
        grads = {k: np.asarray(v, dtype=float) for k, v in report["grads"].items()}
        loss, after = float(report["loss"]), float(report["after"])
        gaps = [abs(loss - float(sol.trace.values[lesson.program.output]))]
        gaps.append(abs(after - engine_after_step(lesson, rate)))
        gaps += [float(np.max(np.abs(g - sol.trace.grads[k]))) for k, g in grads.items()]
        return IdiomaticRun(loss, after, grads, max(gaps), str(report.get("torch", "")))

    try:
        return run_child(script, read, timeout) if worker is None else worker.run_reading(script, read)
    except (ValueError, KeyError, TypeError) as e:
        return TorchRun("failed", f"the idiomatic script's report could not be read: {e}")


__all__ = ["IdiomaticRun", "Layer", "Network", "idiomatic_script", "read_network", "run_idiomatic"]
