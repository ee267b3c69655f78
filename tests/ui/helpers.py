"""Helpers for the Pilot tests: type like a learner, wait for the engine, read what the screen shows."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from conftest import shipped_course  # noqa: F401 - the Pilot tests import it from here
from textual import events
from textual.app import App
from textual.command import CommandInput, CommandPalette
from textual.css.stylesheet import Stylesheet
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tutor.ui.screens.lesson import LessonScreen

_PARSED_CSS: dict[tuple[object, ...], list] = {}
TYPE_LIMIT = 24  # longer answers (matrices) are pasted, as a learner would, to keep the tests quick
SETTLE_LIMIT = 60.0  # seconds: only to turn a hang into a failure


def opening(app: App) -> bool:
    """Whether the app is still at work on what it shows: background work (opening a lesson, grading) under way, or
    its screen not yet shown (pushed but not mounted; or a lesson screen whose ``on_mount`` waits for its widgets,
    which has no ``pictures`` until it has shown the lesson)."""
    screen = app.screen
    if getattr(app, "busy", False) or not screen.is_mounted:
        return True
    return isinstance(screen, LessonScreen) and not hasattr(screen, "pictures")


async def settle(pilot: Pilot) -> None:
    """Wait until the app's background work (opening a lesson, grading) is done and its result is shown."""
    app = pilot.app
    waited = 0.0
    await pilot.pause()
    while opening(app):
        assert waited < SETTLE_LIMIT, (
            f"the app still at work after {SETTLE_LIMIT:.0f} s: {getattr(app, 'working', '')!r}"
        )
        await asyncio.sleep(0.01)
        waited += 0.01
        await pilot.pause()
    await pilot.pause()


WAIT_STEP = 0.02  # seconds between two looks at a condition (a look costs ~2 ms of CPU)


async def wait_for(pilot: Pilot, condition: Callable[[], object], tries: int = 60) -> bool:
    """Let the app run until ``condition()`` holds, up to ``tries`` tenths of a second (the watch polls every half
    second; a lesson opens off the UI thread after the first draw). It looks every 20 ms: a look every 100 ms
    made each wait 50 ms longer than needed on average."""
    for _ in range(round(tries * 0.1 / WAIT_STEP)):  # as many sleeps: on a busy machine it waits longer, never less
        if condition():
            return True
        await pilot.pause(WAIT_STEP)
    return bool(condition())


def key_event(key: str) -> events.Key:
    """The Key event Pilot's ``press(key)`` sends (named as textual.app.App._press_keys names it)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def type_keys(pilot: Pilot, text: str) -> None:
    """Type ``text`` into the focused box key by key, as ``pilot.press(*text)`` does, but let the app settle once,
    after the last key, instead of after every key: Pilot waits for the process to be idle twice per key (20 ms at
    least, ~50 ms with a screen to redraw), which made typing most of a Pilot test's time. The app still receives
    and handles every key, in order, through the same driver; what a test then asserts waits for all of them."""
    app = pilot.app
    assert app._driver is not None
    if not text:
        return
    for key in text[:-1]:
        event = key_event(key)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.press(text[-1])


async def search_palette(pilot: Pilot, text: str) -> None:
    """Type ``text`` into the open command palette and wait until its search has finished and its hits are drawn
    (the event itself, instead of a fixed second)."""
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette), f"the command palette is not open: {palette!r}"
    await type_keys(pilot, text)

    def searched() -> bool:
        """The palette holds the whole text and no search of it is still running."""
        group = palette._GATHER_COMMANDS_GROUP
        running = [w for w in pilot.app.workers if w.group == group and not w.is_finished]
        return palette.query_one(CommandInput).value == text and not running

    assert await wait_for(pilot, searched), f"the palette's search for {text!r} did not finish"
    await pilot.pause()


@contextmanager
def pauses_for_messages_only(pilot: Pilot) -> Iterator[None]:
    """Within: the pauses Pilot makes between the events it sends (a click is three events, each after a pause)
    wait until the screen and the app have handled every message queued so far and lay out and draw, as
    ``pilot.pause()`` does, but without then also waiting for the process to be idle (20 ms at least each). The
    caller pauses fully afterwards, before it asserts."""

    async def handled(delay: float | None = None) -> None:
        await pilot._wait_for_screen()
        pilot.app.screen._on_timer_update()

    pilot.pause = handled  # type: ignore[method-assign]
    try:
        yield
    finally:
        del pilot.pause


async def type_answer(pilot: Pilot, text: str, submit: bool = True) -> None:
    """Clear the answer box and type ``text`` key by key, or paste it when long (then Enter, and wait for the grade)."""
    box = pilot.app.screen.query_one("#answer", Input)
    box.value = ""
    if len(text) <= TYPE_LIMIT:
        await type_keys(pilot, text)
    else:
        box.focus()
        box.post_message(events.Paste(text))
        await pilot.pause()
    assert box.value == text
    if submit:
        await pilot.press("enter")
    await settle(pilot)


def shown(pilot: Pilot, selector: str) -> str:
    """The text of a Static on the current screen ('' if hidden)."""
    widget = pilot.app.screen.query_one(selector, Static)
    return str(widget.render()) if widget.display else ""


def screen_text(pilot: Pilot) -> str:
    """Every line of the screen as the terminal would show it (toasts and modals included)."""
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())


def share_parsed_css() -> None:
    """Let every Textual app of this test process reuse the CSS rules an app parsed before from the same text with
    the same theme variables. Each app parses its stylesheet (app.tcss and every widget's DEFAULT_CSS) afresh, ~30 ms
    of the ~180 ms a bare app takes to start, and each Pilot test starts one app or more. The rules handed out are
    the objects Textual's own per-app cache hands out again on each reparse (parsing never changes them after);
    CSS that does not parse is parsed, and raises, every time."""
    own_parse = Stylesheet._parse_rules
    if getattr(own_parse, "shared", False):
        return

    def parse_once(
        sheet: Stylesheet, css: str, read_from: tuple[str, str], is_default_rules: bool = False, tie_breaker: int = 0,
        scope: str = "",
    ) -> list:  # fmt: skip
        """Stylesheet._parse_rules, remembered for the whole process."""
        key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(sorted(sheet._variables.items())))
        if key not in _PARSED_CSS:
            _PARSED_CSS[key] = own_parse(sheet, css, read_from, is_default_rules, tie_breaker, scope)
        return _PARSED_CSS[key]

    parse_once.shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = parse_once  # type: ignore[method-assign]


share_parsed_css()
