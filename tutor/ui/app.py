"""The terminal tutor: a Textual app over the course, the grader and the progress store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from tutor.course.index import CourseIndex, LessonEntry, index_course
from tutor.course.problems import LessonError, Problem
from tutor.progress import ProgressStore, lesson_source
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.problems import ProblemsScreen

if TYPE_CHECKING:  # the lesson screen, the engine and NumPy load when a lesson opens, not at start
    from tutor.course import Course, Lesson
    from tutor.ui.screens.lesson import LessonScreen

WATCH_INTERVAL = 0.5  # seconds between two looks at a watched lesson file
EXIT_USAGE = 2


def _lesson_commands() -> type:
    """The command palette's lesson provider, imported when the palette first opens (not at start)."""
    from tutor.ui.commands import LessonCommands

    return LessonCommands


class TutorApp(App[int]):
    """Home screen of lessons; a lesson screen per lesson opened; live reload of a watched file."""

    CSS_PATH = "app.tcss"
    TITLE = "backprop-tutor"
    COMMANDS: ClassVar = App.COMMANDS | {_lesson_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        course: CourseIndex | Course,
        *,
        store: ProgressStore | None = None,
        lesson: Lesson | None = None,
        watch: Path | None = None,
        lesson_dirs: list[str] | None = None,
    ) -> None:
        super().__init__()
        #: lessons already loaded and checked, by id; the rest load when opened
        self.loaded: dict[str, Lesson] = {}
        if isinstance(course, CourseIndex):
            self.course = course
            self._check_dirs: list[str] | None = list(lesson_dirs or [])
        else:  # a fully loaded course (tests, embedding): nothing left to check
            self.course = CourseIndex([_entry_of(x) for x in course.lessons], list(course.problems))
            self.loaded = {x.id: x for x in course.lessons}
            self._check_dirs = None
        self.store = store if store is not None else ProgressStore()
        self.start_lesson = lesson
        self.watch_path = watch
        self._watch_stamp: tuple[float, int] | None = None

    def on_mount(self) -> None:
        """Home first; then the lesson asked for, or the watched file; a warning about bad progress."""
        self.push_screen(HomeScreen(self.course, self.store))
        if self.store.warning:
            self.notify(self.store.warning, title="Progress file", severity="warning", timeout=12)
        # A screen pushed over the home screen before it has been drawn once can race its Header (a
        # Textual NoMatches on HeaderTitle): open the watched or asked-for lesson after that first draw.
        if self.watch_path is not None:
            self._watch_stamp = self._stamp()
            self.call_after_refresh(self._load_watched)
            self.set_interval(WATCH_INTERVAL, self._poll_watched, name="watch-lesson")
        elif self.start_lesson is not None:
            self.call_after_refresh(self._show_lesson, self.start_lesson)
        if self._check_dirs is not None:  # after the first paint, so that the list shows at once
            self.call_after_refresh(self.run_worker, self._check_course, thread=True, name="check-course")

    def _check_course(self) -> None:
        """In the background: load and check every lesson, then show what did not load."""
        from tutor.course import load_course

        course = load_course(self._check_dirs or [])
        self.call_from_thread(self._course_checked, course)

    def _course_checked(self, course: Course) -> None:
        """Keep the checked lessons and show the problems found on the home screen."""
        for lesson in course.lessons:
            self.loaded.setdefault(lesson.id, lesson)
        self.course.problems = list(course.problems)
        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is not None:
            home.show_problems()

    # --- opening lessons --------------------------------------------------------------------

    def open_lesson(self, lesson_id: str) -> None:
        """Open a lesson of the course by id (from the home screen or the command palette)."""
        entry = self.course.get(lesson_id)
        if entry is None:
            self.notify(f"No lesson with id {lesson_id!r}.", severity="error")
            return
        lesson = self.loaded.get(lesson_id)
        if lesson is None or lesson.content_hash != entry.content_hash:
            from tutor.course import load_lesson

            try:
                lesson = load_lesson(entry.path)
            except LessonError as e:
                self.push_screen(ProblemsScreen(str(entry.path), e.problems))
                return
            self.loaded[lesson_id] = lesson
        self._show_lesson(lesson)

    def _show_lesson(self, lesson: Lesson) -> None:
        """Replace whatever lesson is open by this one, over the home screen."""
        from tutor.ui.screens.lesson import LessonScreen

        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is not None:
            self._pop_to(home)
        self.push_screen(LessonScreen(lesson, self.store))
        entry = self.course.get(lesson.id)
        others = [lesson_source(entry.path)] if entry is not None else []
        note = self.store.kept_apart_note(lesson.id, lesson_source(lesson.path), others)
        if note is not None:
            self.notify(note, title="Progress", timeout=10, markup=False)

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
        """Reload the watched file if it changed since the last look."""
        stamp = self._stamp()
        if stamp != self._watch_stamp:
            self._watch_stamp = stamp
            self._load_watched(reloaded=True)

    def _load_watched(self, reloaded: bool = False) -> None:
        """Load the watched file; show it (keeping the place) or show its problems."""
        assert self.watch_path is not None
        from tutor.course import load_lesson

        try:
            lesson = load_lesson(self.watch_path)
        except LessonError as e:
            self._show_problems(e.problems)
            return
        except OSError as e:
            self._show_problems([Problem(str(self.watch_path), 1, 1, f"cannot read the file: {e}")])
            return
        problems = self._problems_screen()
        if problems is not None:
            self._pop_to(problems)
            self.pop_screen()
        lesson_screen = self._lesson_screen()
        if lesson_screen is not None and lesson_screen.lesson.id == lesson.id:
            self._pop_to(lesson_screen)
            lesson_screen.reload(lesson)
        else:
            self._show_lesson(lesson)
        if reloaded:
            self.notify(f"Reloaded {self.watch_path.name}.", timeout=2)

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


def run_app(lesson: str | None, lesson_dirs: list[str], watch: str | None) -> int:
    """Run the tutor; returns the exit status (2 for a lesson that cannot be opened)."""
    start: Lesson | None = None
    watch_path: Path | None = None
    if watch is not None:
        watch_path = Path(watch)
        if not watch_path.is_file():
            print(f"backprop-tutor: --watch {watch}: no such file", file=sys.stderr)
            return EXIT_USAGE
    elif lesson is not None:
        from tutor.course import find_lesson

        try:
            start = find_lesson(lesson, lesson_dirs)
        except LessonError as e:
            for p in e.problems:
                print(p, file=sys.stderr)
            return EXIT_USAGE
        except OSError as e:
            print(f"backprop-tutor: {lesson}: {e}", file=sys.stderr)
            return EXIT_USAGE
    index = index_course(lesson_dirs)
    if start is not None and index.get(start.id) is None:
        index.entries.append(_entry_of(start))
    app = TutorApp(index, lesson=start, watch=watch_path, lesson_dirs=lesson_dirs)
    if start is not None:
        app.loaded[start.id] = start
    result = app.run()
    return int(result or 0)


def _entry_of(lesson: Lesson) -> LessonEntry:
    """The lesson-list entry of a loaded lesson."""
    return LessonEntry(
        lesson.id,
        lesson.title,
        lesson.summary,
        tuple(step.id for step in lesson.steps),
        lesson.content_hash,
        lesson.path if lesson.path is not None else Path(f"{lesson.id}.yaml"),
    )
