"""The skills in the app: the home screen names the skill the learner is least sure of, `s` opens the page of every
skill with its first-try rate in theme colours, untried skills say so; a snapshot of that page at 80×24."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpers import settle, shipped_course, shown, wait_for
from textual.pilot import Pilot
from textual.widgets import Static

from tutor.course import find_lesson
from tutor.progress import Attempt, ProgressStore, lesson_source
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.skills import SkillsScreen

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def first_tries(lesson_id: str, tries: list[tuple[str, bool, str | None]], start: int) -> None:
    """Save first tries at steps of a shipped lesson, a minute apart from ``start`` minutes after T0."""
    lesson = find_lesson(lesson_id, [])
    store = ProgressStore()
    record = store.lesson(lesson.id, lesson.content_hash, lesson_source(lesson.path))
    for i, (step_id, correct, diagnosis) in enumerate(tries):
        at = (T0 + timedelta(minutes=start + i)).isoformat(timespec="milliseconds")
        record.step(step_id).attempts.append(Attempt("typed", correct, diagnosis, at))
    store.save(record)


def known_progress() -> None:
    """σ′ right three times of four, the matmul rule missed by a transpose twice, sums and products all right."""
    first_tries(
        "sigmoid-neuron", [("local:q/z", True, None), ("grad:z", True, None), ("grad:w", False, "transposed")], 0
    )
    first_tries("two-layer-batch", [("grad:Z1", False, "from-input"), ("grad:W1", False, "transposed")], 10)
    first_tries("chain-rule", [("local:y/x", True, None), ("value:y", True, None), ("grad:x", True, None)], 20)
    first_tries("logistic-bce", [("grad:z", True, None)], 30)


def skill_line(pilot: Pilot, skill: str) -> Static:
    """A skill's line on the skills page."""
    return pilot.app.screen.query_one(f"#skill-{skill}", Static)


async def skills_page(pilot: Pilot) -> SkillsScreen:
    """Press s on the home screen and wait for the page to be counted."""
    await pilot.press("s")
    assert await wait_for(pilot, lambda: isinstance(pilot.app.screen, SkillsScreen) and pilot.app.screen.rates)
    await settle(pilot)
    return pilot.app.screen  # type: ignore[return-value]


async def test_the_home_screen_names_the_weakest_skill_and_s_shows_them_all():
    known_progress()
    app = TutorApp.with_course(shipped_course())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)
        assert await wait_for(pilot, lambda: "least sure" in shown(pilot, "#home-skills"))
        assert "least sure: matmul rule: which transpose, 0/2." in shown(pilot, "#home-skills")
        page = await skills_page(pilot)
        assert "Skills: first tries, the latest 10 of each" in shown(pilot, "#skills-head")
        matmul, sigmoid = skill_line(pilot, "matmul"), skill_line(pilot, "sigmoid")
        assert "□□□□□□□□□□  0/2 right first time" in str(matmul.render()) and matmul.has_class("-weak")
        assert "3/4 right first time" in str(sigmoid.render()) and sigmoid.has_class("-middling")
        assert skill_line(pilot, "sums-products").has_class("-good")
        untried = skill_line(pilot, "softmax-ce")
        assert str(untried.render()).endswith("no attempts yet") and untried.has_class("-untried")
        assert {r.skill.id for r in page.rates or [] if r.tried} >= {"matmul", "sigmoid", "forward", "chain"}
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)


async def test_a_fresh_learner_is_told_there_are_no_first_tries_yet():
    app = TutorApp.with_course(shipped_course())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert await wait_for(pilot, lambda: "Skills:" in shown(pilot, "#home-skills"))
        assert "no first tries yet" in shown(pilot, "#home-skills")
        await skills_page(pilot)
        assert "(0 of 16 skills tried so far)" in shown(pilot, "#skills-head")
        assert str(skill_line(pilot, "matmul").render()).endswith("no attempts yet")


def test_the_skills_page(snap_compare):
    known_progress()

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await skills_page(pilot)
        assert "0/2 right first time" in str(skill_line(pilot, "matmul").render())

    assert snap_compare(TutorApp.with_course(shipped_course()), terminal_size=(80, 24), run_before=run_before)
