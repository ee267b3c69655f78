"""The claims of the lessons torch-leaves, torch-vjp, linear-rows, softmax-ce, deep-vanishing, chained-functions and
gradient-check, checked against the engine, the seeds' published numbers and real PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.course import load_lesson, shipped_lessons_dir, solve
from tutor.grading import grade


def _trace(lesson_id: str):
    """The engine's values and deltas for a shipped lesson."""
    return solve(load_lesson(shipped_lessons_dir() / f"{lesson_id}.yaml")).trace


def _torch():
    """PyTorch, or skip the test (the comparisons with PyTorch need it)."""
    return pytest.importorskip("torch")


def test_torch_vjp_backward_with_v_is_the_jacobian_transposed_times_v():
    """y.backward(v) leaves J.T @ v in x.grad, the delta of L = sum(v * y) in the lesson's graph."""
    torch = _torch()
    t = _trace("torch-vjp")
    W = torch.tensor(t.values["W"])
    v = torch.tensor(t.values["v"])
    x = torch.tensor(t.values["x"], requires_grad=True)
    y = torch.sigmoid(W @ x)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        y.backward(retain_graph=True)
    y.backward(v)
    J = torch.autograd.functional.jacobian(lambda x: torch.sigmoid(W @ x), x.detach())
    assert np.allclose(x.grad.numpy(), t.grads["x"], atol=1e-12)
    assert np.allclose((J.T @ v).numpy(), t.grads["x"], atol=1e-12)
    assert np.all(J.numpy() != 0), "the lesson says every entry of J is non-zero"


def test_linear_rows_nn_linear_weight_grad_is_dw_transposed():
    """nn.Linear with the lesson's weight and bias: lin.weight.grad = dW.T = dWlin, lin.bias.grad = db flattened."""
    torch = _torch()
    t = _trace("linear-rows")
    lin = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(t.values["Wlin"]))
        lin.bias.copy_(torch.tensor(t.values["b"]).reshape(-1))
    X = torch.tensor(t.values["X"])
    (torch.tensor(t.values["C"]) * lin(X)).sum().backward()
    assert lin.weight.shape == (2, 3) and t.values["W"].shape == (3, 2)
    assert np.allclose(lin.weight.grad.numpy(), t.grads["W"].T, atol=1e-12)
    assert np.allclose(lin.weight.grad.numpy(), t.grads["Wlin"], atol=1e-12)
    assert np.allclose(lin.bias.grad.numpy(), t.grads["b"].reshape(-1), atol=1e-12)


def test_linear_rows_lets_shapes_decide():
    """N, D and K all differ, so only X.T @ dZ has dW's shape and only dZ @ W.T has dX's (docs/notation.md §4)."""
    t = _trace("linear-rows")
    n, d = t.values["X"].shape
    k = t.values["W"].shape[1]
    assert len({n, d, k}) == 3
    assert np.allclose(t.grads["W"], t.values["X"].T @ t.grads["Z"])
    assert np.allclose(t.grads["b"], t.grads["Z"].sum(axis=0, keepdims=True))


def test_softmax_ce_jacobian_is_block_diagonal_and_not_diagonal():
    """Each sample's block is diag(p) - p pᵀ, full, with rows adding to 0; the samples do not mix."""
    from tutor.engine import jacobian

    lesson = load_lesson(shipped_lessons_dir() / "softmax-ce.yaml")
    t = solve(lesson).trace
    J = jacobian(lesson.program, t.values, "P", "Z")
    for n, p in enumerate(t.values["P"]):
        block = J[3 * n : 3 * n + 3, 3 * n : 3 * n + 3]
        assert np.allclose(block, np.diag(p) - np.outer(p, p))
        assert np.all(block != 0) and np.allclose(block.sum(axis=1), 0)
    assert np.all(J[:3, 3:] == 0) and np.all(J[3:, :3] == 0)


