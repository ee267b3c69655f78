"""The engine with NumPy alone: every op against central differences, the op table's invariants, fan-out,
Jacobians and broadcasting. The comparisons with PyTorch are in test_engine_torch.py."""

from __future__ import annotations

import numpy as np
import pytest
from engine_cases import Case, cases, missing_cases, program

from tutor.engine import BINARY, OPS, build, central_difference, jacobian, leaf, local_derivative, run, unbroadcast
from tutor.lang import parse
from tutor.lang.parse import FUNCTIONS

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_engine_gradient_matches_central_differences(case: Case):
    prog, vals = case.program(), case.values()
    trace = run(prog, vals)
    (wrt,) = prog.inputs
    if not OPS[case.op].differentiable:  # detach: its gradient is stopped on purpose, not its value's derivative
        np.testing.assert_array_equal(trace.grads[wrt], np.zeros_like(vals[wrt]), err_msg=case.expression)
        return
    numerical = central_difference(prog, vals, wrt)
    np.testing.assert_allclose(trace.grads[wrt], numerical, rtol=1e-5, atol=1e-6, err_msg=f"{case.expression} by {wrt}")


def test_every_op_and_every_input_has_a_central_difference_case():
    assert not missing_cases({(c.op, c.wrt) for c in CASES})


def test_reductions_are_checked_along_every_axis():
    for op in (op for op in OPS.values() if op.takes_axis):
        assert {c.axis for c in CASES if c.op == op.name} == {None, 0, 1, -1}, op.name


def test_each_op_has_one_local_derivative_per_input():
    """``local`` has one entry per value the language passes (an axis is not one), and the VJP returns one
    gradient per input."""
    for op in OPS.values():
        if op.syntax == "call":
            assert FUNCTIONS[op.name] == op.arity, op.name
        assert len(op.local) == op.arity[0], op.name
        case = next(c for c in CASES if c.op == op.name)
        vals = case.values()
        args = [vals[n] for n in case.args]
        ans = op.forward(*args)
        grads = op.vjp(np.ones_like(ans), ans, *args)
        assert len(grads) == len(op.local), op.name


def test_the_language_reaches_every_op_and_only_ops():
    """Each op's spelling parses and builds a node made by that op (a line that only names a value makes the
    identity op); every function and operator of the language is an op."""
    operators = {op.name for op in OPS.values() if op.syntax in ("prefix", "postfix")}
    assert set(FUNCTIONS) | set(BINARY.values()) | operators == {op.name for op in OPS.values() if op.syntax != "none"}
    for op in OPS.values():
        case = next(c for c in CASES if c.op == op.name and c.axis is None)
        trace = run(program(case.args, (), [f"y = {case.expression}", "L = sum(y)"]), case.values())
        assert trace.nodes["y"].op is op, (op.name, case.expression)
        if op.syntax != "none":
            env = {n: leaf(trace.values[n]) for n in case.args}
            assert build(parse(case.expression), env).op is op, (op.name, case.expression)


def test_fan_out_accumulates():
    prog = program(("x", "y"), (), ["q = x * y", "s = q + x", "L = s ** 2"])
    vals = {"x": np.array(1.5), "y": np.array(-2.0)}
    tr = run(prog, vals)
    assert tr.grads["x"] == pytest.approx(3.0)  # -3 (direct) + 6 (through q)
    assert tr.grads["x"] == pytest.approx(central_difference(prog, vals, "x"))


def test_textbook_chain():
    prog = program(("x1", "x2"), (), ["u = 3 * x2", "y = x1 + u", "z = y ** 2"])
    tr = run(prog, {"x1": np.array(1.0), "x2": np.array(2.0)})
    assert float(tr.values["z"]) == 49 and float(tr.grads["x1"]) == 14 and float(tr.grads["x2"]) == 42


def test_local_and_jacobian():
    prog = program(("W", "X"), (), ["S = W @ X", "A = sigmoid(S)", "L = sum(A)"])
    rng = np.random.default_rng(0)
    vals = {"W": rng.uniform(-1.5, 1.5, (2, 3)), "X": rng.uniform(-1.5, 1.5, (3, 2))}
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
