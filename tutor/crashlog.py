"""What the tutor does with an error it did not expect: the traceback goes to a log file, the learner gets one line.

The command line and the app both call :func:`report`; the line says what happened, where in the code, and
which file holds the full traceback (in the user data directory, else the temporary directory).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from tutor.safetext import one_line


def write_log(error: BaseException) -> Path | None:
    """Write the error's full traceback to a new log file; its path (None if no folder would take it)."""
    from tutor import __version__

    now = datetime.now()
    text = (
        f"backprop-tutor {__version__}, Python {sys.version.split()[0]}, {now.isoformat(timespec='seconds')}\n"
        f"command: {' '.join(sys.argv)}\n\n" + "".join(traceback.format_exception(error))
    )
    name = f"crash-{now:%Y%m%d-%H%M%S}-{os.getpid()}.log"
    for folder in _log_folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            with path.open("x", encoding="utf-8", errors="backslashreplace") as f:  # "x": never over another file
                f.write(text)
            return path
        except OSError:
            continue
    return None


def _log_folders() -> list[Path]:
    """Where a crash log may go: the user data directory, then the temporary directory."""
    folders = []
    try:
        from tutor.paths import data_dir

        folders.append(data_dir())
    except Exception:  # a broken data directory must not hide the error being reported
        pass
    folders.append(Path(tempfile.gettempdir()))
    return folders


def where(error: BaseException) -> str:
    """``file:line`` of the innermost frame of the error's traceback ('' if it has none)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    frame = frames[-1]
    path = Path(frame.filename)
    package = Path(__file__).resolve().parent
    try:
        shown = str(Path("tutor") / path.resolve().relative_to(package))
    except ValueError:
        shown = path.name
    return f"{shown}:{frame.lineno}"


def report(error: BaseException) -> str:
    """Log the error and say in one line what happened, where, and where the traceback is."""
    log = write_log(error)
    at = where(error)
    what = f"{type(error).__name__}: {_short(str(error))}" if str(error) else type(error).__name__
    saved = f"the full traceback is in {log}" if log is not None else "no log file could be written"
    return one_line(
        f"backprop-tutor stopped on an unexpected error: {what}" + (f" (at {at})" if at else "") + f"; {saved}."
    )


def _short(text: str, limit: int = 200) -> str:
    """At most ``limit`` characters of an error message (the log has all of it)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
