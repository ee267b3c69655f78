"""Each diagnosis, fed its mistaken answer (as a number and as a formula), gives its one-sentence lesson."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from tutor.course import find_lesson, load_lesson, solve
from tutor.grading import grade, show_array

HERE = Path(__file__).resolve().parent / "lessons"


def setup(ref: str):
    """A test lesson (file under lessons/) or a shipped one (an id), solved."""
    path = HERE / f"{ref}.yaml"
    lesson = load_lesson(path) if path.exists() else find_lesson(ref, [])
    return lesson, solve(lesson)


def graded(ref: str, step_id: str, text: str):
    lesson, sol = setup(ref)
    return grade(sol, lesson.step(step_id), text)


def number(ref: str, step_id: str, f) -> str:
    """The engine's answer to a step, transformed by ``f``, typed as a literal with 6 digits."""
    lesson, sol = setup(ref)
    return show_array(f(sol.answer(lesson.step(step_id))), 6)


def test_1_sign_flipped():
    for text in ("-2*(y-t)", "2*(t-y)", number("chain", "grad:y", lambda e: -e)):
        v = graded("chain", "grad:y", text)
        assert v.diagnosis == "sign", (text, v.message)
        assert v.message == "The sign is flipped: that is −∂L/∂y; check each minus sign on the way."
    assert graded("net", "grad:W1", "-(X.T @ dZ1)").diagnosis == "sign"


def test_2_transposed_same_shape_and_wrong_shape():
    v = graded("square", "grad:W", "X @ dS.T")  # (dS Xᵀ)ᵀ = X dSᵀ, same 2×2 shape
    assert v.diagnosis == "transposed"
    assert v.message.startswith("That is the transpose of ∂L/∂W, which has shape 2×2")
    assert graded("square", "grad:W", number("square", "grad:W", lambda e: e.T)).diagnosis == "transposed"
    v = graded("net", "grad:W2", "dZ2.T @ A1")  # 1×3 where 3×1 is due
    assert v.diagnosis == "transposed" and "∂L/∂W2, which has shape 3×1" in v.message
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
        "That is the local derivative ∂A1/∂Z1 = A1(1 − A1) alone: you left out the upstream factor ∂L/∂A1, "
        "the delta of A1."
    )
    v = graded("chain", "grad:x", "2")
    assert v.diagnosis == "upstream-forgotten" and "∂y/∂x = 2 alone" in v.message


def test_4_upstream_delta_alone_local_forgotten():
    v = graded("net", "grad:Z1", "dA1")
    assert v.diagnosis == "local-forgotten"
    assert v.message == "That is ∂L/∂A1 alone: you left out the local factor ∂A1/∂Z1 = A1(1 − A1)."
    v = graded("chain", "grad:x", number("chain", "grad:y", lambda e: e))
    assert v.diagnosis == "local-forgotten" and v.message.endswith("∂y/∂x = 2.")


def test_5_sigmoid_derivative_from_the_pre_activation():
    expected = (
        "You took the local derivative at the input Z1, as Z1(1 − Z1): it is σ(Z1)(1 − σ(Z1)) = A1(1 − A1), "
        "written with the output A1."
    )
    for step, text in [("grad:Z1", "dA1 * Z1 * (1 - Z1)"), ("local:A1/Z1", "Z1*(1-Z1)")]:
        v = graded("net", step, text)
        assert v.diagnosis == "from-input" and v.message == expected
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
    assert v.diagnosis == "factor-n" and v.message.startswith("That is the right answer divided by N = 4")
    v = graded("net", "grad:Z2", "A2 - T")
    assert v.diagnosis == "factor-n"
    assert v.message == (
        "That is 4 times the right answer, with N = 4 samples: the loss is a mean over the batch, so the "
        "gradient carries the factor 1/4."
    )
    assert graded("net", "grad:b2", number("net", "grad:Z2", lambda e: e)).diagnosis == "unsummed"


def test_7_fan_out_only_one_path():
    v = graded("fanout", "grad:x", "ds * y")
    assert v.diagnosis == "fan-out"
    assert v.message == (
        "That is only the path through q: x also feeds s, and at a fan-out the contributions add: "
        "∂L/∂x = ∂L/∂q·∂q/∂x + ∂L/∂s·∂s/∂x."
    )
    v = graded("fanout", "grad:x", number("fanout", "grad:s", lambda e: e))
    assert v.diagnosis == "fan-out" and v.message.startswith("That is only the path through s: x also feeds q")


def test_8_power_rule_slips():
    v = graded("chain", "local:L/y", "y - t")
    assert v.diagnosis == "power"
    assert v.message == (
        "Power rule: you left out the exponent in front: the power rule is d/du uⁿ = n·uⁿ⁻¹, here 2·(y − t)^(2−1)."
    )
    v = graded("chain", "grad:y", "2*(y-t)**2")
    assert v.diagnosis == "power" and v.message.startswith("Power rule: you kept the exponent at 2")
    v = graded("fanout", "grad:x", number("fanout", "grad:x", lambda e: e / 2))  # the 2 of s² dropped downstream
    assert v.diagnosis == "power"
    assert v.message.startswith("Off by a factor of 1/2: check the power rule, d/du uⁿ = n·uⁿ⁻¹")
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
