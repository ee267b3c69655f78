"""The same training run in PyTorch: ``nn.Sequential`` and ``torch.optim.SGD``, float64, the same data and
initial weights, run as a generated script in the isolated child the PyTorch panel uses (:mod:`tutor.reveal.run`).

Only a network that is a stack of layers becomes an ``nn.Sequential``: each line of the graph is either a linear
layer ``Z = A @ W + b`` (or ``A @ W``) of the line before it, or an op the op table spells as a ``torch.nn``
module (``σ`` as ``nn.Sigmoid()``), and the last line is such a loss of the line before and ``Y``. The script
holds no lesson text at all: the layers come from the op table, sizes are integers, the data and weights exact
float literals (:func:`tutor.reveal.codegen.py_array`); it prints one JSON report line with the losses.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tutor.engine import op_of
from tutor.lang.syntax import Expr, Name
from tutor.reveal.codegen import DTYPE, FIRST_LINES, py_array, py_number
from tutor.reveal.run import CHILD_OPTIONS, INSTALL_HINT, INTERPRETER, TorchRun, TorchWorker, child_environment
from tutor.train.network import DATA, TARGETS, Setup

REPORT = "@@backprop-tutor-train@@"
NO_TORCH = "@@backprop-tutor-no-torch@@"
TIMEOUT = 300.0  # seconds: importing torch on a busy machine, then up to the largest run allowed


@dataclass(frozen=True)
class Layer:
    """One layer of the Sequential: a linear layer (its weight and bias names) or a module spelled by the op table."""

    module: str  # "nn.Sigmoid()"; "" for a linear layer
    weight: str = ""
    bias: str = ""


@dataclass(frozen=True)
class Sequential:
    """A network as PyTorch layers and a loss module."""

    layers: tuple[Layer, ...]
    loss: str


@dataclass
class TorchTraining:
    """What PyTorch's run gave: the loss before each epoch and after the last, or why there is none."""

    status: str  # "ok", "missing" (no torch), "unsupported" (not a stack of layers), "failed"
    message: str = ""
    losses: list[float] = field(default_factory=list)
    version: str = ""

    @property
    def ok_losses(self) -> bool:
        """Whether PyTorch ran and gave a loss for every epoch."""
        return self.status == "ok" and bool(self.losses)


def _linear(expr: Expr, before: str, parameters: tuple[str, ...]) -> Layer | None:
    """``before @ W + b`` or ``before @ W`` as a linear layer, else None."""
    app = op_of(expr)
    if app is None:
        return None
    bias = ""
    if app.op.symbol == "+" and isinstance(app.operands[1], Name):
        bias = app.operands[1].id
        app = op_of(app.operands[0])
        if app is None:
            return None
    if app.op.symbol != "@":
        return None
    a, w = app.operands
    if not (isinstance(a, Name) and a.id == before and isinstance(w, Name) and w.id in parameters):
        return None
    if bias and bias not in parameters:
        return None
    return Layer("", w.id, bias)


def sequential(setup: Setup) -> Sequential | None:
    """The network as layers for ``nn.Sequential`` and a loss, or None when its graph is not a stack of layers."""
    program = setup.network.lesson.program
    parameters = setup.network.parameters
    before = DATA
    layers: list[Layer] = []
    for a in program.assignments[:-1]:
        layer = _linear(a.expr, before, parameters)
        if layer is None:
            app = op_of(a.expr)
            if app is None or not app.op.torch or not app.op.torch.module or len(app.operands) != 1:
                return None
            x = app.operands[0]
            if not (isinstance(x, Name) and x.id == before) or app.axis is not None:
                return None
            layer = Layer(app.op.torch.module)
        layers.append(layer)
        before = a.name
    app = op_of(program.assignments[-1].expr)
    if app is None or not app.op.torch or not app.op.torch.module or len(app.operands) != 2:
        return None
    p, y = app.operands
    if not (isinstance(p, Name) and p.id == before and isinstance(y, Name) and y.id == TARGETS):
        return None
    if not _shapes_fit(setup, layers):
        return None
    return Sequential(tuple(layers), app.op.torch.module)


def _shapes_fit(setup: Setup, layers: list[Layer]) -> bool:
    """Whether every linear layer's weight is in×out and its bias a 1×out row, as nn.Linear can hold them."""
    for layer in layers:
        if layer.module:
            continue
        w = setup.shapes[layer.weight]
        if len(w) != 2 or (layer.bias and setup.shapes[layer.bias] != (1, w[1])):
            return False
    return True


