"""The learner's progress: one small JSON file, saved atomically, keyed by lesson id and content hash.

A lesson whose file changed (another content hash) starts afresh: stale answers are never inherited.
A file that cannot be read is moved aside (``progress.json.corrupt-<timestamp>``) and reported as a
warning; nothing here raises on bad data. No textual import: the UI and tests use it alike.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tutor.paths import progress_file

FORMAT = 1
SOLVED = "solved"
SHOWN = "shown"


@dataclass
class Attempt:
    """One graded answer: what was typed, whether it was right, and the grader's diagnosis."""

    text: str
    correct: bool
    diagnosis: str | None = None
    at: str = ""

    def to_json(self) -> dict[str, Any]:
        """The attempt as JSON data."""
        return {"text": self.text, "correct": self.correct, "diagnosis": self.diagnosis, "at": self.at}

    @staticmethod
    def from_json(data: Any) -> Attempt:
        """An attempt from JSON data; ValueError if malformed."""
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise ValueError("an attempt must be an object with a text")
        diagnosis = data.get("diagnosis")
        return Attempt(
            text=data["text"],
            correct=bool(data.get("correct")),
            diagnosis=diagnosis if isinstance(diagnosis, str) else None,
            at=str(data.get("at", "")),
        )


@dataclass
class StepProgress:
    """One step's record: solved or shown (or neither yet), graded attempts, hints used."""

    status: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    hints: int = 0

    @property
    def done(self) -> bool:
        """Solved or shown: the step's answer is known to the learner."""
        return self.status in (SOLVED, SHOWN)

    @property
    def wrong_attempts(self) -> int:
        """How many graded attempts were wrong."""
        return sum(1 for a in self.attempts if not a.correct)

    def to_json(self) -> dict[str, Any]:
        """The step's record as JSON data."""
        return {"status": self.status, "attempts": [a.to_json() for a in self.attempts], "hints": self.hints}

    @staticmethod
    def from_json(data: Any) -> StepProgress:
        """A step record from JSON data; ValueError if malformed."""
        if not isinstance(data, dict):
            raise ValueError("a step record must be an object")
        status = data.get("status")
        if status not in (None, SOLVED, SHOWN):
            raise ValueError(f"unknown step status {status!r}")
        attempts = data.get("attempts", [])
        hints = data.get("hints", 0)
        if not isinstance(attempts, list) or not isinstance(hints, int) or hints < 0:
            raise ValueError("attempts must be a list and hints a count")
        return StepProgress(status, [Attempt.from_json(a) for a in attempts], hints)


@dataclass
class LessonProgress:
    """A learner's record of one version of one lesson."""

    lesson_id: str
    content_hash: str
    current: str | None = None  # a step id, "intro" or "summary"
    steps: dict[str, StepProgress] = field(default_factory=dict)
    updated: str = ""

    def step(self, step_id: str) -> StepProgress:
        """The record of a step, created empty when first asked for."""
        return self.steps.setdefault(step_id, StepProgress())

    def done_count(self, step_ids: list[str] | tuple[str, ...]) -> int:
        """How many of these steps are solved or shown."""
        return sum(1 for s in step_ids if s in self.steps and self.steps[s].done)

    @property
    def started(self) -> bool:
        """Whether the learner has done anything in this lesson."""
        return self.current is not None or any(s.done or s.attempts or s.hints for s in self.steps.values())

    def to_json(self) -> dict[str, Any]:
        """The lesson's record as JSON data."""
        return {
            "hash": self.content_hash,
            "current": self.current,
            "updated": self.updated,
            "steps": {k: v.to_json() for k, v in self.steps.items()},
        }

    @staticmethod
    def from_json(lesson_id: str, data: Any) -> LessonProgress:
        """A lesson record from JSON data; ValueError if malformed."""
        if not isinstance(data, dict) or not isinstance(data.get("hash"), str):
            raise ValueError(f"the record of lesson {lesson_id!r} must be an object with a hash")
        current = data.get("current")
        steps = data.get("steps", {})
        if (current is not None and not isinstance(current, str)) or not isinstance(steps, dict):
            raise ValueError(f"the record of lesson {lesson_id!r} is malformed")
        return LessonProgress(
            lesson_id,
            data["hash"],
            current,
            {str(k): StepProgress.from_json(v) for k, v in steps.items()},
            str(data.get("updated", "")),
        )


class ProgressStore:
    """All lessons' records, read once from the progress file and written back atomically on save."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else progress_file()
        self.warning: str | None = None  # set when the file could not be read and was moved aside
        self._lessons: dict[str, LessonProgress] = {}
        self._load()

    def _load(self) -> None:
        """Read the file; a missing file is an empty store, an unreadable one is moved aside."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as e:
            self._set_aside(f"could not be read ({e})")
            return
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
                raise ValueError("expected an object with 'lessons'")
            if data.get("format", FORMAT) != FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            self._lessons = {str(k): LessonProgress.from_json(str(k), v) for k, v in data["lessons"].items()}
        except ValueError as e:  # json.JSONDecodeError is a ValueError
            self._lessons = {}
            self._set_aside(f"is not a valid progress file ({e})")

    def _set_aside(self, why: str) -> None:
        """Move the unreadable file out of the way so that it is kept, and say so."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        try:
            os.replace(self.path, aside)
            self.warning = f"Your progress file {why}; it was moved to {aside} and a new one started."
        except OSError as e:
            self.warning = f"Your progress file {why}, and could not be moved aside ({e}); starting afresh."

    def lesson(self, lesson_id: str, content_hash: str) -> LessonProgress:
        """The record of this version of a lesson; a fresh one if none, or if the lesson has changed."""
        record = self._lessons.get(lesson_id)
        if record is None or record.content_hash != content_hash:
            record = LessonProgress(lesson_id, content_hash)
            self._lessons[lesson_id] = record
        return record

    def peek(self, lesson_id: str, content_hash: str) -> LessonProgress | None:
        """The record of this version of a lesson if there is one, without creating it."""
        record = self._lessons.get(lesson_id)
        return record if record is not None and record.content_hash == content_hash else None

    def to_json(self) -> dict[str, Any]:
        """Everything as JSON data."""
        return {"format": FORMAT, "lessons": {k: v.to_json() for k, v in self._lessons.items() if v.started}}

    def save(self, touched: LessonProgress | None = None) -> None:
        """Write the file atomically: a temp file in the same directory, fsync, ``os.replace``. Raises OSError."""
        if touched is not None:
            touched.updated = datetime.now(UTC).isoformat(timespec="seconds")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json(), indent=1, ensure_ascii=False)
        import tempfile  # only when saving: it is not needed to start

        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:  # make the rename itself durable where the platform allows it
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        except OSError:
            pass
        finally:
            os.close(dir_fd)


def now() -> str:
    """The current time for an attempt record."""
    return datetime.now(UTC).isoformat(timespec="seconds")
