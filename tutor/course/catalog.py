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
    folder_problem,
    lesson_dirs,
    lesson_files,
    list_lessons,
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
                course.problems.append(Problem(p.file, p.line, p.col, p.message + hint, "warning"))
        rank = {x: i for i, x in enumerate(order)}
        found.sort(key=lambda lesson: rank.get(lesson.id, len(rank)))  # stable: the rest stay by file name
        for lesson in found:
            course.origins[lesson.id] = origin
        course.lessons.extend(found)
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
