"""--watch: a lesson file edited while the tutor shows it is reloaded; its errors are shown, then fixed."""

from __future__ import annotations

import os
import re
from pathlib import Path

from conftest import ROOT
from helpers import search_palette, shipped_course, type_answer, wait_for
from textual.widgets import Static

from tutor.course import solve
from tutor.grading import show_array
from tutor.ui.app import TutorApp, run_app
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.problems import ProblemsScreen
from tutor.ui.widgets.graph import GraphPanel

SOURCE = (ROOT / "lessons" / "chain-rule.yaml").read_text(encoding="utf-8")


def save(path: Path, text: str, tick: list[int]) -> None:
    """Write the file and give it a new modification time (a save in an editor)."""
    path.write_text(text, encoding="utf-8")
    tick[0] += 10
    os.utime(path, (tick[0], tick[0]))


def problems_shown(app: TutorApp) -> str:
    """The problems list as the learner sees it: '' until the problems screen is up, composed and filled in."""
    screen = app.screen
    if not isinstance(screen, ProblemsScreen):
        return ""
    lists = list(screen.query("#problems-list").results(Static))
    return str(lists[0].render()) if lists else ""


def step_title_shown(app: TutorApp) -> str:
    """The lesson screen's step title as the learner sees it: '' until that screen is up and has drawn its step."""
    screen = app.screen
    if not isinstance(screen, LessonScreen):
        return ""
    titles = list(screen.query("#step-title").results(Static))
    return str(titles[0].render()) if titles else ""


async def test_watch_reloads_keeps_the_place_and_shows_errors(tmp_path):
    path = tmp_path / "mine.yaml"
    tick = [1_000_000]
    save(path, SOURCE, tick)
    app = TutorApp.with_course(shipped_course(), watch=path)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(pilot, lambda: "introduction" in step_title_shown(app)), step_title_shown(app)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        lesson = screen.lesson
        await pilot.press("enter")
        step = lesson.steps[0]
        await type_answer(pilot, show_array(solve(lesson).answer(step), 10))
        place = screen.session.step
        assert place is not None and place.id != step.id

        # an edit that changes a number: reloaded, same place, the new number in the graph
        save(path, SOURCE.replace("x: 1.5", "x: 2.5"), tick)
        assert await wait_for(pilot, lambda: screen.lesson.inputs["x"] == 2.5)
        assert app.screen is screen
        assert screen.session.step is not None and screen.session.step.id == place.id
        assert str(screen.query_one(GraphPanel).get_cell("x", "value")) == "2.5"

        # a broken edit: the problems are shown, located, and the app keeps running
        save(path, SOURCE.replace("y = 2 * x", "y = 2 * q"), tick)
        # (the screen fills its list after it is mounted: wait for the content, not for the screen)
        assert await wait_for(pilot, lambda: "mine.yaml:" in problems_shown(app)), problems_shown(app)
        assert "'q'" in problems_shown(app)

        # broken again differently: the list is updated
        save(path, SOURCE.replace("steps:", "stpes:"), tick)
        assert await wait_for(pilot, lambda: "stpes" in problems_shown(app)), problems_shown(app)

        # fixed: back to the lesson, at the same place
        save(path, SOURCE, tick)
        assert await wait_for(pilot, lambda: app.screen is screen)
        assert screen.session.step is not None and screen.session.step.id == place.id


async def test_watch_a_file_that_is_broken_from_the_start(tmp_path):
    path = tmp_path / "broken.yaml"
    tick = [2_000_000]
    save(path, SOURCE.replace("L = (y - t) ** 2", "L = (y - t ** 2"), tick)
    app = TutorApp.with_course(shipped_course(), watch=path)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(pilot, lambda: "broken.yaml:" in problems_shown(app)), problems_shown(app)
        save(path, SOURCE, tick)
        assert await wait_for(pilot, lambda: "introduction" in step_title_shown(app)), step_title_shown(app)
        assert isinstance(app.screen, LessonScreen) and app.screen.session.on_intro


def test_watch_of_a_missing_file_exits_2(tmp_path, capsys):
    assert run_app(None, [], str(tmp_path / "nope.yaml")) == 2
    assert "no such file" in capsys.readouterr().err


