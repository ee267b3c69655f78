"""A teacher's lesson that reuses a shipped lesson's id: the app says so, and neither record is wiped."""

from __future__ import annotations

import sys
from pathlib import Path

from tutor.course import load_lesson, shipped_lessons_dir, solve
from tutor.course.index import index_course
from tutor.grading import show_array
from tutor.progress import SOLVED, ProgressStore, lesson_source
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ui"))
from helpers import type_answer, wait_for

NOTE = "This lesson has the id of the shipped lesson chain-rule; its progress is kept separately."


def variant_of_chain_rule(folder: Path) -> Path:
    """A copy of the shipped chain-rule lesson with other numbers and another title, at ``folder``."""
    text = (shipped_lessons_dir() / "chain-rule.yaml").read_text(encoding="utf-8")
    changed = text.replace("x: 1.5", "x: 2.5").replace(
        "title: The chain rule", "title: The chain rule, a teacher's variant", 1
    )
    assert changed != text
    path = folder / "chain-rule.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


async def test_opening_a_namesake_says_its_progress_is_kept_separately(tmp_path):
    shipped = load_lesson(shipped_lessons_dir() / "chain-rule.yaml")
    store = ProgressStore()
    record = store.lesson(shipped.id, shipped.content_hash)
    record.step(shipped.steps[0].id).status = SOLVED
    record.current = shipped.steps[1].id
    store.save(record)

    variant = load_lesson(variant_of_chain_rule(tmp_path))
    app = TutorApp(index_course(), lesson=variant)
    async with app.run_test(size=(100, 30)) as pilot:

        def notes() -> list[str]:
            return [n.message for n in app._notifications if n.title == "Progress"]

        await wait_for(pilot, notes, tries=300)  # the lesson asked for opens after the first draw, off the UI thread
        assert notes() == [NOTE]
        await pilot.press("enter")  # past the intro
        await type_answer(pilot, show_array(solve(variant).answer(variant.steps[0]), 6))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)

    after = ProgressStore()
    kept = after.peek(shipped.id, shipped.content_hash)
    assert kept is not None and kept.current == shipped.steps[1].id  # before the fix: wiped at the first save
    assert kept.steps[shipped.steps[0].id].status == SOLVED
    own = after.peek(variant.id, variant.content_hash, lesson_source(variant.path))
    assert own is not None and own.steps[variant.steps[0].id].status == SOLVED


async def test_the_shipped_lesson_itself_gets_no_note():
    shipped = load_lesson(shipped_lessons_dir() / "chain-rule.yaml")
    app = TutorApp(index_course(), lesson=shipped)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not [n for n in app._notifications if n.title == "Progress"]
