"""The terminal tutor: a Textual app over the course, the grader and the progress store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from tutor.course import Course, Lesson, LessonError, find_lesson, load_course, load_lesson
from tutor.progress import ProgressStore
from tutor.ui.commands import LessonCommands
from tutor.ui.screens.home import HomeScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.problems import ProblemsScreen

WATCH_INTERVAL = 0.5  # seconds between two looks at a watched lesson file
EXIT_USAGE = 2


class TutorApp(App[int]):
    """Home screen of lessons; a lesson screen per lesson opened; live reload of a watched file."""

    CSS_PATH = "app.tcss"
    TITLE = "backprop-tutor"
    COMMANDS: ClassVar = App.COMMANDS | {LessonCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        course: Course,
        *,
        store: ProgressStore | None = None,
        lesson: Lesson | None = None,
        watch: Path | None = None,
    ) -> None:
        super().__init__()
        self.course = course
        self.store = store if store is not None else ProgressStore()
        self.start_lesson = lesson
        self.watch_path = watch
        self._watch_stamp: tuple[float, int] | None = None

    def on_mount(self) -> None:
        """Home first; then the lesson asked for, or the watched file; a warning about bad progress."""
        self.push_screen(HomeScreen(self.course, self.store))
        if self.store.warning:
            self.notify(self.store.warning, title="Progress file", severity="warning", timeout=12)
        if self.watch_path is not None:
            self._watch_stamp = self._stamp()
            self._load_watched()
            self.set_interval(WATCH_INTERVAL, self._poll_watched, name="watch-lesson")
        elif self.start_lesson is not None:
            self._show_lesson(self.start_lesson)

    # --- opening lessons --------------------------------------------------------------------

    def open_lesson(self, lesson_id: str) -> None:
        """Open a lesson of the course by id (from the home screen or the command palette)."""
        lesson = self.course.get(lesson_id)
        if lesson is None:
            self.notify(f"No lesson with id {lesson_id!r}.", severity="error")
            return
        self._show_lesson(lesson)

    def _show_lesson(self, lesson: Lesson) -> None:
        """Replace whatever lesson is open by this one, over the home screen."""
        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        if home is not None:
            self._pop_to(home)
        self.push_screen(LessonScreen(lesson, self.store))

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
        try:
            lesson = load_lesson(self.watch_path)
        except LessonError as e:
            self._show_problems(e.problems)
            return
        except OSError as e:
            from tutor.course import Problem

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
        try:
            start = find_lesson(lesson, lesson_dirs)
        except LessonError as e:
            for p in e.problems:
                print(p, file=sys.stderr)
            return EXIT_USAGE
        except OSError as e:
            print(f"backprop-tutor: {lesson}: {e}", file=sys.stderr)
            return EXIT_USAGE
    course = load_course(lesson_dirs)
    if start is not None and course.get(start.id) is None:
        course.lessons.append(start)
    app = TutorApp(course, lesson=start, watch=watch_path)
    result = app.run()
    return int(result or 0)
