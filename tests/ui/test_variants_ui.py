"""Practice again with new numbers: finish a lesson, ask for new numbers (ctrl+n on the summary, or the palette),
see the variant's numbers in the intro, the graph and the question, answer, and find the variant's progress saved
apart from the lesson's own."""

from __future__ import annotations

import json

from helpers import settle, shipped_course, shown, type_answer

from tutor.paths import progress_file
from tutor.ui.app import TutorApp
from tutor.ui.screens.lesson import LessonScreen

#: the chain-rule lesson's answers at its own numbers (x = 1.5, t = 4.25)
ANSWERS = ["3", "1.5625", "-2.5", "-2.5", "2", "-5"]


def chain_rule_app() -> TutorApp:
    """The tutor opening the chain-rule lesson."""
    course = shipped_course()
    return TutorApp.with_course(course, lesson=course.get("chain-rule"))


async def finish_chain_rule(pilot) -> LessonScreen:
    """Open the chain-rule lesson, answer every step right, and stop on its summary."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen) and screen.session.on_intro
    await pilot.press("enter")
    await settle(pilot)
    for answer in ANSWERS:
        await type_answer(pilot, answer)
        if not pilot.app.screen.session.on_summary and pilot.app.screen.session.stage != "open":
            await pilot.press("enter")
            await settle(pilot)
    assert pilot.app.screen.session.on_summary
    return pilot.app.screen


async def test_practice_again_with_new_numbers_from_the_summary():
    app = chain_rule_app()
    async with app.run_test(size=(100, 30)) as pilot:
        original = await finish_chain_rule(pilot)
        assert "To practise it again with new numbers, press **ctrl+n**." in original._summary_markdown()
        await pilot.press("ctrl+n")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, LessonScreen) and screen is not original
        lesson = screen.lesson
        assert lesson.id == "chain-rule" and lesson.variant == 1
        x, t = float(lesson.inputs["x"]), float(lesson.constants["t"])
        assert (x, t) != (1.5, 4.25)
        assert screen.session.on_intro
        await pilot.press("enter")
        await settle(pilot)
        assert shown(pilot, "#context") == f"y = 2·x, at x = {x:g}"  # the question at the variant's numbers
        lines = [strip.text for strip in pilot.app.screen._compositor.render_strips()]
        top = next(i for i, line in enumerate(lines) if line.startswith("╭"))
        bottom = next(i for i in range(top + 1, len(lines)) if lines[i].startswith("╰"))
        graph = "\n".join(lines[top : bottom + 1])  # the graph panel (a circuit or the table)
        assert f"{x:g}" in graph and f"{t:g}" in graph and "4.25" not in graph
        await type_answer(pilot, f"{2 * x:g}")
        assert shown(pilot, "#previous").startswith("✓ y = ")  # right at the variant's numbers, and carried over

    data = json.loads(progress_file().read_text(encoding="utf-8"))
    versions = data["lessons"]["chain-rule"]["versions"]
    own = next(v for h, v in versions.items() if "/variant-" not in h)
    assert all(own["steps"][s]["status"] == "solved" for s in own["steps"])
    (variant_hash,) = [h for h in versions if h.endswith("/variant-1")]
    assert versions[variant_hash]["steps"]["value:y"]["status"] == "solved"
    assert "grad:x" not in versions[variant_hash]["steps"]  # the lesson's own progress was not copied over


async def test_practice_again_from_the_palette_takes_the_next_variant():
    app = chain_rule_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert pilot.app.screen.lesson.variant == 1
        await pilot.press("enter")
        await settle(pilot)
        x = float(pilot.app.screen.lesson.inputs["x"])
        await type_answer(pilot, f"{2 * x:g}")  # variant 1 started: the next is 2
        from tutor.ui.commands import LessonCommands

        provider = LessonCommands(pilot.app.screen)
        (entry,) = [e for e in provider._entries() if e[0].startswith("Practice again with new numbers")]
        entry[2]()
        await settle(pilot)
        assert pilot.app.screen.lesson.variant == 2
