"""The PyTorch panel teaches autograd (Pilot): the lesson's torch_note, a step's snippet that runs alone, the
backward path with a fan-out's edges into AccumulateGrad, an autograd step's word beside PyTorch's, and a
backward step's formula as a custom Function checked by gradcheck."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Markdown, Static

import tutor.ui.screens.torch_panel as panel_module
from tutor.course import find_lesson, load_lesson
from tutor.course.model import Lesson
from tutor.ui.screens.torch_panel import TorchPanel

LESSONS = Path(__file__).parent / "lessons"
pytest.importorskip("torch")


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text."""
    from rich.console import Console

    console = Console(width=160, color_system=None, force_terminal=False)
    with console.capture() as cap:
        console.print(widget.content)
    return cap.get()


class PanelApp(App[None]):
    """A bare app that opens the panel on one step, as the lesson screen does."""

    CSS_PATH = Path(panel_module.__file__).parent.parent / "app.tcss"

    def __init__(self, lesson: Lesson, step_id: str, typed: str = "") -> None:
        super().__init__()
        self.lesson, self.step_id, self.typed = lesson, step_id, typed

    def on_mount(self) -> None:
        self.push_screen(TorchPanel(self.lesson, self.lesson.step(self.step_id), None, self.typed))


async def opened(app: PanelApp, pilot) -> TorchPanel:
    """The panel once PyTorch (and gradcheck) finished."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    panel = app.screen
    assert isinstance(panel, TorchPanel)
    return panel


async def test_a_fan_out_shows_the_path_and_the_two_edges_into_accumulate_grad():
    app = PanelApp(find_lesson("fan-out", []), "grad:x")
    async with app.run_test(size=(110, 60)) as pilot:
        panel = await opened(app, pilot)
        path = text_of(panel.query_one("#torch-path", Static))
        assert "[L] PowBackward0 → [s] AddBackward0 → [q] MulBackward0 → [x] AccumulateGrad → x.grad" in path
        assert "x's AccumulateGrad is reached by 2 edges (from q's MulBackward0, s's AddBackward0)" in " ".join(
            path.split()
        )
        code = text_of(panel.query_one("#torch-code", Static))
        assert code.startswith("# fan-out, grad:x: runs by itself") and "print(x.grad)" in code


async def test_the_torch_note_and_an_autograd_word_beside_pytorchs():
    app = PanelApp(load_lesson(LESSONS / "autograd-leaves.yaml"), "autograd:y.grad_fn")
    async with app.run_test(size=(110, 60)) as pilot:
        panel = await opened(app, pilot)
        note = panel.query_one("#torch-lesson-note", Markdown)
        assert "PyTorch keeps" in note.source and "[0.5, 1, 2, 3]" in note.source  # {{ x }} filled in
        rows = {ln.split()[0]: ln.split()[1:] for ln in text_of(panel.query_one("#torch-numbers")).splitlines() if ln}
        assert rows["engine"] == ["MulBackward0"] and rows["PyTorch"] == ["MulBackward0", "the", "same"]


async def test_a_backward_formula_becomes_a_function_that_gradcheck_fails_when_wrong():
    lesson = load_lesson(LESSONS / "custom-function.yaml")
    app = PanelApp(lesson, "backward:y/x", "dy * sigmoid(x) * (1 - sigmoid(x))")
    async with app.run_test(size=(110, 80)) as pilot:
        panel = await opened(app, pilot)
        shown = text_of(panel.query_one("#torch-function", Static))
        assert "gradcheck FAILED" in shown and "class MyYLine(torch.autograd.Function):" in shown
    app = PanelApp(lesson, "backward:y/x", "dy * (sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x)))")
    async with app.run_test(size=(110, 80)) as pilot:
        panel = await opened(app, pilot)
        assert "gradcheck passed" in text_of(panel.query_one("#torch-function", Static))
    app = PanelApp(lesson, "backward:y/x", "dy * c")
    async with app.run_test(size=(110, 80)) as pilot:
        panel = await opened(app, pilot)
        assert "cannot be a backward: 'c' is not something" in text_of(panel.query_one("#torch-function", Static))
