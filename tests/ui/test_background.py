"""Engine work off the UI thread: while a lesson is solved or an answer graded, the screen says "working",
keys still work, and ctrl+q quits at once instead of waiting for the engine."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

from conftest import ROOT
from helpers import settle, shipped_course, shown, type_answer

import tutor.course
import tutor.ui.session
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.titlebar import TitleBar

LIMIT = 30.0  # seconds the stand-in for slow engine work waits at most: only to turn a hang into a failure


def title_bar(app: TutorApp) -> str:
    """The text of the current screen's title bar."""
    return str(app.screen.query_one(TitleBar).render())


def slow(real, release: threading.Event):
    """``real``, but only once ``release`` is set: engine work that takes as long as the test wants."""

    def wait_then_run(*args, **kwargs):
        release.wait(LIMIT)
        return real(*args, **kwargs)

    return wait_then_run


async def test_a_lesson_being_solved_says_working_and_the_keys_still_work(monkeypatch):
    release = threading.Event()
    for module in (tutor.course, tutor.ui.session):
        monkeypatch.setattr(module, "solve", slow(tutor.course.solve, release))
    app = TutorApp.with_course(shipped_course())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the first lesson
        await pilot.pause()
        try:
            assert isinstance(app.screen, HomeScreen)
            assert "working: opening Partial derivatives and the gradient… (ctrl+q quits)" in title_bar(app)
            await pilot.press("down", "up", "f1")
            assert app.screen.__class__.__name__ == "HelpScreen"
            await pilot.press("escape")
        finally:
            release.set()
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)
        assert "working" not in title_bar(app)


async def test_an_answer_being_graded_says_checking_and_the_keys_still_work(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(tutor.ui.session, "grade", slow(tutor.ui.session.grade, release))
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "3", "enter")
        await pilot.pause()
        try:
            assert "Checking your answer…" in shown(pilot, "#feedback")
            assert "working: checking your answer…" in title_bar(app)
            await pilot.press("f1")
            assert app.screen.__class__.__name__ == "HelpScreen"
            await pilot.press("escape")
        finally:
            release.set()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.session.progress(course.get("chain-rule").steps[0]).status == "solved"
        assert "working" not in title_bar(app)


async def test_enter_twice_while_grading_counts_one_attempt(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(tutor.ui.session, "grade", slow(tutor.ui.session.grade, release))
    course = shipped_course()
    lesson = course.get("chain-rule")
    app = TutorApp.with_course(course, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await type_answer(pilot, "7", submit=False)
        await pilot.press("enter", "enter")
        release.set()
        await settle(pilot)
        assert len(app.screen.session.progress(lesson.steps[0]).attempts) == 1


QUIT_WHILE_SOLVING = textwrap.dedent(
    """
    import time
    import tutor.course, tutor.ui.session
    from tutor.ui.app import TutorApp, run_app

    def forever(*args, **kwargs):
        time.sleep(600)  # a lesson that takes ten minutes to solve

    tutor.course.solve = tutor.ui.session.solve = forever
    real_run = TutorApp.run

    def run(self):
        self.call_after_refresh(self.set_timer, 1.0, self.action_quit)  # ctrl+q, while it solves
        return real_run(self, headless=True, size=(80, 24))

    TutorApp.run = run
    raise SystemExit(run_app("chain-rule", [], None))
    """
)


def test_ctrl_q_quits_while_a_lesson_is_being_solved(tmp_path):
    r = subprocess.run(
        [sys.executable, "-c", QUIT_WHILE_SOLVING], capture_output=True, text=True, cwd=ROOT, timeout=LIMIT * 2
    )
    assert r.returncode == 0, r.stderr
