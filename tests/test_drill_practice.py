"""Drills as practice: every step has hints that name the op table's rule and an explanation with the numbers (a
variant shows its own), and a review card made in a drill asks its step again in a new drill of the same shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tutor.authoring.variants import variant
from tutor.course import load_lesson, solve
from tutor.course.prose import show_lesson
from tutor.drill import LEVELS, make_drill
from tutor.grading import show_array
from tutor.progress import ProgressStore
from tutor.review import due_cards, sync_cards
from tutor.ui.screens.review import review_of
from tutor.ui.session import LessonSession


def shown_notes(lesson):
    """Each step's hints and explanation as the learner reads them (live numbers filled)."""
    shown = show_lesson(lesson, solve(lesson).trace)
    return {s.id: (shown.step(s.id).hints, shown.step(s.id).explain) for s in lesson.steps}


@pytest.mark.parametrize("level", LEVELS)
def test_every_drill_step_has_a_hint_and_an_explanation(level):
    for seed in range(0, 60, 6):
        _, lesson = make_drill(level, seed)
        for step_id, (hints, explain) in shown_notes(lesson).items():
            assert hints and all(h.strip() for h in hints), f"drill {level} {seed}: {step_id} has no hint"
            assert explain.strip() and "{{" not in explain, f"drill {level} {seed}: {step_id}: {explain!r}"


def test_a_local_hint_names_the_rule_and_the_explanation_shows_its_number():
    _, lesson = make_drill(2, 5)  # u = w * x + b, a = sigmoid(u), L = (a - t) ** 2 + u at w = -1.5, x = 2
    notes = shown_notes(lesson)
    hints, explain = notes["local:u/w"]
    assert "the local derivative of a·b with respect to a is b" in hints[0]
    assert hints[-1] == "∂u/∂w = x" and explain.startswith("`∂u/∂w = x = 2`")
    hints, explain = notes["local:a/u"]
    assert "σ(x)(1 − σ(x))" in hints[0] and hints[-1] == "∂a/∂u = a(1 − a)"
    a = float(solve(lesson).trace.values["a"])
    assert f"= {a * (1 - a):.4g}`" in explain


def test_a_fan_out_delta_says_its_paths_add_and_works_them_out():
    _, lesson = make_drill(2, 5)
    hints, explain = shown_notes(lesson)["grad:u"]
    assert "u feeds a and L" in hints[0] and "fan-out" in hints[0]
    assert hints[1] == "du = da · a(1 − a) + dL"
    du = float(solve(lesson).trace.grads["u"])
    assert explain.endswith(f"+ 1 = {du:.4g}`")


def test_a_layers_deltas_name_the_matrix_rule_and_the_bias_sum():
    text, lesson = make_drill(4, 2)
    assert "Z = X @ W + b" in text
    notes = shown_notes(lesson)
    assert notes["grad:W"][0][-1] == "dW = Xᵀ @ dZ" and "∂L/∂W = Xᵀ @ ∂L/∂Z" in notes["grad:W"][0][0]
    assert notes["grad:b"][0][-1] == "db = sum(dZ, 0)" and "sums dZ's rows" in notes["grad:b"][0][0]


def test_a_variant_of_a_drill_explains_with_its_own_numbers():
    _, lesson = make_drill(1, 4)  # u = x - w, L = u * t
    other = variant(lesson, 1)
    assert (
        other.leaf_values()["x"] != lesson.leaf_values()["x"] or other.leaf_values()["t"] != lesson.leaf_values()["t"]
    )
    explain = shown_notes(other)["grad:u"][1]
    du = float(solve(other).trace.grads["u"])
    assert explain.endswith(f"= {du:.4g}`".replace("-", "−"))


def made_in_a_drill(tmp_path):
    """Drill 2-5 saved as `drill` saves it, with grad:w answered with its sign flipped an hour and a half ago."""
    text, _ = make_drill(2, 5)
    path = tmp_path / "drill-2-5.yaml"
    path.write_text(text, encoding="utf-8")
    lesson = load_lesson(path)
    store = ProgressStore()
    session = LessonSession(lesson, store)
    assert session.go_to_step("grad:w")
    right = float(solve(lesson).answer(lesson.step("grad:w")))
    verdict = session.submit(show_array(np.asarray(-right), 6))
    assert verdict.diagnosis is not None, verdict.message
    session.save()
    sync_cards(store)
    return lesson, store


def test_a_card_from_a_drill_is_asked_in_a_new_drill_of_the_same_shape(tmp_path):
    lesson, store = made_in_a_drill(tmp_path)
    (card,) = due_cards(store, datetime.now(UTC) + timedelta(hours=2))
    assert card.lesson_id == "drill-2-5" and card.step_id == "grad:w"
    review, original = review_of(lesson, card, store)
    fresh = review.lesson
    assert fresh.variant >= 1 and original.lesson.variant == 0
    assert [a.name for a in fresh.program.assignments] == [a.name for a in lesson.program.assignments]
    assert [s.id for s in fresh.steps] == [s.id for s in lesson.steps]
    old, new = lesson.leaf_values(), fresh.leaf_values()
    assert any(not np.array_equal(old[k], new[k]) for k in old), "the review replays the same numbers"
    right = show_array(review.session.solution.answer(review.step), 8)
    assert review.check(right).correct


def test_a_drill_card_whose_file_is_gone_or_old_is_asked_in_a_drill_made_again(tmp_path):
    from tutor.ui.screens.review import lesson_of

    lesson, store = made_in_a_drill(tmp_path)
    (card,) = due_cards(store, datetime.now(UTC) + timedelta(hours=2))
    path = tmp_path / "drill-2-5.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("vary:"), text.index("graph:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")  # as drills were saved before they varied
    assert not load_lesson(path).vary
    again = lesson_of(card, path)
    assert again.vary and again.path == path and again.leaf_values().keys() == lesson.leaf_values().keys()
    review, _ = review_of(again, card, store)
    assert review.lesson.variant >= 1 and review.step.id == "grad:w"
    path.unlink()
    assert lesson_of(card, path).vary
