"""Each diagnosis, fed its mistaken answer (as a number and as a formula), gives its one-sentence lesson."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from tutor.course import find_lesson, load_lesson, solve
from tutor.grading import AnswerContext, grade, show_array

HERE = Path(__file__).resolve().parent / "lessons"


def setup(ref: str):
    """A test lesson (file under lessons/) or a shipped one (an id), solved."""
    path = HERE / f"{ref}.yaml"
    lesson = load_lesson(path) if path.exists() else find_lesson(ref, [])
    return lesson, solve(lesson)


def graded(ref: str, step_id: str, text: str, wrong_before: int = 0):
    """Grade an answer as a learner who did the steps before in order; ``wrong_before`` wrong tries already."""
    lesson, sol = setup(ref)
    return grade(sol, lesson.step(step_id), text, AnswerContext(wrong_before=wrong_before))


def number(ref: str, step_id: str, f) -> str:
    """The engine's answer to a step, transformed by ``f``, typed as a literal with 6 digits."""
    lesson, sol = setup(ref)
    return show_array(f(sol.answer(lesson.step(step_id))), 6)


def test_1_sign_flipped():
    for text in ("-2*(y-t)", "2*(t-y)", number("chain", "grad:y", lambda e: -e)):
        v = graded("chain", "grad:y", text)
        assert v.diagnosis == "sign", (text, v.message)
        assert v.message == "The sign is flipped: that is −dy; check each minus sign on the way."
    assert graded("net", "grad:W1", "-(X.T @ dZ1)").diagnosis == "sign"


def test_2_transposed_same_shape_and_wrong_shape():
    v = graded("square", "grad:W", "X @ dS.T")  # (dS Xᵀ)ᵀ = X dSᵀ, same 2×2 shape
    assert v.diagnosis == "transposed"
    assert v.message.startswith("That is the transpose of dW, which has shape 2×2")
    assert graded("square", "grad:W", number("square", "grad:W", lambda e: e.T)).diagnosis == "transposed"
    v = graded("net", "grad:W2", "dZ2.T @ A1")  # 1×3 where 3×1 is due
    assert v.diagnosis == "transposed" and "dW2, which has shape 3×1" in v.message
    v = graded("net", "grad:W1", "[[1, 2], [3, 4], [5, 6]]")  # 3×2 where 2×3 is due, and not the transpose
    assert v.diagnosis == "shape"
    assert v.message == (
        "Wrong shape: expected 2×3 (the shape of W1), you gave 3×2, the transposed shape: "
        "check the order of the factors and which one carries the ᵀ."
    )


def test_3_local_derivative_alone_upstream_forgotten():
    v = graded("net", "grad:Z1", "A1 * (1 - A1)")
    assert v.diagnosis == "upstream-forgotten"
    assert v.message == (
        "That is the local derivative ∂A1/∂Z1 = A1(1 − A1) alone: you left out the upstream delta dA1 = ∂L/∂A1."
    )
    v = graded("chain", "grad:x", "2")
    assert v.diagnosis == "upstream-forgotten" and "∂y/∂x = 2 alone" in v.message


def test_4_upstream_delta_alone_local_forgotten():
    v = graded("net", "grad:Z1", "dA1")
    assert v.diagnosis == "local-forgotten"
    assert v.message == "That is dA1 = ∂L/∂A1 alone, the upstream delta: you left out the local factor ∂A1/∂Z1."
    assert v.formula == "∂A1/∂Z1 = A1(1 − A1)."  # held back on the first try, shown on the second:
    assert graded("net", "grad:Z1", "dA1", wrong_before=1).message.endswith("∂A1/∂Z1. ∂A1/∂Z1 = A1(1 − A1).")
    v = graded("chain", "grad:x", number("chain", "grad:y", lambda e: e), wrong_before=1)
    assert v.diagnosis == "local-forgotten" and v.message.endswith("∂y/∂x = 2.")