def script(setup: Setup, weights: dict[str, np.ndarray], epochs: int, lr: float) -> str | None:
    """The run as a PyTorch script that prints its losses on a report line, or None for a network it cannot mirror."""
    net = sequential(setup)
    if net is None:
        return None
    lines = [
        *FIRST_LINES,
        "# The training run of backprop-tutor's capstone in PyTorch: the same data, initial weights and steps.",
        "import json",
        "import sys",
        "",
        "try:",
        "    import torch",
        "    from torch import nn",
        "except ImportError:",
        f"    print({NO_TORCH!r})",
        "    sys.exit(3)",
        "",
        f"X = torch.tensor({py_array(setup.data.X)}, {DTYPE})",
        f"Y = torch.tensor({py_array(setup.data.Y)}, {DTYPE})",
        "model = nn.Sequential(",
    ]
    for layer in net.layers:
        if layer.module:
            lines.append(f"    {layer.module},")
        else:
            n_in, n_out = setup.shapes[layer.weight]
            lines.append(f"    nn.Linear({n_in}, {n_out}{'' if layer.bias else ', bias=False'}),")
    lines += [").double()", "with torch.no_grad():  # the same initial weights: nn.Linear holds W transposed (out×in)"]
    for i, layer in enumerate(net.layers):
        if layer.module:
            continue
        lines.append(f"    model[{i}].weight.copy_(torch.tensor({py_array(weights[layer.weight].T)}, {DTYPE}))")
        if layer.bias:
            lines.append(
                f"    model[{i}].bias.copy_(torch.tensor({py_array(weights[layer.bias].reshape(-1))}, {DTYPE}))"
            )
    lines += [
        f"loss_fn = {net.loss}",
        f"optimizer = torch.optim.SGD(model.parameters(), lr={py_number(lr)})",
        "losses = []",
        f"for epoch in range({int(epochs)}):",
        "    optimizer.zero_grad()",
        "    loss = loss_fn(model(X), Y)",
        "    losses.append(loss.item())",
        "    loss.backward()",
        "    optimizer.step()",
        "with torch.no_grad():",
        "    losses.append(loss_fn(model(X), Y).item())",
        f'print({REPORT!r} + json.dumps({{"torch": torch.__version__, "losses": losses}}))',
        "",
    ]
    return "\n".join(lines)


def train_in_torch(
    setup: Setup, weights: dict[str, np.ndarray], epochs: int, lr: float, worker: TorchWorker | None = None
) -> TorchTraining:
    """Run the script in a fresh, isolated Python, or in ``worker`` (a PyTorch worker already running, as the
    tests' one per process), and read its losses (torch is never imported here)."""
    code = script(setup, weights, epochs, lr)
    if code is None:
        return TorchTraining(
            "unsupported",
            "this network is not a stack of layers that nn.Sequential can mirror (each line a linear layer, an "
            "activation or the loss of the line before it)",
        )
    if worker is not None:
        ran = worker.run_printing(code)
        if isinstance(ran, TorchRun):
            return TorchTraining("missing" if ran.status == "missing" else "failed", ran.message)
        return _read_losses(*ran[:3])
    with tempfile.TemporaryDirectory(prefix="backprop-tutor-train-") as tmp:
        path = Path(tmp) / "train_torch.py"
        path.write_text(code, encoding="utf-8")
        try:
            proc = subprocess.run(
                [*INTERPRETER, *CHILD_OPTIONS, str(path)],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=TIMEOUT,
                env=child_environment(Path(tmp)),
                cwd=tmp,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return TorchTraining("failed", f"PyTorch did not finish within {TIMEOUT:.0f} s")
        except OSError as e:
            return TorchTraining("failed", f"could not start {INTERPRETER[0]}: {e.strerror or e}")
    return _read_losses(proc.returncode, proc.stdout, proc.stderr)


def _read_losses(returncode: int, stdout: str, stderr: str) -> TorchTraining:
    """The losses on the script's report line, or why there are none (no torch, the script failed)."""
    if returncode == 3 and NO_TORCH in stdout:
        return TorchTraining("missing", INSTALL_HINT)
    line = next((ln for ln in stdout.splitlines() if ln.startswith(REPORT)), None)
    if returncode != 0 or line is None:
        tail = (stderr.strip().splitlines() or ["(no message)"])[-1]
        return TorchTraining("failed", f"the PyTorch script failed: {tail}")
    try:
        report = json.loads(line[len(REPORT) :])
        losses = [float(x) for x in report["losses"]]
    except (ValueError, TypeError, KeyError) as e:
        return TorchTraining("failed", f"the PyTorch script's report could not be read: {e}")
    return TorchTraining("ok", losses=losses, version=str(report.get("torch", "")))
