"""The lesson screen shows what the core decided: which parts of a place show, the line carried over from the
step just solved, how an answer was read only when that tells something, and one message when progress cannot
be saved (the answer, the hint and the place still show)."""

from __future__ import annotations

from helpers import settle, shipped_course, shown, type_answer

from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen


async def open_chain_rule(pilot) -> LessonScreen:
    """Wait for the chain-rule lesson to open at its intro."""
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen) and screen.session.on_intro
    return screen


def chain_rule_app() -> TutorApp:
    """The tutor opening the chain-rule lesson (y = 2x, L = (y − t)², x = 1.5, t = 4.25)."""
    course = shipped_course()
    return TutorApp.with_course(course, lesson=course.get("chain-rule"))


async def test_each_place_shows_its_own_parts():
    app = chain_rule_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_chain_rule(pilot)
        assert "introduction" in shown(pilot, "#step-title")
        assert not any(shown(pilot, part) for part in ("#question", "#context", "#hints", "#feedback", "#previous"))
        await pilot.press("enter")
        await settle(pilot)
        assert shown(pilot, "#question").startswith("y = ?")
        assert shown(pilot, "#context") == "y = 2·x, at x = 1.5"
        assert not shown(pilot, "#feedback") and not shown(pilot, "#hints")
        await type_answer(pilot, "4")  # wrong
        assert shown(pilot, "#feedback").startswith("✗ ") and "(attempt 1)" in shown(pilot, "#feedback")
        await pilot.press("f2")
        await pilot.pause()
        assert shown(pilot, "#hints") == "Hint 1/1: Multiply: y = 2·x with x = 1.5."
        await pilot.press("f6")  # on to L, nothing tried there
        await settle(pilot)
        assert not shown(pilot, "#feedback") and not shown(pilot, "#hints")
        await pilot.press("f5")  # back: the attempt and the hint are still there
        await settle(pilot)
        assert shown(pilot, "#feedback") == "1 wrong attempt so far."
        assert shown(pilot, "#hints").startswith("Hint 1/1:")
        assert screen.session.place == "value:y"


async def test_a_solved_step_is_carried_over_to_the_next_one_once():
    app = chain_rule_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_chain_rule(pilot)
        await pilot.press("enter")
        await type_answer(pilot, "3")
        assert shown(pilot, "#previous") == "✓ y = 3"
        assert shown(pilot, "#question").startswith("L = ?")
        await type_answer(pilot, "1.5625")
        assert shown(pilot, "#previous") == "✓ L = 1.562"  # four digits, as the engine has it
        await pilot.press("f5")
        await settle(pilot)
        assert not shown(pilot, "#previous")


async def test_how_the_answer_was_read_shows_only_when_it_tells_something():
    app = chain_rule_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_chain_rule(pilot)
        await pilot.press("enter", "f6", "f6", "f6")  # to grad:y, where a formula in y and t may be typed
        await settle(pilot)
        assert screen.session.place == "grad:y"
        await type_answer(pilot, "-2.6")
        assert shown(pilot, "#feedback").startswith("✗ ") and "read as" not in shown(pilot, "#feedback")
        await type_answer(pilot, "2*y-t")
        assert "2·y − t gives" in shown(pilot, "#feedback") and "read as" not in shown(pilot, "#feedback")
        await type_answer(pilot, "2y-t")
        assert "read as: 2·y − t   (attempt 3)" in shown(pilot, "#feedback")


async def test_progress_that_cannot_be_saved_is_said_once_and_nothing_is_lost(monkeypatch):
    app = chain_rule_app()

    def refuse(record) -> None:
        raise OSError(28, "No space left on device")

    said: list[str] = []  # every notice, however long the run (a notice on screen lasts 8 s, a loaded machine is slow)
    notify = app.notify
    monkeypatch.setattr(app, "notify", lambda message, **kw: (said.append(str(message)), notify(message, **kw))[1])

    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_chain_rule(pilot)
        monkeypatch.setattr(app.store, "save", refuse)
        await pilot.press("enter")  # the place is not saved: said, and the step shows
        await settle(pilot)
        assert shown(pilot, "#question").startswith("y = ?")
        await type_answer(pilot, "4")
        assert "(attempt 1)" in shown(pilot, "#feedback")  # graded and shown, though not saved
        await pilot.press("f2")
        await pilot.pause()
        assert shown(pilot, "#hints").startswith("Hint 1/1:")
        await pilot.press("f3")
        await pilot.pause()
        assert shown(pilot, "#feedback").startswith("The answer is 3")
        messages = said
        assert messages and all(m.startswith("Could not save your progress: ") for m in messages), messages
        assert len(messages) == 4 and "No space left on device" in messages[0]
        assert screen.session.progress(screen.session.step).status == "shown"


async def test_a_lesson_chosen_that_is_not_in_the_course_is_said_so():
    app = TutorApp.with_course(shipped_course())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.post_message(HomeScreen.LessonChosen("no-such-lesson"))
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert any(n.message == "No lesson with id 'no-such-lesson'." for n in app._notifications)
