"""Each shipped lesson completed by typing the engine's answers, then found again after a restart.

Every lesson is walked to its end in a LessonSession (what the screen asks the core: the same answers, the same
verdicts and the same saved progress, without Textual) and opened in the app to answer its first step (its
screen, graph and answer box). A few lessons, chosen so that together they use every step kind, a given step,
an answer in words, a pasted matrix and an explanation, are walked to the end through the app as well, and
one app shows every lesson completed in the lesson list.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from conftest import SHIPPED
from helpers import search_palette, settle, shipped_course, shown, type_answer
from textual.widgets import Input, OptionList

from tutor.course import Lesson, Solution, Step, load_lesson, solve
from tutor.engine.autograd import Fact
from tutor.grading import show_array
from tutor.progress import SHOWN, SOLVED, ProgressStore
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen, verdict_feedback
from tutor.ui.session import GIVEN, LessonSession
from tutor.ui.widgets.graph import GraphPanel

WRONG = "12345.678"
#: walked to the end through the app: together they use every step kind, a given step, an answer in words (an
#: autograd step), a matrix long enough to be pasted and an explanation (test_the_app_walks_cover_every_feature)
APP_WALKS = ("torch-training-step", "custom-function", "matmul-jacobian")
BY_NAME = {p.stem: p for p in SHIPPED}


def graph_cell(app: TutorApp, row: str, column: str) -> str:
    """The text of one cell of the graph panel."""
    table = app.screen.query_one(GraphPanel)
    return str(table.get_cell(row, column))


class Walk(NamedTuple):
    """Where a walk through a lesson answers wrongly first, takes a hint and shows the answer (step indexes)."""

    asked: list[Step]
    first: int
    hint_at: int | None
    show_at: int | None


def plan(lesson: Lesson) -> Walk:
    """A wrong and an unreadable answer on the first asked step, a hint on the next step that has one, the answer
    shown on the last asked step (when more than two are asked); every other step answered rightly."""
    steps = lesson.steps
    asked = [s for s in steps if not s.given]  # a given step is shown worked and left with Enter
    first = steps.index(asked[0])
    hint_at = next((i for i, s in enumerate(steps) if s.hints and i > first), None)
    show_at = steps.index(asked[-1]) if len(asked) > 2 else None
    return Walk(asked, first, hint_at, show_at)


def typed(solution: Solution, step: Step) -> str:
    """The engine's answer to a step as a learner types it."""
    answer = solution.answer(step)
    return answer.text if isinstance(answer, Fact) else show_array(answer, 6)


def features(lesson: Lesson) -> set[str]:
    """What a walk through the lesson exercises: its step kinds, given steps, answers in words, pasted matrices
    (longer than the helpers type key by key) and explanations."""
    solution = solve(lesson)
    found: set[str] = set()
    for step in lesson.steps:
        found.add(step.kind.name)
        found |= {"given"} if step.given else set()
        found |= {"explain"} if step.explain else set()
        answer = solution.answer(step)
        found |= {"words"} if isinstance(answer, Fact) else {"pasted"} if len(typed(solution, step)) > 24 else set()
    return found


