"""A test-only PyTorch evaluator of lesson graphs: the reference the engine is checked against.

``TORCH_OPS`` gives every op of ``tutor.engine.OPS``, by name, as plain PyTorch; it is written here
by hand, independently of the op table's ``torch`` spellings, and a test checks that it covers
every op.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from tutor.engine import BINARY, OPS, Program
from tutor.engine.node import literal_value
from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary

Tensor = torch.Tensor


def _reduce(whole: Callable[[Tensor], Tensor], along: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """sum/mean/prod: of all entries, or along an axis keeping it (as the engine's sum(x, 0))."""

    def reduce(x: Tensor, axis: int | None = None) -> Tensor:
        return whole(x) if axis is None else along(x, axis, keepdim=True)

    return reduce


def _bce(p: Tensor, t: Tensor) -> Tensor:
    """Mean binary cross-entropy over the broadcast shape."""
    p, t = torch.broadcast_tensors(p, t)
    if t.requires_grad:  # PyTorch does not differentiate binary_cross_entropy by its target: the same sum, written out
        return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()
    return F.binary_cross_entropy(p, t)


def _mse(p: Tensor, t: Tensor) -> Tensor:
    """Mean squared error over the broadcast shape."""
    return F.mse_loss(*torch.broadcast_tensors(p, t))


TORCH_OPS: dict[str, Callable[..., Tensor]] = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "pow": torch.pow,
    "neg": torch.neg,
    "matmul": torch.matmul,
    "transpose": lambda x: x.T if x.ndim >= 2 else x,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "sum": _reduce(torch.sum, torch.sum),
    "mean": _reduce(torch.mean, torch.mean),
    "bce": _bce,
    "mse": _mse,
    "softmax": lambda z, axis=-1: torch.softmax(z, dim=axis),
    "log_softmax": lambda z, axis=-1: F.log_softmax(z, dim=axis),
    "prod": _reduce(torch.prod, torch.prod),
    "softplus": F.softplus,
    "heaviside": lambda x: (x > 0).double(),
    "detach": lambda x: x.detach(),
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "where": lambda c, a, b: torch.where(c > 0, a, b),
    "dot": torch.dot,
    "cross_entropy": F.cross_entropy,
    "identity": lambda x: x.clone(),
    "squeeze": lambda x, axis=None: x.squeeze() if axis is None else x.squeeze(axis),
    "diag": lambda x: torch.diag(x.reshape(-1)),
}


def t_eval(e: Expr, env: dict[str, Tensor]) -> Tensor:
    """Evaluate a syntax tree with PyTorch."""
    if isinstance(e, Num):
        return torch.tensor(e.value, dtype=torch.float64)
    if isinstance(e, Name):
        return env[e.id]
    if isinstance(e, Unary):
        return TORCH_OPS["neg"](t_eval(e.operand, env))
    if isinstance(e, Transpose):
        return TORCH_OPS["transpose"](t_eval(e.operand, env))
    if isinstance(e, Binary):
        return TORCH_OPS[BINARY[e.op]](t_eval(e.left, env), t_eval(e.right, env))
    if isinstance(e, Call):
        if OPS[e.func].takes_axis and len(e.args) == 2:
            return TORCH_OPS[e.func](t_eval(e.args[0], env), int(e.args[1].value))
        return TORCH_OPS[e.func](*(t_eval(a, env) for a in e.args))
    if isinstance(e, Literal):
        return torch.tensor(literal_value(e), dtype=torch.float64)
    raise TypeError(e)


def torch_run(program: Program, values: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Values of every name and gradients of every input and node, computed by PyTorch."""
    env: dict[str, Tensor] = {}
    for n in program.inputs:
        env[n] = torch.tensor(np.asarray(values[n], dtype=float), dtype=torch.float64, requires_grad=True)
    for n in program.constants:
        env[n] = torch.tensor(np.asarray(values[n], dtype=float), dtype=torch.float64)
    for a in program.assignments:
        t = t_eval(a.expr, env)
        if not t.requires_grad:
            t = t.clone().requires_grad_(True)
        elif t.grad_fn is None or any(t is env[k] for k in env):
            t = TORCH_OPS["identity"](t)  # a line that only names another value: a copy with its own gradient
        t.retain_grad()
        env[a.name] = t
    env[program.output].backward()
    vals = {n: env[n].detach().numpy() for n in env}
    grads = {}
    for n in (*program.inputs, *program.nodes):
        g = env[n].grad
        grads[n] = np.zeros_like(vals[n]) if g is None else g.numpy()
    return vals, grads
