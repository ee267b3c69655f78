"""The same training in PyTorch (nn.Sequential + SGD, float64, in the isolated child): curve on curve with the
learner's and the engine's when the formulas are right. Skipped without torch."""

from __future__ import annotations

import importlib.util

import pytest
from train_helpers import BATCH, SOFTMAX, batch_lesson, softmax_lesson, trained

from tutor.train.report import torch_agrees, verdict
from tutor.train.torch_side import script, sequential, train_in_torch

pytestmark = pytest.mark.slow
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")


@needs_torch
@pytest.mark.parametrize("dataset", ["xor", "moons"])
def test_pytorch_reaches_the_same_loss_as_the_learner_and_the_engine(dataset, torch_worker):
    """In this test process's PyTorch worker (the same script as the fresh Python runs, forked from a Python that
    imported torch once); the softmax test below runs the fresh Python, as the app and the CLI do."""
    t = trained(batch_lesson(), BATCH, dataset=dataset, epochs=1000, lr=2.0, hidden=8)
    torch = train_in_torch(t.setup, t.initial, 1000, 2.0, worker=torch_worker)
    assert torch.status == "ok", torch.message
    assert len(torch.losses) == 1001
    assert abs(torch.losses[-1] - t.curves.learner[-1]) <= 1e-9
    assert abs(torch.losses[-1] - t.curves.engine[-1]) <= 1e-9
    assert torch_agrees(t, torch) and verdict(t, torch).same


@needs_torch
def test_pytorch_trains_the_softmax_network_with_cross_entropy():
    t = trained(softmax_lesson(), SOFTMAX, epochs=200, lr=1.0, hidden=6)
    torch = train_in_torch(t.setup, t.initial, 200, 1.0)
    assert torch.status == "ok", torch.message
    assert torch_agrees(t, torch)


def test_the_network_is_mirrored_as_layers_and_the_script_holds_no_lesson_text():
    t = trained(batch_lesson(), BATCH, dataset="xor", epochs=1, hidden=5)
    net = sequential(t.setup)
    assert [layer.module for layer in net.layers] == ["", "nn.Sigmoid()", "", "nn.Sigmoid()"]
    assert net.loss == "nn.BCELoss()"
    code = script(t.setup, t.initial, 3, 0.5)
    assert "nn.Linear(2, 5)" in code and "nn.Linear(5, 1)" in code and "lr=0.5" in code
    for text in (t.lesson.title, t.lesson.summary, t.lesson.id):
        assert text not in code
    compile(code, "train_torch.py", "exec")


def test_a_graph_that_is_no_stack_of_layers_is_not_sent_to_pytorch(tmp_path):
    from tutor.course import load_lesson

    text = (softmax_lesson().path).read_text(encoding="utf-8").replace("A1 @ W2 + b2", "A1 @ W2 + b2 + Z1 @ W2")
    (tmp_path / "skip.yaml").write_text(text, encoding="utf-8")
    t = trained(load_lesson(tmp_path / "skip.yaml"), {**SOFTMAX, "grad:Z1": "dA1 * (1 - A1**2) + dZ2 @ W2.T"}, epochs=1)
    result = train_in_torch(t.setup, t.initial, 1, 1.0)
    assert result.status == "unsupported" and "nn.Sequential" in result.message
