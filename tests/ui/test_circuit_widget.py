"""The circuit widget as a learner sees it: it keeps the current box in view, and a delta earned flows back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from circuit_harness import CircuitApp, session_at
from helpers import screen_text

from tutor.ui.layout import earned_locals, flow_back
from tutor.ui.widgets.circuit import PULSE, CircuitPanel, motion_wanted
from tutor.ui.widgets.network import NetworkPanel

LIMIT = 5.0  # seconds: only to turn a hang into a failure


async def pulse_seen(pilot, panel: CircuitPanel) -> list[tuple[int, int]]:
    """The cells the travelling delta was drawn on, watched until the animation ends."""
    seen: list[tuple[int, int]] = []
    waited = 0.0
    while waited < LIMIT:
        await asyncio.sleep(0.02)
        waited += 0.02
        await pilot.pause()
        cells = [cell for cell, (ch, _) in panel._marks.items() if ch == PULSE]
        if cells:
            seen += [c for c in cells if c not in seen]
        elif seen:
            return seen
    return seen


async def test_a_delta_earned_travels_back_along_its_wire(tmp_path: Path):
    app = CircuitApp(session_at("chain-rule", tmp_path, 4))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        panel = app.query_one(CircuitPanel)
        panel.flow_back("y")  # dy was just earned: it goes back along the wire from L to y
        seen = await pulse_seen(pilot, panel)
        (path,) = flow_back(panel._circuit.layout, "y")
        assert seen and all(cell in path for cell in seen)  # only on the wire from L back to y
        at = [path.index(cell) for cell in seen]
        assert at == sorted(at) and at[-1] >= len(path) // 2  # it moves backward, from L's arrow towards y
        assert PULSE not in screen_text(pilot)  # and it is gone at the end


async def test_no_animation_under_reduced_motion(tmp_path: Path):
    app = CircuitApp(session_at("chain-rule", tmp_path, 4))
    async with app.run_test(size=(100, 30)) as pilot:
        app.animation_level = "none"
        await pilot.pause()
        panel = app.query_one(CircuitPanel)
        panel.flow_back("y")
        await asyncio.sleep(0.2)
        await pilot.pause()
        assert not panel._marks and PULSE not in screen_text(pilot)


@pytest.mark.parametrize(("level", "env", "wanted"), [("full", "", True), ("none", "", False), ("full", "off", False)])
def test_motion_can_be_turned_off(monkeypatch, level: str, env: str, wanted: bool):
    monkeypatch.setenv("BACKPROP_TUTOR_MOTION", env)
    assert motion_wanted(level) is wanted


async def test_at_80_by_24_the_picture_scrolls_to_the_current_box(tmp_path: Path):
    session = session_at("two-layer-net", tmp_path, 12)  # at grad:b1, the last step: b1 is far down
    app = CircuitApp(session)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        await pilot.pause()
        text = screen_text(pilot)
        assert "b1 1×3" in text and "← ?" in text


async def test_the_network_of_two_layer_net_is_2_3_1_with_the_current_layer_lit(tmp_path: Path):
    session = session_at("two-layer-net", tmp_path, 7)  # at grad:W2
    app = CircuitApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        panel = NetworkPanel()
        await app.mount(panel)
        panel.show(session.lesson, session.solution, session.graph())
        await pilot.pause()
        text = panel.text
        assert [text.count(f"{name}{i}") for name, i in (("X", "₁"), ("X", "₂"), ("A1", "₃"), ("A2", "₁"))] == [1] * 4
        assert "A1₄" not in text and "A2₂" not in text
        assert text.count("◉") == 1 and "◉ A2₁" in text  # the layer of W2 is lit: its one output unit
        assert "W2 on the wires" in text and " −0.8 " in text  # 100 columns: every weight on its connection
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        text = panel.text  # 80 columns: the narrow picture, the lit W2's entries in a legend under it
        assert "W2: from ↓ to →" in text and "on the wires" not in text and "−0.8" in text
        assert max(len(line) for line in text.split("\n")) <= panel.scrollable_content_region.width


async def test_a_click_on_a_box_chooses_it_and_a_click_between_boxes_does_not(tmp_path: Path):
    app = CircuitApp(session_at("two-layer-net", tmp_path, 7))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        panel = app.query_one(CircuitPanel)
        boxes = panel._circuit.layout.boxes
        for name in ("W2", "Z1", "L"):
            box = boxes[name]
            await pilot.click(CircuitPanel, offset=(box.x + 2, box.y + 1))
        await pilot.click(CircuitPanel, offset=(boxes["W1"].right + 1, panel._circuit.layout.height + 1))
        await pilot.pause()
        assert app.chosen == ["W2", "Z1", "L"]


async def test_a_click_on_a_scrolled_picture_chooses_the_box_under_the_pointer(tmp_path: Path):
    app = CircuitApp(session_at("two-layer-net", tmp_path, 12))  # at grad:b1: scrolled down to b1
    async with app.run_test(size=(80, 12)) as pilot:
        panel = app.query_one(CircuitPanel)
        panel.styles.height = 6  # as in the lesson screen: the panel has its own height, the picture scrolls in it
        session = app.session
        panel.show(session.lesson, session.solution, session.graph(), earned_locals(session))
        await pilot.pause()
        await pilot.pause()
        scroll = panel.scroll_offset
        assert scroll.y > 0
        box = panel._circuit.layout.boxes["b1"]
        await pilot.click(CircuitPanel, offset=(box.x + 2 - scroll.x, box.y + 1 - scroll.y))
        await pilot.pause()
        assert app.chosen == ["b1"]
