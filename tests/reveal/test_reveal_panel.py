"""The PyTorch panel (Pilot), the ``torch`` command, and what happens without torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import SHIPPED
from rich.console import Console
from textual.app import App
from textual.widgets import Input, Static, TextArea

import tutor.ui.screens.torch_panel as panel_module
from tutor.cli import main
from tutor.course import load_lesson, solve
from tutor.reveal import run as run_module
from tutor.reveal.codegen import lesson_script, step_code
from tutor.reveal.run import INSTALL_HINT, TorchRun
from tutor.ui.screens.torch_panel import TorchPanel

CHAIN = next(p for p in SHIPPED if p.stem == "chain-rule")
HAS_TORCH = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The script runs in a Python without site-packages (``-S``), so without torch, as on a machine without it."""
    monkeypatch.setattr(run_module, "INTERPRETER", (sys.executable, "-S"))
    monkeypatch.setattr(panel_module, "_RUNS", {})


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=160, color_system=None, force_terminal=False)
    with console.capture() as cap:
        console.print(widget.content)
    return cap.get()


class PanelApp(App[None]):
    """A bare app that opens the panel on one step, as the lesson screen does."""

    def __init__(self, path: Path, step_id: str, answer: np.ndarray | None) -> None:
        super().__init__()
        self.lesson = load_lesson(path)
        self.step_id = step_id
        self.answer = answer

    def on_mount(self) -> None:
        self.push_screen(TorchPanel(self.lesson, self.lesson.step(self.step_id), self.answer))


@needs_torch
async def test_panel_shows_pytorch_beside_the_engine_and_the_learner(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = PanelApp(CHAIN, "local:L/y", np.array(-2.4))
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        panel = app.screen
        assert isinstance(panel, TorchPanel)
        await app.workers.wait_for_complete()
        await pilot.pause()
        numbers = text_of(panel.query_one("#torch-numbers", Static))
        rows = {line.split()[0]: line.split()[1:] for line in numbers.splitlines() if line.strip()}
        assert rows["engine"] == ["-2.5"]
        assert rows["PyTorch"] == ["-2.5", "0"]
        assert rows["yours"] == ["-2.4", "0.1"]
        status = text_of(panel.query_one("#torch-status", Static))
        assert "all agree" in status and "PyTorch 2." in status
        tree = text_of(panel.query_one("#torch-grad-fn", Static))
        assert tree.splitlines()[0] == "<PowBackward0>" and "y  <MulBackward0>" in tree
        assert panel.code.text == step_code(app.lesson, app.lesson.step("local:L/y")).text
        # the whole script in a read-only code view
        await pilot.press("s")
        area = panel.query_one("#torch-script", TextArea)
        assert area.display and area.read_only and area.text == lesson_script(app.lesson)
        await pilot.press("s")
        assert not area.display
        # saved to a file the learner names
        await pilot.press("w")
        box = panel.query_one("#torch-save-input", Input)
        assert app.focused is box
        box.value = ""
        await pilot.press(*"mine.py", "enter")
        await pilot.pause()
        assert (tmp_path / "mine.py").read_text() == lesson_script(app.lesson)
        assert "saved to" in text_of(panel.query_one("#torch-saved", Static))
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TorchPanel)


async def test_panel_without_torch_shows_the_code_and_how_to_install(no_torch) -> None:
    app = PanelApp(CHAIN, "grad:x", None)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        panel = app.screen
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = text_of(panel.query_one("#torch-status", Static))
        assert 'pip install "backprop-tutor[torch]"' in status and "torch==2.13.0" in status
        assert panel.code.text == "x.grad" and panel.query_one("#torch-code").display
        numbers = text_of(panel.query_one("#torch-numbers", Static))
        assert "engine" in numbers and "-5" in numbers and "yours" not in numbers
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TorchPanel)


@needs_torch
async def test_closing_the_panel_before_pytorch_finishes_is_safe(monkeypatch) -> None:
    monkeypatch.setattr(panel_module, "_RUNS", {})
    app = PanelApp(CHAIN, "value:y", None)
    async with app.run_test(size=(110, 40)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, TorchPanel)
    assert app.return_code in (None, 0)


