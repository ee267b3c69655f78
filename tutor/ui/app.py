"""The terminal tutor: a Textual app over the course, the grader and the progress store."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.reactive import var

from tutor.course.index import CourseIndex, LessonEntry, index_course
from tutor.course.problems import LessonError, Problem
from tutor.course.vary import base_hash
from tutor.progress import ProgressStore, lesson_source
from tutor.safetext import one_line
from tutor.ui.screens.home import HomeScreen, ResetChosen
from tutor.ui.screens.problems import ProblemsScreen

if TYPE_CHECKING:  # the lesson screen, the engine and NumPy load when a lesson opens, not at start
    from tutor.course import Course, Lesson, Solution
    from tutor.ui.screens.lesson import LessonScreen

WATCH_INTERVAL = 0.5  # seconds between two looks at a watched lesson file
#: seconds after the first paint before every lesson is checked in the background: the check imports NumPy and
#: the engine, and done at once it held the interpreter while the terminal was still being written to (in a
#: real terminal the lesson list showed ~0.1 s later; benchmarks/start_terminal.py)
CHECK_DELAY = 0.4
EXIT_USAGE = 2


def _lesson_commands() -> type:
    """The command palette's lesson provider, imported when the palette first opens (not at start)."""
    from tutor.ui.commands import LessonCommands

    return LessonCommands


def _train_commands() -> type:
    """The command palette's training command, imported when the palette first opens (not at start)."""
    from tutor.ui.train_command import TrainCommands

    return TrainCommands


