"""The second script flavour, "as you would write it": a layered network as nn.Sequential with an nn loss and an
optimizer step; run under PyTorch, its loss, every parameter's gradient (read through the nn.Linear mapping,
weight.grad.T) and the loss after the step agree with the engine; from the CLI and from F4."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHIPPED
from textual.app import App
from textual.widgets import TextArea

import tutor.ui.screens.torch_panel as panel_module
from tutor.cli import main
from tutor.course import find_lesson, load_lesson, solve
from tutor.reveal.idiomatic import engine_after_step, idiomatic_script, read_network, run_idiomatic
from tutor.reveal.run import TOLERANCE
from tutor.ui.screens.torch_panel import TorchPanel

LESSONS = Path(__file__).parent / "lessons"
NETWORKS = ["two-layer-net", "two-layer-batch", "mlp-loop", "torch-training-step"]


def test_which_lessons_are_layered_networks():
    found = {p.stem for p in SHIPPED if read_network(load_lesson(p)) is not None}
    assert found == set(NETWORKS)
    net = read_network(load_lesson(LESSONS / "idiomatic-relu-mse.yaml"))
    assert net is not None and [layer.activation for layer in net.layers] == ["tanh", "relu", ""]
    assert net.loss == "mse" and not net.logits_loss


def test_the_script_uses_sequential_the_logits_loss_and_the_transposed_weight():
    script = idiomatic_script(find_lesson("two-layer-net", []))
    assert script is not None
    assert "model = nn.Sequential(" in script and "nn.Linear(2, 3)" in script
    assert "loss_fn = nn.BCEWithLogitsLoss()" in script and "# A2 = σ(Z2): inside the loss below" in script
    assert "optimizer.zero_grad()" in script and "optimizer.step()" in script
    assert 'print("dW1 = model[0].weight.grad.T:", model[0].weight.grad.T)' in script
    compile(script, "idiomatic.py", "exec")


#: the lesson whose script runs in a fresh Python, as ``backprop-tutor torch --flavour idiomatic --run`` runs it; the
#: others run in this test process's PyTorch worker (the same script, the same report, forked from a Python that
#: imported torch once instead of importing it ~2 CPU-s each)
FRESH = "two-layer-net"


@pytest.mark.parametrize("lesson", [*NETWORKS, "idiomatic-relu-mse", "idiomatic-script-names"])
def test_pytorch_agrees_with_the_engine_and_the_loss_goes_down(lesson, request):
    pytest.importorskip("torch")
    path = LESSONS / f"{lesson}.yaml"
    loaded = load_lesson(path) if path.exists() else find_lesson(lesson, [])
    result = run_idiomatic(loaded, worker=None if lesson == FRESH else request.getfixturevalue("torch_worker"))
    assert not hasattr(result, "status"), result
    sol = solve(loaded)
    assert set(result.grads) == set(loaded.program.inputs)
    assert result.largest <= TOLERANCE
    assert result.after < result.loss  # one step of gradient descent lowers the loss here
    assert abs(result.after - engine_after_step(loaded, loaded.settings.get("learning_rate", 0.1))) <= TOLERANCE
    assert abs(result.loss - float(sol.trace.values[loaded.program.output])) <= TOLERANCE


def test_cli_flavour_idiomatic(capsys):
    assert main(["torch", "two-layer-batch", "--flavour", "idiomatic"]) == 0
    assert "nn.Sequential(" in capsys.readouterr().out
    assert main(["torch", "fan-out", "--flavour", "idiomatic"]) == 2
    assert "is not a layered network" in capsys.readouterr().err


class PanelApp(App[None]):
    CSS_PATH = Path(panel_module.__file__).parent.parent / "app.tcss"

    def __init__(self, lesson_id: str) -> None:
        super().__init__()
        self.lesson = find_lesson(lesson_id, [])

    def on_mount(self) -> None:
        self.push_screen(TorchPanel(self.lesson, self.lesson.steps[0]))


async def test_f4_i_shows_the_idiomatic_script_and_w_saves_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = PanelApp("two-layer-net")
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        area = app.screen.query_one("#torch-script", TextArea)
        assert "nn.Sequential(" in area.text and app.screen.has_class("-script")
        await pilot.press("w", "enter")
        await pilot.pause()
        assert "nn.Sequential(" in (tmp_path / "two-layer-net_torch.py").read_text(encoding="utf-8")
        await pilot.press("i")
        assert "nn.Sequential(" not in area.text
        await app.workers.wait_for_complete()
