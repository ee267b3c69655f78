"""The PyTorch panel (Pilot), the ``torch`` command, and what happens without torch."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import SHIPPED
from rich.console import Console
from textual.app import App
from textual.widgets import Input, Static, TextArea

import tutor.ui.screens.torch_panel as panel_module
from tutor.cli import main
from tutor.course import load_lesson, parse_lesson, solve
from tutor.reveal import run as run_module
from tutor.reveal.codegen import lesson_script, step_code
from tutor.reveal.run import INSTALL_HINT, TorchRun
from tutor.ui.screens.torch_panel import TorchPanel

CHAIN = next(p for p in SHIPPED if p.stem == "chain-rule")
HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=160, color_system=None, force_terminal=False)
    with console.capture() as cap:
        console.print(widget.content)
    return cap.get()


class PanelApp(App[None]):
    """A bare app that opens the panel on one step, as the lesson screen does (with the tutor's stylesheet)."""

    CSS_PATH = Path(panel_module.__file__).parent.parent / "app.tcss"

    def __init__(self, path: Path, step_id: str, answer: np.ndarray | None, answered: bool = True) -> None:
        super().__init__()
        self.lesson = load_lesson(path)
        self.step_id = step_id
        self.answer = answer
        self.answered = answered

    def on_mount(self) -> None:
        panel = TorchPanel(self.lesson, self.lesson.step(self.step_id), self.answer, answered=self.answered)
        self.push_screen(panel)


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


async def test_panel_without_torch_shows_the_code_and_how_to_install(scripts_without_torch) -> None:
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
    monkeypatch.setattr(
        panel_module, "run_in_worker", lambda code: TorchRun("failed", "the PyTorch script failed: boom")
    )
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


def test_cli_without_torch_exits_2_with_the_install_line(scripts_without_torch, capsys) -> None:
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


def test_missing_torch_is_told_apart_from_a_failing_script(scripts_without_torch) -> None:
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
            app = TutorApp.with_course(load_course())
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


HOSTILE_TITLE = "[@click=app.quit]Quit[/] [b]bold[/b] 1/[N] \x1b[2J\x1b]0;owned\x07 \u202eevil coding: utf-7"
HOSTILE_LESSON = f"""\
format: 1
id: panel-hostile
title: {json.dumps(HOSTILE_TITLE)}
inputs: {{__builtins__: 1.5}}
constants: {{t: 4.25}}
graph: [lambda = 2 * __builtins__, L = (lambda - t) ** 2]
"""


class HostilePanelApp(PanelApp):
    """The panel on a lesson whose title is markup, escapes and a coding declaration, with names Python uses."""

    def __init__(self, step_id: str) -> None:
        App.__init__(self)
        self.lesson = parse_lesson(HOSTILE_LESSON, "panel-hostile.yaml")
        self.step_id = step_id
        self.answer = None
        self.answered = True


async def test_panel_shows_hostile_lesson_text_literally(scripts_without_torch) -> None:
    app = HostilePanelApp("value:lambda")
    async with app.run_test(size=(140, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.screen
        assert isinstance(panel, TorchPanel)
        title = text_of(panel.query_one("#torch-title", Static))
        assert "[@click=app.quit]Quit[/] [b]bold[/b] 1/[N] \\x1b[2J\\x1b]0;owned\\x07 \\u202eevil" in title
        assert "· value:lambda" in title
        heading = text_of(panel.query(".torch-heading").first(Static))
        assert heading.startswith("lambda.grad_fn")
        assert panel.code.text == "lambda_"  # the lesson's name, renamed where Python has a keyword
        # nothing the lesson wrote reaches the terminal as a control character
        for widget in panel.query(Static):
            shown = text_of(widget)
            assert not any(ord(ch) < 32 and ch != "\n" for ch in shown), (widget.id, shown)
            assert "\u202e" not in shown
        await pilot.click("#torch-title")  # a link in the title would quit the app
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, TorchPanel)


async def test_saving_over_an_existing_file_asks_first(tmp_path: Path, monkeypatch, scripts_without_torch) -> None:
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "mine.py"
    mine.write_text("# the learner's own notes\n")
    app = PanelApp(CHAIN, "grad:x", None)
    async with app.run_test(size=(110, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.screen
        box = panel.query_one("#torch-save-input", Input)
        saved = panel.query_one("#torch-saved", Static)
        await pilot.press("w")
        assert box.value == "chain-rule_torch.py"
        box.value = ""
        await pilot.press(*"mine.py", "enter")
        await pilot.pause()
        assert mine.read_text() == "# the learner's own notes\n"
        assert "mine.py already exists: press Enter again to overwrite it" in text_of(saved)
        # another name forgets the question: back on mine.py, it is asked again
        await pilot.press("backspace", "enter")
        await pilot.pause()
        assert "mine.p already exists" not in text_of(saved) and (tmp_path / "mine.p").exists()
        await pilot.press("w")
        box.value = "mine.py"
        await pilot.press("enter")
        await pilot.pause()
        assert mine.read_text() == "# the learner's own notes\n" and "already exists" in text_of(saved)
        await pilot.press("enter")
        await pilot.pause()
        assert mine.read_text() == lesson_script(app.lesson)
        assert "saved to" in text_of(saved) and not panel.has_class("-saving")


async def test_saving_says_what_to_do_when_it_cannot(tmp_path: Path, monkeypatch, scripts_without_torch) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipe.py")  # opening a FIFO to write blocks until someone reads: the app would hang
    (tmp_path / "folder").mkdir()
    done = threading.Event()

    def unblock() -> None:
        """Only if the app hangs on the FIFO: read it, so that the test fails instead of hanging."""
        if not done.wait(60):
            with open(tmp_path / "pipe.py", "rb") as f:
                f.read()

    threading.Thread(target=unblock, daemon=True).start()
    app = PanelApp(CHAIN, "grad:x", None)
    async with app.run_test(size=(110, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.screen
        box = panel.query_one("#torch-save-input", Input)
        saved = panel.query_one("#torch-saved", Static)

        async def save_as(name: str, presses: int = 1) -> str:
            await pilot.press("w")
            box.value = name
            for _ in range(presses):
                await pilot.press("enter")
                await pilot.pause()
            return text_of(saved)

        assert "pipe.py already exists" in await save_as("pipe.py")
        assert "it exists and is not a regular file; type another name" in await save_as("pipe.py", 2)
        assert "folder is a folder: type a file name, e.g. folder/lesson.py" in await save_as("folder")
        assert "No such file or directory; type another name or folder" in await save_as("no/such/dir/x.py")
        assert "type a file name" in await save_as("   ")
        assert "\\x1b" in await save_as("new\x1b[2J.py", 2)  # the typed name is shown escaped
        assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "new\x1b[2J.py", "pipe.py"]
    assert not done.is_set(), "saving to the FIFO blocked until it was read"
    done.set()


def test_cli_text_output_escapes_lesson_text(tmp_path: Path, capsys) -> None:
    path = tmp_path / "panel-hostile.yaml"
    path.write_text(HOSTILE_LESSON, encoding="utf-8")
    assert main(["torch", str(path), "--steps"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "# grad:__builtins__:" in out
    assert main(["torch", str(path)]) == 0
    script = capsys.readouterr().out
    assert "\x1b" not in script and "\\x1b[2J" in script and script == lesson_script(load_lesson(path))


@needs_torch
def test_cli_run_escapes_the_title_and_keeps_json_exact(tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "panel-hostile.yaml"
    path.write_text(HOSTILE_LESSON, encoding="utf-8")
    runs: list[TorchRun] = []
    fresh = run_module.run_lesson

    def kept(lesson):  # the first run for real, in a fresh Python, kept for the second command
        runs.append(fresh(lesson))
        return runs[-1]

    monkeypatch.setattr("tutor.cli.torch_cmd.run_lesson", kept)
    assert main(["torch", str(path), "--run"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert out.splitlines()[0].startswith("[@click=app.quit]Quit[/] [b]bold[/b] 1/[N] \\x1b[2J\\x1b]0;owned\\x07")
    # --json reads the same PyTorch run of the same lesson (a second fresh Python would compute the same numbers)
    monkeypatch.setattr("tutor.cli.torch_cmd.run_lesson", lambda lesson: runs[0])
    assert main(["torch", str(path), "--run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["agree"] and {d["name"] for d in report["compared"]} >= {"__builtins__", "lambda", "grad:lambda"}