def test_5_sigmoid_derivative_from_the_pre_activation():
    expected = (
        "You took the local derivative at the input Z1, as Z1(1 − Z1): the formula is written with the output A1, "
        "not the input."
    )
    for step, text in [("grad:Z1", "dA1 * Z1 * (1 - Z1)"), ("local:A1/Z1", "Z1*(1-Z1)")]:
        v = graded("net", step, text)
        assert v.diagnosis == "from-input" and v.message == expected
        assert v.formula == "It is σ(Z1)(1 − σ(Z1)) = A1(1 − A1)."
        assert graded("net", step, text, wrong_before=1).message == f"{expected} {v.formula}"
    _, sol = setup("net")
    z1 = sol.trace.values["Z1"]
    v = graded("net", "local:A1/Z1", show_array(z1 * (1 - z1), 6))  # the same mistake typed as numbers
    assert v.diagnosis == "from-input"


def test_6_bias_not_summed_over_the_batch_or_off_by_n():
    v = graded("net", "grad:b1", "dZ1")
    assert v.diagnosis == "unsummed"
    assert v.message == (
        "That is the gradient for each sample separately (4×3): b1 is shared by all 4 rows of Z1, so add them "
        "up over the batch (sum(…, 0)), giving shape 1×3."
    )
    v = graded("net", "grad:b1", "mean(dZ1, 0)")
    assert v.diagnosis == "n-twice"
    assert v.message == (
        "That divides by N = 4 twice: the 1/N of the mean loss enters once; over the batch take a sum, not a mean."
    )
    v = graded("net", "grad:Z2", "A2 - T")
    assert v.diagnosis == "factor-n"
    assert v.message == (
        "That is 4 times the right answer, with N = 4 samples: the loss is a mean over the batch, so the "
        "delta carries the factor 1/4."
    )
    assert graded("net", "grad:b2", number("net", "grad:Z2", lambda e: e)).diagnosis == "unsummed"


def test_7_fan_out_only_one_path():
    v = graded("fanout", "grad:x", "ds * y")
    assert v.diagnosis == "fan-out"
    assert v.message == "That is only the path through q: x also feeds s, and at a fan-out the contributions add."
    assert v.formula == "dx = dq·∂q/∂x + ds·∂s/∂x."
    v = graded("fanout", "grad:x", number("fanout", "grad:s", lambda e: e))
    assert v.diagnosis == "fan-out" and v.message.startswith("That is only the path through s: x also feeds q")


def test_8_power_rule_slips():
    v = graded("chain", "local:L/y", "y - t")
    assert v.diagnosis == "power"
    assert v.message == "Power rule: you left out the exponent in front: the power rule is d/du uⁿ = n·uⁿ⁻¹."
    assert v.formula == "Here 2·(y − t)^(2−1)."
    v = graded("chain", "grad:y", "2*(y-t)**2")
    assert v.diagnosis == "power" and v.message.startswith("Power rule: you kept the exponent at 2")
    v = graded("fanout", "grad:x", number("fanout", "grad:x", lambda e: e / 2))  # the 2 of s² dropped downstream
    assert v.diagnosis == "power"
    assert v.message.startswith("Power rule: you left out the exponent in front")
    v = graded("chain", "grad:x", number("chain", "grad:x", lambda e: 3 * e))
    assert v.diagnosis == "factor" and v.message == "Off by a constant factor: your answer is 3 times the right one."


def test_9_wrong_shape_names_both_shapes():
    v = graded("net", "grad:W1", "[1, 2, 3]")
    assert v.diagnosis == "shape"
    assert v.message == "Wrong shape: expected 2×3 (the shape of W1), you gave 3."
    v = graded("net", "grad:b1", "sum(dZ1)")
    assert v.diagnosis == "shape" and "expected 1×3 (the shape of b1), you gave scalar" in v.message
    v = graded("net", "grad:W2", "A1 @ dZ2")  # cannot be computed: 4×3 @ 4×1
    assert v.status == "wrong" and v.diagnosis == "shape" and "do not match for @" in v.message


def test_10_which_entries_are_wrong():
    lesson, sol = setup("net")
    e = sol.answer(lesson.step("grad:W1")).copy()
    e[0, 1] += 0.5
    v = grade(sol, lesson.step("grad:W1"), show_array(e, 6))
    assert v.diagnosis == "entries"
    assert v.message == "Entry (1, 2) (row, column) is wrong; the other 5 are right."
    e[1, 2] = -e[1, 2]
    e[0, 1] = -sol.answer(lesson.step("grad:W1"))[0, 1]
    v = grade(sol, lesson.step("grad:W1"), show_array(e, 6))
    assert v.message == (
        "Entries (1, 2), (2, 3) (row, column) are wrong (the sign is flipped there); the other 4 are right."
    )


