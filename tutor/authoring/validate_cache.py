"""The validation cache: what ``validate`` found in each lesson file last time, keyed by the file's text.

Like ruff's and mypy's caches, it makes validating an unchanged course cheap: a lesson file whose text, path, options
and checking code are those of an earlier run is not loaded, run or linted again; its own findings (the problems and
warnings its text gives, as printed, and what ``validate`` needs to redo the checks that depend on other files) are
read back from ``validate-results.json`` in the user cache folder (:func:`tutor.course.outline_cache.cache_dir`).

Why it never gives a stale result: an entry's key is the SHA-256 of the file's absolute path, the path as given, the
SHA-256 of its whole text (so any edit is a miss, even one that keeps the size and modification time) and the
options (``--strict``, ``--no-lint``); the whole cache is keyed by :func:`~tutor.course.outline_cache.code_stamp`
over every module that reads or checks lessons, with the tutor's, NumPy's and PyYAML's versions. What depends on
other files (an id used by another lesson on the search path, the id against the file name, an id that is also a
command) is never cached: ``validate`` works it out afresh from the cached id.

Why it never crashes: the cache file is read like any file from outside (a regular file, its size checked before
reading) and every entry is checked field by field; anything unexpected is a miss and the file is validated afresh.
Writing is best effort and atomic; a folder that cannot be written only means no cache.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.course.format import AllowItem
from tutor.course.lintcodes import BY_CODE
from tutor.course.outline_cache import cache_dir, code_stamp, read_entries, text_key, write_atomically
from tutor.course.problems import Problem

CACHE_FILE = "validate-results.json"
#: the cache's own layout; a file written with another is ignored
CACHE_FORMAT = 1
#: the cache file is refused (and rebuilt) beyond this: thousands of lessons' findings (a realistic entry is 200 to
#: 400 bytes), and at most a few hundred MB of Python objects even for a file made to be expensive to read
MAX_CACHE_BYTES = 8 * 1024 * 1024
#: entries kept: those of this run first, then the newest of earlier runs
MAX_ENTRIES = 5000
#: the packages of ``tutor`` whose code decides what ``validate`` reports ("" is its top-level modules)
CODE_DIRS = ("", "authoring", "cli", "course", "engine", "grading", "lang")


@dataclass(frozen=True)
class Findings:
    """One lesson file's own findings: what validate reports from its text alone.

    ``failed``: the file could not be loaded, and ``errors`` are all its problems. Otherwise ``errors`` are its
    mistakes' and variants' errors, ``prose`` the warnings loading gave, ``linted`` the linter's, ``scopes`` its
    ``lint: allow`` lists, and ``lesson_id`` with ``id_at`` what the checks against other files need.
    """

    failed: bool
    errors: tuple[Problem, ...]
    prose: tuple[Problem, ...] = ()
    linted: tuple[Problem, ...] = ()
    scopes: tuple[tuple[str | None, tuple[AllowItem, ...]], ...] = ()
    lesson_id: str = ""
    id_at: tuple[int, int] = (1, 1)


def stamp() -> str:
    """The key of the checking code: the tutor's modules that read and check lessons, NumPy's and PyYAML's versions."""
    import numpy
    import yaml

    return code_stamp(CODE_DIRS, f"validate:{CACHE_FORMAT}:{numpy.__version__}:{yaml.__version__}")


def entry_key(path: Path, text: str, options: tuple[str, ...]) -> str:
    """The key of one file's findings: its absolute path, the path as given, its text's hash and the options."""
    try:
        absolute = str(path.resolve())
    except (OSError, RuntimeError):
        absolute = str(path.absolute())
    parts = json.dumps([absolute, str(path), text_key(text), sorted(options)])
    return hashlib.sha256(parts.encode("utf-8", "surrogatepass")).hexdigest()