def test_softmax_ce_logit_delta_is_p_minus_y_over_n_as_pytorch_cross_entropy():
    """dZ = (P - Y)/N, every entry non-zero, and F.cross_entropy on logits and class indices gives it too."""
    torch = _torch()
    t = _trace("softmax-ce")
    P, Y = t.values["P"], t.values["Y"]
    dZ = t.grads["Z"]
    assert np.allclose(dZ, (P - Y) / len(Y)) and np.all(dZ != 0)
    assert np.count_nonzero(t.grads["P"]) == len(Y), "dP has one non-zero entry per row"
    Z = torch.tensor(t.values["Z"], requires_grad=True)
    torch.nn.functional.cross_entropy(Z, torch.tensor(Y.argmax(axis=1))).backward()
    assert np.allclose(Z.grad.numpy(), dZ, atol=1e-12)


def test_deep_vanishing_first_layer_learns_two_orders_of_magnitude_slower():
    """Each layer multiplies the delta by w·σ′ (at most 0.25·|w|, here below 1); |dw| shrinks layer by layer."""
    t = _trace("deep-vanishing")
    v, g = t.values, t.grads
    factors = [v[f"w{k}"] * v[f"a{k}"] * (1 - v[f"a{k}"]) for k in range(2, 6)]
    assert all(abs(f) <= 0.25 * abs(v[f"w{k}"]) < 1 for k, f in zip(range(2, 6), factors, strict=True))
    assert np.isclose(g["a1"], g["a5"] * np.prod(factors))
    sizes = [abs(float(g[f"w{k}"])) for k in range(5, 0, -1)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] / sizes[-1] > 100


def test_chained_functions_reproduces_the_finnish_page():
    """The page prints f = 1.362325, x.grad = [0.4165, -0.4137, -1.9011], z.grad = -1.362325; y.grad is 0."""
    t = _trace("chained-functions")
    assert round(float(t.values["f"]), 6) == 1.362325
    assert np.round(t.grads["x"], 4).tolist() == [0.4165, -0.4137, -1.9011]
    assert round(float(t.grads["z"]), 6) == -1.362325
    assert np.all(np.abs(t.grads["y"]) < 1e-15) and np.all(np.abs(t.grads["b"]) < 1e-15)
    contributions = t.grads["c"] * t.values["a"], t.grads["r"] * -t.values["c"] / t.values["b"] ** 2
    assert np.all(np.abs(contributions[0]) > 0.2) and np.allclose(contributions[0], -contributions[1])


def test_chained_functions_float32_prints_the_pages_y_grad():
    """Float32 PyTorch gives y.grad = [0, 0, 1.7881e-07] = [0, 0, 3·2⁻²⁴], as the page printed and the lesson says."""
    torch = _torch()
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = torch.tensor([0.5, 1.0, 1.5], requires_grad=True)
    z = torch.tensor(0.5, requires_grad=True)
    b = y**2
    f = torch.sqrt(torch.abs(torch.sin(x**3 * b / b)) / z).mean()
    f.backward()
    assert y.grad.dtype == torch.float32
    assert y.grad.tolist() == [0.0, 0.0, 3 * 2**-24]
    assert f"{y.grad[2].item():.4e}" == "1.7881e-07"
    assert [round(g, 4) for g in x.grad.tolist()] == [0.4165, -0.4137, -1.9011]


def test_chained_functions_asks_for_y_grad_and_takes_both_the_exact_zero_and_pytorchs_float32_print():
    """grad:y is asked: 0 and the page's [0, 0, 1.7881e-07] pass; 1e-4, the local 2y alone and one path do not."""
    lesson = load_lesson(shipped_lessons_dir() / "chained-functions.yaml")
    sol = solve(lesson)
    step = next(s for s in lesson.steps if s.id == "grad:y")
    assert [s.id for s in lesson.steps].index("grad:y") > [s.id for s in lesson.steps].index("local:r/b")
    for typed in ("[0, 0, 0]", "[0, 0, 1.7881e-07]", "[0, 0, 1.79e-7]"):
        assert grade(sol, step, typed).status == "correct", typed
    assert "expected 3 (the shape of y)" in grade(sol, step, "0").message
    assert grade(sol, step, "[0, 0, 1e-4]").status != "correct"
    assert "local derivative ∂b/∂y = 2y alone" in grade(sol, step, "2*y").message
    assert "path through c alone" in grade(sol, step, "dc*a*2*y").message
    assert "1.7881e−7" in step.explain and "exactly zero" in step.explain


