"""Find lessons in several places and put them in course order; report clashes and order-file mistakes.

Directories are read in this order: the shipped course, each ``--lessons DIR``, the user lessons directory
(:func:`tutor.paths.user_lessons_dir`, when it exists), then each directory of ``BACKPROP_TUTOR_LESSONS``
(an ``os.pathsep``-separated list). A directory may hold ``course.yaml`` with ``order: [id, ...]``: the
lessons it lists come first, in that order, the rest after them sorted by file name. When two files
declare the same id, the first one found wins and the other is reported, naming both files.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tutor.course.load import load_lesson
from tutor.course.model import Lesson
from tutor.course.problems import LessonError, Problem
from tutor.course.yamlpos import load_located

ORDER_FILE = "course.yaml"
ORDER_KEYS = ("order",)
ENV_VAR = "BACKPROP_TUTOR_LESSONS"


def shipped_lessons_dir() -> Path:
    """The directory of the shipped lessons (inside the installed package, or the repo's ``lessons/``)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_lessons"
    if packaged.is_dir():
        return packaged
    return here.parent / "lessons"


def lesson_dirs(extra_dirs: Iterable[str | Path] = (), include_shipped: bool = True) -> list[tuple[Path, str]]:
    """Every directory to read, in course order, with where it came from (duplicates dropped)."""
    from tutor.paths import user_lessons_dir

    dirs: list[tuple[Path, str]] = [(shipped_lessons_dir(), "shipped")] if include_shipped else []
    dirs += [(Path(d), "--lessons") for d in extra_dirs]
    user = user_lessons_dir()
    if user.is_dir():
        dirs.append((user, "user"))
    dirs += [(Path(d).expanduser(), ENV_VAR) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d.strip()]
    seen: set[Path] = set()
    out = []
    for d, origin in dirs:
        key = d.resolve() if d.exists() else d.absolute()
        if key not in seen:
            seen.add(key)
            out.append((d, origin))
    return out


def read_order(directory: Path) -> tuple[list[str], dict[str, Problem], list[Problem]]:
    """A directory's ``course.yaml``: the ids in order, a problem ready for each id (if it has no lesson),
    and the problems of the file itself."""
    order_file = directory / ORDER_FILE
    if not order_file.is_file():
        return [], {}, []
    try:
        doc = load_located(order_file.read_text(encoding="utf-8"), str(order_file))
    except LessonError as e:
        return [], {}, e.problems
    except (OSError, UnicodeDecodeError) as e:
        return [], {}, [Problem(str(order_file), 1, 1, f"cannot read the course order: {e}")]
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("order"), list):
        return [], {}, [doc.problem(("order",), "course.yaml holds 'order:', a list of lesson ids in teaching order")]
    problems = [
        doc.problem((k,), f"unknown key {k!r} in course.yaml; it holds only 'order:'", key=True)
        for k in doc.data
        if k not in ORDER_KEYS
    ]
    ids: list[str] = []
    missing: dict[str, Problem] = {}
    for i, x in enumerate(doc.data["order"]):
        if not isinstance(x, str):
            problems.append(doc.problem(("order", i), "each entry of 'order' is a lesson id"))
            continue
        if x in ids:
            problems.append(doc.problem(("order", i), f"{x!r} is listed twice in the order"))
            continue
        ids.append(x)
        missing[x] = doc.problem(("order", i), f"the order lists {x!r}, but no lesson in {directory} has that id")
    return ids, missing, problems


def lesson_files(directory: Path) -> list[Path]:
    """The lesson files of a directory, sorted by file name (the course order is applied by lesson id)."""
    files = [p for p in directory.glob("*.yaml") if p.name != ORDER_FILE]
    files += [p for p in directory.glob("*.yml") if p.name != ORDER_FILE]
    return sorted(files, key=lambda p: p.name)


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
        if not d.is_dir():
            label = f"{ENV_VAR} names" if origin == ENV_VAR else "--lessons names"
            course.problems.append(Problem(str(d), 1, 1, f"{label} {d}, which is not a directory of lessons"))
            continue
        order, missing, order_problems = read_order(d)
        course.problems.extend(order_problems)
        found: list[Lesson] = []
        for f in lesson_files(d):
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
    if p.suffix in (".yaml", ".yml") or p.is_file():
        return load_lesson(p)
    course = load_course(extra_dirs)
    lesson = course.get(ref)
    if lesson is None:
        ids = ", ".join(lesson.id for lesson in course.lessons)
        raise LessonError([Problem(ref, 1, 1, f"no lesson with id {ref!r}; the lessons are: {ids}")])
    return lesson