class TutorApp(App[int]):
    """Home screen of lessons; a lesson screen per lesson opened; live reload of a watched file."""

    CSS_PATH = "app.tcss"
    TITLE = "backprop-tutor"
    COMMANDS: ClassVar = App.COMMANDS | {_lesson_commands, _train_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),  # the lesson list's footer shows it
    ]
    #: what the engine is doing in the background ("opening The chain rule"), shown in every title bar
    working: var[str] = var("")

    def __init__(
        self,
        course: CourseIndex,
        *,
        store: ProgressStore | None = None,
        lesson: Lesson | None = None,
        watch: Path | None = None,
        lesson_dirs: list[str] | None = None,
    ) -> None:
        """The lesson list from ``course`` (the cheap index); ``lesson`` opens at once (it joins the list if it
        is not in it), or the file ``watch`` does, reloaded when saved. Every lesson (the shipped ones and
        those of ``lesson_dirs``) is checked in the background after the first paint."""
        super().__init__()
        self.course = course
        #: lessons already loaded and checked, by id; the rest load when opened
        self.loaded: dict[str, Lesson] = {}
        self._check_dirs: list[str] | None = list(lesson_dirs or [])  # None: nothing left to check
        if lesson is not None:
            self.loaded[lesson.id] = lesson
            if course.get(lesson.id) is None:
                course.entries.append(LessonEntry.of(lesson))
        self.store = store if store is not None else ProgressStore()
        self.start_lesson = lesson
        self.watch_path = watch
        self._watch_stamp: tuple[float, int] | None = None
        self._watch_shown: str | None = None  # the content hash of the watched lesson last shown
        self._watch_loading = False
        self._jobs: dict[int, str] = {}  # background work under way: job number -> what it is
        self._job_count = 0
        self._opening: set[str] = set()  # lesson ids being loaded to open
        #: the unhandled exception that stopped the app, if one did (the command line reports it)
        self.error: BaseException | None = None

    @classmethod
    def with_course(
        cls,
        course: Course,
        *,
        store: ProgressStore | None = None,
        lesson: Lesson | None = None,
        watch: Path | None = None,
    ) -> TutorApp:
        """A tutor over a course loaded and checked in full (tests, embedding): nothing is left to check."""
        entries = [LessonEntry.of(x, course.origins.get(x.id, "shipped")) for x in course.lessons]
        app = cls(CourseIndex(entries, list(course.problems)), store=store, lesson=lesson, watch=watch)
        app.loaded.update((x.id, x) for x in course.lessons)
        app._check_dirs = None
        return app

    def get_default_screen(self) -> HomeScreen:
        """The lesson list, at the bottom of the screen stack from the start.

        Textual draws its default screen in the first frame it writes. A home screen pushed in ``on_mount`` was
        drawn while the app's start-up batch held back every write, and the frame was dropped: the list reached the
        terminal only with the next full redraw (after the terminal's first resize event), ~0.1 s later under load
        and a second full render in CPU (benchmarks/start_terminal.py).
        """
        return HomeScreen(self.course, self.store)

    def on_mount(self) -> None:
        """The lesson asked for, or the watched file, over the lesson list; a warning about bad progress."""
        if self.store.warning:
            self.notify(self.store.warning, title="Progress file", severity="warning", timeout=12, markup=False)
        # A screen pushed over the home screen before it has been drawn once can race its Header (a
        # Textual NoMatches on HeaderTitle): open the watched or asked-for lesson after that first draw.
        if self.watch_path is not None:
            self._watch_stamp = self._stamp()
            self.call_after_refresh(self._load_watched)
            self.set_interval(WATCH_INTERVAL, self._poll_watched, name="watch-lesson")
        elif self.start_lesson is not None:
            self.call_after_refresh(self._show_lesson, self.start_lesson)
        if self._check_dirs is not None:  # a while after the first paint, so that the list shows at once
            self.call_after_refresh(self.set_timer, CHECK_DELAY, self._start_check, name="check-lessons")

    # --- text from outside, errors ------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast, on one line with control characters escaped; the tutor's own calls pass ``markup=False``
        (their text holds file names and lesson text), Textual's keep their markup."""
        super().notify(one_line(message), title=one_line(title), severity=severity, timeout=timeout, markup=markup)

    def _handle_exception(self, error: Exception) -> None:
        """An unhandled exception stops the app; the command line then writes its traceback to a log file and
        says where in one line (Textual would print a screenful of traceback, and the exit status would be lost)."""
        if self.error is None:
            self.error = error
        super()._handle_exception(error)
        self._exit_renderables.clear()  # Textual's traceback, printed at exit: the crash log has it

    # --- engine work off the UI thread ----------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether some background work is still under way."""
        return bool(self._jobs)

    def in_background(
        self,
        what: str,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None] | None = None,
        *,
        quiet: bool = False,
    ) -> None:
        """Run ``work`` (loading, solving, grading) on a daemon thread, with ``working: what…`` in the title bar
        (unless ``quiet``: work the learner is not waiting for).

        ``done(result)`` or ``failed(error)`` then runs on the UI thread. The thread is a daemon and not one of
        Textual's thread workers, which the app waits for when it exits: ctrl+q quits at once, whatever runs.
        """
        self._job_count += 1
        job = self._job_count
        self._jobs[job] = "" if quiet else what
        self.working = self._working_on()

        def finish(ok: bool, value: Any) -> None:
            del self._jobs[job]
            self.working = self._working_on()
            try:
                if ok:
                    done(value)
                else:
                    (failed or partial(self.work_failed, what))(value)
            except Exception as e:  # a bug in showing the result: the app's error, not the thread's
                self._handle_exception(e)

        def run() -> None:
            try:
                outcome = (True, work())
            except Exception as e:
                outcome = (False, e)
            if not self.is_running:
                return  # the app has quit meanwhile (calling would leave an unawaited coroutine behind)
            try:
                self.call_from_thread(finish, *outcome)
            except RuntimeError:
                pass  # the app quit between the check and the call

        threading.Thread(target=run, name=f"backprop-tutor: {what}", daemon=True).start()

    def _working_on(self) -> str:
        """What the title bar says the tutor is working on: the latest work the learner waits for."""
        return next((what for what in reversed(self._jobs.values()) if what), "")

    def work_failed(self, what: str, error: Exception) -> None:
        """Background work that raised: say so and where the traceback is (the app keeps running)."""
        from tutor.crashlog import write_log

        log = write_log(error)
        self.notify(
            f"Could not finish {what}: {type(error).__name__}: {error}" + (f" (details: {log})" if log else ""),
            severity="error",
            timeout=15,
            markup=False,
        )

    def _start_check(self) -> None:
        """Check every lesson in the background, quietly (the learner did not ask for it)."""
        self.in_background("checking the lessons", self._check_course, self._course_checked, quiet=True)

    def _check_course(self) -> Course:
        """In the background: load and check every lesson."""
        from tutor.course import load_course

        return load_course(self._check_dirs or [])

    def _course_checked(self, course: Course) -> None:
        """Keep the checked lessons and show the problems found on the home screen."""
        for lesson in course.lessons:
            self.loaded.setdefault(lesson.id, lesson)
        self.course.problems = list(course.problems)
        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is not None:
            home.show_problems()

    # --- opening lessons --------------------------------------------------------------------

    def on_home_screen_lesson_chosen(self, message: HomeScreen.LessonChosen) -> None:
        """A lesson was chosen on the lesson list or in the command palette: open it."""
        self.open_lesson(message.lesson_id)

    def can_practise_again(self) -> bool:
        """Whether a lesson with new numbers to practise (a ``vary:`` section) is open."""
        screen = self._lesson_screen()
        return screen is not None and bool(screen.lesson.vary)

    def practise_again(self) -> None:
        """Practice again with new numbers: the next variant of the open lesson (drawn off the UI thread)."""
        screen = self._lesson_screen()
        if screen is None:
            return
        lesson = self.loaded.get(screen.lesson.id, screen.lesson)
        if lesson.content_hash != base_hash(screen.lesson.content_hash):
            lesson = screen.lesson  # not the lesson the one on screen was drawn from (reloaded since): draw from it
        if not lesson.vary:
            self.notify("This lesson has no new numbers to practise with (it has no vary: section).", markup=False)
            return
        done = self.store.variants_done(lesson.id, lesson.content_hash, lesson_source(lesson.path))
        k = max(done, default=0) + 1
        self.in_background(
            f"drawing new numbers for {lesson.title}",
            partial(_variant_and_solve, lesson, k),
            lambda result: self._present(*result),
            lambda error: self.notify(
                f"No new numbers: {_problems_of(str(lesson.path), error)[0].message}",
                severity="error",
                timeout=8,
                markup=False,
            ),
        )

    def on_home_screen_review_chosen(self, message: HomeScreen.ReviewChosen) -> None:
        """The learner asked for a review: open the card due first (see :mod:`tutor.ui.screens.review`)."""
        from tutor.ui.screens.review import start_review

        start_review(self)

    def current_step(self) -> tuple[str, str, str] | None:
        """The lesson id, step id and question of the step on the open lesson screen, if one is showing."""
        screen = self._lesson_screen()
        if screen is None or screen.session.step is None:
            return None
        step = screen.session.step
        return screen.lesson.id, step.id, screen.session.step_label(step.id)

    def on_reset_chosen(self, message: ResetChosen) -> None:
        """Start a lesson (or a step of the open one) again, after asking: on its lesson screen when it is open."""
        screen = self._lesson_screen()
        if screen is not None and screen.lesson.id == message.lesson_id:
            self._pop_to(screen)
            if message.step_id is None:
                screen.confirm_reset_lesson()
            else:
                step = next((s for s in screen.lesson.steps if s.id == message.step_id), None)
                if step is not None:
                    screen.confirm_reset_step(step)
            return
        entry = self.course.get(message.lesson_id)
        record = None if entry is None else self.store.peek(entry.id, entry.content_hash, lesson_source(entry.path))
        if entry is None or record is None or not record.started:
            self.notify("There is nothing to reset in that lesson yet.", timeout=3, markup=False)
            return
        from tutor.ui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.store.reset_lesson(record)
            except OSError as e:
                self.notify(f"Could not save your progress: {e}", severity="error", timeout=8, markup=False)
            home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
            if home is not None:
                home.fill()
            self.notify(
                f"{one_line(entry.title)} starts afresh; your answers are kept in the progress file.", markup=False
            )

        detail = "Every step becomes open again. Your earlier answers are kept in the progress file's history."
        self.push_screen(ConfirmScreen(f"Start {one_line(entry.title)} again from the beginning?", detail), answered)

    def open_lesson(self, lesson_id: str) -> None:
        """Open a lesson of the course by id (from the home screen or the command palette).

        Loading and solving run in the background; the lesson shows when they are done.
        """
        entry = self.course.get(lesson_id)
        if entry is None:
            self.notify(f"No lesson with id '{lesson_id}'.", severity="error", markup=False)
            return
        if lesson_id in self._opening:
            return  # already on its way (Enter pressed twice)
        lesson = self.loaded.get(lesson_id)
        if lesson is not None and lesson.content_hash == entry.content_hash:
            self._show_lesson(lesson)
            return
        self._opening.add(lesson_id)
        self.in_background(
            f"opening {entry.title}",
            partial(_load_and_solve, entry.path),
            partial(self._lesson_loaded, lesson_id, str(entry.path)),
            partial(self._lesson_not_loaded, lesson_id, str(entry.path)),
        )

    def _lesson_loaded(self, lesson_id: str, path: str, result: tuple[Lesson, Solution]) -> None:
        """A lesson opened from the list has loaded: show it."""
        self._opening.discard(lesson_id)
        lesson, solution = result
        self.loaded[lesson_id] = lesson
        self._present(lesson, solution)

    def _lesson_not_loaded(self, lesson_id: str, path: str, error: Exception) -> None:
        """A lesson opened from the list did not load: show its problems."""
        self._opening.discard(lesson_id)
        self.push_screen(ProblemsScreen(path, _problems_of(path, error)))

    def _show_lesson(self, lesson: Lesson) -> None:
        """Solve a loaded lesson in the background, then show it over the home screen."""
        self.in_background(
            f"opening {lesson.title}", partial(_solved, lesson), lambda solution: self._present(lesson, solution)
        )

    def _present(self, lesson: Lesson, solution: Solution) -> None:
        """Replace whatever lesson is open by this one, over the home screen."""
        from tutor.ui.screens.lesson import LessonScreen

        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is not None:
            self._pop_to(home)
        self.push_screen(LessonScreen(lesson, self.store, solution), partial(self._left_lesson, lesson.id))
        entry = self.course.get(lesson.id)
        others = [lesson_source(entry.path)] if entry is not None else []
        note = self.store.kept_apart_note(lesson.id, lesson_source(lesson.path), others)
        if note is not None:
            self.notify(note, title="Progress", timeout=10, markup=False)

    def _left_lesson(self, lesson_id: str, _result: object = None) -> None:
        """The learner went back to the lesson list: it moves on once the lesson is finished."""
        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is not None:
            home.came_back_from(lesson_id)

    # --- live reload ------------------------------------------------------------------------

    def _stamp(self) -> tuple[float, int] | None:
        """The watched file's modification time and size (None if it is missing)."""
        assert self.watch_path is not None
        try:
            st = self.watch_path.stat()
        except OSError:
            return None
        return (st.st_mtime, st.st_size)

    def _poll_watched(self) -> None:
        """Reload the watched file if it changed since the last look (and no load of it is still running)."""
        if self._watch_loading:
            return
        stamp = self._stamp()
        if stamp != self._watch_stamp:
            self._watch_stamp = stamp
            self._load_watched(reloaded=True)

    def _load_watched(self, reloaded: bool = False) -> None:
        """Load and solve the watched file in the background; then show it (keeping the place) or its problems."""
        assert self.watch_path is not None
        self._watch_loading = True
        path = self.watch_path
        self.in_background(
            f"loading {path.name}",
            partial(_load_solve_and_lint, path),
            partial(self._watched_loaded, reloaded),
            self._watched_not_loaded,
        )

    def _watched_loaded(self, reloaded: bool, result: tuple[Lesson, Solution, list[Problem]]) -> None:
        """The watched file loaded: list it, and show it (with the linter's warnings) on the lesson screen already
        open if it is the same lesson."""
        self._watch_loading = False
        lesson, solution, warnings = result
        if reloaded and lesson.content_hash == self._watch_shown:
            return  # only the file's time changed (an editor that writes, then touches): nothing to show anew
        self._watch_shown = lesson.content_hash
        self._list_watched(lesson)
        problems = self._problems_screen()
        if problems is not None:
            self._pop_to(problems)
            self.pop_screen()
        lesson_screen = self._lesson_screen()
        if lesson_screen is not None and lesson_screen.lesson.id == lesson.id:
            self._pop_to(lesson_screen)
            lesson_screen.reload(lesson, solution)
        else:
            self._present(lesson, solution)
            lesson_screen = self._lesson_screen()
        if lesson_screen is not None:
            lesson_screen.warnings = tuple(warnings)
        if reloaded and self.watch_path is not None:
            self.notify(f"Reloaded {self.watch_path.name}.", timeout=2, markup=False)

    def _list_watched(self, lesson: Lesson) -> None:
        """Keep the watched lesson in the lesson list and the palette, as its latest version (it replaces an
        entry of the same id: the author is working on it)."""
        self.loaded[lesson.id] = lesson
        entry = LessonEntry.of(lesson, "--watch")
        entries = self.course.entries
        index = next((i for i, e in enumerate(entries) if e.id == lesson.id), None)
        if index is None:
            entries.append(entry)
        else:
            entries[index] = entry

    def _watched_not_loaded(self, error: Exception) -> None:
        """The watched file did not load: show (or update) its problems."""
        self._watch_loading = False
        self._watch_shown = None
        self._show_problems(_problems_of(str(self.watch_path), error))

    def _show_problems(self, problems: list) -> None:
        """Show (or update) the problems of the watched file above everything else."""
        screen = self._problems_screen()
        if screen is not None:
            self._pop_to(screen)
            screen.show(problems)
        else:
            self.push_screen(ProblemsScreen(str(self.watch_path), problems))

    def _problems_screen(self) -> ProblemsScreen | None:
        """The problems screen, if it is on the stack."""
        return next((s for s in self.screen_stack if isinstance(s, ProblemsScreen)), None)

    def _lesson_screen(self) -> LessonScreen | None:
        """The lesson screen, if one is on the stack."""
        from tutor.ui.screens.lesson import LessonScreen

        return next((s for s in self.screen_stack if isinstance(s, LessonScreen)), None)

    def _pop_to(self, screen: object) -> None:
        """Pop modals (help, PyTorch) until ``screen`` is on top."""
        while self.screen is not screen and len(self.screen_stack) > 1:
            self.pop_screen()


