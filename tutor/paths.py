"""Where the tutor keeps the learner's data: ``BACKPROP_TUTOR_HOME``, else the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "backprop-tutor"


def data_dir() -> Path:
    """The directory for progress and user lessons (not created here)."""
    override = os.environ.get("BACKPROP_TUTOR_HOME")
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