class ValidationCache:
    """The findings kept from earlier runs, and those of this run (saved with the newest earlier ones)."""

    def __init__(self, path: Path | None, options: tuple[str, ...] = ()) -> None:
        """The cache in ``path`` (None: a cache that remembers nothing between runs), for a run with these options
        (``strict``; ``check_file`` adds ``lint`` or ``no-lint``)."""
        self.path = path
        self.options = options
        self.stamp = stamp()
        self._old = self._read() if path is not None else {}
        self._new: dict[str, Any] = {}
        self.hits = 0

    @classmethod
    def for_user(cls, options: tuple[str, ...] = ()) -> ValidationCache:
        """The user's cache (in the tutor's cache folder), for a run with these options."""
        return cls(cache_dir() / CACHE_FILE, options)

    def _read(self) -> dict[str, Any]:
        """The entries of the cache file (see :func:`tutor.course.outline_cache.read_entries`)."""
        assert self.path is not None
        return read_entries(self.path, MAX_CACHE_BYTES, "validation cache", CACHE_FORMAT, self.stamp)

    def get(self, key: str) -> Findings | None:
        """The findings kept under ``key``, or None (also when the entry is malformed)."""
        raw = self._old.get(key)
        found = _findings(raw)
        if found is not None:
            self._new[key] = raw
            self.hits += 1
        return found

    def put(self, key: str, findings: Findings) -> None:
        """Keep a file's findings for the next run."""
        self._new[key] = _plain(findings)

    def save(self) -> None:
        """Write this run's entries and the newest earlier ones; silently nothing when it cannot."""
        if self.path is None or not self._new:
            return
        new = list(self._new.items())[-MAX_ENTRIES:]
        older = [(k, v) for k, v in self._old.items() if k not in self._new]
        room = MAX_ENTRIES - len(new)
        kept = dict([*(older[-room:] if room > 0 else []), *new])  # oldest first: the file's end is the newest
        if kept == self._old:
            return
        for entries in (kept, dict(new)):  # too big with the earlier runs' entries: this run's alone
            text = json.dumps({"format": CACHE_FORMAT, "stamp": self.stamp, "entries": entries}, separators=(",", ":"))
            if len(text) <= MAX_CACHE_BYTES:
                write_atomically(self.path, text)
                return


def _plain(f: Findings) -> dict[str, Any]:
    """Findings as JSON data."""
    return {
        "failed": f.failed,
        "errors": [_plain_problem(p) for p in f.errors],
        "prose": [_plain_problem(p) for p in f.prose],
        "linted": [_plain_problem(p) for p in f.linted],
        "scopes": [[step, [[a.code, a.line, a.col] for a in items]] for step, items in f.scopes],
        "id": f.lesson_id,
        "id_at": list(f.id_at),
    }


def _plain_problem(p: Problem) -> list[Any]:
    """A problem as a JSON list."""
    return [p.file, p.line, p.col, p.message, p.severity, p.step, p.code]


def _int(x: Any) -> bool:
    """Whether x is an int (not a bool)."""
    return isinstance(x, int) and not isinstance(x, bool)


def _problem(x: Any) -> Problem | None:
    """A problem read back from the cache, or None when any field is missing or of the wrong type."""
    if not isinstance(x, list) or len(x) != 7:
        return None
    file, line, col, message, severity, step, code = x
    if not (isinstance(file, str) and _int(line) and _int(col) and isinstance(message, str)):
        return None
    if severity not in ("error", "warning") or not (step is None or isinstance(step, str)) or not isinstance(code, str):
        return None
    return Problem(file, line, col, message, severity, step, code)


def _problems(x: Any) -> tuple[Problem, ...] | None:
    """A list of problems read back, or None when it or any of them is malformed."""
    if not isinstance(x, list):
        return None
    out = [_problem(p) for p in x]
    return None if any(p is None for p in out) else tuple(p for p in out if p is not None)


def _scopes(x: Any) -> tuple[tuple[str | None, tuple[AllowItem, ...]], ...] | None:
    """``lint: allow`` lists read back (codes the linter knows only), or None when malformed."""
    if not isinstance(x, list):
        return None
    out = []
    for scope in x:
        if not (isinstance(scope, list) and len(scope) == 2 and isinstance(scope[1], list)):
            return None
        step, items = scope
        if not (step is None or isinstance(step, str)):
            return None
        allowed = []
        for item in items:
            if not (
                isinstance(item, list) and len(item) == 3 and item[0] in BY_CODE and _int(item[1]) and _int(item[2])
            ):
                return None
            allowed.append(AllowItem(item[0], item[1], item[2]))
        out.append((step, tuple(allowed)))
    return tuple(out)


def _findings(x: Any) -> Findings | None:
    """Findings read back from the cache, or None when any field is missing or of the wrong type."""
    if not isinstance(x, dict) or not isinstance(x.get("failed"), bool):
        return None
    errors, prose, linted = _problems(x.get("errors")), _problems(x.get("prose")), _problems(x.get("linted"))
    scopes, lesson_id, at = _scopes(x.get("scopes")), x.get("id"), x.get("id_at")
    if errors is None or prose is None or linted is None or scopes is None or not isinstance(lesson_id, str):
        return None
    if not (isinstance(at, list) and len(at) == 2 and all(_int(n) for n in at)):
        return None
    return Findings(x["failed"], errors, prose, linted, scopes, lesson_id, (at[0], at[1]))