def _neuron_loss(t, w):
    """gradient-check's neuron: L = (σ(w·x + b) − t)² at the lesson's x, b, t, for any w."""
    v = t.values
    z = w @ v["x"] + float(v["b"])
    return (1 / (1 + np.exp(-z)) - float(v["t"])) ** 2


def _relative_error(a, g):
    """The lesson's relative error ‖a − g‖ / (‖a‖ + ‖g‖)."""
    return np.linalg.norm(a - g) / (np.linalg.norm(a) + np.linalg.norm(g))


def _differences(t, h):
    """The central and the one-sided difference of the neuron's loss for every weight, with step h."""
    w, eye = t.values["w"], np.eye(t.values["w"].size)
    up = np.array([_neuron_loss(t, w + h * e) for e in eye])
    down = np.array([_neuron_loss(t, w - h * e) for e in eye])
    return (up - down) / (2 * h), (up - _neuron_loss(t, w)) / h


def test_gradient_check_checks_backprop_against_the_loss_itself():
    """g is PyTorch's w.grad for the neuron; fd is the central difference of the loss; err is small, a bug's is not."""
    torch = _torch()
    t = _trace("gradient-check")
    v = t.values
    w = torch.tensor(v["w"], requires_grad=True)
    z = w @ torch.tensor(v["x"]) + float(v["b"])
    ((torch.sigmoid(z) - float(v["t"])) ** 2).backward()
    assert np.allclose(v["g"], w.grad.numpy(), atol=1e-14)
    central, _ = _differences(t, float(v["h"]))
    assert np.allclose(v["fd"], central, atol=1e-14)
    assert np.isclose(float(v["err"]), _relative_error(central, v["g"]), rtol=1e-12)
    assert 1e-6 < float(v["err"]) < 1e-4, "the explain says the lesson's h gives a small error, not a tiny one"
    assert _relative_error(central, v["g"] / 2) > 0.3, "the explain says a forgotten factor 2 gives an error near 1"


def test_gradient_check_the_choice_of_h_table():
    """Central error ∝ h² down to h = 1e-5, its best; one-sided ∝ h and never within 10× of that best."""
    t = _trace("gradient-check")
    g = t.values["g"]
    hs = [10.0**-k for k in range(1, 13)]
    central = [_relative_error(_differences(t, h)[0], g) for h in hs]
    one_sided = [_relative_error(_differences(t, h)[1], g) for h in hs]
    assert hs[int(np.argmin(central))] == 1e-5
    assert 0.5e4 < central[hs.index(1e-3)] / central[hs.index(1e-5)] < 2e4, "100× smaller h, 10⁴× smaller error"
    assert 5 < one_sided[hs.index(1e-2)] / one_sided[hs.index(1e-3)] < 20, "one-sided: 10× smaller h, 10× smaller"
    assert min(one_sided) > 10 * min(central)
    assert central[-1] > 1e3 * min(central), "at h = 1e-12 rounding dominates"


