"""The PyTorch worker the panel keeps for the session: torch imported once, each script in a child of its own,
time limits, a worker that died replaced; and the panel without shortcuts (numbers hidden until asked for,
which counts the step as shown) that runs by itself once torch is installed."""

from __future__ import annotations

import importlib.util
import os
import signal
import sys

import numpy as np
import pytest
from test_reveal_panel import CHAIN, PanelApp, text_of
from textual.widgets import Static

import tutor.ui.screens.torch_panel as panel_module
from tutor.course import solve
from tutor.reveal import run as run_module
from tutor.reveal.codegen import lesson_script
from tutor.reveal.run import REPORT_MARKER, TorchWorker, compare
from tutor.ui.screens.torch_panel import TorchPanel

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
EMPTY_REPORT = {"torch": "x", "values": {}, "grads": {}, "steps": {}, "grad_fn": {}}
REPORT = f"import json\nprint({REPORT_MARKER!r} + json.dumps({EMPTY_REPORT!r}))\n"


@pytest.fixture
def fresh_worker():
    """A worker of its own, not started yet (for what happens before and during its warm-up, or without torch)."""
    w = TorchWorker(start_timeout=120, script_timeout=3)
    yield w
    w.stop()


@pytest.fixture(scope="module")
def module_worker():
    w = TorchWorker(start_timeout=120, script_timeout=3)
    yield w
    w.stop()


@pytest.fixture
def worker(module_worker):
    """This module's worker, with a 3 s limit per script: each test leaves it running or dead (a dead one is started
    again by the next run), so the tests share it instead of importing torch once each (~1 CPU-s)."""
    return module_worker


@needs_torch
def test_the_worker_runs_lesson_after_lesson_with_torch_imported_once(worker, course):
    for lesson in course.lessons:
        result = worker.run(lesson_script(lesson, report=True))
        assert result.ok, result.message
        assert not compare(lesson, result).disagreements()
    assert worker.alive and worker.torch_version.startswith("2.")


@needs_torch
def test_once_warm_the_worker_runs_every_lessons_script_without_importing_anything(worker, course):
    """What torch imports on first use (SymPy, behind autograd.grad with grad_outputs) is imported once by the
    worker: a forked child that imported it again paid ~0.3 s on every reveal of four lessons."""
    assert worker.run(REPORT).ok
    assert worker.wait_warm() is not None  # it warmed up after its first script
    head = "import sys as _sys\n_before = set(_sys.modules)\n"
    tail = "\nprint('imported:', sorted(set(_sys.modules) - _before))\n"
    imported = {}
    for lesson in course.lessons:
        result = worker.run(head + lesson_script(lesson, report=True) + tail)
        assert result.ok, (lesson.id, result.message)
        imported[lesson.id] = result.output.rsplit("imported:", 1)[1].strip()
    assert {lesson: names for lesson, names in imported.items() if names != "[]"} == {}
    assert worker.run(REPORT).ok and worker.warm_seconds is not None


@needs_torch
def test_a_request_sent_while_the_worker_warms_up_waits_for_it(fresh_worker):
    worker = fresh_worker
    assert worker.run(REPORT).ok
    result = worker.run("import sys\nprint(len(sys.modules))\n" + REPORT)  # at once, no wait_warm
    assert result.ok, result.message
    assert worker.warm_seconds is not None and worker.alive


@needs_torch
def test_scripts_do_not_share_state(worker):
    first = "import builtins, torch\ntorch.set_default_dtype(torch.float64)\nbuiltins.LEAK = 1\n"
    assert worker.run(first + REPORT).ok
    second = "import builtins, sys, torch\nif torch.get_default_dtype() == torch.float64:\n    sys.exit(7)\n"
    second += "if hasattr(builtins, 'LEAK'):\n    sys.exit(8)\n"
    result = worker.run(second + REPORT)
    assert result.ok, result.message  # each script ran in a fresh child: nothing the first set is seen


@needs_torch
def test_a_hanging_script_is_stopped_and_the_worker_goes_on(worker):
    result = worker.run("import time\ntime.sleep(60)\n" + REPORT)
    assert result.status == "failed" and "did not finish within 3 s" in result.message
    assert worker.run(REPORT).ok


@needs_torch
def test_a_crashing_script_is_reported_and_the_worker_goes_on(worker):
    result = worker.run("import os\nraise ValueError('boom')\n")
    assert result.status == "failed" and "ValueError: boom" in result.message
    assert worker.run("import os\nos._exit(9)\n").status == "failed"
    assert worker.run(REPORT).ok


@needs_torch
def test_a_worker_that_died_is_replaced(worker):
    assert worker.run(REPORT).ok
    os.killpg(worker._proc.pid, signal.SIGKILL)  # the worker itself, as if it crashed
    worker._proc.wait()
    assert worker.run(REPORT).ok and worker.alive


def test_without_torch_the_worker_says_so(fresh_worker, monkeypatch):
    worker = fresh_worker
    monkeypatch.setattr(run_module, "INTERPRETER", (sys.executable, "-S"))
    result = worker.run(REPORT)
    assert result.status == "missing" and "pip install" in result.message
    assert not worker.alive


async def test_the_panel_runs_by_itself_once_torch_is_installed(monkeypatch):
    monkeypatch.setattr(panel_module, "_RUNS", {})
    monkeypatch.setattr(panel_module, "RETRY_EVERY", 0.05)
    installed = {"now": False}
    runs = []

    def fake_run(code: str):
        runs.append(code)
        if not installed["now"]:
            return run_module.TorchRun("missing", run_module.INSTALL_HINT)
        return run_module.TorchRun("failed", "the PyTorch script failed: ran after the install")

    monkeypatch.setattr(panel_module, "run_in_worker", fake_run)
    monkeypatch.setattr(panel_module, "torch_installed", lambda: installed["now"])
    app = PanelApp(CHAIN, "grad:x", None)
    async with app.run_test(size=(110, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = app.screen.query_one("#torch-status", Static)
        assert "runs it by itself as soon as it is" in text_of(status)
        installed["now"] = True  # pip install torch, while the panel is open
        for _ in range(100):
            await pilot.pause(0.02)
            if "ran after the install" in text_of(status):
                break
        assert "ran after the install" in text_of(status) and len(runs) == 2


async def test_two_looks_that_find_torch_run_the_script_once(monkeypatch):
    """Two looks a timer tick apart can both find torch before the first one's run stops the timer (a CI run saw the
    script run twice after the install): only the first runs it."""
    monkeypatch.setattr(panel_module, "_RUNS", {})
    monkeypatch.setattr(panel_module, "RETRY_EVERY", 60.0)  # the test looks by itself
    runs = []

    def fake_run(code: str):
        runs.append(code)
        return run_module.TorchRun("missing", run_module.INSTALL_HINT)

    monkeypatch.setattr(panel_module, "run_in_worker", fake_run)
    app = PanelApp(CHAIN, "grad:x", None)
    async with app.run_test(size=(110, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        panel = app.screen
        assert isinstance(panel, TorchPanel) and panel._retry is not None and len(runs) == 1
        panel._torch_found()  # both looks found torch; the first one's rerun stops the timer
        panel._torch_found()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(runs) == 2
        assert panel._retry is not None  # torch still missing (the fake): the panel looks again


def test_the_engine_answer_comes_from_the_session_solution(course):
    lesson = course.get("chain-rule")
    solution = solve(lesson)
    panel = TorchPanel(lesson, lesson.step("grad:x"), None, solution=solution)
    assert panel.solution is solution
    assert float(panel.engine_answer) == float(np.asarray(solution.answer(lesson.step("grad:x"))))
