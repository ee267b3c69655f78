"""A cheap index of the course for the lesson list: ids, titles, step ids and content hashes, no engine.

The home screen needs only this, so the app can show it before NumPy and the engine are even imported;
a lesson is fully loaded and checked (:func:`tutor.course.load.load_lesson`) when it is opened, and the
whole course is checked in the background. Imports neither NumPy nor the engine.

Directories are read in this order: the shipped course, each ``--lessons DIR``, the user lessons directory
(:func:`tutor.paths.user_lessons_dir`, when it exists), then each directory of ``BACKPROP_TUTOR_LESSONS``
(an ``os.pathsep``-separated list). A directory may hold ``course.yaml`` with ``order: [id, ...]``: the
lessons it lists come first, in that order, the rest after them sorted by file name.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tutor.course.problems import LessonError, Problem
from tutor.course.yamlpos import MAX_FILE_BYTES, load_located

ORDER_FILE = "course.yaml"
ORDER_KEYS = ("order",)
ENV_VAR = "BACKPROP_TUTOR_LESSONS"
STEP_KINDS = ("value", "local", "grad", "jacobian")
_ASSIGNED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def content_hash(text: str) -> str:
    """The hash that keys a learner's progress to one version of a lesson file."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def default_step_ids(nodes: Iterable[str], inputs: Iterable[str]) -> list[tuple[str, str]]:
    """The walk used when a lesson gives no steps, as (kind, name): every node's value in graph order,
    then the delta of every node from the output backwards (the output's own, 1, is skipped), then the
    delta of every input, in reverse order of declaration."""
    nodes, inputs = list(nodes), list(inputs)
    walk = [("value", n) for n in nodes]
    walk += [("grad", n) for n in reversed(nodes[:-1])]
    walk += [("grad", n) for n in reversed(inputs)]
    return walk


def step_id(kind: str, target: str) -> str:
    """``grad:x``, ``local:L/y``: the id of a step, spaces around the slash dropped."""
    node, _, wrt = target.partition("/")
    return f"{kind}:{node.strip()}/{wrt.strip()}" if wrt.strip() else f"{kind}:{node.strip()}"


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


@dataclass
class CourseIndex:
    """The lesson files found, in course order, and the problems the cheap pass could already see."""

    entries: list[LessonEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def get(self, lesson_id: str) -> LessonEntry | None:
        """The entry with this id, or None."""
        return next((e for e in self.entries if e.id == lesson_id), None)


def _safe_data(text: str, file: str) -> object:
    """The YAML data of a lesson file, refusing anchors and aliases before anything is built."""
    if len(text) > MAX_FILE_BYTES:
        raise LessonError([Problem(file, 1, 1, "file too large for a lesson")])
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise LessonError([Problem(file, 1, 1, "YAML anchors and aliases are not allowed in lessons")])
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        raise LessonError([Problem(file, 1, 1, f"invalid YAML: {e}")]) from None


def index_entry(path: Path, origin: str = "shipped") -> LessonEntry:
    """The entry of one lesson file; LessonError when even the cheap pass cannot read it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LessonError([Problem(str(path), 1, 1, f"cannot read the file: {e}")]) from None
    data = _safe_data(text, str(path))
    if not isinstance(data, dict):
        raise LessonError([Problem(str(path), 1, 1, "a lesson file is a mapping of keys")])
    steps = data.get("steps")
    if isinstance(steps, list):
        ids = []
        for item in steps:
            kinds = [k for k in STEP_KINDS if isinstance(item, dict) and k in item]
            if len(kinds) == 1 and isinstance(item[kinds[0]], str):
                ids.append(step_id(kinds[0], item[kinds[0]]))
    else:
        graph = data.get("graph") if isinstance(data.get("graph"), list) else []
        nodes = [m.group(1) for g in graph if isinstance(g, str) and (m := _ASSIGNED.match(g))]
        inputs = [str(k) for k in data["inputs"]] if isinstance(data.get("inputs"), dict) else []
        ids = [f"{kind}:{name}" for kind, name in default_step_ids(nodes, inputs)]

    def text_of(key: str) -> str:
        v = data.get(key)
        return str(v) if isinstance(v, str | int | float) and not isinstance(v, bool) else ""

    return LessonEntry(
        id=text_of("id") or path.stem,
        title=text_of("title") or path.stem,
        summary=text_of("summary"),
        step_ids=tuple(ids),
        content_hash=content_hash(text),
        path=path,
        origin=origin,
    )


def index_course(extra_dirs: Iterable[str | Path] = (), include_shipped: bool = True) -> CourseIndex:
    """Every lesson file of every lesson directory, in course order, read cheaply (no engine run)."""
    index = CourseIndex()
    seen: set[str] = set()
    for d, origin in lesson_dirs(extra_dirs, include_shipped):
        if not d.is_dir():
            continue  # the full load reports it
        order, _, _ = read_order(d)
        found: list[LessonEntry] = []
        for f in lesson_files(d):
            try:
                entry = index_entry(f, origin)
            except LessonError as e:
                index.problems.extend(e.problems)
                continue
            if entry.id not in seen:
                seen.add(entry.id)
                found.append(entry)
        rank = {x: i for i, x in enumerate(order)}
        found.sort(key=lambda e: rank.get(e.id, len(rank)))
        index.entries.extend(found)
    return index
