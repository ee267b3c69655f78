"""The lesson screen's pictures: the circuit by default, ctrl+g on to the network and the table, and back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from helpers import screen_text, shipped_course

from tutor.course import load_lesson
from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.widgets.circuit import CircuitPanel
from tutor.ui.widgets.graph import GraphPanel
from tutor.ui.widgets.network import NetworkPanel
from tutor.ui.widgets.pictures import PictureSwitch

LIMIT = 30.0  # seconds: only to turn a hang into a failure


async def pictures_mounted(pilot) -> LessonScreen:
    """Wait until the lesson screen is up and its pictures are mounted (they come after the first paint)."""
    waited = 0.0
    while waited < LIMIT:
        screen = pilot.app.screen
        if isinstance(screen, LessonScreen) and screen.query(CircuitPanel) and screen.query(NetworkPanel):
            await pilot.pause()
            return screen
        await asyncio.sleep(0.05)
        waited += 0.05
        await pilot.pause()
    raise AssertionError(f"the pictures were not mounted: the screen is {pilot.app.screen!r}")


def showing(screen: LessonScreen) -> list[str]:
    """Which of the table, the circuit and the network are displayed."""
    widgets = {"table": GraphPanel, "circuit": CircuitPanel, "network": NetworkPanel}
    return [name for name, cls in widgets.items() if screen.query_one(cls).display]


async def test_the_circuit_shows_first_and_ctrl_g_goes_round_network_table_and_back():
    PictureSwitch.chosen = "circuit"
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("two-layer-net"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await pictures_mounted(pilot)
        assert showing(screen) == ["circuit"]
        assert "╭ W1 2×3" in screen_text(pilot) and "ctrl+g: network" in screen_text(pilot)
        seen = []
        for _ in range(3):
            await pilot.press("ctrl+g")
            await pilot.pause()
            seen.append(showing(screen))
        assert seen == [["network"], ["table"], ["circuit"]]
    PictureSwitch.chosen = "circuit"


async def test_a_lesson_without_layers_goes_from_the_circuit_to_the_table():
    PictureSwitch.chosen = "circuit"
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await pictures_mounted(pilot)
        assert showing(screen) == ["circuit"]
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert showing(screen) == ["table"]
    PictureSwitch.chosen = "circuit"


async def test_a_graph_too_large_to_draw_shows_the_table(tmp_path: Path):
    PictureSwitch.chosen = "circuit"
    lines = ["n0 = x * 2"] + [f"n{i} = n{i - 1} + x" for i in range(1, 120)]
    path = tmp_path / "long-chain.yaml"
    graph = "\n".join(f"  - {line}" for line in lines)
    path.write_text(f"format: 1\nid: long-chain\ntitle: A long chain\ninputs: {{x: 1}}\ngraph:\n{graph}\n")
    app = TutorApp.with_course(shipped_course(), lesson=load_lesson(path))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await pictures_mounted(pilot)
        assert showing(screen) == ["table"]
        assert "wires passing" in (screen.query_one(CircuitPanel).too_large or "")


async def test_a_click_on_a_box_of_the_circuit_opens_its_numbers_in_full_and_f8_the_steps():
    from tutor.ui.screens.numbers import NumbersScreen

    PictureSwitch.chosen = "circuit"
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("two-layer-net"))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await pictures_mounted(pilot)
        assert "F8 or click a box: all its numbers" in screen_text(pilot)
        circuit = screen.query_one(CircuitPanel)
        box = circuit._circuit.layout.boxes["W1"]
        scroll = circuit.scroll_offset
        await pilot.click(CircuitPanel, offset=(1 + box.x + 2 - scroll.x, 1 + box.y + 1 - scroll.y))  # 1: the border
        await pilot.pause()
        assert isinstance(app.screen, NumbersScreen)
        text = screen_text(pilot)
        assert "in full: W1 first" in text
        heading = text.index("W1  input")  # W1 first, with every entry, before the other rows
        assert heading < text.index("1.5   0.4  -0.6") < text.index("b1  input")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")  # the first step: Z1's value
        await pilot.pause()
        await pilot.press("f8")  # the current step's rows first
        await pilot.pause()
        text = screen_text(pilot)
        assert isinstance(app.screen, NumbersScreen) and "this step's rows first" in text
        assert text.index("Z1  = ") < text.index("W2  input")
    PictureSwitch.chosen = "circuit"
