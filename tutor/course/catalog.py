"""Load every lesson in course order; report clashes and order-file mistakes.

Where lessons are looked for, and in which order, is :mod:`tutor.course.index`'s business. When two files
declare the same id, the first one found wins and the other is reported, naming both files.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tutor.course.index import (
    ENV_VAR,
    ORDER_FILE,
    CourseIndex,
    folder_problem,
    lesson_dirs,
    lesson_files,
    list_lessons,
    place,
    read_order,
    shipped_lessons_dir,
)
from tutor.course.load import load_lesson
from tutor.course.model import Lesson
from tutor.course.problems import LessonError, Problem
from tutor.safefile import is_regular_file

__all__ = [
    "ENV_VAR",
    "ORDER_FILE",
    "Course",
    "find_lesson",
    "lesson_dirs",
    "lesson_files",
    "load_course",
    "read_order",
    "shipped_lessons_dir",
]


@dataclass
class Course:
    """The lessons found, in order, where each came from, and the problems of the files that did not load."""

    lessons: list[Lesson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # lesson id -> shipped, --lessons, user, BACKPROP_...

    def get(self, lesson_id: str) -> Lesson | None:
        """The lesson with this id, or None."""
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


def load_course(extra_dirs: Iterable[str | Path] = (), include_shipped: bool = True) -> Course:
    """Load every lesson of every lesson directory in course order; id clashes and order mistakes are problems."""
    course = Course()
    where: dict[str, Path] = {}
    for d, origin in lesson_dirs(extra_dirs, include_shipped):
        problem = folder_problem(d, origin)
        if problem is not None:
            course.problems.append(problem)
            continue
        order, missing, order_problems = read_order(d)
        course.problems.extend(order_problems)
        files, listing_problems = list_lessons(d)
        course.problems.extend(listing_problems)
        found: list[Lesson] = []
        for f in files:
            try:
                lesson = load_lesson(f)
            except LessonError as e:
                course.problems.extend(e.problems)
                continue
            if lesson.id in where:
                line, col = lesson.locations.get("id", (1, 1))
                course.problems.append(
                    Problem(
                        str(f),
                        line,
                        col,
                        f"lesson id {lesson.id!r} is already used by {where[lesson.id]}; this file is skipped "
                        "(give one of them another id)",
                    )
                )
                continue
            where[lesson.id] = f
            found.append(lesson)
        ids = {lesson.id for lesson in found}
        for x in order:
            if x not in ids and x not in where:
                p = missing[x]
                close = difflib.get_close_matches(x, sorted(ids), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                course.problems.append(Problem(p.file, p.line, p.col, p.message + hint, "warning", code="W403"))
        for lesson in found:
            course.origins[lesson.id] = origin
        by_id = {lesson.id: lesson for lesson in [*course.lessons, *found]}
        placed = place([lesson.id for lesson in course.lessons], [lesson.id for lesson in found], order)
        course.lessons = [by_id[x] for x in placed]
    return course


def find_lesson(ref: str, extra_dirs: Iterable[str | Path] = ()) -> Lesson:
    """A lesson by path (``.yaml``/``.yml`` or an existing file) or by id; LessonError if not found."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or is_regular_file(p):
        return load_lesson(p)
    course = load_course(extra_dirs)
    lesson = course.get(ref)
    if lesson is None:
        ids = ", ".join(lesson.id for lesson in course.lessons)
        raise LessonError([Problem(ref, 1, 1, f"no lesson with id {ref!r}; the lessons are: {ids}")])
    return lesson


def id_problems(lesson: Lesson, index: CourseIndex) -> list[Problem]:
    """What the course makes of a lesson's id: W401 when it differs from the file name, and the other lessons on the
    search path with the same id (both paths): an error when the tutor skips this file for one found first, W402
    when this file shadows another or is not on the search path (a lessons folder would skip one of them)."""
    if lesson.path is None:
        return []
    return id_problems_at(lesson.id, lesson.path, lesson.locations.get("id", (1, 1)), index)


def id_problems_at(lesson_id: str, path: Path, at: tuple[int, int], index: CourseIndex) -> list[Problem]:
    """:func:`id_problems` from the id, the file and where the id is written (``validate``'s cache keeps these)."""
    file = str(path)
    line, col = at
    found: list[Problem] = []
    if path.stem != lesson_id:
        message = (
            f"the id {lesson_id!r} differs from the file name {path.name}: rename the file to "
            f"{lesson_id}.yaml or the id to {path.stem!r}, so that the id finds the file"
        )
        found.append(Problem(file, line, col, message, "warning", None, "W401"))
    same = [e for e in index.all_entries if e.id == lesson_id]
    mine = next((i for i, e in enumerate(same) if _same_file(e.path, path)), None)
    for i, e in enumerate(same):
        if i == mine:
            continue
        where = f"{e.path} ({e.origin})"
        if mine is None:
            message = (
                f"lesson id {lesson_id!r} is also the id of {where} on the search path: in a lessons folder, one of "
                "the two would be skipped; give this lesson another id"
            )
            found.append(Problem(file, line, col, message, "warning", None, "W402"))
        elif i < mine:
            message = (
                f"lesson id {lesson_id!r} is already used by {where}, which comes first on the search path: the "
                "tutor skips this file; give it another id"
            )
            found.append(Problem(file, line, col, message))
        else:
            message = (
                f"lesson id {lesson_id!r} is also the id of {where}, which comes later on the search path: the tutor "
                "skips that file; give one of them another id"
            )
            found.append(Problem(file, line, col, message, "warning", None, "W402"))
    return found


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (a problem looking counts as no)."""
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):
        return False