# ---------------------------------------------------------------- the learner trial's and the course review's slips
# (on test lessons without author mistakes, so that each is the grader's own diagnosis)


def test_11_forgotten_bias():
    # X @ W1 for Z1 got "matches none of the usual slips"
    v = graded("net1", "value:Z1", "X @ W1")
    assert v.diagnosis == "forgotten" and v.message == "That leaves out the term b1: Z1 = X @ W1 + b1 has it too."
    assert graded("neuron", "value:z", "w @ x").diagnosis == "forgotten"
    assert graded("neuron", "value:z", number("neuron", "value:z", lambda e: e + 0.6)).diagnosis == "forgotten"


def test_12_n_twice_is_named_as_such_and_no_sum_where_there_is_none():
    # dA1 divided by 4 got "over the batch take a sum, not a mean", though no sum is involved
    for text in ("dZ2 @ W2.T / 4", "dZ2 @ W2.T / N"):
        v = graded("net", "grad:A1", text)
        assert v.diagnosis == "n-twice", v.message
        assert v.message.startswith("That divides by N = 4 twice") and "already in the deltas above A1" in v.message
        assert "sum" not in v.message
    v = graded("net", "grad:Z2", "(A2 - T) / 16")
    assert v.diagnosis == "n-twice" and "do not divide again" in v.message
    v = graded("net", "grad:W2", "A1.T @ dZ2 / N")  # a sum over the batch: the mean is the slip
    assert v.diagnosis == "n-twice" and v.message.endswith("over the batch take a sum, not a mean.")


def test_13_the_squared_errors_delta_with_a_cross_entropy():
    for ref, text in [("net1", "(A2 - Y) * A2 * (1 - A2)"), ("net", "(A2-T)*A2*(1-A2)/N")]:
        v = graded(ref, "grad:Z2", text)
        assert v.diagnosis == "mse-for-bce", (ref, v.message)
        assert v.message.startswith("That uses the squared error's delta, A2 − ")
        assert "is a binary cross-entropy" in v.message
        assert "cancels" in v.formula and "cancels" not in v.message
    assert graded("net1", "grad:A2", "A2 - Y").diagnosis == "mse-for-bce"  # at the loss itself


def test_14_sigmoid_applied_twice():
    _, sol = setup("neuron")
    sigma_of_q = 1 / (1 + np.exp(-sol.trace.values["q"]))
    twice = show_array(sigma_of_q * (1 - sigma_of_q), 6)
    for v in [
        graded("neuron", "local:q/z", "sigmoid(q) * (1 - sigmoid(q))"),
        graded("neuron", "local:q/z", twice),  # the same slip as a number
        graded("net", "grad:Z1", "dA1 * sigmoid(A1) * (1 - sigmoid(A1))"),
    ]:
        assert v.diagnosis == "sigmoid-twice", v.message
        assert "applies σ twice" in v.message and "is already σ(" in v.message
    assert graded("neuron", "local:q/z", twice).message == (
        "That applies σ twice: q is already σ(z), so its slope is written with q itself, not with σ(q)."
    )


def test_15_paths_multiplied_instead_of_added():
    v = graded("fanout", "grad:x", "dq * y * ds")
    assert v.diagnosis == "fan-out-product"
    assert v.message == "That multiplies the contributions of the paths through q and s: at a fan-out they add."
    assert v.formula == "dx = dq·∂q/∂x + ds·∂s/∂x."


def test_16_the_swapped_factor_of_a_product():
    v = graded("fanout", "grad:y", "dq * y")
    assert v.diagnosis == "swapped-factor"
    assert v.message.startswith("You multiplied by y, the factor you differentiate by")
    assert graded("neuron", "grad:x", "dz * x").diagnosis == "swapped-factor"
    # W*x for z = W @ x + b got "check which one carries the ᵀ": it is * where @ was meant
    v = graded("layer", "value:z", "W*x + b")
    assert v.diagnosis == "star-for-matmul" and "for the matrix product write @ (W @ x)" in v.message
    assert "ᵀ" not in v.message
    v = graded("net", "grad:Z1", "dA1 @ (A1 * (1 - A1))")
    assert v.diagnosis == "matmul-for-star" and "to multiply entry by entry" in v.message


