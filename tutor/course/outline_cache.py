"""The lesson list's cache: what the cheap pass read from each lesson file, keyed by the file's content.

The lesson list needs each lesson's id, title, summary and step ids. Reading them takes PyYAML, the lesson
format's reader and the step rules (tens of milliseconds of imports, and more to parse every lesson) before the
first paint. This cache keeps them from the last start, in ``lesson-outlines.json`` in the user cache folder
(``BACKPROP_TUTOR_HOME/cache`` when that is set), so that an unchanged course is listed from the files' hashes
alone.

Why it never shows stale data: an entry is keyed by the SHA-256 of the file's whole text, so any edit (even one
that keeps the size and the modification time) is a miss, and the file is read again; the whole cache is keyed
by :func:`code_stamp` (the tutor's version and its lesson-reading code), so a new tutor never reads an old
tutor's outlines. Only files the cheap pass accepted are kept: a file with problems is read (and its problems
reported) at every start.

Why it never crashes: the cache file is read like any file from outside (regular file, size checked first) and
every entry is checked field by field; anything unexpected is a miss. Writing is best effort and atomic (a
temporary file renamed over the old one); a folder that cannot be written only means no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tutor.paths import APP_NAME, HOME_VAR
from tutor.safefile import read_text

CACHE_FILE = "lesson-outlines.json"
#: the cache's own layout; a file written with another is ignored
CACHE_FORMAT = 1
#: the cache file is refused (and rebuilt) beyond this: about 10,000 lessons' outlines
MAX_CACHE_BYTES = 4 * 1024 * 1024
#: the packages whose code decides what an outline holds (the reader, the step rules, the maths preview)
_CODE = Path(__file__).resolve().parent.parent
_CODE_DIRS = ("course", "lang")


def cache_dir() -> Path:
    """The folder of the tutor's caches: ``BACKPROP_TUTOR_HOME/cache``, else the platform's user cache folder."""
    override = os.environ.get(HOME_VAR)
    if override:
        return Path(override).expanduser() / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False))


def code_stamp(dirs: tuple[str, ...] = _CODE_DIRS, salt: str = f"{CACHE_FORMAT}") -> str:
    """A hash of the tutor's version and of the size and time of each file of its lesson-reading code (the
    packages ``dirs`` of ``tutor``; ``""`` is its top-level modules); ``salt`` is the caller's cache format."""
    from tutor import __version__

    h = hashlib.sha256(f"{salt}:{__version__}".encode())
    for stamp in _code_files(dirs):
        h.update(stamp.encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def _code_files(dirs: tuple[str, ...]) -> Iterator[str]:
    """``name:size:mtime`` of every Python file of the packages ``dirs``, in a fixed order."""
    for sub in dirs:
        try:
            with os.scandir(_CODE / sub) as it:
                found = sorted((e.name, e) for e in it if e.name.endswith(".py"))
        except OSError:
            yield f"{sub}:unreadable"
            continue
        for name, entry in found:
            try:
                st = entry.stat()
            except OSError:
                yield f"{sub}/{name}:gone"
                continue
            yield f"{sub}/{name}:{st.st_size}:{st.st_mtime_ns}"


def text_key(text: str) -> str:
    """The key of a file's text: its full SHA-256 (any change to the text is another key)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _strings(value: Any) -> list[str] | None:
    """``value`` when it is a list of strings, else None."""
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return value
    return None


def _outline(value: Any) -> dict[str, Any] | None:
    """A lesson outline read back from the cache, or None when any field is missing or of the wrong type."""
    if not isinstance(value, dict):
        return None
    texts = [value.get(k) for k in ("id", "title", "summary")]
    steps, given = _strings(value.get("steps")), _strings(value.get("given"))
    if not all(isinstance(t, str) for t in texts) or steps is None or given is None:
        return None
    return {"id": texts[0], "title": texts[1], "summary": texts[2], "steps": steps, "given": given}


class OutlineCache:
    """The outlines kept from the last start, and those used in this one (the only ones saved again)."""

    def __init__(self, path: Path | None) -> None:
        """The cache in ``path`` (None: a cache that remembers nothing between runs)."""
        self.path = path
        self.stamp = code_stamp()
        self._old = self._read() if path is not None else {}
        self._used: dict[str, Any] = {}

    @classmethod
    def for_user(cls) -> OutlineCache:
        """The learner's cache (in :func:`cache_dir`)."""
        return cls(cache_dir() / CACHE_FILE)

    def _read(self) -> dict[str, Any]:
        """The entries of the cache file (see :func:`read_entries`)."""
        assert self.path is not None
        return read_entries(self.path, MAX_CACHE_BYTES, "lesson outline cache", CACHE_FORMAT, self.stamp)

    def lesson(self, key: str) -> dict[str, Any] | None:
        """The outline of the lesson file whose text has this key (id, title, summary, steps, given), or None."""
        found = _outline(self._old.get("lesson:" + key))
        if found is not None:
            self._used["lesson:" + key] = found
        return found

    def remember_lesson(self, key: str, outline: dict[str, Any]) -> None:
        """Keep a lesson file's outline (one the cheap pass accepted)."""
        self._used["lesson:" + key] = outline

    def order(self, key: str) -> list[str] | None:
        """The ids of a ``course.yaml`` whose text has this key, or None."""
        found = _strings(self._old.get("order:" + key))
        if found is not None:
            self._used["order:" + key] = found
        return found

    def remember_order(self, key: str, ids: list[str]) -> None:
        """Keep the ids a ``course.yaml`` lists."""
        self._used["order:" + key] = list(ids)

    def save(self) -> None:
        """Write the entries used in this run, if they differ from the file's; silently nothing when it cannot."""
        if self.path is None or self._used == self._old:
            return
        text = json.dumps({"format": CACHE_FORMAT, "stamp": self.stamp, "entries": self._used}, separators=(",", ":"))
        if len(text) > MAX_CACHE_BYTES:  # it would be refused when read: keep none rather than a useless file
            return
        write_atomically(self.path, text)


def read_entries(path: Path, max_bytes: int, what: str, format: int, stamp: str) -> dict[str, Any]:
    """The entries of a cache file written as ``{"format", "stamp", "entries"}``, or none when it is missing,
    unreadable, corrupt, over ``max_bytes`` or from another format or code."""
    try:
        data = json.loads(read_text(path, max_bytes, what))
    except (OSError, ValueError, RecursionError):  # missing, refused, not UTF-8, not JSON, nested too deep
        return {}
    if not isinstance(data, dict) or data.get("format") != format or data.get("stamp") != stamp:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` through a temporary file in the same folder; any failure leaves no trace."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temporary, flags, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
        os.replace(temporary, path)
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass
