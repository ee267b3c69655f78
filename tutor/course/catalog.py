"""Find lessons: the shipped course and any extra directories, in course order.

A lesson directory may hold ``course.yaml`` with ``order: [id, ...]``; lessons it lists come first,
in that order, the rest after them sorted by file name. Directories are read in the order given:
the shipped course first, then each ``--lessons DIR``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tutor.course.load import load_lesson
from tutor.course.model import Lesson
from tutor.course.problems import LessonError, Problem

ORDER_FILE = "course.yaml"


def shipped_lessons_dir() -> Path:
    """The directory of the shipped lessons (inside the installed package, or the repo's ``lessons/``)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_lessons"
    if packaged.is_dir():
        return packaged
    return here.parent / "lessons"


def lesson_files(directory: Path) -> list[Path]:
    """The lesson files of a directory in the directory's course order."""
    files = sorted(p for p in directory.glob("*.yaml") if p.name != ORDER_FILE)
    files += sorted(p for p in directory.glob("*.yml") if p.name != ORDER_FILE)
    order: list[str] = []
    order_file = directory / ORDER_FILE
    if order_file.is_file():
        try:
            data = yaml.safe_load(order_file.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("order"), list):
                order = [str(x) for x in data["order"]]
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            order = []
    rank = {name: i for i, name in enumerate(order)}
    return sorted(files, key=lambda p: (rank.get(p.stem, len(rank)), p.name))


@dataclass
class Course:
    """The lessons found, in order, and the problems of the files that did not load."""

    lessons: list[Lesson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def get(self, lesson_id: str) -> Lesson | None:
        """The lesson with this id, or None."""
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


def load_course(extra_dirs: Iterable[str | Path] = (), include_shipped: bool = True) -> Course:
    """Load every lesson of the shipped course and the extra directories; id clashes are problems."""
    course = Course()
    dirs = ([shipped_lessons_dir()] if include_shipped else []) + [Path(d) for d in extra_dirs]
    where: dict[str, Path] = {}
    for d in dirs:
        if not d.is_dir():
            course.problems.append(Problem(str(d), 1, 1, "not a directory of lessons"))
            continue
        for f in lesson_files(d):
            try:
                lesson = load_lesson(f)
            except LessonError as e:
                course.problems.extend(e.problems)
                continue
            if lesson.id in where:
                course.problems.append(
                    Problem(
                        str(f),
                        1,
                        1,
                        f"lesson id {lesson.id!r} is already used by {where[lesson.id]}; this one is skipped",
                    )
                )
                continue
            where[lesson.id] = f
            course.lessons.append(lesson)
    return course


def find_lesson(ref: str, extra_dirs: Iterable[str | Path] = ()) -> Lesson:
    """A lesson by path (``.yaml``/``.yml`` or an existing file) or by id; LessonError if not found."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or p.is_file():
        return load_lesson(p)
    course = load_course(extra_dirs)
    lesson = course.get(ref)
    if lesson is None:
        ids = ", ".join(lesson.id for lesson in course.lessons)
        raise LessonError([Problem(ref, 1, 1, f"no lesson with id {ref!r}; the lessons are: {ids}")])
    return lesson
