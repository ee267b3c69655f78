"""The lessons of writer `lessons3` (issue 14): each makes its point with the lesson's own numbers, its code runs and
agrees with the engine, and it names its target mistake when a learner makes it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tutor.course import load_lesson, shipped_lessons_dir, solve
from tutor.course.prose import show_lesson
from tutor.grading import grade


def lesson_and_solution(lesson_id: str):
    """A shipped lesson and the engine's solution of it."""
    lesson = load_lesson(shipped_lessons_dir() / f"{lesson_id}.yaml")
    return lesson, solve(lesson)


def feedback(lesson_id: str, step_id: str, answer: str):
    """What the grader says to ``answer`` typed at ``step_id``."""
    lesson, sol = lesson_and_solution(lesson_id)
    return grade(sol, lesson.step(step_id), answer)


def outro_code(lesson_id: str) -> str:
    """The indented code block of a lesson's outro, as the learner reads it."""
    lesson, sol = lesson_and_solution(lesson_id)
    outro = show_lesson(lesson, sol.trace).outro
    return "\n".join(line[4:] for line in outro.splitlines() if line.startswith("    "))


def run_with_lesson_values(lesson_id: str, code: str, prelude: str = "import numpy as np\n") -> dict:
    """Run ``code`` in a fresh interpreter with the lesson's values as NumPy arrays; its printed repr of ``out``."""
    _, sol = lesson_and_solution(lesson_id)
    values = "".join(f"{k} = np.array({np.asarray(v).tolist()!r})\n" for k, v in sol.trace.values.items())
    script = prelude + values + code + "\nprint(repr({k: np.asarray(v).tolist() for k, v in out.items()}))\n"
    run = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=60, check=True)
    return {k: np.array(v) for k, v in eval_literal(run.stdout).items()}


def eval_literal(text: str):
    """A printed dict of lists read back (ast.literal_eval: data, never code)."""
    import ast

    return ast.literal_eval(text.strip())


# mlp-loop: three sigmoid layers, the backward pass as one loop (worked, faded, bare)


def test_mlp_loop_outro_loop_gives_the_engines_gradients():
    """The outro's NumPy loop, run as printed on the lesson's values, gives every dW and db the learner computed."""
    code = outro_code("mlp-loop")
    assert "for k in range(2, -1, -1):" in code
    setup = "W = [W1, W2, W3]\nb = [b1, b2, b3]\nA = [X, A1, A2, A3]\n"
    got = run_with_lesson_values(
        "mlp-loop",
        setup + code + "\nout = {'dW1': dW[0], 'dW2': dW[1], 'dW3': dW[2], 'db1': db[0], 'db2': db[1], 'db3': db[2]}",
    )
    _, sol = lesson_and_solution("mlp-loop")
    for name in ("W1", "W2", "W3", "b1", "b2", "b3"):
        np.testing.assert_allclose(got[f"d{name}"], sol.trace.grads[name], rtol=1e-12, atol=1e-15)


