"""The training screen: the learner's formulas train a network live, beside the engine's gradients and PyTorch;
a formula that only looked right is named, one that cannot be right is refused before any epoch; pause, one
epoch and the settings keys work between epochs and every setting is bounded; the trainer loads only when the
screen opens."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import screen_text, search_palette, settle, shipped_course, shown

from tutor.course import load_lesson
from tutor.progress import SOLVED, Attempt, ProgressStore, lesson_source
from tutor.train import torch_side
from tutor.train.loop import MAX_LEARNING_RATE, Settings
from tutor.train.plot import BRAILLE, POINT, REGION
from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.train import BLOWN_UP, RUNNING, TrainScreen

ROOT = Path(__file__).resolve().parents[2]
#: the two-layer-batch lesson's backward pass, right on any number of samples (as in tests/train/train_helpers.py)
BATCH = {
    "grad:Z2": "(A2 - Y) / N",
    "grad:W2": "A1.T @ dZ2",
    "grad:b2": "sum(dZ2, 0)",
    "grad:A1": "dZ2 @ W2.T",
    "grad:Z1": "dA1 * A1 * (1 - A1)",
    "grad:W1": "X.T @ dZ1",
    "grad:b1": "sum(dZ1, 0)",
}

XOR = Settings(dataset="xor", epochs=300, lr=2.0, hidden=8)


def batch_app(store: ProgressStore | None = None) -> TutorApp:
    """The tutor opening the two-layer-batch lesson."""
    course = shipped_course()
    return TutorApp.with_course(course, lesson=course.get("two-layer-batch"), store=store)


async def train(pilot, texts: dict[str, str] | None, settings: Settings = XOR, paused: bool = False) -> TrainScreen:
    """Open the training screen over the lesson with these formulas and wait for the run (and PyTorch's)."""
    await settle(pilot)
    lesson_screen = pilot.app.screen
    assert isinstance(lesson_screen, LessonScreen)
    screen = TrainScreen(lesson_screen.lesson, lesson_screen.store, texts, settings)
    screen.paused = paused
    pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


@pytest.fixture
def without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyTorch's side of a run goes to a Python without site-packages (``-S``), as on a machine without torch: for
    the tests that assert nothing of PyTorch (each run would start torch in a new process and train there too;
    test_right_formulas_... checks the screen with PyTorch)."""
    monkeypatch.setattr(torch_side, "INTERPRETER", (sys.executable, "-S"))


def braille_dots(text: str) -> int:
    """How many characters of the text are Braille cells with at least one dot."""
    return sum(1 for ch in text if BRAILLE < ord(ch) <= BRAILLE + 0xFF)


async def test_right_formulas_train_as_the_engine_and_pytorch_with_the_loss_plot_and_the_boundary():
    async with batch_app().run_test(size=(100, 30)) as pilot:
        screen = await train(pilot, BATCH)
        t = screen.training
        assert t is not None and t.done and len(t.curves.learner) == 301
        assert "epoch 300/300 (done)" in shown(pilot, "#train-settings")
        verdict = shown(pilot, "#train-verdict")
        assert "exactly as the engine's gradients do" in verdict
        assert "PyTorch" in verdict
        if screen.torch is not None and screen.torch.status == "ok":
            assert "the same curve as yours" in verdict
        else:
            assert screen.torch is not None and screen.torch.status == "missing"
        loss = str(pilot.app.screen.query_one("#train-loss").render())
        assert braille_dots(loss) > 40, "the curve is drawn"
        assert "epoch 300" in loss and "│" in loss
        boundary = str(pilot.app.screen.query_one("#train-boundary").render())
        assert {POINT[0], POINT[1], REGION[0], REGION[1]} <= set(boundary), "both classes, regions and points"
        assert "Traceback" not in screen_text(pilot)


async def test_a_formula_missing_the_1_over_N_is_named_on_the_screen(without_torch):
    wrong = {**BATCH, "grad:Z2": "A2 - Y"}
    settings = Settings(dataset="moons", epochs=50, lr=0.05, hidden=8)
    async with batch_app().run_test(size=(100, 30)) as pilot:
        screen = await train(pilot, wrong, settings)
        verdict = shown(pilot, "#train-verdict")
        assert "Your curve leaves the engine's at epoch 1" in verdict
        assert "The step to fix: grad:Z2: dZ2 = A2 - Y" in verdict and "divide by N" in verdict
        assert screen.training is not None and screen.training.done


async def test_a_run_that_blows_up_says_so_and_draws_no_boundary(without_torch):
    wrong = {**BATCH, "grad:Z2": "A2 - Y"}  # 200 times too big: at lr 2 the loss is no number after two steps
    async with batch_app().run_test(size=(100, 30)) as pilot:
        screen = await train(pilot, wrong, Settings(dataset="xor", epochs=20, lr=2.0, hidden=8))
        assert screen.training is not None and screen.training.stopped.get("learner") == 2
        assert "the loss stopped being a number at epoch 2" in shown(pilot, "#train-verdict")
        assert str(screen.query_one("#train-boundary").render()) == BLOWN_UP


async def test_the_softmax_network_draws_three_classes_on_the_spiral(without_torch):
    lesson = load_lesson(ROOT / "tests" / "train" / "lessons" / "softmax-net.yaml")
    softmax = {**BATCH, "grad:Z2": "(softmax(Z2, 1) - Y) / N", "grad:Z1": "dA1 * (1 - A1**2)"}
    async with batch_app().run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = TrainScreen(lesson, pilot.app.store, softmax, Settings(epochs=300, lr=2.0, hidden=16))
        pilot.app.push_screen(screen)
        await settle(pilot)
        assert "spiral · 200 points · 16 hidden" in shown(pilot, "#train-settings")
        assert "exactly as the engine's gradients do" in shown(pilot, "#train-verdict")
        boundary = str(screen.query_one("#train-boundary").render())
        assert set(REGION) <= set(boundary) and set(POINT) <= set(boundary), "three classes, regions and points"


async def test_a_wrong_transpose_is_refused_before_any_epoch_with_the_step():
    wrong = {**BATCH, "grad:W2": "dZ2 @ A1.T"}
    async with batch_app().run_test(size=(100, 30)) as pilot:
        screen = await train(pilot, wrong)
        assert screen.training is None, "no run started"
        verdict = shown(pilot, "#train-verdict")
        assert verdict.startswith("Cannot train yet: grad:W2: dW2 = dZ2 @ A1.T cannot be computed")
        assert screen.query_one("#train-verdict").has_class("-error")
        boundary = str(screen.query_one("#train-boundary").render())
        assert boundary == "(the decision boundary shows once training starts)"


async def test_pause_one_epoch_at_a_time_then_go_on_to_the_end(without_torch):
    async with batch_app().run_test(size=(100, 30)) as pilot:
        screen = await train(pilot, BATCH, Settings(dataset="xor", epochs=40, lr=2.0, hidden=8), paused=True)
        t = screen.training
        assert t is not None and t.epoch == 0
        assert "epoch 0/40 (paused)" in shown(pilot, "#train-settings")
        assert shown(pilot, "#train-verdict") == RUNNING, "what the keys do, not 'Checking your formulas'"
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert t.epoch == 2 and len(t.curves.learner) == 2
        assert "Paused at epoch 2" in shown(pilot, "#train-verdict")
        await pilot.press("space")
        await settle(pilot)
        assert t.done and "epoch 40/40 (done)" in shown(pilot, "#train-settings")


async def test_settings_keys_restart_the_run_and_stay_within_their_bounds(without_torch):
    async with batch_app().run_test(size=(100, 30)) as pilot:
        screen = await train(pilot, BATCH, Settings(dataset="xor", epochs=20, lr=2.0, hidden=8))
        assert screen.torch is not None and screen.torch.status == "missing"  # no PyTorch run for each restart
        await pilot.press("h")
        await settle(pilot)
        assert screen.training is not None and screen.training.setup.hidden == 9
        assert "xor · 200 points · 9 hidden · lr 2 · 20 epochs" in shown(pilot, "#train-settings")
        await pilot.press("d")
        await settle(pilot)
        assert screen.training.data.name == "moons"
        for _ in range(5):  # 2 → 64
            await pilot.press("plus")
            await settle(pilot)
        assert screen.settings.lr == 64
        await pilot.press("plus")  # 128 is above the bound: refused, nothing restarted
        await settle(pilot)
        assert screen.settings.lr == 64 and screen.training.settings.lr == 64
        assert any(f"at most {MAX_LEARNING_RATE:g}" in n.message for n in pilot.app._notifications)


async def test_ctrl_t_trains_the_formulas_the_learner_typed_and_escape_goes_back(without_torch):
    lesson = shipped_course().get("two-layer-batch")
    store = ProgressStore()
    record = store.lesson(lesson.id, lesson.content_hash, lesson_source(lesson.path))
    for step_id, text in BATCH.items():
        step = record.step(step_id)
        step.status = SOLVED
        step.attempts += [Attempt("A2 - Y", False), Attempt(text, True)]
    store.save(record)
    async with batch_app(ProgressStore()).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TrainScreen)
        assert screen.texts == BATCH, "each step's latest correct answer"
        assert "Cannot train" not in shown(pilot, "#train-verdict")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LessonScreen)


async def test_ctrl_t_with_no_formulas_yet_says_which_step_to_type():
    async with batch_app().run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert "Cannot train yet: grad:" in shown(pilot, "#train-verdict")
        assert "type it in the lesson first" in shown(pilot, "#train-verdict")


async def test_ctrl_t_on_a_lesson_that_is_no_network_says_so():
    course = shipped_course()
    async with TutorApp.with_course(course, lesson=course.get("chain-rule")).run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LessonScreen)
        assert any("no network to train" in n.message for n in pilot.app._notifications)


async def test_the_palette_opens_training_on_a_network_lesson():
    async with batch_app().run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await search_palette(pilot, "train your")  # "train" alone also finds "One training step in PyTorch" first
        assert "Train your backward pass: The two-layer network on a batch" in screen_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TrainScreen)


def test_nothing_of_training_loads_before_the_first_paint(tmp_path: Path):
    """The app's start (home screen drawn, lessons checked) imports neither the trainer nor its screen."""
    code = textwrap.dedent(
        """
        import asyncio, sys
        from tutor.course import index_course
        from tutor.ui.app import TutorApp

        async def main():
            app = TutorApp(index_course([]))
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                print(sorted(m for m in sys.modules if m.startswith(("tutor.train", "tutor.ui.screens.train",
                      "tutor.ui.widgets.trainplots", "tutor.ui.train_command"))))

        asyncio.run(main())
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
