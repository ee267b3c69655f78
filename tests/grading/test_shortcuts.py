"""No shortcuts past the learning: calculus notation, deltas not earned yet, values computed later, and a forward
value's own line are refused with what to do instead, and none of them counts as an attempt."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course import find_lesson, load_lesson, solve
from tutor.grading import AnswerContext, grade
from tutor.lang import to_text

HERE = Path(__file__).resolve().parent / "lessons"
SHIPPED = Path(__file__).resolve().parents[2] / "lessons"


def graded(ref: str, step_id: str, text: str, earned: set[str] | None = None):
    """Grade a first try; ``earned``: the step ids solved or shown (default: every step before this one)."""
    path = HERE / f"{ref}.yaml"
    lesson = load_lesson(path) if path.exists() else find_lesson(ref, [])
    context = AnswerContext(None if earned is None else frozenset(earned))
    return grade(solve(lesson), lesson.step(step_id), text, context)


def refused(v, *fragments: str) -> None:
    """Refused with a message holding every fragment, and not counted as an attempt."""
    assert v.status == "unreadable" and not v.counts, v.message
    for f in fragments:
        assert f in v.message, v.message


# ---------------------------------------------------------------- calculus notation


def test_leibniz_notation_is_recognised_not_graded_by_coincidence():
    # dy/du was once "Correct (first try)" (both deltas are 14, their ratio 1 = ∂y/∂u by coincidence)
    v = graded("paths", "local:y/u", "dy/du")
    refused(v, "dy/du is calculus notation", "here dy means ∂z/∂y, the delta of y", "Type ∂y/∂u itself")
    # du/dx2 got "Off by a constant factor: 1/9 times the right one"
    v = graded("paths", "local:u/x2", "du/dx2")
    refused(v, "du/dx2 is calculus notation", "divide two deltas", "a number, or a formula in the lesson's names")
    assert "times the right one" not in v.message


@pytest.mark.parametrize(
    ("ref", "step", "text", "shown"),
    [
        ("chain-rule", "grad:y", "dL/dy", "dL/dy"),
        ("paths", "local:u/x2", "3*du/dx2", "du/dx2"),
        ("paths", "grad:x2", "dz/dy * dy/du * du/dx2", "dz/dy is calculus notation"),
        ("chain-rule", "local:y/x", "d/dx(2x)", "d/dx"),
        ("chain-rule", "local:L/y", "dL/dt", "dL/dt"),  # t is a constant: dt is no delta, still Leibniz
        ("paths", "local:u/x2", "∂u/∂x2", "∂ is calculus notation"),
        ("chain-rule", "grad:y", "∂L/∂y", "∂ is calculus notation"),
    ],
)
def test_every_leibniz_spelling_says_what_to_type(ref, step, text, shown):
    refused(graded(ref, step, text), shown, "calculus notation", "a number, or a formula in the lesson's names")


def test_a_ratio_of_other_things_is_still_a_formula():
    assert graded("chain-rule", "grad:x", "dy * 2").correct
    v = graded("chain-rule", "grad:x", "dy / 0.5")  # a delta over a number: an ordinary (right) formula
    assert v.correct


# ---------------------------------------------------------------- names the learner has not earned yet


def test_a_later_delta_is_refused():
    # grad:Z2 answered db2 was "Correct" (for one sample db2 = dZ2)
    refused(graded("two-layer-net", "grad:Z2", "db2"), "dZ2 comes before db2: write it from what you know")
    refused(graded("two-layer-net", "grad:Z1", "db1 + 0"), "dZ1 comes before db1")
    refused(graded("two-layer-batch", "grad:Z2", "db2 * 1"), "dZ2 comes before db2")


def test_deltas_upstream_of_the_step_and_earned_ones_are_fine():
    assert graded("two-layer-net", "grad:Z2", "dA2 * A2 * (1 - A2)").correct  # dA2 lies between Z2 and L
    assert graded("two-layer-net", "grad:Z1", "dA1 * A1 * (1 - A1)").correct
    # the same delta, earned out of order (shown or solved), may be used
    v = graded("two-layer-net", "grad:Z2", "db2", earned={"grad:b2"})
    assert v.correct
    # for one sample db2 is dZ2: fine once grad:b2 is earned (in course order it comes before grad:A1) ...
    assert graded("two-layer-net", "grad:A1", "db2 @ W2.T").correct
    # ... but not when the learner skipped it (the app passes what was earned)
    refused(graded("two-layer-net", "grad:A1", "db2 @ W2.T", earned=set()), "dA1 comes before db2")
    assert graded("two-layer-net", "grad:A1", "dZ2 @ W2.T", earned=set()).correct  # dZ2 is upstream of A1


def test_a_forward_value_cannot_use_what_is_computed_from_it():
    refused(graded("two-layer-net", "value:Z1", "log(A1/(1-A1))"), "A1 comes after Z1", "write Z1 from the values")
    refused(graded("two-layer-net", "value:A2", "dZ2 + Y"), "dZ2 is a delta of the backward pass")
    assert graded("two-layer-net", "value:Z2", "log(A2/(1-A2))", earned={"value:A2"}).correct


# ---------------------------------------------------------------- a forward value's own line


@pytest.mark.parametrize(
    ("ref", "step", "text"),
    [
        ("two-layer-batch", "value:A1", "sigmoid(Z1)"),
        ("two-layer-batch", "value:A1", "σ(Z1)"),
        ("two-layer-batch", "value:A1", "torch.sigmoid(Z1)"),
        ("two-layer-batch", "value:Z1", "X @ W1 + b1"),
        ("two-layer-batch", "value:Z1", "b1 + X.dot(W1)"),
        ("two-layer-batch", "value:L", "bce(A2, Y)"),
        ("chain-rule", "value:y", "2*x"),
        ("chain-rule", "value:y", "x*2"),
        ("chain-rule", "value:L", "(t - y)^2"),
        ("sigmoid-neuron", "value:z", "b + w @ x"),
    ],
)
def test_a_forward_value_refuses_its_own_line(ref, step, text):
    v = graded(ref, step, text)
    refused(v, "Type the computed value: the graph shows the formula", "and this step asks for its number")


@pytest.mark.parametrize(
    ("ref", "step", "text"),
    [
        ("two-layer-batch", "value:A1", "1/(1 + exp(-Z1))"),  # σ written out: the learner's own
        ("two-layer-batch", "value:L", "-mean(Y*log(A2) + (1-Y)*log(1-A2))"),  # the cross-entropy written out
        ("chain-rule", "value:y", "3"),
        ("chain-rule", "value:L", "(3 - 4.25)^2"),
        ("chain-rule", "value:L", "(y - t)*(y - t)"),
    ],
)
def test_a_forward_value_written_out_or_computed_is_accepted(ref, step, text):
    assert graded(ref, step, text).correct


def test_a_wrong_rewrite_is_graded_as_wrong_not_refused():
    v = graded("chain-rule", "value:L", "(y + t)^2")
    assert v.status == "wrong" and v.counts


def test_no_forward_value_of_the_course_passes_by_copying_its_line():
    """The review counted 25 of 72 steps that could be passed by copying the graph panel's line."""
    copied = 0
    for path in sorted(SHIPPED.glob("*.yaml")):
        if path.name == "course.yaml":
            continue
        lesson = load_lesson(path)
        sol = solve(lesson)
        for step in lesson.steps:
            if step.id.startswith("value:"):
                line = to_text(lesson.program.assignment(step.node).expr, math=False)
                v = grade(sol, step, line)
                assert v.status == "unreadable" and "Type the computed value" in v.message, (lesson.id, step.id)
                copied += 1
    assert copied >= 25