async def test_panel_reports_a_failing_script(monkeypatch) -> None:
    monkeypatch.setattr(panel_module, "_RUNS", {})
    monkeypatch.setattr(panel_module, "run_script", lambda code: TorchRun("failed", "the PyTorch script failed: boom"))
    app = PanelApp(CHAIN, "value:y", None)
    async with app.run_test(size=(110, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "boom" in text_of(app.screen.query_one("#torch-status", Static))


def test_cli_prints_the_script_and_steps(capsys) -> None:
    assert main(["torch", "chain-rule"]) == 0
    assert capsys.readouterr().out == lesson_script(load_lesson(CHAIN))
    assert main(["torch", "chain-rule", "--steps"]) == 0
    out = capsys.readouterr().out
    assert "# local:L/y:" in out and "torch.autograd.grad((y_ - t) ** 2, y_)[0]" in out


def test_cli_usage_errors(capsys) -> None:
    assert main(["torch", "no-such-lesson"]) == 2
    assert "no-such-lesson" in capsys.readouterr().err
    assert main(["torch", "chain-rule", "--json"]) == 2


def test_cli_without_torch_exits_2_with_the_install_line(no_torch, capsys) -> None:
    assert main(["torch", "chain-rule", "--run"]) == 2
    err = capsys.readouterr().err
    assert INSTALL_HINT in err


def test_cli_exits_1_on_a_disagreement(monkeypatch, capsys) -> None:
    """A PyTorch number 1e-6 off the engine's fails the run (the comparison can fail)."""
    lesson = load_lesson(CHAIN)
    real = {"x": 1.5, "t": 4.25, "y": 3.0, "L": 1.5625}
    grads = {"x": -5.0, "y": -2.5, "L": 1.0}
    sol = solve(lesson)
    steps = {s.id: np.asarray(sol.answer(s)) for s in lesson.steps}
    good = TorchRun(
        "ok",
        torch_version="test",
        values={k: np.asarray(v) for k, v in real.items()},
        grads={k: np.asarray(v) for k, v in grads.items()},
        steps=steps,
    )
    monkeypatch.setattr("tutor.cli.torch_cmd.run_lesson", lambda lesson: good)
    assert main(["torch", "chain-rule", "--run"]) == 0
    capsys.readouterr()
    bad_steps = dict(steps, **{"grad:x": np.asarray(-5.0 + 1e-6)})
    bad = TorchRun("ok", torch_version="test", values=good.values, grads=good.grads, steps=bad_steps)
    monkeypatch.setattr("tutor.cli.torch_cmd.run_lesson", lambda lesson: bad)
    assert main(["torch", "chain-rule", "--run"]) == 1
    out = capsys.readouterr().out
    assert "✗ step grad:x" in out and "1e-06" in out
    assert main(["torch", "chain-rule", "--run", "--json"]) == 1
    assert '"agree": false' in capsys.readouterr().out


def test_missing_torch_is_told_apart_from_a_failing_script(no_torch) -> None:
    assert run_module.run_script("import torch\n").status == "missing"


@needs_torch
def test_a_failing_script_is_reported_with_its_error() -> None:
    result = run_module.run_script("import torch\nraise ValueError('broken lesson')\n")
    assert result.status == "failed" and "broken lesson" in result.message


def test_the_app_and_the_panel_never_import_torch(tmp_path: Path) -> None:
    """Start the app, open a lesson and the PyTorch panel (which runs PyTorch): torch stays out of the process."""
    code = textwrap.dedent(
        f"""
        import asyncio, sys
        import tutor.reveal, tutor.cli, tutor.cli.torch_cmd
        from tutor.course import load_course, load_lesson
        from tutor.ui.app import TutorApp
        from tutor.ui.screens.torch_panel import TorchPanel

        async def main():
            app = TutorApp(load_course())
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                assert "torch" not in sys.modules, "the app's start imported torch"
                lesson = load_lesson({str(CHAIN)!r})
                app.push_screen(TorchPanel(lesson, lesson.steps[0], None))
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
                print("status:", app.screen.result.status if app.screen.result else None)
            print("torch imported:", "torch" in sys.modules)

        asyncio.run(main())
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "torch imported: False" in proc.stdout
    assert ("status: ok" if HAS_TORCH else "status: missing") in proc.stdout
