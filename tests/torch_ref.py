"""A test-only PyTorch evaluator of lesson graphs: the reference the engine is checked against."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from tutor.engine import Program
from tutor.engine.node import literal_value
from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary

FUNCS = {
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "bce": F.binary_cross_entropy,
    "mse": F.mse_loss,
    "softmax": lambda z: torch.softmax(z, dim=-1),
}
BIN = {
    "+": torch.add,
    "-": torch.sub,
    "*": torch.mul,
    "/": torch.div,
    "**": torch.pow,
    "@": torch.matmul,
}


def t_eval(e: Expr, env: dict[str, torch.Tensor]) -> torch.Tensor:
    if isinstance(e, Num):
        return torch.tensor(e.value, dtype=torch.float64)
    if isinstance(e, Name):
        return env[e.id]
    if isinstance(e, Unary):
        return -t_eval(e.operand, env)
    if isinstance(e, Transpose):
        x = t_eval(e.operand, env)
        return x.T if x.ndim >= 2 else x
    if isinstance(e, Binary):
        return BIN[e.op](t_eval(e.left, env), t_eval(e.right, env))
    if isinstance(e, Call):
        if e.func in ("sum", "mean"):
            x = t_eval(e.args[0], env)
            if len(e.args) == 1:
                return x.sum() if e.func == "sum" else x.mean()
            axis = int(e.args[1].value)
            return x.sum(axis, keepdim=True) if e.func == "sum" else x.mean(axis, keepdim=True)
        args = [t_eval(a, env) for a in e.args]
        if e.func == "bce":
            p, t = args
            return F.binary_cross_entropy(p, torch.broadcast_to(t, p.shape))
        if e.func == "mse":
            p, t = args
            return F.mse_loss(p, torch.broadcast_to(t, p.shape))
        return FUNCS[e.func](*args)
    if isinstance(e, Literal):
        return torch.tensor(literal_value(e), dtype=torch.float64)
    raise TypeError(e)


def torch_run(program: Program, values: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Values of every name and gradients of every input and node, computed by PyTorch."""
    env: dict[str, torch.Tensor] = {}
    for n in program.inputs:
        env[n] = torch.tensor(np.asarray(values[n], dtype=float), dtype=torch.float64, requires_grad=True)
    for n in program.constants:
        env[n] = torch.tensor(np.asarray(values[n], dtype=float), dtype=torch.float64)
    for a in program.assignments:
        t = t_eval(a.expr, env)
        if not t.requires_grad:
            t = t.clone().requires_grad_(True)
        elif t.grad_fn is None or any(t is env[k] for k in env):
            t = t.clone()
        t.retain_grad()
        env[a.name] = t
    env[program.output].backward()
    vals = {n: env[n].detach().numpy() for n in env}
    grads = {}
    for n in (*program.inputs, *program.nodes):
        g = env[n].grad
        grads[n] = np.zeros_like(vals[n]) if g is None else g.numpy()
    return vals, grads
