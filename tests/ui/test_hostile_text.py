"""Hostile lesson text on every screen: markup is shown, never obeyed; escapes are shown, never sent to the terminal.

The lesson ``tests/robust/hostile/ui-every-field.yaml`` puts Textual markup with ``@click`` actions, invalid
markup (``[/``, ``[red]x[/bold]``), bracketed text (``[x]``, ``[W1]``, ``1/[N]``), raw escape sequences and
bidi overrides in every field; a learner walks it from the lesson list through the palette, the intro, hints,
a wrong answer the author anticipated, the explanation, the summary and help, clicking wherever an action or
a link would be. File names and problems take the same road on the problems screen, under ``--watch`` and in
the progress-file warning.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import SETTLE_LIMIT, pauses_for_messages_only, screen_text, search_palette, settle, shown, type_answer
from textual.app import App
from textual.widgets import OptionList

from tutor.course.index import index_course
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.problems import ProblemsScreen

EVERY_FIELD = ROOT / "tests" / "robust" / "hostile" / "ui-every-field.yaml"
#: what must never reach the rendered screen: control characters, bidi overrides and isolates
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
BRACKETS = ("[x]", "[W1]", "1/[N]")


def assert_screen_safe(pilot, *literal: str) -> str:
    """The screen shows no control character and every ``literal`` piece of text as it is; returns the screen."""
    assert pilot.app.is_running
    text = screen_text(pilot)
    assert not UNSAFE.search(text), f"a control character reached the screen: {UNSAFE.search(text)!r}\n{text}"
    for piece in literal:
        assert piece in text, f"{piece!r} is not on the screen:\n{text}"
    return text


#: the clicks of click_along land on every third column (an action or a link is a word wide at least): every
#: cell is checked by the style a click there would act on
CLICK_EVERY = 3


async def click_along(pilot, selector: str, columns: int = 70, row: int = 0) -> None:
    """No cell of a widget carries an action or a link (what a click would run or open), and clicks along one row,
    where a markup action or a link would be, run nothing (then back to typing)."""
    screen = pilot.app.screen
    region = screen.query_one(selector).region
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            style = screen.get_style_at(x, y)
            assert "@click" not in style.meta and not style.link, f"{selector} has an action or link at {x},{y}"
    with pauses_for_messages_only(pilot):  # each click's events handled before the next; one full pause after all
        for x in range(0, columns, CLICK_EVERY):
            await pilot.click(selector, offset=(x, row))
    await pilot.pause()
    pilot.app.screen.query_one("#answer").focus()


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[str]]:
    """A lessons folder holding the every-field lesson (its actions aimed at a folder of its own), that folder,
    and the list of links the app was asked to open."""
    lessons, shots = tmp_path / "lessons", tmp_path / "shots"
    lessons.mkdir()
    shots.mkdir()
    text = EVERY_FIELD.read_text(encoding="utf-8").replace("SHOT_DIR", str(shots))
    (lessons / EVERY_FIELD.name).write_text(text, encoding="utf-8")
    opened: list[str] = []
    monkeypatch.setattr(TutorApp, "open_url", lambda self, url, **kw: opened.append(url))
    return lessons, shots, opened


async def test_every_screen_shows_hostile_lesson_text_literally(hostile):
    lessons, shots, opened = hostile
    app = TutorApp(index_course([lessons]), lesson_dirs=[str(lessons)])
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        # the lesson list: the title and summary as typed, escapes shown as \x1b
        options = app.screen.query_one("#lessons", OptionList)
        options.highlighted = options.option_count - 1
        await pilot.pause()
        assert_screen_safe(pilot, "Every field [b]bold[/b] [x] [W1] 1/[N] [/ [red]x[/bold] \\x1b]0;owned\\x07")
        assert_screen_safe(pilot, "Summary [@click=app.quit]quit[/] [x] \\x1b[2J")

        # the command palette: the same title, found and opened from there
        await pilot.press("ctrl+p")
        await pilot.pause()
        await search_palette(pilot, "Every field")
        assert_screen_safe(pilot, "[red]x[/bold]", *BRACKETS, "[@click=app.quit]quit[/]")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.lesson.id == "ui-every-field"

        # the intro: title bar, heading, Markdown without links or HTML; clicking where the link was opens nothing
        assert_screen_safe(
            pilot,
            "1/[N] [/ [red]x[/bold] \\x1b]0;owned\\x07 \\u202eevil — introduction",
            "[Read the worked example](https://example.com/worked)",
            "[@click=app.screenshot('ui-intro.svg'",
            "<b>raw html</b>, [W1], 1/[N], \\x1b[2J and \\u202eevil.",
            "[W1]: https://example.com/ref",
        )
        await click_along(pilot, "#step-text")

        # a step: the prompt, both hints (one with an action, one with broken markup), clicked
        await pilot.press("enter")
        await settle(pilot)
        assert_screen_safe(pilot, "Prompt [x] [W1] \\x1b[2J")
        await pilot.press("f2")
        await pilot.pause()
        assert_screen_safe(pilot, "Hint 1/2:", "[@click=app.screenshot('ui-hint.svg'", "Also [x], [W1] and 1/[N].")
        await click_along(pilot, "#hints")
        await pilot.press("f2")
        await pilot.pause()
        assert_screen_safe(pilot, "Hint 2/2: Second hint [/ [red]x[/bold] \\x1b[2J")

        # the author's mistake message: markup shown, and it cannot overwrite its own ✗ line
        await type_answer(pilot, "x")
        feedback = shown(pilot, "#feedback")
        assert feedback.startswith("✗ [@click=app.screenshot("), feedback
        assert "[red]broken [/bold] markup[/ [x] \\r\\x1b[2K✓ value:y Correct." in feedback
        assert_screen_safe(pilot, "[red]broken [/bold] markup[/")
        await click_along(pilot, "#feedback")

        # the right answer: the explanation (Markdown), clicked too
        await type_answer(pilot, "3")
        assert_screen_safe(pilot, "[@click=app.screenshot('ui-explain.svg'", "[a link](https://example.com) and [x]")
        await click_along(pilot, "#explain")
        await pilot.press("enter")
        await settle(pilot)

        await type_answer(pilot, "y - t")
        assert "✗ \\r\\x1b[2K✓ grad:y Correct." in shown(pilot, "#feedback")
        assert_screen_safe(pilot)

        # the summary: the title in its heading and the outro, as typed
        await pilot.press("f6", "f6")
        await settle(pilot)
        assert screen.session.on_summary
        assert_screen_safe(pilot, "[red]x[/bold] \\x1b]0;owned\\x07", "Outro [x] [/ \\x1b]0;owned\\x07 <script>")

        await pilot.press("f1")
        await pilot.pause()
        assert_screen_safe(pilot, "How to use the tutor")
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.is_running

    assert not list(shots.iterdir()), "a markup action ran: it wrote a screenshot"
    assert not opened, f"a link was opened: {opened}"


def keep_toasts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every message Textual is asked to show in a toast (after the tutor escaped it), and keep the toast
    up until the test has read it (the app's 2-second toasts could expire on a busy machine before the screen was
    read)."""
    notified: list[str] = []
    notify = App.notify

    def kept(app: App, message: str, **options) -> None:
        notified.append(message)
        notify(app, message, **{**options, "timeout": SETTLE_LIMIT})

    monkeypatch.setattr(App, "notify", kept)
    return notified