def test_gradient_check_outro_gradcheck_and_the_relu_kink():
    """gradcheck passes in float64 and fails in float32 on this correct gradient; at relu's kink the check misleads."""
    torch = _torch()
    t = _trace("gradient-check")
    v = t.values

    def loss(w):
        z = w @ torch.tensor(v["x"], dtype=w.dtype) + float(v["b"])
        return (torch.sigmoid(z) - float(v["t"])) ** 2

    w64 = torch.tensor(v["w"], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(loss, (w64,))
    w32 = torch.tensor(v["w"], dtype=torch.float32, requires_grad=True)
    with pytest.warns(UserWarning, match="not a double precision"):
        assert not torch.autograd.gradcheck(loss, (w32,), raise_exception=False)
    s = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.relu(s).backward()
    h = 1e-5
    assert s.grad.item() == 0.0 and (max(h, 0) - max(-h, 0)) / (2 * h) == 0.5


def test_torch_leaves_reproduces_the_notes_and_every_pytorch_claim():
    """Seed 004: y = 28, x.grad = 4x, y.grad None (warned) unless retained, ones after zero_(), 4x + 1 without."""
    torch = _torch()
    t = _trace("torch-leaves")
    x = torch.arange(4.0, requires_grad=True)
    assert x.grad is None and x.is_leaf and x.grad_fn is None
    y = 2 * torch.dot(x, x)
    assert y.item() == 28 == float(t.values["y"]) and not y.is_leaf
    assert type(y.grad_fn).__name__ == "MulBackward0" and "grad_fn=<MulBackward0>" in repr(y)
    assert type(y.grad_fn.next_functions[0][0]).__name__ == "DotBackward0", "the draft says dot's node is next"
    y.backward()
    assert x.grad.tolist() == [0, 4, 8, 12] == (4 * t.values["x"]).tolist()
    with pytest.warns(UserWarning, match="not a leaf"):
        assert y.grad is None
    x.grad.zero_()
    s = x.sum()
    assert s.item() == 6 == float(t.values["s"])
    s.backward()
    assert x.grad.tolist() == [1, 1, 1, 1]
    s.backward()  # the notes call it twice: it adds
    assert x.grad.tolist() == [2, 2, 2, 2]

    x.grad = None
    y = 2 * torch.dot(x, x)
    y.backward()
    x.sum().backward()
    assert x.grad.tolist() == [1, 5, 9, 13] == t.grads["x"].tolist()

    x.grad = None
    y = 2 * torch.dot(x, x)
    y.retain_grad()
    (y + x.sum()).backward()
    assert y.grad.item() == 1 == float(t.grads["y"]) and x.grad.tolist() == [1, 5, 9, 13]


def _torch_leaves_in_pytorch(torch, question: str):
    """Run one of torch-leaves' autograd questions ('x.grad after y.backward(); s.backward()') in real PyTorch."""
    import warnings

    x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)
    y = 2 * torch.dot(x, x)
    s = x.sum()
    t = {"x": x, "y": y, "s": s, "total": y + s}
    target, _, calls = question.partition(" after ")
    for call in filter(None, (c.strip() for c in calls.split(";"))):
        name, _, rest = call.partition(".")
        if rest == "backward()":
            t[name].backward(retain_graph=True)
        elif rest == "retain_grad()":
            t[name].retain_grad()
        elif rest == "grad.zero_()":
            t[name].grad.zero_()
        else:
            assert rest == "grad = None", call
            t[name].grad = None
    name, _, attribute = target.partition(".")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # .grad of a non-leaf warns
        held = getattr(t[name], attribute)
    if attribute == "grad_fn":
        return type(held).__name__ if held is not None else None
    return held.tolist() if isinstance(held, torch.Tensor) else held


def test_torch_leaves_every_autograd_answer_is_what_pytorch_holds():
    """Each autograd step of the shipped lesson, run in PyTorch: the engine's answer is what PyTorch holds."""
    from tutor.engine.autograd import Fact

    torch = _torch()
    lesson = load_lesson(shipped_lessons_dir() / "torch-leaves.yaml")
    sol = solve(lesson)
    asked = [s for s in lesson.steps if s.kind.words]
    assert len(asked) >= 8 and any("grad = None" in s.id for s in asked)
    for step in asked:
        engine = sol.answer(step)
        held = _torch_leaves_in_pytorch(torch, step.id.partition(":")[2])
        if isinstance(engine, Fact):
            assert engine.value == held, step.id
        else:
            assert np.allclose(engine, held, atol=1e-12), step.id
    assert [s.id for s in lesson.steps if s.given] == ["grad:x"]


def test_torch_leaves_outro_without_requires_grad_and_zero_grad():
    """No requires_grad: backward raises; optimizer.zero_grad() sets .grad back to None (PyTorch 2.0 and later)."""
    torch = _torch()
    x = torch.arange(4.0)
    with pytest.raises(RuntimeError, match="does not require grad"):
        (2 * torch.dot(x, x)).backward()
    w = torch.arange(4.0, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    w.sum().backward()
    opt.zero_grad()
    assert w.grad is None