def test_17_the_inputs_value_typed_for_a_slope():
    v = graded("chain", "local:y/x", "x")
    assert v.diagnosis == "input-for-slope"
    assert v.message.startswith("That is the value of x, 1.5, not a slope: ∂y/∂x says how fast y changes")
    assert graded("paths", "local:u/x2", "2").diagnosis == "input-for-slope"
    v = graded("fanout", "local:q/x", "x")  # for q = x·y that is also ∂q/∂y: named as the other input's
    assert v.diagnosis == "wrong-input" and v.message.startswith("That is ∂q/∂y, the derivative by y")


def test_18_the_forgotten_square():
    v = graded("chain", "value:L", "y - t")
    assert v.diagnosis == "forgotten-power"
    assert v.message == "That is (y − t) before the power: L raises it to the power 2."
    _, sol = setup("neuron")
    typed = show_array(sol.trace.values["q"] - sol.trace.values["t"], 6)  # the same slip, typed as a number
    assert graded("neuron", "value:L", typed).diagnosis == "forgotten-power"
    assert graded("chain", "local:L/y", "y - t").diagnosis == "power"  # the power rule's variants keep theirs


def test_19_the_wrong_branch_of_the_cross_entropy():
    v = graded("net1", "value:L", "-log(1 - A2)")
    assert v.diagnosis == "bce-branch" and "wrong branch of the cross-entropy" in v.message
    v = graded("net", "value:L", "-mean((1-T)*log(A2) + T*log(1-A2))")
    assert v.diagnosis == "bce-branch"
    # the derivative: one branch left out, or the sign of one branch
    v = graded("net", "grad:Z2", "(-T/A2) * A2 * (1 - A2) / N")
    assert v.diagnosis == "bce-branch" and v.message.startswith("That is only the first branch of the cross-entropy")
    v = graded("net", "grad:Z2", "(-T/A2 - (1-T)/(1-A2)) * A2 * (1 - A2) / N")
    assert v.diagnosis == "bce-branch" and "The second branch has the wrong sign" in v.message
    # with every label 1 the second branch is 0 throughout: leaving it out is no mistake (and no lint warning)
    assert graded("net1", "grad:A2", "-Y/A2").correct


def test_20_an_unevaluated_slope():
    # 2 for ∂z/∂y with z = y² got "Off by a constant factor: your answer is 1/7 times the right one"
    v = graded("paths", "local:z/y", "2")
    assert v.diagnosis == "slope-not-evaluated"
    assert "2 is only the exponent brought down" in v.message and "evaluate it at y = 7" in v.message
    assert "times the right one" not in v.message


def test_21_messages_that_misled():
    # a factor-N message on a forward value talked about "the gradient"
    v = graded("net", "value:L", "-sum(T*log(A2) + (1-T)*log(1-A2))")
    assert v.diagnosis == "factor-n" and "L is a mean over the batch, not a sum" in v.message
    assert "gradient" not in v.message
    # "∂z/∂w = ∂z/∂w alone"
    v = graded("neuron", "grad:w", "x")
    assert v.diagnosis == "upstream-forgotten"
    assert v.message.startswith("That is the local derivative ∂z/∂w alone") and "∂z/∂w =" not in v.message
    # never "1 times the right one"
    lesson, sol = setup("net")
    step = lesson.step("grad:W1")
    tight = lesson.tolerance_for(step)
    v = grade(sol, step, show_array(sol.answer(step) * (1 + 3 * tight), 8))
    assert " 1 times" not in v.message and "times the right one" not in v.message