def _solved(lesson: Lesson) -> Solution:
    """The engine's answer to every step (computed once, off the UI thread)."""
    from tutor.course import solve

    solution = solve(lesson)
    solution.answers()
    return solution


def _variant_and_solve(lesson: Lesson, k: int) -> tuple[Lesson, Solution]:
    """Variant ``k`` of a lesson, solved (off the UI thread); LessonError when its ranges give no clean one."""
    from tutor.authoring.variants import variant

    drawn = variant(lesson, k)
    return drawn, _solved(drawn)


def _load_and_solve(path: Path) -> tuple[Lesson, Solution]:
    """Load a lesson file and solve it (off the UI thread); LessonError or OSError if it does not load."""
    from tutor.course import load_lesson

    lesson = load_lesson(path)
    return lesson, _solved(lesson)


def _load_solve_and_lint(path: Path) -> tuple[Lesson, Solution, list[Problem]]:
    """A watched lesson file: loaded, solved, and the linter's warnings (off the UI thread; the linter has its
    own work budget)."""
    from tutor.authoring.lint import lint

    lesson, solution = _load_and_solve(path)
    return lesson, solution, lint(lesson)


def _problems_of(path: str, error: Exception) -> list[Problem]:
    """What to show for a lesson file that did not load: its problems, or why it could not be read."""
    if isinstance(error, LessonError):
        return list(error.problems)
    if isinstance(error, OSError):
        return [Problem(path, 1, 1, f"cannot read the file: {error.strerror or error}")]
    return [Problem(path, 1, 1, f"the lesson could not be loaded: {type(error).__name__}: {error}")]


