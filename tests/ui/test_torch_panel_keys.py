"""F4's key bar: every key the PyTorch panel offers is readable, key and label, at 80×24 and 100×30."""

from __future__ import annotations

import pytest
from helpers import screen_text, settle, shipped_course

from tutor.ui.app import TutorApp
from tutor.ui.screens.torch_panel import TorchPanel


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_every_key_of_the_pytorch_panel_is_readable(size, scripts_without_torch):  # quick: no torch
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("two-layer-batch"))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # value:Z1, not answered: 'v' is offered too
        await settle(pilot)
        await pilot.press("f4")
        await pilot.pause()
        panel = app.screen
        assert isinstance(panel, TorchPanel)
        bar = next(line for line in screen_text(pilot).splitlines() if "esc Close" in line)
        for binding in TorchPanel.BINDINGS:
            key = "esc" if binding.key == "escape" else binding.key
            assert f"{key} {binding.description}" in bar, (bar, binding.description)
