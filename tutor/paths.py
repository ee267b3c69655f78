"""Where the tutor keeps the learner's data: ``BACKPROP_TUTOR_HOME``, else the platform's user data dir."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

APP_NAME = "backprop-tutor"
HOME_VAR = "BACKPROP_TUTOR_HOME"


class DataDirError(OSError):
    """The data folder cannot be used (a file in its place, no permission); ``strerror`` says what to do."""

    def __init__(self, directory: Path, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(directory))
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def data_dir() -> Path:
    """The directory for progress and user lessons (not created here)."""
    override = os.environ.get(HOME_VAR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def progress_file() -> Path:
    """The learner's progress file."""
    return data_dir() / "progress.json"


def user_lessons_dir() -> Path:
    """The learner's or teacher's own lessons, loaded after the shipped course."""
    return data_dir() / "lessons"


def dir_problem(directory: Path) -> str | None:
    """What keeps ``directory`` from being used as a folder (None if nothing, or if it does not exist yet)."""
    from tutor.safetext import one_line

    shown = one_line(str(directory))
    for folder in (directory, *directory.parents):
        try:
            st = os.stat(folder)
        except FileNotFoundError:
            continue  # created when first needed
        except NotADirectoryError:
            continue  # an ancestor is a file: found further up
        except PermissionError:
            blocker = one_line(str(_blocker(folder)))
            return (
                f"the data folder {shown} cannot be reached (permission denied in {blocker}); "
                f"fix the permissions or set {HOME_VAR} to a folder you can write"
            )
        except OSError as e:
            return f"the data folder {shown} cannot be used ({e.strerror or e}); set {HOME_VAR} to another folder"
        if not stat.S_ISDIR(st.st_mode):
            where = "is a file" if folder == directory else f"is under {one_line(str(folder))}, which is a file"
            return f"the data folder {shown} {where}, not a folder; move it away or set {HOME_VAR} to another folder"
        return None
    return None


def _blocker(path: Path) -> Path:
    """The folder whose permissions keep ``path`` out of reach: its nearest ancestor that can be looked at."""
    for folder in path.parents:
        try:
            os.stat(folder)
        except OSError:
            continue
        return folder
    return path


def ensure_dir(directory: Path) -> None:
    """Create ``directory`` (and its parents) if needed; :class:`DataDirError` saying what is wrong otherwise."""
    problem = dir_problem(directory)
    if problem is not None:
        raise DataDirError(directory, problem)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        from tutor.safetext import one_line

        raise DataDirError(
            directory,
            f"cannot create the data folder {one_line(str(directory))} ({e.strerror or e}); "
            f"set {HOME_VAR} to a folder you can write",
        ) from None