def walk_in_session(lesson: Lesson, store: ProgressStore) -> LessonSession:
    """Complete a lesson as test_complete_each_shipped_lesson_then_resume does through the app, calling the session
    as the lesson screen does, and check what the screen would show at each step."""
    solution = solve(lesson)
    walk = plan(lesson)
    session = LessonSession(lesson, store, solution)
    assert session.on_intro
    session.advance()  # Enter on the intro
    for i, step in enumerate(lesson.steps):
        assert session.step == step, f"{lesson.id}: expected to be on {step.id}, not {session.place}"
        assert session.prompt(step).question
        if step.given:
            assert session.stage == GIVEN  # the screen says "Worked"
            session.advance()
            continue
        row = next(r for r in session.graph().rows if r.name == step.node)
        if step.kind.marks == "value":
            assert row.value_asked, f"{lesson.id} {step.id}: the graph shows ? for the value asked"
        if step.kind.marks == "grad":
            assert row.grad_asked, f"{lesson.id} {step.id}: the graph shows ? for the delta asked"
        if i == walk.first:
            verdict = session.submit(WRONG)
            feedback = verdict_feedback(verdict, session.progress(step).wrong_attempts).text
            assert "✗" in feedback and "(attempt 1)" in feedback, feedback
            assert session.progress(step).wrong_attempts == 1
            verdict = session.submit("2 +")  # unreadable: said so, not counted
            assert "not counted" in verdict_feedback(verdict, session.progress(step).wrong_attempts).text
            assert session.progress(step).wrong_attempts == 1
        if i == walk.hint_at:
            assert session.next_hint() == step.hints[0]
            assert session.progress(step).hints == 1
        if i == walk.show_at:
            assert session.reveal() == session.answer_text(step)
            assert session.progress(step).status == SHOWN
            session.advance()
            continue
        verdict = session.submit(typed(solution, step))
        assert verdict.correct, f"{lesson.id} {step.id}: {verdict.message}"
        assert session.progress(step).status == SOLVED
        if step.kind.marks == "value":
            assert session.value_known(step.node), f"{lesson.id} {step.id}: the value fills in once solved"
        if step.explain:  # the explanation waits for Enter
            assert session.step == step and session.stage == SOLVED
        else:
            assert session.carried_line(step).startswith("✓ ")
        session.advance()
    assert session.on_summary
    summary = session.summary()
    assert lesson.steps[walk.first].id in summary.after_attempts
    if walk.show_at is not None:
        assert summary.shown == [lesson.steps[walk.show_at].id]
    assert not summary.open
    return session


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_complete_each_shipped_lesson_in_a_session_then_resume(path):
    lesson = load_lesson(path)
    walk = plan(lesson)
    walk_in_session(lesson, ProgressStore())
    # restart: the progress is there
    record = ProgressStore().peek(lesson.id, lesson.content_hash)
    assert record is not None
    assert record.done_count([s.id for s in walk.asked]) == len(walk.asked)
    assert record.steps[lesson.steps[walk.first].id].attempts[0].text == WRONG


def test_the_app_walks_cover_every_feature():
    """The lessons walked through the app use every step kind and feature that any shipped lesson uses."""
    everything = set().union(*(features(load_lesson(p)) for p in SHIPPED))
    walked = set().union(*(features(load_lesson(BY_NAME[name])) for name in APP_WALKS))
    assert everything - walked == set(), f"add a lesson that uses {sorted(everything - walked)} to APP_WALKS"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
async def test_each_shipped_lesson_opens_and_takes_an_answer(path):
    lesson = load_lesson(path)
    solution = solve(lesson)
    step = plan(lesson).asked[0]
    app = TutorApp.with_course(shipped_course(), lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)  # the lesson asked for opens after the first draw, once solved
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.session.on_intro
        await pilot.press("enter")
        while screen.session.step != step:  # given steps before it: shown worked, left with Enter
            assert "Worked" in shown(pilot, "#feedback")
            await pilot.press("enter")
        assert shown(pilot, "#question")
        if step.kind.marks in ("value", "grad"):
            assert graph_cell(app, step.node, step.kind.marks) == "?"
        await type_answer(pilot, WRONG)
        feedback = shown(pilot, "#feedback")
        assert "✗" in feedback and "(attempt 1)" in feedback
        assert screen.query_one("#answer", Input).value == WRONG  # kept to edit
        await type_answer(pilot, "2 +")  # unreadable: said so, not counted
        assert "not counted" in shown(pilot, "#feedback")
        await type_answer(pilot, typed(solution, step))
        assert screen.session.progress(step).status == SOLVED, shown(pilot, "#feedback")
        if step.kind.marks in ("value", "grad"):
            assert graph_cell(app, step.node, step.kind.marks) not in ("?", "·")
        await pilot.press("ctrl+q")


