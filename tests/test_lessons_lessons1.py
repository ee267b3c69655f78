"""The lessons of writer `lessons1` (issue 14): each reproduces its seed's published numbers, makes its point with
the lesson's own numbers, and names its target mistake when a learner makes it."""

from __future__ import annotations

import math
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


def explained(lesson_id: str, step_id: str) -> str:
    """A step's explain as the learner reads it, live numbers filled in, its lines joined by single spaces."""
    lesson, sol = lesson_and_solution(lesson_id)
    return " ".join(show_lesson(lesson, sol.trace).step(step_id).explain.split())


# gradient-basics: f = x² + 3y² (the Finnish page), the gradient predicts a small change to first order


def test_gradient_basics_slopes_depend_on_the_point():
    lesson, sol = lesson_and_solution("gradient-basics")
    x, y = float(sol.trace.values["x"]), float(sol.trace.values["y"])
    assert float(sol.answer(lesson.step("local:f/x"))) == 2 * x != 2
    assert float(sol.answer(lesson.step("local:f/y"))) == 6 * y


def test_gradient_basics_real_change_differs_from_the_prediction_by_the_squares_of_the_nudges():
    _, sol = lesson_and_solution("gradient-basics")
    v = {k: float(a) for k, a in sol.trace.values.items()}
    predicted = 2 * v["x"] * v["h"] + 6 * v["y"] * v["k"]
    assert v["change"] - predicted == pytest.approx(v["h"] ** 2 + 3 * v["k"] ** 2, abs=1e-12)
    assert v["h"] ** 2 + 3 * v["k"] ** 2 > 0.001 * abs(v["change"])  # the step's tolerance tells them apart
    text = explained("gradient-basics", "value:change")
    assert "predicts `5`, but `f` changes by" in text and "= 6`" in text  # a whole unit is no small nudge


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("local:f/x", "2", "That is the 2 of 2·x without the x"),  # the seed's "+1 in x adds 2 to f"
        ("local:f/y", "6", "That is the 6 of 6·y without the y"),
        ("value:change", "0.08", "That is the gradient's prediction, 0.08"),
        ("value:change", "2*x*h + 6*y*k", "That is the gradient's prediction"),
    ],
)
def test_gradient_basics_names_its_target_mistakes(step, answer, says):
    verdict = feedback("gradient-basics", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


def test_gradient_basics_asks_for_the_real_change_as_a_number():
    assert feedback("gradient-basics", "value:change", "0.0804").correct
    assert feedback("gradient-basics", "value:change", "f2 - f").status == "unreadable"  # the graph's own line


# sigmoid-primitives: the Czech slides' linear_sigmoid_with_backprop([1, -2, 3], [0.5, 0.3, 1], -1.5)

SLIDES_SIGMOID = {  # what the slides print, to the digits they print
    "q": 0.802,
    "dx": [0.0793, 0.0476, 0.1586988],
    "dw": [0.1586988, -0.317, 0.476],
    "db": 0.15869881881212394,
}


def test_sigmoid_primitives_reproduces_the_czech_slides():
    _, sol = lesson_and_solution("sigmoid-primitives")
    values, grads = sol.trace.values, sol.trace.grads
    assert list(values["x"]) == [1, -2, 3] and list(values["w"]) == [0.5, 0.3, 1] and float(values["b"]) == -1.5
    assert round(float(values["q"]), 3) == SLIDES_SIGMOID["q"]
    for name in ("dx", "dw"):  # each entry to the digits the slides print (they write e as 2.718: see below)
        for ours, printed in zip(grads[name[1:]], SLIDES_SIGMOID[name], strict=True):
            assert ours == pytest.approx(printed, rel=1e-4, abs=5e-4)
    assert float(grads["b"]) == pytest.approx(SLIDES_SIGMOID["db"], rel=1e-4)


def test_sigmoid_primitives_slides_digits_come_from_e_written_2_718():
    """The slides' own backward pass, with their 2.718 for e, gives their db to the last digit."""
    s = 0.5 * 1 + 0.3 * -2 + 1 * 3 - 1.5
    g = 2.718**-s
    v = g + 1.0
    dv = 1 * -1.0 / v**2
    ds = -(dv * g)
    assert ds == SLIDES_SIGMOID["db"]


def test_sigmoid_primitives_chain_of_locals_is_sigma_prime():
    """The learner finds σ′ = q(1 − q): the formula is accepted for ds, and equals the chain at these values."""
    _, sol = lesson_and_solution("sigmoid-primitives")
    q = float(sol.trace.values["q"])
    assert float(sol.trace.grads["s"]) == pytest.approx(q * (1 - q), rel=1e-12)
    assert feedback("sigmoid-primitives", "grad:s", "q*(1-q)").correct
    assert feedback("sigmoid-primitives", "grad:s", "g/v**2").correct


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("grad:v", "1/v**2", "The sign: q = 1/v falls as v grows"),
        ("grad:v", "-1/v", "That is not the slope of 1/v"),
        ("grad:i", "dg*i", "That multiplies by the input i"),
        ("grad:s", "di", "That is di unchanged, but the negation"),
        ("grad:s", "0.25", "0.25 is the sigmoid's slope at s = 0"),
        ("grad:s", "s*(1-s)", "That puts the input s into the formula"),
        ("grad:w", "ds*w", "That multiplies by w, the slope for x"),
    ],
)
def test_sigmoid_primitives_names_its_target_mistakes(step, answer, says):
    verdict = feedback("sigmoid-primitives", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


# tanh-unit: tanh′ = 1 − a², and the sigmoid habit a(1 − a) diagnosed


def test_tanh_unit_slope_is_one_minus_a_squared_and_not_the_sigmoids():
    lesson, sol = lesson_and_solution("tanh-unit")
    a = float(sol.trace.values["a"])
    slope = float(sol.answer(lesson.step("local:a/z")))
    assert slope == pytest.approx(1 - a**2, rel=1e-12)
    assert abs(a * (1 - a) - slope) > 0.5 * slope  # the habit is far off at these values, not a near miss
    assert feedback("tanh-unit", "local:a/z", "1-a**2").correct


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("local:a/z", "a*(1-a)", "That is the sigmoid's rule, q(1 − q), carried over to tanh"),
        ("local:a/z", "1-tanh(a)**2", "That applies tanh twice"),
        ("local:a/z", "sigmoid(z)*(1-sigmoid(z))", "That is σ′(z), the sigmoid's slope"),
        ("local:a/z", "1", "1 is tanh's slope at z = 0 only"),
        ("local:a/z", "a", "That is a itself, the unit's output, not its slope"),
        ("grad:z", "da*a*(1-a)", "That multiplies by a(1 − a), the sigmoid's σ′ pattern"),
    ],
)
def test_tanh_unit_names_its_target_mistakes(step, answer, says):
    verdict = feedback("tanh-unit", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


def test_tanh_unit_diagnoses_the_slope_taken_at_the_input():
    """1 − z² is the grader's own candidate (the derivative taken at the input), not a lesson entry."""
    verdict = feedback("tanh-unit", "local:a/z", "1-z**2")
    assert not verdict.correct and "at the input z" in verdict.message and verdict.diagnosis != "author"


# relu-layer: the gate, a dead unit, a leaky unit, PyTorch's choice at the kink


def test_relu_layer_gate_stops_the_dead_unit_and_leaks_through_the_leaky_one():
    lesson, sol = lesson_and_solution("relu-layer")
    z, leak = sol.trace.values["z"], sol.trace.values["leak"]
    assert z[0] > 0 and z[1] < 0 and z[2] < 0 and leak[1] == 0 < leak[2]  # active, silent ReLU, leaky
    assert list(sol.answer(lesson.step("local:h/z"))) == [1, 0, leak[2]]
    dw = sol.trace.grads["w"]
    assert dw[1] == 0 and dw[0] != 0 and dw[2] != 0  # the dead unit's weight gets nothing, the leaky one a push
    assert not np.any(z == 0), "no unit sits at the kink, where the derivative is a convention"


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("value:h", "where(z, z, 0)", "Unit 3 is a leaky ReLU"),
        ("local:h/z", "h", "That is h itself, the unit's output, not its slope"),
        ("local:h/z", "heaviside(z)", "Right for the plain ReLUs. Unit 3 is leaky"),
        ("local:h/z", "z", "That is z, the unit's input"),
        ("grad:z", "dh*h", "That multiplies by h, the unit's output"),
        ("grad:z", "dh*heaviside(z)", "Right for the plain ReLUs, but unit 3 is leaky"),
        ("grad:w", "dh*x", "That skips the gate"),
        ("grad:b", "dh", "That is dh, the delta above the gates"),
    ],
)
def test_relu_layer_names_its_target_mistakes(step, answer, says):
    verdict = feedback("relu-layer", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


@pytest.mark.slow
def test_relu_layer_states_pytorchs_choice_at_the_kink():
    """The lesson says: at exactly 0, torch.relu passes no gradient and F.leaky_relu passes its negative slope."""
    torch = pytest.importorskip("torch")
    z = torch.zeros(1, requires_grad=True)
    torch.relu(z).sum().backward()
    assert z.grad.item() == 0
    z.grad = None
    torch.nn.functional.leaky_relu(z, negative_slope=0.01).sum().backward()
    assert z.grad.item() == pytest.approx(0.01)
    text = explained("relu-layer", "local:h/z")
    assert "**PyTorch's choice** is 0" in text


# logistic-bce: the Czech slides' neuron with cross-entropy, t = 0; dz = q − t


def test_logistic_bce_uses_the_slides_neuron_and_its_q():
    lesson, sol = lesson_and_solution("logistic-bce")
    values = sol.trace.values
    assert list(values["x"]) == [1, -2, 3] and list(values["w"]) == [0.5, 0.3, 1] and float(values["b"]) == -1.5
    q, t = float(values["q"]), float(values["t"])
    assert round(q, 3) == SLIDES_SIGMOID["q"]
    assert float(values["L"]) == pytest.approx(-math.log(1 - q), rel=1e-12)
    assert float(sol.answer(lesson.step("grad:q"))) == pytest.approx((q - t) / (q * (1 - q)), rel=1e-12)
    assert float(sol.answer(lesson.step("grad:z"))) == pytest.approx(q - t, rel=1e-12)  # σ′ cancels


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("grad:z", "(q-t)*q*(1-q)", "That multiplies q − t by σ′ = q(1 − q)"),  # the seeds' most likely confusion
        ("grad:z", "dq", "That is dq, above the sigmoid"),
        ("grad:q", "q-t", "That is q − t, which belongs one node further down"),
        ("grad:q", "-1/q", "That differentiates −log q, the branch for t = 1"),
        ("value:L", "-log(q)", "That is the BCE's other branch"),
        ("grad:w", "dz*w", "That multiplies by w, the slope for x"),
        ("grad:b", "dq", "That is dq, the delta above the sigmoid"),
    ],
)
def test_logistic_bce_names_its_target_mistakes(step, answer, says):
    verdict = feedback("logistic-bce", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


# mse-vs-bce: a confidently wrong sigmoid; dz under the squared error against cross-entropy's q − t


def test_mse_vs_bce_squared_error_delta_is_many_times_smaller():
    lesson, sol = lesson_and_solution("mse-vs-bce")
    q, t = float(sol.trace.values["q"]), float(sol.trace.values["t"])
    assert abs(q - t) > 0.9  # confidently wrong
    dz = float(sol.answer(lesson.step("grad:z")))
    assert dz == pytest.approx(2 * (q - t) * q * (1 - q), rel=1e-12)
    assert abs(q - t) / abs(dz) > 10
    assert "about 18 times smaller" in explained("mse-vs-bce", "grad:z")


def test_mse_vs_bce_compares_with_the_last_lessons_neuron():
    """The explain recomputes logistic-bce's neuron (its bias typed in a live number): the two must agree."""
    _, bce = lesson_and_solution("logistic-bce")
    _, mse = lesson_and_solution("mse-vs-bce")
    for name in ("w", "x", "t"):
        assert np.array_equal(bce.trace.values[name], mse.trace.values[name])
    q = float(bce.trace.values["q"])
    text = explained("mse-vs-bce", "grad:z")
    assert f"`q ≈ {q:.3g}`" in text and f"`dz ≈ {2 * q * q * (1 - q):.3g}`" in text
    assert "sigmoid(w @ x - 1.5)" in (shipped_lessons_dir() / "mse-vs-bce.yaml").read_text(encoding="utf-8")
    assert float(bce.trace.values["b"]) == -1.5


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("grad:z", "q-t", "That is cross-entropy's dz, from the last lesson"),
        ("grad:z", "(q-t)*q*(1-q)", "That is the delta of ½(q − t)²"),
        ("grad:z", "dq", "That is dq, above the sigmoid"),
        ("grad:w", "(q-t)*x", "That is the cross-entropy's dw"),
        ("grad:q", "q-t", "That is q − t, without the power rule's factor"),
        ("local:q/z", "0.25", "0.25 is σ′(0), the sigmoid's steepest slope"),
    ],
)
def test_mse_vs_bce_names_its_target_mistakes(step, answer, says):
    verdict = feedback("mse-vs-bce", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message


# var-class: the Czech slides' Var class on f = x·y + sin x at x = 2, y = 3

SLIDES_VAR = {"f": 6.909297426825682, "dx": 2.5838531634528574, "dy": 2}  # the slides' printed output


def test_var_class_reproduces_the_czech_slides_exactly():
    _, sol = lesson_and_solution("var-class")
    assert float(sol.trace.values["x"]) == 2 and float(sol.trace.values["y"]) == 3
    assert float(sol.trace.values["f"]) == SLIDES_VAR["f"]
    assert float(sol.trace.grads["x"]) == SLIDES_VAR["dx"]
    assert float(sol.trace.grads["y"]) == SLIDES_VAR["dy"]


def test_var_class_outro_code_runs_and_prints_the_slides_numbers():
    """The outro's Var class (the shipped lesson's own text, run in a separate interpreter) gives the slides' output."""
    lesson, sol = lesson_and_solution("var-class")
    outro = show_lesson(lesson, sol.trace).outro
    code = "\n".join(line[4:] for line in outro.splitlines() if line.startswith("    "))
    assert "class Var:" in code and "f.backward()" in code
    run = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.split() == [repr(SLIDES_VAR["f"]), repr(SLIDES_VAR["dx"]), repr(SLIDES_VAR["dy"])]


@pytest.mark.parametrize(
    ("step", "answer", "says"),
    [
        ("grad:x", "cos(x)", "That is what x.grad holds if calc_grad writes self.grad = grad instead of +="),
        ("grad:x", "y", "That is only the call through m"),
        ("grad:x", "y*cos(x)", "That multiplies the two contributions"),
        ("local:m/x", "x", "That is the coefficient stored beside the other input"),
        ("local:s/x", "sin(x)", "That is s itself, the value"),
        ("local:s/x", "cos(s)", "That takes cos of the output s"),
        ("local:s/x", "-sin(x)", "That is the slope of cos"),
    ],
)
def test_var_class_names_its_target_mistakes(step, answer, says):
    verdict = feedback("var-class", step, answer)
    assert not verdict.correct and verdict.message.startswith(says), verdict.message
