"""Read files that come from outside (lessons, answers, progress) safely: regular files only, size capped first.

A lesson folder may hold a FIFO named ``x.yaml`` (opening it for reading would wait for a writer forever), a
symlink to ``/dev/zero`` (reading it never ends) or a file far too big to be a lesson. Every file the tutor
reads on a learner's or a teacher's behalf goes through :func:`read_bytes`, which opens without blocking,
checks with ``fstat`` that it is a regular file and that its size is under the cap *before* reading, and then
reads at most one byte more than the cap (a file growing while it is read is still refused).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefused(OSError):
    """A file the tutor will not read: not a regular file, or over the size cap. ``strerror`` says why."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(path))
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def kind_of(mode: int) -> str:
    """What a file is, in words, from its ``st_mode`` (``a FIFO (named pipe)``, ``a regular file``)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (after symlinks) is a regular file; never blocks and never raises."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_bytes(path: str | os.PathLike[str], max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; :class:`FileRefused` (an OSError) otherwise.

    Other OSErrors (missing, unreadable) propagate as they are. ``what`` names the file in messages
    ("lesson file", "answers file", "progress file").
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(path, f"the {what} is {kind_of(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            raise FileRefused(path, f"the {what} is {st.st_size} bytes, over the limit of {max_bytes} bytes")
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise FileRefused(path, f"the {what} is over the limit of {max_bytes} bytes")
        return data
    finally:
        os.close(fd)


def read_text(path: str | os.PathLike[str], max_bytes: int, what: str = "file") -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` (UnicodeDecodeError on other encodings)."""
    return read_bytes(path, max_bytes, what).decode("utf-8")


def list_dir_files(directory: Path, suffixes: tuple[str, ...], limit: int) -> tuple[list[Path], bool]:
    """Up to ``limit`` entries of ``directory`` whose names end in one of ``suffixes``, sorted by name, and
    whether more were there. Unreadable directories give ``([], False)``; entries are not opened here."""
    found: list[Path] = []
    more = False
    try:
        with os.scandir(directory) as it:
            for entry in it:
                if entry.name.endswith(suffixes):
                    if len(found) >= limit:
                        more = True
                        break
                    found.append(Path(entry.path))
    except OSError:
        return [], False
    return sorted(found, key=lambda p: p.name), more