async def test_the_lesson_list_shows_every_lesson_completed():
    store = ProgressStore()
    lessons = [load_lesson(p) for p in SHIPPED]
    for lesson in lessons:
        walk_in_session(lesson, store)
    app = TutorApp.with_course(shipped_course(), store=ProgressStore())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        options = app.screen.query_one("#lessons", OptionList)
        rows = {o.id: options.get_option_at_index(i).prompt for i, o in enumerate(options.options)}
        for lesson in lessons:
            line = str(rows[lesson.id])
            walk = plan(lesson)
            n = len(walk.asked)
            if walk.show_at is None:  # every step solved
                assert line.startswith("✓") and f"{n}/{n}" in line and "shown" not in line, (lesson.id, line)
            else:  # done, one answer shown: marked apart from solved
                assert line.startswith("◑") and f"{n - 1}/{n} +1 shown" in line, (lesson.id, line)
                assert "done, 1 shown" in line, (lesson.id, line)


@pytest.mark.parametrize("path", [BY_NAME[name] for name in APP_WALKS], ids=APP_WALKS)
async def test_complete_each_shipped_lesson_then_resume(path):
    lesson = load_lesson(path)
    solution = solve(lesson)
    steps = lesson.steps
    asked, first, hint_at, show_at = plan(lesson)
    app = TutorApp.with_course(shipped_course(), lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)  # the lesson asked for opens after the first draw, once solved
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.session.on_intro
        await pilot.press("enter")
        for i, step in enumerate(steps):
            assert screen.session.step == step, f"expected to be on {step.id}"
            assert shown(pilot, "#question")  # the question is on screen
            if step.given:
                assert "Worked" in shown(pilot, "#feedback")
                await pilot.press("enter")
                continue
            if step.kind.marks == "value":
                assert graph_cell(app, step.node, "value") == "?"
            if step.kind.marks == "grad":
                assert graph_cell(app, step.node, "grad") == "?"
            if i == first:
                await type_answer(pilot, WRONG)
                feedback = shown(pilot, "#feedback")
                assert "✗" in feedback and "(attempt 1)" in feedback
                assert screen.query_one("#answer", Input).value == WRONG  # kept to edit
                assert screen.session.progress(step).wrong_attempts == 1
                await type_answer(pilot, "2 +")  # unreadable: said so, not counted
                assert "not counted" in shown(pilot, "#feedback")
                assert screen.session.progress(step).wrong_attempts == 1
            if i == hint_at:
                await pilot.press("f2")
                assert step.hints[0] in shown(pilot, "#hints")
                assert screen.session.progress(step).hints == 1
            if i == show_at:
                await pilot.press("f3")
                assert "The answer is" in shown(pilot, "#feedback")
                assert screen.session.progress(step).status == SHOWN
                await pilot.press("enter")
                continue
            answer = solution.answer(step)
            await type_answer(pilot, answer.text if isinstance(answer, Fact) else show_array(answer, 6))
            assert screen.session.progress(step).status == SOLVED, shown(pilot, "#feedback")
            if step.kind.marks == "value":
                assert graph_cell(app, step.node, "value") not in ("?", "·")
            if step.explain:  # the explanation waits for Enter
                assert screen.session.step == step
                assert "Correct" in shown(pilot, "#feedback")
                await pilot.press("enter")
        assert screen.session.on_summary
        summary = screen.session.summary()
        assert steps[first].id in summary.after_attempts
        if show_at is not None:
            assert summary.shown == [steps[show_at].id]
        assert not summary.open
        await pilot.press("ctrl+q")

    # restart: the progress is there, the lesson is marked done on the home screen
    store = ProgressStore()
    record = store.peek(lesson.id, lesson.content_hash)
    assert record is not None
    assert record.done_count([s.id for s in asked]) == len(asked)
    assert record.steps[steps[first].id].attempts[0].text == WRONG
    app = TutorApp.with_course(shipped_course(), store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        options = app.screen.query_one("#lessons", OptionList)
        index = next(i for i, o in enumerate(options.options) if o.id == lesson.id)
        shown_line = str(options.get_option_at_index(index).prompt)
        n = len(asked)
        if show_at is None:  # every step solved
            assert shown_line.startswith("✓") and f"{n}/{n}" in shown_line and "shown" not in shown_line
        else:  # done, one answer shown: marked apart from solved
            assert shown_line.startswith("◑") and f"{n - 1}/{n} +1 shown" in shown_line, shown_line
            assert "done, 1 shown" in shown_line


async def test_quit_mid_lesson_and_resume_exactly_there():
    course = shipped_course()
    lesson = course.lessons[0]
    solution = solve(lesson)
    app = TutorApp.with_course(course, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)  # the lesson asked for opens after the first draw, once solved
        await pilot.press("enter")
        for step in lesson.steps[:2]:
            await type_answer(pilot, show_array(solution.answer(step), 6))
            if step.explain:
                await pilot.press("enter")
        await pilot.press("f2")
        expected = lesson.steps[2]
        assert app.screen.session.step == expected
        await pilot.press("ctrl+q")

    app = TutorApp.with_course(shipped_course())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#lessons", OptionList)
        assert options.highlighted_option.id == lesson.id
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert screen.session.step == expected
        assert expected.hints[0] in shown(pilot, "#hints")  # the hint asked for before is still there
        # values earned before the restart are in the graph again
        first = lesson.steps[0]
        assert graph_cell(app, first.node, "value") == show_array(solution.answer(first))


async def test_keys_do_not_fire_while_typing_and_navigation_works():
    course = shipped_course()
    lesson = course.lessons[0]
    app = TutorApp.with_course(course, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)  # the lesson asked for opens after the first draw, once solved
        await pilot.press("enter")
        screen = app.screen
        await type_answer(pilot, "htqpn?", submit=False)  # letters that are keys elsewhere just type
        assert screen.session.position == 0 and isinstance(app.screen, LessonScreen)
        await pilot.press("f6")
        assert screen.session.position == 1
        assert screen.query_one("#answer", Input).value == ""
        await pilot.press("f5", "f5")
        assert screen.session.on_intro
        await pilot.press("f1")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_torch_key_opens_the_panel_or_says_it_is_missing():
    course = shipped_course()
    app = TutorApp.with_course(course, lesson=course.lessons[0])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)  # the lesson asked for opens after the first draw, once solved
        await pilot.press("enter", "f4")
        await pilot.pause()
        opened = app.screen.__class__.__name__ == "TorchPanel"
        notified = any("PyTorch" in n.message for n in app._notifications)
        assert opened or notified