def run_app(lesson: str | None, lesson_dirs: list[str], watch: str | None) -> int:
    """Run the tutor; returns the exit status (2 for a lesson that cannot be opened).

    An unhandled exception in the app is raised again here, after the terminal is restored, for the
    command line to report in one line.
    """
    start: Lesson | None = None
    watch_path: Path | None = None
    if watch is not None:
        watch_path = Path(watch)
        if not _is_file(watch_path):
            _say(f"backprop-tutor: --watch {watch}: no such file")
            return EXIT_USAGE
    elif lesson is not None:
        from tutor.course import find_lesson

        try:
            start = find_lesson(lesson, lesson_dirs)
        except LessonError as e:
            for p in e.problems:
                _say(str(p))
            return EXIT_USAGE
        except OSError as e:
            _say(f"backprop-tutor: {lesson}: {e.strerror or e}")
            return EXIT_USAGE
    app = TutorApp(index_course(lesson_dirs), lesson=start, watch=watch_path, lesson_dirs=lesson_dirs)
    result = app.run()
    if app.error is not None:
        raise app.error
    return int(result or app.return_code or 0)


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file (False, not an exception, for a folder that cannot be read)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _say(line: str) -> None:
    """One line on stderr, control characters escaped."""
    print(one_line(line), file=sys.stderr)
