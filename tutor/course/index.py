"""A cheap index of the course for the lesson list: ids, titles, step ids and content hashes, no engine.

The home screen needs only this, so the app can show it before NumPy and the engine are even imported;
a lesson is fully loaded and checked (:func:`tutor.course.load.load_lesson`) when it is opened, and the
whole course is checked in the background. Imports neither NumPy nor the engine.

Directories are read in this order: the shipped course, each ``--lessons DIR``, the user lessons directory
(:func:`tutor.paths.user_lessons_dir`, when it exists), then each directory of ``BACKPROP_TUTOR_LESSONS``
(an ``os.pathsep``-separated list). A directory may hold ``course.yaml`` with ``order: [id, ...]``: the
lessons it lists come in that order, the rest after them sorted by file name; it may also list ids of the
folders before it (the shipped lessons) to place its own lessons before or between them (:func:`place`).

Everything here is bounded: at most :data:`MAX_LESSON_FILES` lesson files are read from a folder, each
through :mod:`tutor.safefile` (regular files only, size checked before reading) and :mod:`tutor.course.yamlpos`
(the loader's own safe YAML pass: depth, aliases, tags, merge keys, huge numbers) and
:mod:`tutor.course.format` (the loader's own reader of a lesson's structure); a folder that cannot be read is a
problem, never an exception.

What the cheap pass reads from a file is kept in :mod:`tutor.course.outline_cache`, keyed by the file's text: at
the next start an unchanged file is listed from its hash, and PyYAML, the format reader and the step rules are
imported only for a file that changed (they are imported here on first use, not with this module).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.course.outline_cache import OutlineCache, text_key
from tutor.course.problems import LessonError, Problem
from tutor.safefile import FileRefused, list_dir_files, read_text

if TYPE_CHECKING:  # only for LessonEntry.of: the index itself never imports the lesson model (or NumPy)
    from tutor.course.model import Lesson

ORDER_FILE = "course.yaml"
ORDER_KEYS = ("order",)
ENV_VAR = "BACKPROP_TUTOR_LESSONS"
#: lesson files read from one folder; the rest are reported (10,000 files took 27 s before the list appeared)
MAX_LESSON_FILES = 1000
LESSON_SUFFIXES = (".yaml", ".yml")
#: the largest lesson (or course order) file read: :data:`tutor.course.yamlpos.MAX_FILE_BYTES`, written out here so
#: that files are read without importing PyYAML (tests/test_index_cache.py keeps the two equal)
MAX_FILE_BYTES = 256 * 1024


def shipped_lessons_dir() -> Path:
    """The directory of the shipped lessons (inside the installed package, or the repo's ``lessons/``)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_lessons"
    if packaged.is_dir():
        return packaged
    return here.parent / "lessons"


def lesson_dirs(extra_dirs: Iterable[str | Path] = (), include_shipped: bool = True) -> list[tuple[Path, str]]:
    """Every directory to read, in course order, with where it came from (duplicates dropped).

    The user lessons directory is included when it exists or cannot even be looked at (so that the
    problem is reported); the others are always included, and :func:`folder_problem` says what is wrong.
    """
    from tutor.paths import user_lessons_dir

    dirs: list[tuple[Path, str]] = [(shipped_lessons_dir(), "shipped")] if include_shipped else []
    dirs += [(Path(d), "--lessons") for d in extra_dirs]
    user = user_lessons_dir()
    if _stat_error(user) not in (errno.ENOENT, errno.ENOTDIR):
        dirs.append((user, "user"))
    dirs += [(Path(d).expanduser(), ENV_VAR) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d.strip()]
    seen: set[str] = set()
    out = []
    for d, origin in dirs:
        key = os.path.realpath(d)  # never raises; a folder that cannot be looked at keeps its own name
        if key not in seen:
            seen.add(key)
            out.append((d, origin))
    return out


def _stat_error(path: Path) -> int | None:
    """The errno of ``stat(path)``, or None when it succeeds (a probe that never raises)."""
    try:
        os.stat(path)
    except OSError as e:
        return e.errno or errno.EIO
    except ValueError:  # a NUL byte in the name
        return errno.EINVAL
    return None


def folder_problem(directory: Path, origin: str) -> Problem | None:
    """Why a lessons folder cannot be read (missing, not a folder, no permission), or None when it can."""
    label = {
        "--lessons": "--lessons names",
        ENV_VAR: f"{ENV_VAR} names",
        "user": "the user lessons folder is",
        "shipped": "the shipped lessons folder is",
    }.get(origin, "the lessons folder is")
    try:
        st = os.stat(directory)
    except (OSError, ValueError) as e:
        if getattr(e, "errno", None) in (errno.ENOENT, errno.ENOTDIR):
            return Problem(str(directory), 1, 1, f"{label} {directory}, which is not a directory of lessons")
        reason = getattr(e, "strerror", None) or str(e)
        message = f"{label} {directory}, which cannot be reached ({reason}): check the folders above it"
        return Problem(str(directory), 1, 1, message)
    if not stat.S_ISDIR(st.st_mode):
        return Problem(str(directory), 1, 1, f"{label} {directory}, which is not a directory of lessons")
    if not os.access(directory, os.R_OK | os.X_OK):
        message = f"{label} {directory}, which cannot be read (permission denied); check its permissions"
        return Problem(str(directory), 1, 1, message)
    return None


def read_order(directory: Path) -> tuple[list[str], dict[str, Problem], list[Problem]]:
    """A directory's ``course.yaml``: the ids in order, a problem ready for each id (if it has no lesson),
    and the problems of the file itself."""
    text, problems = _order_text(directory)
    if text is None:
        return [], {}, problems
    return parse_order(text, directory)


def _order_text(directory: Path) -> tuple[str | None, list[Problem]]:
    """The text of a directory's ``course.yaml``; None with no problem when it has none, None and the problem
    when it cannot be read."""
    order_file = directory / ORDER_FILE
    if _stat_error(order_file) in (errno.ENOENT, errno.ENOTDIR):
        return None, []
    try:
        return read_text(order_file, MAX_FILE_BYTES, "course order file"), []
    except (OSError, UnicodeDecodeError) as e:  # FileRefused too: its strerror says why
        reason = getattr(e, "strerror", None) or str(e)
        return None, [Problem(str(order_file), 1, 1, f"cannot read the course order: {reason}")]


def parse_order(text: str, directory: Path) -> tuple[list[str], dict[str, Problem], list[Problem]]:
    """The ids of a ``course.yaml``'s text in order, a problem ready for each id, and the file's problems."""
    from tutor.course.yamlpos import load_located

    order_file = directory / ORDER_FILE
    try:
        doc = load_located(text, str(order_file), "course order file")
    except LessonError as e:
        return [], {}, e.problems
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


def place(course: list[str], own: list[str], order: list[str]) -> list[str]:
    """The course's ids with a folder's own lessons placed by its order (ids of earlier folders included).

    The course so far keeps its order. An own lesson the order lists goes right after the nearest id listed
    before it that is placed (``order: [chain-rule, my-softmax]`` puts my-softmax after chain-rule), else right
    before the nearest course id listed after it (``order: [my-intro, chain-rule]`` puts my-intro first), else at
    the end; own lessons the order does not list follow at the end, in the order given. Linear in the order's
    length (an order file may list thousands of ids), times the course's length for each own lesson placed.
    """
    known, mine = set(course), set(own)
    listed = [x for x in order if x in known or x in mine]  # ids that name no lesson take no part
    after: list[str | None] = [None] * len(listed)  # the nearest course id listed after each entry
    nearest: str | None = None
    for k in range(len(listed) - 1, -1, -1):
        after[k] = nearest
        if listed[k] in known:
            nearest = listed[k]
    out = list(course)
    before: str | None = None  # the nearest entry listed before, placed already (own ones are placed in order)
    for k, x in enumerate(listed):
        if x in mine:
            if before is not None:
                out.insert(out.index(before) + 1, x)
            else:
                target = after[k]
                out.insert(out.index(target) if target is not None else len(out), x)
        before = x
    placed = set(listed)
    return out + [x for x in own if x not in placed]


def list_lessons(directory: Path) -> tuple[list[Path], list[Problem]]:
    """At most :data:`MAX_LESSON_FILES` lesson files of a directory, sorted by file name, and a problem when
    there were more (the course order is applied by lesson id). Files are not opened here."""
    found, more = list_dir_files(directory, LESSON_SUFFIXES, MAX_LESSON_FILES + 1)
    files = [p for p in found if p.name != ORDER_FILE]
    if len(files) > MAX_LESSON_FILES or more:
        files = files[:MAX_LESSON_FILES]
        message = (
            f"{directory} holds more than {MAX_LESSON_FILES} lesson files; only {MAX_LESSON_FILES} were read: "
            "split them into several folders"
        )
        return files, [Problem(str(directory), 1, 1, message)]
    return files, []


def lesson_files(directory: Path) -> list[Path]:
    """The lesson files of a directory (at most :data:`MAX_LESSON_FILES`), sorted by file name."""
    return list_lessons(directory)[0]


def content_hash(text: str) -> str:
    """The hash that keys a learner's progress to one version of a lesson file."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class LessonEntry:
    """What the lesson list shows of a lesson file, read without the engine."""

    id: str
    title: str
    summary: str
    step_ids: tuple[str, ...]
    content_hash: str
    path: Path
    origin: str = "shipped"
    given_ids: tuple[str, ...] = ()  # the steps shown worked, not asked

    @property
    def asked_ids(self) -> tuple[str, ...]:
        """The steps the learner answers (every step but the given ones): what progress counts."""
        return tuple(s for s in self.step_ids if s not in self.given_ids)

    @classmethod
    def of(cls, lesson: Lesson, origin: str = "shipped") -> LessonEntry:
        """The entry of a lesson already loaded (one opened by path, or a course loaded in full)."""
        return cls(
            lesson.id,
            lesson.title,
            lesson.summary,
            tuple(step.id for step in lesson.steps),
            lesson.content_hash,
            lesson.path if lesson.path is not None else Path(f"{lesson.id}.yaml"),
            origin,
            tuple(step.id for step in lesson.steps if step.given),
        )


@dataclass
class CourseIndex:
    """The lesson files found, in course order, and the problems the cheap pass could already see."""

    entries: list[LessonEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: every lesson file read, in search-path order, the ones skipped for a clashing id too
    all_entries: list[LessonEntry] = field(default_factory=list)

    def get(self, lesson_id: str) -> LessonEntry | None:
        """The entry with this id, or None."""
        return next((e for e in self.entries if e.id == lesson_id), None)


def index_entry(path: Path, origin: str = "shipped") -> LessonEntry:
    """The entry of one lesson file; LessonError when even the cheap pass finds it broken.

    The cheap pass reads the file's structure as the loader does (:func:`tutor.course.format.read_outline`: keys,
    types, names, sizes, each step's kind and target), without the engine: a file it refuses, the loader refuses.
    """
    text = read_lesson_text(path)
    return _entry(read_outline_of(text, path), text, path, origin)


def read_outline_of(text: str, path: Path) -> dict[str, Any]:
    """What the list needs of a lesson file's text (id, title, summary, steps, given); LessonError when the cheap
    pass finds it broken. Imports PyYAML, the format reader and the step rules (only for a file not in the cache)."""
    from tutor.course.format import read_outline
    from tutor.course.steps import default_walk, step_id
    from tutor.course.yamlpos import load_located

    outline, problems = read_outline(load_located(text, str(path)))
    if problems:
        raise LessonError(problems)
    given: list[str] = []
    if outline.steps is not None:
        ids = [s.id for s in outline.steps]
        given = [s.id for s in outline.steps if s.given]
    else:
        nodes = [g.name for g in outline.graph]
        ids = [step_id(kind, name) for kind, name in default_walk(nodes, list(outline.inputs))]
    summary = _summary(outline.summary)
    return {"id": outline.id, "title": outline.title, "summary": summary, "steps": ids, "given": given}


def _entry(outline: dict[str, Any], text: str, path: Path, origin: str) -> LessonEntry:
    """The list's entry from an outline (read now or from the cache) and the file's text."""
    return LessonEntry(
        id=outline["id"] or path.stem,
        title=outline["title"] or path.stem,
        summary=outline["summary"],
        step_ids=tuple(outline["steps"]),
        content_hash=content_hash(text),
        path=path,
        origin=origin,
        given_ids=tuple(outline["given"]),
    )


def cached_entry(path: Path, origin: str, cache: OutlineCache) -> LessonEntry:
    """The entry of one lesson file, its outline from ``cache`` when the file's text is unchanged (else read and
    kept there); LessonError as :func:`index_entry`."""
    text = read_lesson_text(path)
    key = text_key(text)
    outline = cache.lesson(key)
    if outline is None:
        outline = read_outline_of(text, path)
        cache.remember_lesson(key, outline)
    return _entry(outline, text, path, origin)


def _summary(text: str) -> str:
    """A summary as the list shows it: its maths rendered, a live number (which needs the engine) as ``…``."""
    if "$" not in text and "{{" not in text and "\\(" not in text:
        return text
    from tutor.course.maths import preview  # only for summaries with maths: the list starts without it

    return preview(text)


def read_lesson_text(path: Path) -> str:
    """The text of a lesson file: a regular UTF-8 file of at most MAX_FILE_BYTES; LessonError otherwise."""
    try:
        raw = read_text(path, MAX_FILE_BYTES, "lesson file")
    except FileRefused as e:
        raise LessonError([Problem(str(path), 1, 1, f"{e.reason}: a lesson is a small text file")]) from None
    except OSError as e:
        raise LessonError([Problem(str(path), 1, 1, f"cannot read the file: {e.strerror or e}")]) from None
    except UnicodeDecodeError as e:
        raise LessonError([Problem(str(path), 1, 1, f"the file is not UTF-8 text (byte {e.start})")]) from None
    return raw


def index_course(
    extra_dirs: Iterable[str | Path] = (), include_shipped: bool = True, cache: OutlineCache | None = None
) -> CourseIndex:
    """Every lesson file of every lesson directory, in course order, read cheaply (no engine run).

    Outlines come from ``cache`` (by default the learner's, :meth:`OutlineCache.for_user`) for files whose text
    is unchanged; the cache is saved afterwards with the outlines of this course."""
    if cache is None:
        cache = OutlineCache.for_user()
    index = CourseIndex()
    seen: set[str] = set()
    for d, origin in lesson_dirs(extra_dirs, include_shipped):
        problem = folder_problem(d, origin)
        if problem is not None:
            index.problems.append(problem)
            continue
        order = _cached_order(d, cache)
        files, listing_problems = list_lessons(d)
        index.problems.extend(listing_problems)
        found: list[LessonEntry] = []
        for f in files:
            try:
                entry = cached_entry(f, origin, cache)
            except LessonError as e:
                index.problems.extend(e.problems)
                continue
            index.all_entries.append(entry)
            if entry.id not in seen:
                seen.add(entry.id)
                found.append(entry)
        by_id = {e.id: e for e in [*index.entries, *found]}
        ids = place([e.id for e in index.entries], [e.id for e in found], order)
        index.entries = [by_id[x] for x in ids]
    cache.save()
    return index


def _cached_order(directory: Path, cache: OutlineCache) -> list[str]:
    """The ids a directory's ``course.yaml`` lists (none when it has none or cannot be read), from ``cache`` when
    its text is unchanged."""
    text, _ = _order_text(directory)
    if text is None:
        return []
    key = text_key(text)
    ids = cache.order(key)
    if ids is None:
        ids = parse_order(text, directory)[0]
        cache.remember_order(key, ids)
    return ids