def test_mlp_loop_goes_worked_then_faded_then_bare():
    """Layer 3 is all given, layer 2 is partly given, layer 1 is all asked."""
    lesson, _ = lesson_and_solution("mlp-loop")
    given = {s.id: s.given for s in lesson.steps}
    assert all(given[f"grad:{n}"] for n in ("Z3", "W3", "b3", "A2"))
    assert [given[f"grad:{n}"] for n in ("Z2", "W2", "b2", "A1")] == [False, True, False, False]
    assert not any(given[f"grad:{n}"] for n in ("Z1", "W1", "b1"))


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("grad:Z2", "A2 - Y", "That is the output layer's shortcut A − Y"),  # a new rule for the hidden layer
        ("grad:Z2", "dA2 * A3 * (1 - A3)", "That is σ′ of layer 3, one layer too high"),  # the index off by one
        ("grad:b2", "dA2", "That is dA2, above this layer's sigmoids"),
        ("grad:A1", "dZ2 @ W1", "A1 went through W2"),
        ("grad:Z1", "dA1", "That is dA1, above layer 1's sigmoids"),
        ("grad:W1", "A1.T @ dZ1", "A1 is layer 1's output"),
    ],
)
def test_mlp_loop_names_its_target_mistakes(step, answer, says):
    verdict = feedback("mlp-loop", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


# torch-training-step: zero_grad / backward / step by hand, and the loss after the step


def test_torch_training_step_outro_script_agrees_with_the_lesson():
    """The outro's PyTorch script, run as printed, gives the lesson's L, dW.T in weight.grad, db and the lower loss."""
    pytest.importorskip("torch")
    lesson, sol = lesson_and_solution("torch-training-step")
    code = outro_code("torch-training-step")
    assert "nn.BCEWithLogitsLoss()" in code and "with torch.no_grad():" in code
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    first, second = run.stdout.strip().splitlines()
    loss, weight_grad, bias_grad = eval_literal(f"({first.replace(' [', ', [')})")
    assert loss == pytest.approx(float(sol.trace.values["L"]), rel=1e-12)
    np.testing.assert_allclose(weight_grad, sol.trace.grads["W"].T, rtol=1e-12)
    np.testing.assert_allclose(bias_grad, sol.trace.grads["b"].ravel(), rtol=1e-12)
    after = float(sol.answer(lesson.step("after_update:L")))
    assert float(second) == pytest.approx(after, rel=1e-12)
    assert after < loss  # the step lowered the loss


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("grad:Z", "P - Y", "That is P − Y without the mean's 1/N"),
        ("grad:W", "X.T @ dZ / 3", "That divides by N a second time"),
        ("autograd:W.grad after L.backward(); L.backward()", "dW", "That is what the last backward() added alone"),
        ("autograd:W.grad after L.backward(); W.grad = None", "[[0], [0]]", "PyTorch prints None here"),
        ("update:W", "W + 0.5 * dW", "That steps uphill"),
        ("after_update:L", "L - 0.5 * (sum(dW**2) + sum(db**2))", "That is the first-order estimate"),
    ],
)
def test_torch_training_step_names_its_target_mistakes(step, answer, says):
    verdict = feedback("torch-training-step", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


# review: mixed questions on one network, and the summary sheet


def test_review_numbers_follow_the_summary_sheet():
    """The sheet's rules hold on the lesson's own numbers: σ + BCE with the 1/N once, the matmul, broadcast ↔ sum,
    the fan-out's two paths, tanh′ through the output."""
    _, sol = lesson_and_solution("course-review")
    v, g = sol.trace.values, sol.trace.grads
    n = v["X"].shape[0]
    np.testing.assert_allclose(g["S"], (v["P"] - v["Y"]) / n, rtol=1e-12)
    np.testing.assert_allclose(g["v"], v["H"].T @ g["S"], rtol=1e-12)
    np.testing.assert_allclose(g["c"], g["S"].sum(axis=0, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(g["Z"], g["S"] @ v["v"].T * (1 - v["H"] ** 2), rtol=1e-12)
    np.testing.assert_allclose(g["b"], g["Z"].sum(axis=0, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(g["W"], v["X"].T @ g["Z"] + 2 * v["lam"] * v["W"], rtol=1e-12)


def test_review_sheet_holds_every_part_the_issue_lists():
    lesson, sol = lesson_and_solution("course-review")
    outro = show_lesson(lesson, sol.trace).outro
    for part in ("Local derivatives", "A matmul", "Broadcast ↔ sum", "Mean ↔ 1/N once", "nn.Linear", "BP1", "BP4"):
        assert part in outro, part


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("local:H/Z", "H * (1 - H)", "That is the sigmoid's slope written with H"),
        ("grad:S", "(P - Y) * P * (1 - P) / 2", "That keeps σ′ = P(1 − P)"),
        ("grad:v", "H.T @ dS / 2", "That divides by N twice"),
        ("grad:c", "dS", "That is the gradient for each sample separately"),
        ("grad:Z", "dH * H * (1 - H)", "That is the sigmoid's slope again"),
        ("grad:b", "sum(dZ, 0) / 2", "That is the mean over the rows"),
        ("grad:W", "X.T @ dZ", "That is only the path through Z"),
        ("grad:W", "X.T @ dZ + lam * W", "The penalty's path lost its 2"),
        ("autograd:Z.grad after L.backward()", "dZ", "PyTorch prints None here"),
    ],
)
def test_review_names_the_courses_mistakes(step, answer, says):
    verdict = feedback("course-review", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


# torch-dynamic-graph: the Chinese notes' f(a) with a while loop and an if


SEED_F = """
import torch
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c
a = torch.tensor(A, dtype=torch.float64, requires_grad=True)
d = f(a)
d.backward()
print(repr((d.item(), a.grad.item(), (d / a).item(), type(d.grad_fn).__name__)))
"""


def test_torch_dynamic_graph_is_the_seeds_run_and_its_check_holds():
    """The seed's own f(a), run in PyTorch at the lesson's a: the lesson's unrolled graph gives its d and a.grad,
    and a.grad == d/a as the notes print."""
    pytest.importorskip("torch")
    lesson, sol = lesson_and_solution("torch-dynamic-graph")
    a = float(sol.trace.values["a"])
    run = subprocess.run(
        [sys.executable, "-c", SEED_F.replace("A,", f"{a!r},")], capture_output=True, text=True, timeout=120, check=True
    )
    d, grad, d_over_a, grad_fn = eval_literal(run.stdout)
    assert d == float(sol.trace.values["d"])
    assert grad == float(sol.trace.grads["a"]) == d_over_a
    assert grad_fn == sol.answer(lesson.step("autograd:d.grad_fn")).value
    assert a < 0 and grad == 100 * 2**12  # the else branch ran, after 11 passes of the loop (2^(n+1), not 2n)


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("value:d", "b12", "That is b when the loop stops"),
        ("grad:a", "100 * 2 * 11", 'That is the notes\' "b = 2 * a * n"'),
        ("grad:a", "2 ** 12", "That is the loop's part"),
        ("grad:a", "0", "The while and the if leave no node"),
        ("autograd:b12.grad after d.backward()", "100", "PyTorch prints None here"),
    ],
)
def test_torch_dynamic_graph_names_its_target_mistakes(step, answer, says):
    verdict = feedback("torch-dynamic-graph", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


# custom-function: y = x·σ(x) as a torch.autograd.Function whose backward the learner writes


def test_custom_function_outro_class_passes_gradcheck_and_gives_the_lessons_dx():
    """The outro's SiLU Function, run as printed: gradcheck passes, and its backward at the lesson's x with the
    lesson's dy gives the lesson's dx."""
    pytest.importorskip("torch")
    _, sol = lesson_and_solution("custom-function")
    code = outro_code("custom-function")
    assert "class SiLU(torch.autograd.Function):" in code and "gradcheck" in code
    x, dy = sol.trace.values["x"].tolist(), sol.trace.grads["y"].tolist()
    code += (
        f"\nx = torch.tensor({x!r}, dtype=torch.float64, requires_grad=True)"
        f"\nSiLU.apply(x).backward(torch.tensor({dy!r}, dtype=torch.float64))"
        "\nprint(repr(x.grad.tolist()))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    verdict, dx = run.stdout.strip().splitlines()
    assert verdict.startswith("True")
    np.testing.assert_allclose(eval_literal(dx), sol.trace.grads["x"], rtol=1e-12)


def test_custom_function_panel_gradcheck_tells_the_right_backward_from_the_product_rule_slip():
    """The panel runs the typed formula as the Function's backward: the lesson's answer passes gradcheck, the slip
    that forgets one place x appears fails it."""
    pytest.importorskip("torch")
    from tutor.reveal.function import check_function

    lesson, _ = lesson_and_solution("custom-function")
    step = lesson.step("backward:y/x")
    assert check_function(lesson, step, "dy * (sigmoid(x) + y * (1 - sigmoid(x)))").passed
    assert not check_function(lesson, step, "dy * sigmoid(x)").passed


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("local:y/x", "sigmoid(x)", "That differentiates only the first x"),
        ("local:y/x", "x * sigmoid(x) * (1 - sigmoid(x))", "That differentiates only σ(x)"),
        ("local:y/x", "y * (1 - y)", "That is the sigmoid's q(1 − q) applied to y"),
        ("backward:y/x", "sigmoid(x) + y * (1 - sigmoid(x))", "That is the local derivative alone"),
        ("backward:y/x", "dy * sigmoid(x)", "That forgets the second place x appears"),
        ("backward:y/x", "dy * y * (1 - y)", "That is the sigmoid's backward from its saved output"),
    ],
)
def test_custom_function_names_its_target_mistakes(step, answer, says):
    verdict = feedback("custom-function", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message
