"""The engine checks every shape and the size of its work from the shapes, before it builds any array (no torch)."""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest

from tutor.engine import OPS, Assignment, EvalError, Program, build, jacobian, jacobian_problem, leaf, run
from tutor.engine.program import MAX_JACOBIAN_WORK, jacobian_work
from tutor.engine.shapes import MAX_NODE_ENTRIES, MAX_RUN_WORK, expr_shape, program_shapes
from tutor.lang import parse, parse_assignment

SHAPES = [(), (1,), (3,), (2,), (1, 3), (3, 1), (2, 3), (3, 2), (3, 3), (1, 1)]
#: ops whose shape rule is deliberately stricter than their NumPy forward, and what the rule asks for
STRICTER = {"dot": "two vectors of one length", "cross_entropy": "logits and targets of one shape, 1-D or 2-D"}


def program(inputs, lines, constants=()):
    return Program(tuple(inputs), tuple(constants), tuple(Assignment.of(*parse_assignment(x)[:2]) for x in lines))


def numpy_shape(op, shapes, axis=None):
    """What the op's own forward gives on arrays of these shapes, or None when NumPy refuses them."""
    args = [np.ones(s) * 0.5 for s in shapes]
    try:
        with np.errstate(all="ignore"):
            out = op.forward(*args, axis=axis) if op.takes_axis else op.forward(*args)
    except ValueError:
        return None
    return np.shape(out)


@pytest.mark.parametrize("name", sorted(OPS))
def test_the_shape_rule_of_every_op_agrees_with_its_forward(name):
    op = OPS[name]
    axes = [None, 0, 1, -1] if op.takes_axis else [None]
    for shapes in itertools.product(SHAPES, repeat=op.operands):
        for axis in axes:
            try:
                predicted = op.shape(*shapes, axis=axis)
            except ValueError:
                predicted = None
            actual = numpy_shape(op, shapes, axis)
            if predicted is None and actual is not None:
                # the language is stricter than NumPy only for an axis a value does not have, and where it says so
                axis_missing = op.takes_axis and (len(shapes[0]) == 0 or (axis == 1 and len(shapes[0]) < 2))
                assert axis_missing or name in STRICTER, (shapes, axis)
                continue
            assert predicted == actual, (name, shapes, axis)


def test_a_huge_intermediate_is_refused_before_any_array_is_built():
    # a column and a row of 4096 entries each: their sum would be a 4096×4096 matrix (134 MB)
    line = "M = c + r"
    p = program(["c", "r"], [line, "L = sum(M)"])
    values = {"c": np.ones((4096, 1)), "r": np.ones(4096)}
    tracemalloc.start()
    try:
        with pytest.raises(EvalError) as e:
            run(p, values)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert e.value.node == "M" and line[parse_assignment(line)[2] + e.value.pos] == "+"
    assert "4096×4096" in e.value.message and str(MAX_NODE_ENTRIES) in e.value.message
    assert peak < 5_000_000, f"{peak} bytes were allocated before the refusal"


def test_a_formula_answer_is_bounded_too():
    env = {"x": leaf(np.ones((4096, 1)), "x")}
    with pytest.raises(EvalError, match="4096×4096"):
        build(parse("x @ x.T"), env)


def test_the_largest_allowed_value_still_computes():
    side = int(MAX_NODE_ENTRIES**0.5)
    p = program(["c", "r"], ["M = c * r", "L = sum(M)"])
    trace = run(p, {"c": np.ones((side, 1)), "r": np.full(side, 2.0)})
    assert trace.values["M"].shape == (side, side) and float(trace.values["L"]) == 2.0 * side * side


def test_a_long_graph_is_refused_at_the_line_where_its_work_runs_out():
    lines = [f"y{i} = sigmoid(x) * x + {i}" for i in range(200)] + ["L = sum(y199)"]
    p = program(["x"], lines)
    with pytest.raises(EvalError) as e:
        program_shapes(p, {"x": (64, 64)})
    assert e.value.node is not None and e.value.node.startswith("y")
    assert str(MAX_RUN_WORK) in e.value.message
    ok = program(["x"], [*lines[:5], "L = sum(y4)"])
    assert program_shapes(ok, {"x": (64, 64)}).work <= MAX_RUN_WORK


def test_shape_errors_keep_their_messages_and_columns():
    with pytest.raises(EvalError) as e:
        expr_shape(parse("sum(a) + b @ c"), {"a": (2, 3), "b": (2, 3), "c": (2, 3)})
    assert e.value.pos == 11 and "do not match for @ (3 columns against 2 rows)" in e.value.message
    with pytest.raises(EvalError, match="do not broadcast for -"):
        expr_shape(parse("a - b"), {"a": (2, 3), "b": (3, 2)})
    with pytest.raises(EvalError, match=r"sum\(x, 1\) needs x with that axis"):
        expr_shape(parse("sum(a, 1)"), {"a": (3,)})
    with pytest.raises(EvalError, match="unknown name 'z'"):
        expr_shape(parse("a + z"), {"a": ()})


def test_a_jacobian_with_too_much_work_is_refused_and_an_allowed_one_is_exact():
    # 490 rows, each a backward pass through a line on 490 entries: allowed
    p = program(["x"], ["S = sigmoid(x) * x + x * 2", "L = sum(S)"])
    x = np.linspace(-1, 1, 490)
    values = run(p, {"x": x}).values
    assert jacobian_problem(p, values, "S", "x") is None
    assert jacobian_work(p, values, "S", "x") <= MAX_JACOBIAN_WORK
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(jacobian(p, values, "S", "x"), np.diag(s * (1 - s) * x + s + 2), rtol=1e-12)
    # the same line made heavy by a wide constant: each row costs a pass over 490×64 entries
    heavy = program(["x"], ["S = sum(sigmoid(x + c) * x, 0)", "L = sum(S)"], ["c"])
    values = run(heavy, {"x": x, "c": np.linspace(0, 1, 64).reshape(64, 1)}).values
    problem = jacobian_problem(heavy, values, "S", "x")
    assert problem is not None and "backward passes" in problem and "grad: x" in problem
    with pytest.raises(EvalError):
        jacobian(heavy, values, "S", "x")