def test_the_trials_slips_on_the_shipped_lessons_get_a_diagnosis():
    """Each slip the learner trial and the course review typed into the shipped course is named (by the lesson's
    author or by the grader), never "matches none of the usual slips"."""
    cases = [
        ("two-layer-net", "value:Z1", "X @ W1"),
        ("two-layer-net", "grad:Z2", "(A2 - Y) * A2 * (1 - A2)"),
        ("two-layer-net", "value:L", "-log(1 - A2)"),
        ("two-layer-batch", "grad:A1", "dZ2 @ W2.T / N"),
        ("two-layer-batch", "grad:Z2", "(A2 - Y) / 16"),
        ("two-layer-batch", "value:L", "-sum(Y*log(A2) + (1-Y)*log(1-A2))"),
        ("sigmoid-neuron", "local:q/z", "sigmoid(q) * (1 - sigmoid(q))"),
        ("sigmoid-neuron", "value:L", "q - t"),
        ("fan-out", "grad:x", "dq * y * ds"),
        ("chain-rule", "value:L", "y - t"),
        ("chain-rule-paths", "local:z/y", "2"),
    ]
    for ref, step, text in cases:
        lesson, sol = setup(ref)
        step_ids = [s.id for s in lesson.steps]
        assert step in step_ids, f"{ref} has no step {step} any more (it has {step_ids}): update this case"
        v = grade(sol, lesson.step(step), text)
        assert v.status == "wrong" and v.diagnosis is not None, (ref, step, text, v.message)
        assert "none of the usual slips" not in v.message and "times the right one" not in v.message


def test_author_mistakes_come_first_and_are_checked_as_formulas():
    v = graded("authored", "grad:x", "dy")  # also "local factor forgotten", but the author's message wins
    assert v.diagnosis == "author" and v.message == "Author: you stopped at dy; multiply by dy/dx = 2."
    assert graded("authored", "grad:x", "2*dy + 1").message == "Author: no +1 here."
    v = graded("authored", "grad:x", number("authored", "grad:y", lambda e: e))  # a number matching dy
    assert v.diagnosis == "author"


def test_shipped_lessons_diagnose_their_typical_mistakes():
    """On the shipped lessons every one of these gets a diagnosis (the author's own message or a computed one)."""
    cases = [
        ("chain-rule", "grad:x", "dy"),
        ("chain-rule", "local:L/y", "y - t"),
        ("sigmoid-neuron", "local:q/z", "z*(1-z)"),
        ("fan-out", "grad:x", "ds*y"),
        ("two-layer-net", "grad:Z1", "dA1"),
        ("two-layer-net", "grad:Z1", "dA1 * Z1 * (1 - Z1)"),
        ("two-layer-net", "grad:W2", "dZ2.T @ A1"),
        ("two-layer-batch", "grad:b1", "dZ1"),
        ("two-layer-batch", "grad:b1", "mean(dZ1, 0)"),
        ("two-layer-batch", "grad:W1", "-(X.T @ dZ1)"),
    ]
    for ref, step, text in cases:
        lesson, sol = setup(ref)
        step_ids = [s.id for s in lesson.steps]
        assert step in step_ids, f"{ref} has no step {step} any more (it has {step_ids}): update this case"
        v = grade(sol, lesson.step(step), text)
        assert v.status == "wrong" and v.diagnosis is not None, (ref, step, text, v.message)
        # not the fallback the grader gives when no slip matches ("Not quite: ... is not ∂L/∂x ...")
        assert not v.message.startswith("Not quite:"), (ref, step, text, v.message)


def test_grading_is_fast_on_the_two_layer_lesson():
    """A wrong answer is graded and diagnosed without a pause the learner would notice.

    The bound only turns a hang or a blow-up into a failure (measured: about 0.5 ms per answer);
    the speed itself is measured in benchmarks/run.py (``grading``).
    """
    lesson, sol = setup("net")
    answers = ["X.T @ dZ1", "dA1 * Z1 * (1 - Z1)", "dZ1", "A1 * (1 - A1)", "0.1"]
    steps = ["grad:W1", "grad:Z1", "grad:b1", "grad:Z1", "grad:W2"]
    for s, a in zip(steps, answers, strict=True):  # warm the per-lesson caches
        grade(sol, lesson.step(s), a)
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for s, a in zip(steps, answers, strict=True):
            grade(sol, lesson.step(s), a)
    per_answer = (time.perf_counter() - start) / (rounds * len(answers))
    assert per_answer < 0.1, f"{per_answer * 1000:.1f} ms per answer"


def test_random_points_keep_shapes_and_labels():
    from tutor.grading.points import other_points

    lesson, _ = setup("net")
    points = other_points(lesson)
    assert len(points) == 3
    for p in points:
        for name, x in lesson.leaf_values().items():
            assert p.solution.trace.values[name].shape == np.shape(x)
        assert np.array_equal(p.solution.trace.values["T"], lesson.constants["T"])  # labels stay labels
        assert not np.allclose(p.solution.trace.values["W1"], lesson.inputs["W1"])
