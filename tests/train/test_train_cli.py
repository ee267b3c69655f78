"""``backprop-tutor train LESSON --answers FILE``: the loss per epoch for the learner, the engine and PyTorch."""

from __future__ import annotations

import json

import pytest
import yaml
from train_helpers import BATCH

from tutor.cli import main


def answers(tmp_path, formulas) -> str:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(formulas), encoding="utf-8")
    return str(path)


def test_json_has_the_three_curves_sampled_and_the_verdict(tmp_path, capsys):
    args = ["train", "two-layer-batch", "--answers", answers(tmp_path, BATCH), "--json", "--epochs", "200"]
    assert main([*args, "--lr", "2", "--hidden", "6", "--no-torch"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dataset"] == "xor" and out["points"] == 200 and out["hidden"] == 6
    assert [e for e, _ in out["loss"]["learner"]] == list(range(0, 201, 20))
    assert out["loss"]["learner"] == out["loss"]["engine"] or all(
        abs(a[1] - b[1]) < 1e-12 for a, b in zip(out["loss"]["learner"], out["loss"]["engine"], strict=True)
    )
    assert out["same"] is True and out["fix"] == [] and out["torch"] is None


def test_text_names_the_step_to_fix_and_exits_1(tmp_path, capsys):
    path = answers(tmp_path, {**BATCH, "grad:Z2": "A2 - Y"})
    assert main(["train", "two-layer-batch", "--answers", path, "--epochs", "30", "--lr", "0.1", "--no-torch"]) == 1
    out = capsys.readouterr().out
    assert "Your curve leaves the engine's at epoch 1" in out
    assert "The step to fix: grad:Z2: dZ2 = A2 - Y" in out


def test_a_refused_formula_exits_1_with_the_step_on_stderr(tmp_path, capsys):
    path = answers(tmp_path, {**BATCH, "grad:W1": "dZ1 @ X.T"})
    assert main(["train", "two-layer-batch", "--answers", path, "--no-torch"]) == 1
    err = capsys.readouterr().err
    assert "grad:W1: dW1 = dZ1 @ X.T cannot be computed" in err and "Traceback" not in err


@pytest.mark.parametrize("extra", [["--epochs", "999999"], ["--dataset", "spiral"], ["--hidden", "0"], ["--lr", "-1"]])
def test_settings_out_of_bounds_are_usage_errors(tmp_path, capsys, extra):
    assert main(["train", "two-layer-batch", "--answers", answers(tmp_path, BATCH), "--no-torch", *extra]) == 2
    assert "backprop-tutor:" in capsys.readouterr().err


def test_without_answers_the_progress_store_is_used(tmp_path, capsys):
    from tutor.course import find_lesson
    from tutor.progress import Attempt, ProgressStore

    lesson = find_lesson("two-layer-batch", [])
    store = ProgressStore()
    record = store.lesson(lesson.id, lesson.content_hash)
    for step_id, text in BATCH.items():
        record.step(step_id).attempts += [Attempt("1", False), Attempt(text, True)]
    record.step("grad:W2").attempts.append(Attempt("[[0.1], [0.2], [0.3]]", False))
    store.save(record)
    assert main(["train", "two-layer-batch", "--epochs", "10", "--no-torch"]) == 0
    assert "dW2 = A1.T @ dZ2" in capsys.readouterr().out
