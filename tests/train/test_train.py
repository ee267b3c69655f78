"""Training with the learner's own formulas: the same run as the engine's when they are right, the step named
where a formula only looked right, formulas that cannot be right refused before any epoch, bounds first."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from train_helpers import BATCH, HERE, SOFTMAX, batch_lesson, softmax_lesson, trained

from tutor.course import find_lesson, load_lesson
from tutor.train import data
from tutor.train.loop import MAX_EPOCHS, Settings, Training, check_settings
from tutor.train.network import TrainError
from tutor.train.report import verdict


@pytest.mark.parametrize("dataset", ["xor", "moons"])
def test_right_formulas_train_exactly_as_the_engines_gradients(dataset):
    t = trained(batch_lesson(), BATCH, dataset=dataset, epochs=1000, lr=2.0, hidden=8)
    assert len(t.curves.learner) == 1001
    assert t.curves.learner[-1] < t.curves.learner[0] / 2, "the network learns"
    assert abs(t.curves.learner[-1] - t.curves.engine[-1]) <= 1e-9
    assert max(abs(a - b) for a, b in zip(t.curves.learner, t.curves.engine, strict=True)) <= 1e-9
    assert t.parted_at is None and t.gradients_differ_at is None and not t.fixes
    assert verdict(t).same


def test_xor_is_learned_the_decision_boundary_separates_the_classes():
    t = trained(batch_lesson(), BATCH, dataset="xor", epochs=1000, lr=2.0, hidden=8)
    from tutor.train.boundary import prediction_node

    assert prediction_node(t) == "A2"
    predicted = (t.env["A2"].reshape(-1) > 0.5).astype(int)
    assert (predicted == t.data.labels()).mean() > 0.95
    grid = t.grid((40, 16))
    assert grid.shape == (16, 40) and set(np.unique(grid)) == {0, 1}
    # the top-left and bottom-left corners of XOR are of different classes
    assert grid[0, 0] != grid[-1, 0] and grid[0, 0] == grid[-1, -1]


def test_a_formula_missing_the_1_over_N_trains_differently_and_the_step_is_named():
    """dZ2 = A2 - Y is right for one sample (two-layer-net grades it so); on 200 points it is 200 times too big."""
    formulas = {**BATCH, "grad:Z2": "A2 - Y"}
    t = trained(batch_lesson(), formulas, dataset="moons", epochs=50, lr=0.05, hidden=8)
    assert t.gradients_differ_at == 0 and t.parted_at == 1
    assert abs(t.curves.learner[-1] - t.curves.engine[-1]) > 1e-3, "the curves are visibly apart"
    assert [f.step for f in t.fixes] == ["grad:Z2"], "only the first delta is wrong; the others are given it"
    assert "N = 200" in t.fixes[0].message and "divide by N" in t.fixes[0].message
    lines = verdict(t).lines
    assert "epoch 1" in lines[0] and any("The step to fix: grad:Z2" in line for line in lines)
    assert t.scaled_by is not None and abs(t.scaled_by - 200) < 1e-6
    assert any("your run is the engine's at a learning rate of 10 instead of 0.05" in line for line in lines)


def test_a_run_whose_deltas_are_not_one_multiple_of_the_engines_claims_no_learning_rate():
    t = trained(batch_lesson(), {**BATCH, "grad:W1": "X.T @ dZ1 * 2"}, dataset="xor", epochs=5, lr=1.0, hidden=8)
    assert [f.step for f in t.fixes] == ["grad:W1"] and t.scaled_by is None
    assert not any("learning rate of" in line for line in verdict(t).lines)


def test_the_lessons_own_batch_size_typed_as_a_number_is_told_apart():
    """(A2 - Y) / 4 passes two-layer-batch's check (N = 4 there) and is 50 times too small on 200 points."""
    t = trained(batch_lesson(), {**BATCH, "grad:Z2": "(A2 - Y) / 4"}, dataset="xor", epochs=20, lr=1.0, hidden=8)
    (fix,) = t.fixes
    assert fix.step == "grad:Z2"
    assert "1/50" not in fix.message and "50 times" in fix.message
    assert "the number 4 in it is the lesson's number of samples" in fix.message


def test_a_wrong_formula_further_down_is_the_one_named():
    t = trained(batch_lesson(), {**BATCH, "grad:W1": "X.T @ dA1"}, dataset="xor", epochs=5, lr=1.0)
    assert [f.step for f in t.fixes] == ["grad:W1"]


def test_a_wrong_transpose_is_refused_before_training_with_the_step():
    with pytest.raises(TrainError) as e:
        Training(batch_lesson(), {**BATCH, "grad:W2": "dZ2 @ A1.T"}, Settings("xor", hidden=8))
    assert e.value.step == "grad:W2"
    assert "200×1 and 8×200" in e.value.message and "cannot be computed" in e.value.message


def test_a_one_sample_bias_formula_is_refused_it_keeps_a_row_per_sample():
    with pytest.raises(TrainError) as e:
        Training(batch_lesson(), {**BATCH, "grad:b2": "dZ2"}, Settings("xor"))
    assert e.value.step == "grad:b2"
    assert "gives 200×1" in e.value.message and "shared by all 200" in e.value.message