#: a file in a folder ``w[red]x[``: its path reads ``.../w[red]x[/bold] [@click=app.quit]q\x1b[2J\u202e.yaml``
WATCHED = ("w[red]x[", "bold] [@click=app.quit]q\x1b[2J\u202e.yaml")
BROKEN = 'format: 1\nid: broken\ntitle: Broken\n"[@click=app.quit]k\\e[2J [/": 1\ninputs: {x: 1}\ngraph: [L = x]\n'


async def test_problems_screen_and_watch_show_file_names_and_problems_literally(tmp_path, monkeypatch):
    path = tmp_path.joinpath(*WATCHED)
    path.parent.mkdir()
    path.write_text(BROKEN, encoding="utf-8")
    app = TutorApp(index_course([]), watch=path)
    notified = keep_toasts(monkeypatch)
    async with app.run_test(size=(200, 30), notifications=True) as pilot:
        for _ in range(100):
            await settle(pilot)
            if isinstance(app.screen, ProblemsScreen):
                break
        assert isinstance(app.screen, ProblemsScreen)
        title = "w[red]x[/bold] [@click=app.quit]q\\x1b[2J\\u202e.yaml does not load"
        assert_screen_safe(pilot, title, "[@click=app.quit]k\\x1b[2J [/")
        path.write_text(EVERY_FIELD.read_text(encoding="utf-8").replace("SHOT_DIR", str(tmp_path)), encoding="utf-8")
        for _ in range(100):
            await settle(pilot)
            if isinstance(app.screen, LessonScreen):
                break
        assert isinstance(app.screen, LessonScreen)
        await pilot.pause()
        reloaded = "Reloaded bold] [@click=app.quit]q\\x1b[2J\\u202e.yaml."
        assert reloaded in notified
        assert_screen_safe(pilot, reloaded)


async def test_the_lesson_list_shows_broken_files_literally(tmp_path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "b[x][@click=app.quit]q\x1b[2J.yaml").write_text(BROKEN, encoding="utf-8")
    app = TutorApp(index_course([lessons]), lesson_dirs=[str(lessons)])
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await settle(pilot)
        app.screen.query_one("#home-pane").scroll_end(animate=False)  # the problems are under the whole course
        await settle(pilot)
        assert_screen_safe(pilot, "b[x][@click=app.quit]q\\x1b[2J.yaml", "[@click=app.quit]k\\x1b[2J [/")


async def test_progress_file_warning_shows_its_path_literally(tmp_path, monkeypatch):
    home = tmp_path / "home[red]x[" / "bold] [" / " \x1b[2J"  # the path reads home[red]x[/bold] [/ \x1b[2J
    home.mkdir(parents=True)
    (home / "progress.json").write_text("{oops", encoding="utf-8")
    monkeypatch.setenv("BACKPROP_TUTOR_HOME", str(home))
    app = TutorApp(index_course([]))
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await settle(pilot)
        assert app._notifications, "the damaged progress file is reported"
        assert_screen_safe(pilot, "home[red]x[/bold] [/", "\\x1b[2J/progress.json.corrupt-", "The chain rule")


async def test_the_corpus_hint_click_action_runs_nothing(tmp_path, monkeypatch):
    """The corpus file from the security review: one click on its hint overwrote progress.json."""
    monkeypatch.chdir(tmp_path)
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    shutil.copy(ROOT / "tests" / "robust" / "hostile" / "hint-click-action.yaml", lessons)
    app = TutorApp(index_course([lessons]), lesson_dirs=[str(lessons)])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_lesson("hint-click-action")
        await settle(pilot)
        await pilot.press("enter", "f2")
        await settle(pilot)
        assert_screen_safe(pilot, "Open [@click=app.screenshot('progress.json','.')]the worked example[/]")
        await click_along(pilot, "#hints", 90)
        await type_answer(pilot, "x")
        assert_screen_safe(pilot, "[red]broken [/bold] markup[/")
    assert not (tmp_path / "progress.json").exists()
