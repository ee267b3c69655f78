"""The app survives: tiny terminals, resizing, a 10,000-character paste, every bound key in random order,
and a lesson file deleted while it is open."""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from tutor.course import load_lesson, solve
from tutor.course.index import index_course
from tutor.grading import show_array
from tutor.lang.parse import MAX_LENGTH
from tutor.progress import ProgressStore, lesson_source
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.problems import ProblemsScreen

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ui"))
from conftest import SHIPPED
from helpers import settle, shipped_course, shown, type_answer

#: every key bound on some screen (and a few a learner presses anyway); ctrl+q is left out: it quits
KEYS = [
    "f1", "f2", "f3", "f4", "f5", "f6", "escape", "enter", "tab", "shift+tab", "up", "down", "left", "right",
    "home", "end", "pageup", "pagedown", "backspace", "delete", "ctrl+p", "s", "w", "r", "q", "h", "t", "1",
    "-", "[", "]", ",", ".", "x", "ctrl+u", "ctrl+a", "ctrl+e",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_torch_runs(scripts_without_torch):
    """The PyTorch panel's runs are the reveal tests' business; here torch is simply not there (no site-packages)."""


def lesson_screen(app: TutorApp) -> LessonScreen | None:
    return next((s for s in app.screen_stack if isinstance(s, LessonScreen)), None)


async def test_every_bound_key_in_random_order(tmp_path, monkeypatch):
    # 100 presses (400 took ~30 s): with this seed they land on every screen, most on the lesson (measured:
    # lesson 75, help 8, palette 8, home 5, PyTorch panel 4)
    monkeypatch.chdir(tmp_path)  # "w" in the PyTorch panel saves the script in the working folder
    rng = random.Random(6)
    app = TutorApp.with_course(shipped_course())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for i in range(100):
            key = rng.choice(KEYS)
            await pilot.press(key)
            if i % 25 == 0:
                await pilot.pause()
            assert app.is_running, f"the app stopped after {key!r}"
            if isinstance(app.screen, HomeScreen) and rng.random() < 0.3:
                await pilot.press("enter")  # into a lesson again, so every screen gets its share
        await pilot.pause()
        assert app.is_running


@pytest.mark.parametrize("size", [(40, 12), (80, 24)])
async def test_tiny_terminal_and_resizing(size):
    lesson = load_lesson(SHIPPED[-1])  # the biggest graph
    solution = solve(lesson)
    app = TutorApp.with_course(shipped_course(), lesson=lesson)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        for step, (w, h) in zip(lesson.steps[:4], [(40, 12), (120, 40), (41, 13), (80, 24)], strict=True):
            await type_answer(pilot, show_array(solution.answer(step), 6))
            await pilot.resize_terminal(w, h)
            await pilot.pause()
        for w, h in [(30, 8), (200, 60), (40, 12), (1, 1), (40, 12)]:
            await pilot.resize_terminal(w, h)
            await pilot.pause()
        assert app.is_running and lesson_screen(app) is not None


async def test_pasting_ten_thousand_characters():
    """A 10,000-character paste is refused as a whole, with a message; nothing is graded or recorded."""
    lesson = load_lesson(SHIPPED[0])
    app = TutorApp.with_course(shipped_course(), lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        screen = lesson_screen(app)
        box = screen.query_one("#answer", Input)
        box.focus()
        box.post_message(events.Paste("1+" * 5000))
        await pilot.pause()
        assert box.value == ""
        assert f"at most {MAX_LENGTH} printable characters" in shown(pilot, "#feedback")
        await pilot.press("enter")
        await settle(pilot)
        step = screen.session.step
        record = ProgressStore().peek(lesson.id, lesson.content_hash)
        assert record is None or not record.step(step.id).attempts, "refused input is not an attempt"


async def test_typing_ten_thousand_characters_stops_at_the_answer_limit():
    """A terminal without bracketed paste sends a paste as keys: the box takes the first 2000 and refuses the
    rest at once (the Input widget costs ~0.5 ms a key: 10,000 keys froze the app for seconds)."""
    lesson = load_lesson(SHIPPED[0])
    app = TutorApp.with_course(shipped_course(), lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        box = lesson_screen(app).query_one("#answer", Input)
        for ch in "1+" * 5000:
            app.post_message(events.Key(ch, ch))
        app.post_message(events.Key("enter", None))
        for _ in range(6000):  # the keys are handled in order; Enter, last, grades what was taken
            await settle(pilot)
            if "Could not read" in shown(pilot, "#feedback"):
                break
        assert len(box.value) == MAX_LENGTH
        assert "Could not read that" in shown(pilot, "#feedback")
        assert app.is_running


async def test_control_characters_are_not_typed_into_the_answer_box():
    lesson = load_lesson(SHIPPED[0])
    app = TutorApp.with_course(shipped_course(), lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        box = lesson_screen(app).query_one("#answer", Input)
        box.post_message(events.Paste("2\x1b[2J\u202e3"))
        await pilot.pause()
        assert box.value == ""
        assert "printable characters" in shown(pilot, "#feedback")


async def test_lesson_file_deleted_while_open(tmp_path):
    path = tmp_path / "mine.yaml"
    shutil.copy(SHIPPED[0], path)
    lesson = load_lesson(path)
    solution = solve(lesson)
    app = TutorApp(index_course([tmp_path]), lesson=lesson, lesson_dirs=[str(tmp_path)])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await type_answer(pilot, show_array(solution.answer(lesson.steps[0]), 6))
        path.unlink()
        await type_answer(pilot, show_array(solution.answer(lesson.steps[1]), 6))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    record = ProgressStore().peek(lesson.id, lesson.content_hash, lesson_source(path))
    assert record is not None and record.done_count([s.id for s in lesson.steps[:2]]) == 2, "progress kept"


async def test_watched_file_deleted_while_open(tmp_path):
    path = tmp_path / "mine.yaml"
    shutil.copy(SHIPPED[0], path)
    app = TutorApp.with_course(shipped_course(), watch=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)
        text = path.read_text()
        path.unlink()
        for _ in range(40):
            await pilot.pause(0.1)
            if isinstance(app.screen, ProblemsScreen):
                break
        assert isinstance(app.screen, ProblemsScreen), "a missing file is shown as a problem"
        path.write_text(text)
        for _ in range(40):
            await pilot.pause(0.1)
            if isinstance(app.screen, LessonScreen):
                break
        assert isinstance(app.screen, LessonScreen), "and the lesson comes back when the file does"