def test_unknown_lesson_exits_2_with_a_message(capsys):
    assert run_app("no-such-lesson", [], None) == 2
    err = capsys.readouterr().err
    assert "no-such-lesson" in err and "Traceback" not in err


async def test_watch_shows_the_linters_warnings_and_keeps_answers_that_did_not_change(tmp_path):
    path = tmp_path / "mine.yaml"
    tick = [3_000_000]
    save(path, SOURCE.replace("id: chain-rule", "id: my-chain"), tick)
    app = TutorApp.with_course(shipped_course(), watch=path)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(pilot, lambda: "introduction" in step_title_shown(app))
        screen = app.screen
        assert isinstance(screen, LessonScreen) and not screen.warnings  # the shipped lesson is lint-clean
        lesson = screen.lesson
        await pilot.press("enter")
        solution = solve(lesson)
        for step in lesson.steps[:3]:  # y, L and ∂L/∂y
            await type_answer(pilot, show_array(solution.answer(step), 10))
            if screen.session.step == step:
                await pilot.press("enter")
        assert screen.session.place == lesson.steps[3].id

        # t changes: y (= 2x) keeps its question and answer; L and ∂L/∂y do not
        save(path, SOURCE.replace("id: chain-rule", "id: my-chain").replace("t: 4.25", "t: 3.0"), tick)
        assert await wait_for(pilot, lambda: screen.lesson.constants["t"] == 3.0)
        s = screen.session
        assert s.progress(s.lesson.step("value:y")).status == "solved"
        assert s.progress(s.lesson.step("value:L")).status is None
        assert s.progress(s.lesson.step("local:L/y")).status is None

        # y = t: every delta is 0, which the linter warns about; the warnings show, located, in plain text
        save(path, SOURCE.replace("id: chain-rule", "id: my-chain").replace("x: 1.5", "x: 2.125"), tick)
        # (t = 3.0 above made y = t too, so warnings alone do not say this save was read: wait for its x)
        assert await wait_for(pilot, lambda: screen.lesson.inputs["x"] == 2.125 and bool(screen.warnings))
        strip = str(screen.query_one("#warnings-text", Static).render())
        assert "linter warnings about this lesson file (F9 hides them)" in strip
        # each warning on its own line: the file's name (not its folder), line and column, code and label, the step
        warnings = strip.splitlines()[1:]
        assert warnings and str(tmp_path) not in strip
        for line in warnings:
            assert re.match(r"mine\.yaml:\d+:\d+: warning W\d{3} [a-z-]+: \[[a-z_]+:\S+\] \S", line), line
        assert screen.query_one("#warnings").display
        await pilot.press("f9")
        await pilot.pause()
        assert not screen.query_one("#warnings").display

        # back to the list: the watched lesson is in it, and in the palette
        from textual.widgets import OptionList

        from tutor.ui.screens.home import HomeScreen

        await pilot.press("escape")
        # dismiss() pops the screen on a later turn of the message loop: wait for it, not for one pause
        assert await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        options = app.screen.query_one("#lessons", OptionList)
        assert [o.id for o in options.options][-1] == "my-chain"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await search_palette(pilot, "my-chain")
        await pilot.press("enter")
        assert await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert app.screen.lesson.id == "my-chain" and app.screen.lesson.inputs["x"] == 2.125


async def test_a_save_that_changes_only_the_files_time_does_not_reopen_the_lesson(tmp_path):
    """An editor may write the text and then set the time: two looks see two changes. The second, with the same
    text, must not bring the lesson back over the list the author went back to (nor start it afresh)."""
    from tutor.ui.screens.home import HomeScreen

    path = tmp_path / "mine.yaml"
    tick = [3_000_000]
    save(path, SOURCE.replace("id: chain-rule", "id: my-chain"), tick)
    app = TutorApp.with_course(shipped_course(), watch=path)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        await pilot.press("escape")
        assert await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        tick[0] += 10
        os.utime(path, (tick[0], tick[0]))  # the same text, a new time
        for _ in range(20):  # four looks at the file (one every half second)
            await pilot.pause(0.1)
        assert isinstance(app.screen, HomeScreen), app.screen_stack
        # a real change still shows the lesson
        save(path, SOURCE.replace("id: chain-rule", "id: my-chain").replace("t: 4.25", "t: 3.0"), tick)
        assert await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen))
        assert app.screen.lesson.constants["t"] == 3.0