def test_the_one_sample_lessons_formulas_are_refused_at_a_bias():
    lesson = find_lesson("two-layer-net", [])
    formulas = {**BATCH, "grad:Z2": "A2 - Y", "grad:b2": "dZ2", "grad:b1": "dZ1", "grad:A2": "-Y/A2 + (1-Y)/(1-A2)"}
    with pytest.raises(TrainError) as e:
        Training(lesson, formulas, Settings("xor"))
    assert e.value.step in ("grad:b1", "grad:b2")


@pytest.mark.parametrize(
    ("change", "step", "said"),
    [
        ({"grad:W1": "[[1, 2, 3], [4, 5, 6]]"}, "grad:W1", "answered with numbers"),
        ({"grad:Z1": None}, "grad:Z1", "no formula of yours for dZ1"),
        ({"grad:Z2": "dW2 * 0 + A2 - Y"}, "grad:Z2", "in a circle"),
        ({"grad:W1": "__import__('os').system('x')"}, "grad:W1", "grad:W1"),
        ({"grad:W1": "X.T @ dZ1 @ Wq"}, "grad:W1", "unknown name"),
    ],
)
def test_formulas_that_cannot_train_are_refused_naming_the_step(change, step, said):
    formulas = {k: v for k, v in {**BATCH, **change}.items() if v is not None}
    with pytest.raises(TrainError) as e:
        Training(batch_lesson(), formulas, Settings("xor"))
    assert e.value.step == step
    assert said in e.value.message


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (Settings(epochs=MAX_EPOCHS + 1), "epochs"),
        (Settings(points=10**9), "points"),
        (Settings(hidden=10_000), "hidden width"),
        (Settings(lr=float("nan")), "learning rate"),
        (Settings(epochs=MAX_EPOCHS, points=1000, hidden=64), "more than"),
        (Settings(dataset="mnist"), "no data set"),
    ],
)
def test_every_amount_of_work_is_bounded_before_the_run(settings, said):
    with pytest.raises(TrainError, match=said):
        check_settings(settings)


def test_a_deep_graph_gets_fewer_epochs_its_total_work_is_bounded_before_any_epoch():
    """Each epoch of tests/robust/hostile/train-deep-graph-work.yaml (three 64-wide layers) is 23 times the
    two-layer net's work: the epochs × points × hidden check lets 7,000 epochs through, the total-work check 1,588."""
    deep = load_lesson(HERE.parent / "robust" / "hostile" / "train-deep-graph-work.yaml")
    settings = Settings(dataset="xor", epochs=7000, hidden=64)
    check_settings(settings)
    with pytest.raises(TrainError, match=r"more than the 4500000000 a run may take: use at most 1588 epochs"):
        Training(deep, {}, settings)
    with pytest.raises(TrainError, match="asks for no delta dW1"):  # within the bound: on to the formulas
        Training(deep, {}, replace(settings, epochs=1588))


def test_formulas_with_far_more_operations_than_a_delta_needs_get_fewer_epochs():
    """An answers file is not graded: dW2 with ten extra 200×200 products is 3.4 million work units an epoch."""
    heavy = "A1.T @ (dZ2 + 0 * (" + " @ ".join(["A1 @ A1.T"] * 5) + " @ dZ2))"
    settings = Settings("xor", epochs=1400, hidden=8)
    with pytest.raises(TrainError, match="with your formulas on 200 points is 3451096 work units"):
        Training(batch_lesson(), {**BATCH, "grad:W2": heavy}, settings)
    assert Training(batch_lesson(), BATCH, settings).backward.work < 100_000
    too_heavy = "A1.T @ (dZ2 + 0 * (" + " @ ".join(["A1 @ A1.T"] * 10) + " @ dZ2))"
    with pytest.raises(TrainError, match=r"grad:W2: .* is too much work on 200 samples") as e:
        Training(batch_lesson(), {**BATCH, "grad:W2": too_heavy}, settings)
    assert e.value.step == "grad:W2"


def test_a_lesson_that_is_not_a_network_is_told_so():
    with pytest.raises(TrainError, match="no constant X"):
        Training(find_lesson("chain-rule", []), {}, Settings())


def test_the_data_set_must_fit_the_network():
    with pytest.raises(TrainError, match="choose xor, moons, circles"):
        Training(batch_lesson(), BATCH, Settings("spiral"))


def test_the_softmax_network_learns_the_spiral_and_the_hidden_width_changes():
    t = trained(softmax_lesson(), SOFTMAX, epochs=500, lr=2.0, hidden=16)
    assert t.data.name == "spiral" and t.setup.shapes["W1"] == (2, 16) and t.setup.shapes["W2"] == (16, 3)
    assert t.parted_at is None and t.curves.learner[-1] < 0.5 * t.curves.learner[0]
    grid = t.grid((30, 12))
    assert set(np.unique(grid)) == {0, 1, 2}


def test_stop_ends_the_run_between_epochs():
    import threading

    t = Training(batch_lesson(), BATCH, Settings("xor", epochs=500))
    stop = threading.Event()
    t.run_epochs(10)
    stop.set()
    t.run_epochs(100, stop)
    assert t.epoch == 10 and not t.done


@pytest.mark.parametrize("name", list(data.MAKERS))
def test_data_sets_are_the_same_every_time_and_labelled(name):
    a, b = data.make(name, 120), data.make(name, 120)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.Y, b.Y)
    assert a.X.shape == (120, 2) and a.Y.shape == (120, data.TARGET_COLUMNS[name])
    assert set(np.unique(a.labels())) == set(range(a.classes))
    assert np.abs(a.X).max() < 2.5
