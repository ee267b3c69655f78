"""Every op of the engine against central differences and against PyTorch, over many shapes."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.engine import OPS, Assignment, Program, central_difference, jacobian, local_derivative, run, unbroadcast
from tutor.lang import parse, parse_assignment

torch = pytest.importorskip("torch")
from torch_ref import torch_run  # noqa: E402

SHAPES = {"scalar": (), "vector": (3,), "matrix": (2, 3)}
UNARY = ["exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "softmax", "neg", "transpose"]
BINARY = ["+", "-", "*", "/", "**"]
POSITIVE = {"log", "sqrt", "**"}


def program(inputs, constants, lines):
    return Program(tuple(inputs), tuple(constants), tuple(Assignment.of(*parse_assignment(x)[:2]) for x in lines))


def values_for(shapes: dict[str, tuple], positive=False, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in shapes.items():
        v = rng.uniform(0.3, 1.7, size=shape) if positive else rng.uniform(-1.5, 1.5, size=shape)
        if not positive:
            v = np.where(np.abs(v) < 0.1, 0.37, v)  # keep away from relu/abs kinks
        out[name] = np.asarray(v, dtype=float)
    return out


def check(prog: Program, vals: dict, tol=1e-9):
    trace = run(prog, vals)
    tv, tg = torch_run(prog, vals)
    for n, v in trace.values.items():
        np.testing.assert_allclose(v, tv[n], rtol=tol, atol=tol, err_msg=f"value {n}")
    for n, g in trace.grads.items():
        np.testing.assert_allclose(g, tg[n], rtol=tol, atol=tol, err_msg=f"grad {n}")
    for n in prog.inputs:
        num = central_difference(prog, vals, n)
        np.testing.assert_allclose(trace.grads[n], num, rtol=1e-5, atol=1e-6, err_msg=f"central difference {n}")
    return trace


def weights(shape, seed=7):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape) + 0.05


@pytest.mark.parametrize("op", UNARY)
@pytest.mark.parametrize("kind", list(SHAPES))
def test_unary_ops(op, kind):
    shape = SHAPES[kind]
    expr = {"neg": "-a", "transpose": "a.T"}.get(op, f"{op}(a)")
    vals = values_for({"a": shape}, positive=op in POSITIVE)
    y_shape = np.shape(run(program(["a"], [], [f"y = {expr}", "L = sum(y)"]), vals).values["y"])
    vals["c"] = weights(y_shape)
    check(program(["a"], ["c"], [f"y = {expr}", "L = sum(y * c)"]), vals)


BROADCAST = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (1, 3)), ((2, 3), (3,)), ((), (2, 3)), ((2, 1), (1, 3))]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize(("sa", "sb"), BROADCAST)
def test_binary_ops(op, sa, sb):
    vals = values_for({"a": sa, "b": sb}, positive=op in POSITIVE or op == "/")
    y_shape = np.broadcast_shapes(sa, sb)
    vals["c"] = weights(y_shape)
    check(program(["a", "b"], ["c"], [f"y = a {op} b", "L = sum(y * c)"]), vals)


@pytest.mark.parametrize(
    ("sa", "sb"), [((2, 3), (3, 2)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((1, 3), (3, 1))]
)
def test_matmul(sa, sb):
    vals = values_for({"a": sa, "b": sb})
    y_shape = np.shape(np.asarray(vals["a"]) @ np.asarray(vals["b"]))
    vals["c"] = weights(y_shape)
    check(program(["a", "b"], ["c"], ["y = a @ b", "L = sum(y * c)"]), vals)


@pytest.mark.parametrize("func", ["sum", "mean"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_reductions(func, axis):
    vals = values_for({"a": (4, 3)})
    call = f"{func}(a)" if axis is None else f"{func}(a, {axis})"
    y_shape = np.shape(run(program(["a"], [], [f"y = {call}", "L = sum(y)"]), vals).values["y"])
    vals["c"] = weights(y_shape)
    check(program(["a"], ["c"], [f"y = {call}", "L = sum(y * c)"]), vals)


@pytest.mark.parametrize("shape", [(), (3,), (4, 1), (2, 3)])
@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_losses(shape, loss):
    rng = np.random.default_rng(3)
    vals = {"p": rng.uniform(0.1, 0.9, size=shape), "t": rng.integers(0, 2, size=shape).astype(float)}
    check(program(["p"], ["t"], [f"L = {loss}(p, t)"]), vals)


def test_the_op_table_is_complete():
    for name, op in OPS.items():
        assert op.forward and op.vjp and op.torch and op.local and op.doc, name


def test_fan_out_accumulates():
    prog = program(["x", "y"], [], ["q = x * y", "s = q + x", "L = s ** 2"])
    tr = check(prog, {"x": np.array(1.5), "y": np.array(-2.0)})
    assert tr.grads["x"] == pytest.approx(3.0)  # -3 (direct) + 6 (through q)


def test_textbook_chain():
    prog = program(["x1", "x2"], [], ["u = 3 * x2", "y = x1 + u", "z = y ** 2"])
    tr = check(prog, {"x1": np.array(1.0), "x2": np.array(2.0)})
    assert float(tr.values["z"]) == 49 and float(tr.grads["x1"]) == 14 and float(tr.grads["x2"]) == 42


def test_local_and_jacobian():
    prog = program(["W", "X"], [], ["S = W @ X", "A = sigmoid(S)", "L = sum(A)"])
    vals = values_for({"W": (2, 3), "X": (3, 2)})
    tr = run(prog, vals)
    J = jacobian(prog, tr.values, "S", "X")
    assert J.shape == (4, 6)
    # row (i,j) of S, column (k,l) of X: dS_ij/dX_kl = W_ik [j == l]
    W = vals["W"]
    for i in range(2):
        for j in range(2):
            for k in range(3):
                for col in range(2):
                    assert J[i * 2 + j, k * 2 + col] == pytest.approx(W[i, k] if j == col else 0.0)
    local = local_derivative(prog, tr.values, "A", "S")
    np.testing.assert_allclose(local, tr.values["A"] * (1 - tr.values["A"]))
    JA = jacobian(prog, tr.values, "A", "S")
    np.testing.assert_allclose(JA, np.diag(local.reshape(-1)))  # the vector sigmoid's Jacobian is diagonal


def test_unbroadcast():
    g = np.ones((4, 2, 3))
    assert unbroadcast(g, (1, 3)).tolist() == [[8.0, 8.0, 8.0]]
    assert unbroadcast(g, ()).item() == 24.0


def test_parse_is_used_not_eval():
    with pytest.raises(Exception):  # noqa: B017
        parse("__import__('os').system('true')")