async def test_command_palette_opens_a_lesson():
    course = shipped_course()
    target = course.lessons[-1]
    app = TutorApp.with_course(course)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)  # the lesson asked for opens after the first draw, once solved
        await pilot.press("ctrl+p")
        await pilot.pause()
        await search_palette(pilot, target.title[:12])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == target.id


async def test_corrupt_progress_file_warns_and_moves_on(tmp_path):
    from tutor.paths import progress_file

    progress_file().parent.mkdir(parents=True, exist_ok=True)
    progress_file().write_text("{oops", encoding="utf-8")
    app = TutorApp.with_course(shipped_course())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("moved to" in n.message for n in app._notifications)
    assert list(progress_file().parent.glob("progress.json.corrupt-*"))


@pytest.mark.parametrize("size", [(80, 24), (40, 12), (30, 8)])
async def test_small_terminals_and_resizing_do_not_crash(size):
    course = shipped_course()
    lesson = course.get("two-layer-net") or course.lessons[0]
    app = TutorApp.with_course(course, lesson=lesson)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)  # the lesson asked for opens after the first draw, once solved
        await pilot.press("enter")
        await pilot.resize_terminal(*size)
        await type_answer(pilot, WRONG)
        await pilot.press("f2", "f3", "enter", "f1")
        await pilot.resize_terminal(100, 30)
        await pilot.resize_terminal(*size)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#lessons", OptionList).option_count == len(course.lessons)
