"""The ops the course needs next, at the points where they are easy to get wrong (NumPy only): gradients that stop,
ties, zeros in a product, an axis, refused shapes, and what the linter learns about them from the table."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.authoring import lint
from tutor.course import LessonError, parse_lesson
from tutor.engine import Assignment, EvalError, Program, central_difference, run
from tutor.lang import parse_assignment


def program(inputs, lines, constants=()):
    return Program(tuple(inputs), tuple(constants), tuple(Assignment.of(*parse_assignment(x)[:2]) for x in lines))


def grads(line: str, **values) -> dict[str, np.ndarray]:
    """The gradients of ``L = sum(y * w)`` for ``y = line`` with respect to every named value."""
    names = tuple(values)
    shape = np.shape(run(program(names, [f"y = {line}", "L = sum(y)"]), values).values["y"])
    w = np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape)
    trace = run(program(names, [f"y = {line}", "L = sum(y * w)"], ["w"]), {**values, "w": w})
    return {n: trace.grads[n] for n in names} | {"y": trace.values["y"], "w": w}


def test_detach_passes_the_value_and_stops_the_gradient():
    x = np.array([0.5, -2.0])
    g = grads("detach(x) * x", x=x)
    np.testing.assert_array_equal(g["y"], x * x)
    np.testing.assert_array_equal(g["x"], g["w"] * x)  # only the path that is not detached
    prog = program(["x"], ["L = sum(detach(x) * x)"])
    assert not np.allclose(central_difference(prog, {"x": x}, "x"), run(prog, {"x": x}).grads["x"])


def test_heaviside_is_the_relu_gate_with_no_gradient():
    x = np.array([-1.0, 0.0, 2.0])
    g = grads("heaviside(x) * 3", x=x)
    np.testing.assert_array_equal(g["y"], [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(g["x"], np.zeros(3))


def test_where_picks_by_the_sign_of_its_condition_and_gives_it_no_gradient():
    c, a, b = np.array([1.0, 0.0, -2.0]), np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])
    g = grads("where(c, a, b)", c=c, a=a, b=b)
    np.testing.assert_array_equal(g["y"], [1.0, 20.0, 30.0])  # c = 0 is not positive: b
    np.testing.assert_array_equal(g["a"], g["w"] * [1, 0, 0])
    np.testing.assert_array_equal(g["b"], g["w"] * [0, 1, 1])
    np.testing.assert_array_equal(g["c"], np.zeros(3))


@pytest.mark.parametrize(("func", "share_of_a"), [("maximum", [0.0, 0.5, 1.0]), ("minimum", [1.0, 0.5, 0.0])])
def test_maximum_and_minimum_split_the_gradient_at_a_tie(func, share_of_a):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    g = grads(f"{func}(a, b)", a=a, b=b)
    np.testing.assert_array_equal(g["a"], g["w"] * share_of_a)
    np.testing.assert_array_equal(g["b"], g["w"] * (1 - np.array(share_of_a)))


def test_prod_is_exact_with_zeros_along_every_axis():
    x = np.array([[0.0, 2.0, 3.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(run(program(["x"], ["L = prod(x)"]), {"x": x}).grads["x"], np.zeros((2, 3)))
    rows = run(program(["x"], ["L = sum(prod(x, 1))"]), {"x": x}).grads["x"]
    np.testing.assert_array_equal(rows, [[6.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    cols = run(program(["x"], ["L = sum(prod(x, 0))"]), {"x": x}).grads["x"]
    np.testing.assert_array_equal(cols, [[1.0, 0.0, 0.0], [0.0, 2.0, 3.0]])
    y = np.array([2.0, -3.0, 0.5])
    np.testing.assert_allclose(run(program(["y"], ["L = prod(y)"]), {"y": y}).grads["y"], [-1.5, 1.0, -6.0])


@pytest.mark.parametrize("func", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_take_an_axis_and_default_to_the_last(func):
    z = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -0.5]])
    last = run(program(["z"], [f"y = {func}(z)", "L = sum(y * y)"]), {"z": z})
    same = run(program(["z"], [f"y = {func}(z, -1)", "L = sum(y * y)"]), {"z": z})
    np.testing.assert_array_equal(last.values["y"], same.values["y"])
    columns = run(program(["z"], [f"y = {func}(z, 0)", "L = sum(y * y)"]), {"z": z})
    transposed = run(program(["z"], [f"y = {func}(z.T)", "L = sum(y * y)"]), {"z": z})
    np.testing.assert_allclose(columns.values["y"], transposed.values["y"].T, rtol=1e-15)
    np.testing.assert_allclose(columns.grads["z"], transposed.grads["z"], rtol=1e-14)
    with pytest.raises(EvalError, match=rf"{func}\(x, 1\) needs x with that axis"):
        run(program(["v"], [f"L = sum({func}(v, 1))"]), {"v": np.ones(3)})


def test_cross_entropy_of_one_hot_rows_is_the_mean_of_minus_log_softmax_at_the_true_class():
    z = np.array([[2.0, 0.5, -1.0], [0.0, 1.5, 0.3]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    trace = run(program(["z"], ["L = cross_entropy(z, y)"], ["y"]), {"z": z, "y": y})
    log_s = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert float(trace.values["L"]) == pytest.approx(-(log_s[0, 0] + log_s[1, 2]) / 2, rel=1e-15)
    np.testing.assert_allclose(trace.grads["z"], (np.exp(log_s) - y) / 2, rtol=1e-14)


@pytest.mark.parametrize(
    ("line", "shapes", "message"),
    [
        ("dot(a, b)", [(2, 3), (2, 3)], "dot(a, b) needs two vectors of the same length"),
        ("dot(a, b)", [(3,), (2,)], "dot(a, b) needs two vectors of the same length"),
        ("cross_entropy(a, b)", [(), ()], "needs logits Z and targets Y of the same shape"),
        ("cross_entropy(a, b)", [(2, 3), (3,)], "needs logits Z and targets Y of the same shape"),
        ("where(a, b, b)", [(2,), (3,)], "shapes 2, 3 and 3 do not broadcast for where"),
        ("maximum(a, b)", [(2,), (3,)], "shapes 2 and 3 do not broadcast for maximum"),
    ],
)
def test_shapes_an_op_cannot_take_are_refused_before_anything_is_computed(line, shapes, message):
    values = {n: np.ones(s) for n, s in zip("ab", shapes, strict=False)}
    with pytest.raises(EvalError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(program(tuple(values), [f"y = {line}", "L = sum(y)"]), values)


H = "format: 1\nid: t\ntitle: T\nsummary: s\n"


def test_the_linter_warns_at_a_tie_of_maximum():
    lesson = parse_lesson(
        H + "inputs: {a: [1.0, 2.0]}\nconstants: {b: [0.5, 2.0]}\ngraph:\n  - L = sum(maximum(a, b))\n", "t.yaml"
    )
    messages = [p.message for p in lint(lesson)]
    assert any("maximum(a, b) is at its kink: its arguments are equal at entry [1]" in m for m in messages), messages


def test_the_linter_warns_that_softplus_saturates_as_it_does_for_sigmoid():
    """The review's experiment: the same lesson warned for sigmoid and said nothing for softplus."""
    for func in ("sigmoid", "softplus"):
        lesson = parse_lesson(H + f"inputs: {{w: -0.5}}\ngraph:\n  - a = {func}(w * 30)\n  - L = a * 2\n", "t.yaml")
        messages = [p.message for p in lint(lesson)]
        assert any(m.startswith(f"{func}(w·30) saturates: its argument is -15") for m in messages), messages


def test_the_loader_says_where_a_softplus_gradient_underflows():
    with pytest.raises(LessonError) as e:
        parse_lesson(H + "inputs: {w: -40.0}\ngraph:\n  - a = softplus(w * 30)\n  - L = a * 2\n", "t.yaml")
    assert "underflows to 0 at a = softplus(w·30)" in str(e.value)
