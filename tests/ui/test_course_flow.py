"""Moving through the course: after a lesson the list moves on and Enter starts the next one, the summary leads
to the next lesson and names steps by their questions, a lesson or a step can be started again (from the
palette and the summary, after asking; the old record kept), shown steps are marked apart from solved ones,
the notation is in the app (F1's Answers page, and a tip on the first step a formula may answer)."""

from __future__ import annotations

from helpers import screen_text, search_palette, settle, shipped_course, shown, type_answer
from textual.widgets import OptionList

from tutor.course import solve
from tutor.course.steps import VALUE
from tutor.engine.ops import OPS
from tutor.grading import show_array
from tutor.grading.notation import answer_forms
from tutor.progress import SHOWN, SOLVED, ProgressStore
from tutor.ui.app import TutorApp
from tutor.ui.screens.confirm import ConfirmScreen
from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.home import HomeScreen, Tally
from tutor.ui.screens.lesson import LessonScreen


async def finish(pilot, show_first: bool = False) -> LessonScreen:
    """Answer every step of the open lesson with the engine's answers (the first one shown instead, if asked)."""
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    solution = solve(screen.lesson)
    await pilot.press("enter")
    await settle(pilot)
    for i, step in enumerate(screen.lesson.steps):
        assert screen.session.step == step
        if i == 0 and show_first:
            await pilot.press("f3")
        else:
            await type_answer(pilot, show_array(solution.answer(step), 8))
        await settle(pilot)
        if screen.session.step == step:  # an explanation (or a shown answer) waits for Enter
            await pilot.press("enter")
            await settle(pilot)
    assert screen.session.on_summary
    return screen


async def test_the_summary_names_steps_by_their_question_and_enter_starts_the_next_lesson():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await finish(pilot)
        await pilot.pause(0.2)
        summary = screen.query_one("#step-text").source
        text = screen_text(pilot)
        assert "dy = ∂L/∂y" in text and "∂y/∂x" in text  # the table names the steps by their questions
        assert "grad:y" not in text and "local:y/x" not in text
        assert "Press **Enter** for the next lesson, *Locals first, then multiply along paths*" in summary.replace(
            "\\", ""
        )
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "chain-rule-paths"
        assert app.screen.session.on_intro


async def test_after_a_lesson_the_list_moves_to_the_next_one_and_enter_starts_it():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await finish(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        options = app.screen.query_one("#lessons", OptionList)
        assert options.highlighted_option.id == "chain-rule-paths"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == "chain-rule-paths"


async def test_shown_steps_are_marked_apart_from_solved_ones_in_the_list():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await finish(pilot, show_first=True)
        await pilot.press("escape")
        await settle(pilot)
        options = app.screen.query_one("#lessons", OptionList)
        line = str(options.get_option("chain-rule").prompt)
        number = [e.id for e in app.course.entries].index("chain-rule") + 1
        assert line.startswith(f"◑{number:>2}.") and "done, 1 shown" in line and "■■■■■■■■▣▣ 5/6 +1 shown" in line
    assert Tally(6, 0, 6).mark(True) == "✓" and Tally(5, 1, 6).mark(True) == "◑" and Tally(1, 0, 6).mark(True) == "▸"
    assert Tally(3, 0, 9).bar() == "■■■□□□□□□□ 3/9"  # never more than done
    assert Tally(0, 1, 9).bar() == "▣□□□□□□□□□ 0/9 +1 shown"


async def test_reset_a_lesson_from_the_summary_asks_first_and_keeps_the_old_record():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await finish(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Start The chain rule again from the beginning?" in screen_text(pilot)
        await pilot.press("n")  # no: nothing changes
        await pilot.pause()
        assert app.screen is screen and screen.session.on_summary
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert screen.session.on_intro
        assert not any(screen.session.progress(s).done for s in screen.lesson.steps)
    store = ProgressStore()
    record = store.peek("chain-rule", course.get("chain-rule").content_hash)
    assert record is not None and record.done_count([s.id for s in course.get("chain-rule").steps]) == 0
    [reset] = store.history("chain-rule")
    assert reset.what == "lesson" and all(s.status == SOLVED for s in reset.record.steps.values())


async def test_reset_a_lesson_from_the_palette_on_the_lesson_list():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await finish(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        number = [e.id for e in app.course.entries].index("chain-rule") + 1
        await search_palette(pilot, "reset chain-rule")  # found by the lesson's id, as by its title
        assert f"Reset lesson {number}: The chain rule" in screen_text(pilot)
        assert "chain-rule · start it again" in screen_text(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # yes
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        line = str(app.screen.query_one("#lessons", OptionList).get_option("chain-rule").prompt)
        assert "0/6" in line and not line.startswith("✓")
    assert len(ProgressStore().history("chain-rule")) == 1


async def test_reset_a_step_from_the_palette():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("enter")
        await type_answer(pilot, "4")  # wrong
        await pilot.press("f3")  # then shown
        await settle(pilot)
        step = screen.session.step
        assert screen.session.progress(step).status == SHOWN
        await pilot.press("ctrl+p")
        await pilot.pause()
        await search_palette(pilot, "reset this step")
        assert "Reset this step: y" in screen_text(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "Start the step y again?" in screen_text(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen and screen.session.step == step
        record = screen.session.progress(step)
        assert record.status is None and not record.attempts
        assert shown(pilot, "#question").startswith("y = ?") and not shown(pilot, "#feedback")
    [reset] = ProgressStore().history("chain-rule")
    assert reset.what == "step value:y" and reset.record.steps["value:y"].status == SHOWN


async def test_f1_has_an_answers_page_with_every_form_and_every_function():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.get("chain-rule"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("a")
        await pilot.pause(0.3)
        page = app.screen.query_one("#answers-text").source
        for form in ("`dy`", "∂L/∂y", "`A1 @ W2`", "`A1.T`", "`sum(dZ2, 0)`", "`[[1, 2], [3, 4]]`", "`2y`"):
            assert form in page, form
        for op in OPS.values():  # the functions come from the op table
            if op.syntax == "call":
                assert f"`{op.name}(" in page, op.name
        assert "Answers" in screen_text(pilot)
        assert "## In this lesson" in page  # the grader's forms, in the lesson's own names
        for form in answer_forms(course.get("chain-rule")):
            assert f"`{form.example.split('   ')[0]}`" in page, form
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)


async def test_the_first_step_a_formula_may_answer_says_once_that_formulas_work():
    course = shipped_course()
    lesson = course.get("chain-rule")
    app = TutorApp.with_course(course, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("enter")
        await settle(pilot)
        seen = []
        for step in lesson.steps:
            await pilot.pause()
            seen.append((step.id, bool(shown(pilot, "#tip"))))
            await pilot.press("f6")
            await settle(pilot)
        first = next(s.id for s in lesson.steps if s.kind is not VALUE)
        assert seen == [(sid, sid == first) for sid, _ in seen]
        screen.session.go_to_step(first)
        screen.position = screen.session.position
        await pilot.pause()
        assert "Formulas work here too" in shown(pilot, "#tip") and "dx = ∂L/∂x" in shown(pilot, "#tip")
