"""The learner's progress: one small JSON file, merged under a lock and saved atomically, never lost.

A lesson's record is keyed by the lesson's id *and* where it came from: a shipped lesson by its id alone (a
reinstall keeps it), any other lesson file by its resolved path, so a teacher's variant that reuses the id
``chain-rule`` has a record of its own. Within a record, each version of the lesson (its content hash) has
its own progress: an edited lesson starts afresh, and the old version's progress is kept (the newest
:data:`MAX_VERSIONS`), so that going back to it resumes it.

Two app instances may share the file. A save takes a lock (``fcntl.flock`` on ``progress.json.lock``,
waiting at most :data:`LOCK_WAIT` seconds; where locking is unavailable or the wait runs out, it goes on
without it), re-reads the file, merges it into memory per lesson, per version and per step (a step solved
in either stays solved; attempts are unioned without duplicates, in time order; hints are the larger count;
``current`` and ``updated`` come from the newer record), writes a temp file, fsyncs it, ``os.replace``-s it
over the old one and fsyncs the folder. Nothing is ever removed by a merge.

A file that cannot be read (not a regular file, over :data:`MAX_BYTES`, not UTF-8, not JSON, nested too
deep, wrong types) is moved aside to ``progress.json.corrupt-<timestamp>`` and reported in
:attr:`ProgressStore.warning`; lessons whose records were still sound are kept. A file written by a newer
version of the tutor is never overwritten: this version reads what it can and saves to
``progress.format2.json`` beside it. Text that cannot be encoded (lone surrogates) is replaced by U+FFFD
on the way in, so that a save never fails on it. No textual import: the UI and tests use it alike.

The format (``"format": 2``)::

    {"format": 2,
     "lessons": {
       "<key>": {                               # "chain-rule", or "chain-rule@/home/t/variant.yaml"
         "id": "chain-rule",
         "source": null,                        # null: a shipped lesson; else the lesson file's path
         "from_format": 1,                      # only on records migrated from format 1 (see below)
         "versions": {
           "<content hash>": {
             "current": "grad:x",               # a step id, "intro" or "summary", or null
             "updated": "2025-01-01T10:00:00.000+00:00",
             "reset": "<ISO time>",             # only after a reset of the lesson (see below)
             "steps": {"<step id>": {"status": "solved" | "shown" | null, "hints": 0,
                                     "reset": "<ISO time>",      # only after a reset of the step
                                     "attempts": [{"text": "3", "correct": true,
                                                   "diagnosis": null, "at": "<ISO time>"}]}}}},
         "history": [                           # only after a reset: the records reset, newest last
           {"at": "<ISO time>", "reset": "lesson" | "step <step id>", "version": "<content hash>",
            "record": {"current": ..., "updated": ..., "steps": {...}}}]}}}

A reset (of a lesson, or of one step) keeps the old record in the lesson's ``history`` (the newest
:data:`MAX_HISTORY`) and stamps the fresh record with its time: a merge then takes from a record reset
earlier (or never) only the attempts made after that time, so that another instance's older copy cannot
bring the reset progress back. The new keys are optional, so a file with them is still format 2: an older
tutor reads it (and drops the history when it saves).

A variant of a lesson (the same lesson with new numbers, ``tutor.course.variant``) is one more version of its
record, keyed ``"<content hash>/variant-<K>"``: its progress never touches the original's, and a version of the
tutor that knows nothing of variants reads, keeps and writes it back as the version of an edited lesson. The
newest :data:`MAX_VERSIONS` versions of the lesson itself are kept, and beside them the newest
:data:`MAX_VARIANTS` variants, so that practising variants never pushes the lesson's own progress out.

The optional top-level ``"cards"`` section holds the review cards of :mod:`tutor.review` (one per step a
learner got wrong with a diagnosed mistake), keyed ``"<lesson record key>#<step id>"``::

    "cards": {"chain-rule#grad:x": {"lesson": "chain-rule", "source": null, "step": "grad:x",
                                    "answer": "0.25", "diagnosis": "sigmoid-at-input", "made": "<ISO time>",
                                    "updated": "<ISO time>", "reviews": 0, "variant": 0,
                                    "schedule": {"state": 1, "step": 0, "stability": null,
                                                 "difficulty": null, "due": "<ISO time>",
                                                 "last_review": "<ISO time>" | null}}}

It is still format 2: a version without cards reads the file as before and ignores the section (if it saves,
the section is dropped, and the cards are made again from the recorded attempts, which keep every diagnosis).
A damaged card is left out and named like a damaged lesson record (the file is moved aside, the rest kept);
two records of a card merge to the one updated later. ``variant`` is the variant the old answer was given in
(0: the lesson as written), so that it is shown against the numbers it was meant for.

Format 1 (the first release) kept one version per lesson id, ``{"lessons": {"<id>": {"hash", "current",
"updated", "steps"}}}``, with no idea where a lesson came from. Its records migrate under the lesson id with
``"from_format": 1``; a lesson from another path whose content hash matches such a record starts from a copy
of it (the same file content, so the same lesson), and the record itself stays where it is.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tutor.course.vary import base_hash, variant_of
from tutor.paths import DataDirError, dir_problem, ensure_dir, progress_file
from tutor.safefile import FileRefused, read_bytes
from tutor.safetext import one_line

FORMAT = 2
SOLVED = "solved"
SHOWN = "shown"
MAX_BYTES = 32 * 1024 * 1024  # a progress file over this is refused before reading
MAX_VERSIONS = 20  # kept per lesson; the least recently used is dropped first
MAX_VARIANTS = 50  # variants kept per lesson besides those versions; the least recently used is dropped first
MAX_ATTEMPTS = 100  # kept per step: the first KEEP_FIRST_ATTEMPTS and the latest
KEEP_FIRST_ATTEMPTS = 10
MAX_ANSWER_CHARS = 1000  # a longer typed answer is kept shortened, ending in "…"
MAX_TEXT_CHARS = 4096  # ids, paths, hashes, diagnoses
MAX_HINTS = 10_000
MAX_HISTORY = 50  # reset records kept per lesson, the newest
LOCK_WAIT = 5.0  # seconds a save waits for another instance's save before going on without the lock
_SURROGATE = re.compile("[\ud800-\udfff]")
_STATUS_RANK = {None: 0, SHOWN: 1, SOLVED: 2}
_EPOCH = datetime.min.replace(tzinfo=UTC)


MAX_CARDS = 10_000  # review cards kept; the least recently updated are dropped first
CARD_FIELDS = ("lesson", "step", "answer", "made", "updated")  # the text fields a card must have
SCHEDULE_STATES = (1, 2, 3)  # learning, review, relearning (fsrs.State)


class Damaged(ValueError):
    """Part of a progress file is not what this version wrote; the message says which part."""


def clean(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` safe to save: lone surrogates replaced by U+FFFD, at most ``limit`` characters."""
    text = _SURROGATE.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(stamp: str) -> datetime:
    """An ISO time as a comparable datetime (the epoch if it is missing or malformed)."""
    try:
        t = datetime.fromisoformat(stamp)
    except (ValueError, TypeError):
        return _EPOCH
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def later(a: str, b: str) -> str:
    """The later of two ISO times ("" stands for never)."""
    return b if when(b) > when(a) else a


_last_stamp = datetime.min.replace(tzinfo=UTC)


def now() -> str:
    """The current time for a record, in milliseconds and strictly later than the last one this process gave, so
    that two saves or attempts in the same millisecond still keep their order."""
    global _last_stamp
    t = datetime.now(UTC)
    t = t.replace(microsecond=t.microsecond // 1000 * 1000)
    if t <= _last_stamp:
        t = _last_stamp + timedelta(milliseconds=1)
    _last_stamp = t
    return t.isoformat(timespec="milliseconds")


def _after(steps: Iterable[StepProgress]) -> str:
    """The time of a reset of these steps: now, but always later than their last attempt. Times are kept to the
    millisecond and a merge keeps what was done at or after a reset, so an attempt made in the same millisecond
    as the reset would otherwise come back with the next save's merge, its step solved again."""
    at = now()
    last = max((when(a.at) for step in steps for a in step.attempts), default=_EPOCH)
    if when(at) <= last:
        at = (last + timedelta(milliseconds=1)).isoformat(timespec="milliseconds")
    return at


def lesson_source(path: Path | None) -> str | None:
    """Where a lesson came from, as progress keys it: None for a shipped lesson (or none known), else its path."""
    if path is None:
        return None
    from tutor.course.index import shipped_lessons_dir

    try:
        resolved = path.resolve()
        if resolved.parent == shipped_lessons_dir().resolve():
            return None
    except (OSError, RuntimeError):
        resolved = path.absolute()
    return clean(os.fsencode(resolved).decode("utf-8", "backslashreplace"))


def record_key(lesson_id: str, source: str | None) -> str:
    """The key of a lesson's record in the file: the id for a shipped lesson, ``id@path`` for another."""
    return lesson_id if source is None else f"{lesson_id}@{source}"


# --- reading JSON data strictly -----------------------------------------------------------------


def _text(data: dict[str, Any], key: str, what: str, optional: bool = True) -> str | None:
    """A string field (None if absent and optional); Damaged if it is anything else."""
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise Damaged(f"{what}: '{key}' must be text")
    return clean(value)


def _object(data: Any, what: str) -> dict[str, Any]:
    """``data`` if it is a JSON object; Damaged otherwise."""
    if not isinstance(data, dict):
        raise Damaged(f"{what} must be an object")
    return data


@dataclass
class Attempt:
    """One graded answer: what was typed, whether it was right, and the grader's diagnosis."""

    text: str
    correct: bool
    diagnosis: str | None = None
    at: str = ""

    def __post_init__(self) -> None:
        """Keep only text that can be saved, and a bounded amount of it."""
        self.text = clean(self.text, MAX_ANSWER_CHARS)
        self.diagnosis = clean(self.diagnosis) if self.diagnosis is not None else None
        self.at = clean(self.at, 64)

    @property
    def identity(self) -> tuple[str, bool, str | None, str]:
        """What makes two records of an attempt the same attempt."""
        return (self.text, self.correct, self.diagnosis, self.at)

    def to_json(self) -> dict[str, Any]:
        """The attempt as JSON data."""
        return {"text": self.text, "correct": self.correct, "diagnosis": self.diagnosis, "at": self.at}

    @staticmethod
    def from_json(data: Any) -> Attempt:
        """An attempt from JSON data; Damaged if malformed."""
        data = _object(data, "an attempt")
        text = _text(data, "text", "an attempt", optional=False)
        correct = data.get("correct", False)
        if not isinstance(correct, bool):
            raise Damaged("an attempt's 'correct' must be true or false")
        return Attempt(
            text=text or "",
            correct=correct,
            diagnosis=_text(data, "diagnosis", "an attempt"),
            at=_text(data, "at", "an attempt") or "",
        )


@dataclass
class StepProgress:
    """One step's record: solved or shown (or neither yet), graded attempts, hints used."""

    status: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    hints: int = 0
    reset: str = ""  # when the step was last reset ("" if never)

    @property
    def done(self) -> bool:
        """Solved or shown: the step's answer is known to the learner."""
        return self.status in (SOLVED, SHOWN)

    @property
    def wrong_attempts(self) -> int:
        """How many graded attempts were wrong."""
        return sum(1 for a in self.attempts if not a.correct)

    def since(self, reset: str) -> StepProgress:
        """What of this record happened after a reset at ``reset``: the attempts made since, solved if one of
        them was right (a status or hints without a time are left out)."""
        reset = later(reset, self.reset)
        kept = [a for a in self.attempts if when(a.at) >= when(reset)]
        return StepProgress(SOLVED if any(a.correct for a in kept) else None, kept, 0, reset)

    def absorb(self, other: StepProgress) -> None:
        """Merge another record of this step in: the better status, every attempt once, the most hints (of a
        record reset earlier than the other, only what came after the later reset)."""
        if when(other.reset) < when(self.reset):
            other = other.since(self.reset)
        elif when(self.reset) < when(other.reset):
            kept = self.since(other.reset)
            self.status, self.attempts, self.hints, self.reset = kept.status, kept.attempts, kept.hints, kept.reset
        if _STATUS_RANK[other.status] > _STATUS_RANK[self.status]:
            self.status = other.status
        self.hints = max(self.hints, other.hints)
        mine = Counter(a.identity for a in self.attempts)
        extra = []
        for a in other.attempts:
            if mine[a.identity] > 0:
                mine[a.identity] -= 1
            else:
                extra.append(a)
        if extra:
            self.attempts[:] = sorted(self.attempts + extra, key=lambda a: when(a.at))

    def bounded(self) -> list[Attempt]:
        """The attempts that are kept: all of them, or the first few and the latest when there are too many."""
        if len(self.attempts) <= MAX_ATTEMPTS:
            return self.attempts
        return self.attempts[:KEEP_FIRST_ATTEMPTS] + self.attempts[-(MAX_ATTEMPTS - KEEP_FIRST_ATTEMPTS) :]

    def to_json(self) -> dict[str, Any]:
        """The step's record as JSON data."""
        data = {"status": self.status, "attempts": [a.to_json() for a in self.bounded()], "hints": self.hints}
        if self.reset:
            data["reset"] = clean(self.reset, 64)
        return data

    @staticmethod
    def from_json(data: Any) -> StepProgress:
        """A step record from JSON data; Damaged if malformed."""
        data = _object(data, "a step record")
        status = data.get("status")
        if status not in (None, SOLVED, SHOWN):
            raise Damaged(f"unknown step status {one_line(repr(status))[:40]}")
        attempts = data.get("attempts", [])
        hints = data.get("hints", 0)
        if not isinstance(attempts, list):
            raise Damaged("a step's attempts must be a list")
        if not isinstance(hints, int) or isinstance(hints, bool) or not 0 <= hints <= MAX_HINTS:
            raise Damaged(f"a step's hints must be a count from 0 to {MAX_HINTS}")
        step = StepProgress(status, [Attempt.from_json(a) for a in attempts], hints)
        step.reset = _text(data, "reset", "a step record") or ""
        step.attempts = list(step.bounded())
        return step


@dataclass
class LessonProgress:
    """A learner's record of one version (content hash) of one lesson from one place."""

    lesson_id: str
    content_hash: str
    current: str | None = None  # a step id, "intro" or "summary"
    steps: dict[str, StepProgress] = field(default_factory=dict)
    updated: str = ""
    source: str | None = None  # None for a shipped lesson, else the lesson file's path
    reset: str = ""  # when the lesson was last reset ("" if never)

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

    @property
    def key(self) -> str:
        """The key of this lesson's record in the progress file."""
        return record_key(self.lesson_id, self.source)

    @property
    def variant(self) -> int:
        """Which variant of the lesson this record is of: 0 for the lesson as written."""
        return variant_of(self.content_hash)

    def since(self, reset: str) -> LessonProgress:
        """What of this record happened after a reset of the lesson at ``reset`` (see StepProgress.since)."""
        late = when(self.updated) >= when(reset)
        steps: dict[str, StepProgress] = {}
        for step_id, step in self.steps.items():
            kept = step.since(reset)
            if when(step.reset) <= when(reset):
                kept.reset = ""  # the lesson's reset says it
            if kept.attempts or kept.reset:
                steps[step_id] = kept
        record = LessonProgress(self.lesson_id, self.content_hash, self.current if late else None, steps)
        record.updated = self.updated if late else ""
        record.source = self.source
        record.reset = reset
        return record

    def absorb(self, other: LessonProgress) -> None:
        """Merge another record of this version in, step by step; the newer one says where the learner is. Of a
        record reset earlier than the other, only what came after the later reset counts."""
        if when(other.reset) < when(self.reset):
            other = other.since(self.reset)
        elif when(self.reset) < when(other.reset):
            kept = self.since(other.reset)
            self.current, self.steps, self.updated, self.reset = kept.current, kept.steps, kept.updated, kept.reset
        if when(other.updated) > when(self.updated) or self.current is None:
            self.current = other.current if other.current is not None else self.current
        if when(other.updated) > when(self.updated):
            self.updated = other.updated
        for step_id, theirs in other.steps.items():
            mine = self.steps.get(step_id)
            if mine is None:
                self.steps[step_id] = theirs
            else:
                mine.absorb(theirs)

    def copy_as(self, source: str | None) -> LessonProgress:
        """A copy of this record for the same lesson found at another place."""
        data = self.version_json()
        return LessonProgress.from_json(self.lesson_id, self.content_hash, data, source)

    def version_json(self) -> dict[str, Any]:
        """This version's progress as JSON data."""
        data: dict[str, Any] = {
            "current": clean(self.current) if self.current is not None else None,
            "updated": clean(self.updated, 64),
            "steps": {
                clean(k): v.to_json() for k, v in self.steps.items() if v.done or v.attempts or v.hints or v.reset
            },
        }
        if self.reset:
            data["reset"] = clean(self.reset, 64)
        return data

    @staticmethod
    def from_json(lesson_id: str, content_hash: str, data: Any, source: str | None = None) -> LessonProgress:
        """One version's record from JSON data; Damaged if malformed."""
        what = f"the record of lesson {one_line(lesson_id)}"
        data = _object(data, what)
        steps = data.get("steps", {})
        if not isinstance(steps, dict):
            raise Damaged(f"{what}: 'steps' must be an object")
        return LessonProgress(
            clean(lesson_id),
            clean(content_hash),
            _text(data, "current", what),
            {clean(k): StepProgress.from_json(v) for k, v in steps.items()},
            _text(data, "updated", what) or "",
            source,
            _text(data, "reset", what) or "",
        )


@dataclass
class Reset:
    """A reset, kept in the lesson's history: when, what (``lesson`` or ``step <id>``), and the record it reset."""

    at: str
    what: str
    record: LessonProgress

    @property
    def identity(self) -> tuple[str, str, str]:
        """What makes two copies of a history entry the same entry."""
        return (self.at, self.what, self.record.content_hash)

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON data."""
        return {
            "at": clean(self.at, 64),
            "reset": clean(self.what),
            "version": clean(self.record.content_hash),
            "record": self.record.version_json(),
        }

    @staticmethod
    def from_json(lesson_id: str, source: str | None, data: Any) -> Reset:
        """A history entry from JSON data; Damaged if malformed."""
        data = _object(data, "a history entry")
        version = _text(data, "version", "a history entry", optional=False) or ""
        record = LessonProgress.from_json(lesson_id, version, data.get("record"), source)
        return Reset(
            _text(data, "at", "a history entry", optional=False) or "",
            _text(data, "reset", "a history entry", optional=False) or "",
            record,
        )


def _merge_history(mine: list[Reset], theirs: list[Reset]) -> list[Reset]:
    """Both histories, each entry once, oldest first, the newest MAX_HISTORY."""
    seen = {r.identity for r in mine}
    merged = mine + [r for r in theirs if r.identity not in seen]
    merged.sort(key=lambda r: when(r.at))
    return merged[-MAX_HISTORY:]


# --- the whole file ---------------------------------------------------------------------------------

Versions = dict[str, LessonProgress]  # content hash -> that version's record


@dataclass
class FileContents:
    """What a read of the progress file found: the records, and what was wrong, if anything."""

    lessons: dict[str, Versions] = field(default_factory=dict)
    history: dict[str, list[Reset]] = field(default_factory=dict)  # record key -> the resets, oldest first
    legacy: set[str] = field(default_factory=set)  # keys of records migrated from format 1
    damage: str | None = None  # why the file (or some of its records) could not be read
    newer: int | None = None  # the format, when a newer version of the tutor wrote the file
    missing: bool = False
    unreachable: str | None = None  # the data folder cannot be reached: nothing to move aside
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # review cards, checked (see read_card)


def _reject_constant(name: str) -> float:
    """JSON's NaN and Infinity are not progress data."""
    raise Damaged(f"{name} is not a number a progress file holds")


def parse(raw: bytes) -> FileContents:
    """The records of a progress file's bytes, migrating format 1; the damage it has, if any."""
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as e:
        return FileContents(damage=f"is not UTF-8 text (byte {e.start})")
    except RecursionError:
        return FileContents(damage="is nested too deeply to be a progress file")
    except ValueError as e:  # json.JSONDecodeError, Damaged, an integer over Python's digit limit
        return FileContents(damage=f"is not valid JSON ({one_line(str(e))[:200]})")
    version = data.get("format", 1) if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT:
        found = FileContents(newer=version)  # never touched: read what can be read
        if isinstance(data.get("lessons"), dict):
            _read_lessons(data["lessons"], found, salvage=True)
        return found
    if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
        return FileContents(damage="is not a progress file (expected an object with 'lessons')")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return FileContents(damage=f"has an unknown format {one_line(repr(version))[:40]}")
    found = FileContents()
    if version == 1:
        _read_format_1(data["lessons"], found)
    else:
        _read_lessons(data["lessons"], found)
        _read_cards(data.get("cards", {}), found)
    return found


def _read_cards(cards: Any, found: FileContents) -> None:
    """The review cards section into ``found``; a damaged card is left out and named in ``found.damage``."""
    if not isinstance(cards, dict):
        _add_damage(found, "a 'cards' section that is not an object")
        return
    damaged: list[str] = []
    for key, card in cards.items():
        try:
            found.cards[clean(key)] = read_card(card, f"the review card {one_line(key)[:80]}")
        except (Damaged, RecursionError) as e:
            damaged.append(one_line(str(e))[:240])
    if damaged:
        _add_damage(found, "damaged review cards: " + "; ".join(damaged[:5]) + ("; ..." if len(damaged) > 5 else ""))


def _add_damage(found: FileContents, what: str) -> None:
    """Name one more damaged part of the file in ``found.damage``."""
    found.damage = f"has {what}" if found.damage is None else f"{found.damage}, and {what}"


def _time_field(data: dict[str, Any], key: str, what: str, optional: bool = False) -> str | None:
    """An ISO 8601 time field with a time zone (None if absent and optional); Damaged otherwise."""
    text = _text(data, key, what, optional)
    if text is None:
        return None
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise Damaged(f"{what}: '{key}' is not an ISO 8601 time ({one_line(text)[:40]})") from None
    if stamp.tzinfo is None:
        raise Damaged(f"{what}: '{key}' has no time zone ({one_line(text)[:40]})")
    return text


def _number(data: dict[str, Any], key: str, what: str, low: float, high: float) -> float | None:
    """A number field within [low, high], or null; Damaged otherwise."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise Damaged(f"{what}: '{key}' must be a number from {low:g} to {high:g}, or null")
    return float(value)


def read_card(data: Any, what: str) -> dict[str, Any]:
    """A review card's JSON data, checked field by field and cleaned; Damaged (saying which field) if not."""
    data = _object(data, what)
    card: dict[str, Any] = {k: _text(data, k, what, optional=False) for k in CARD_FIELDS}
    card["source"] = _text(data, "source", what)
    card["diagnosis"] = _text(data, "diagnosis", what)
    for key in ("made", "updated"):
        _time_field(data, key, what)
    reviews = data.get("reviews", 0)
    if isinstance(reviews, bool) or not isinstance(reviews, int) or not 0 <= reviews <= 1_000_000:
        raise Damaged(f"{what}: 'reviews' must be a count")
    card["reviews"] = reviews
    variant = data.get("variant", 0)
    if isinstance(variant, bool) or not isinstance(variant, int) or not 0 <= variant <= 1_000_000_000:
        raise Damaged(f"{what}: 'variant' must be a variant number (0: the lesson as written)")
    card["variant"] = variant
    plan = _object(data.get("schedule"), f"{what}: 'schedule'")
    state = plan.get("state")
    if state not in SCHEDULE_STATES or isinstance(state, bool):
        raise Damaged(f"{what}: 'schedule.state' must be 1, 2 or 3 (learning, review, relearning)")
    step = plan.get("step")
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= 100):
        raise Damaged(f"{what}: 'schedule.step' must be a small count or null")
    card["schedule"] = {
        "state": state,
        "step": step,
        "stability": _number(plan, "stability", f"{what}: schedule", 0, 1e6),
        "difficulty": _number(plan, "difficulty", f"{what}: schedule", 0, 100),
        "due": _time_field(plan, "due", f"{what}: schedule"),
        "last_review": _time_field(plan, "last_review", f"{what}: schedule", optional=True),
    }
    return card


def _read_lessons(lessons: dict[str, Any], found: FileContents, salvage: bool = False) -> None:
    """Format 2's records into ``found``; a damaged record is left out and named in ``found.damage``."""
    damaged: list[str] = []
    for key, record in lessons.items():
        try:
            record = _object(record, f"the record {one_line(key)}")
            lesson_id = _text(record, "id", f"the record {one_line(key)}", optional=False) or ""
            source = _text(record, "source", f"the record {one_line(key)}")
            versions = _object(record.get("versions", {}), f"the versions of {one_line(key)}")
            read = {clean(h): LessonProgress.from_json(lesson_id, h, v, source) for h, v in versions.items()}
            history = record.get("history", [])
            if not isinstance(history, list):
                raise Damaged("'history' must be a list")
            resets = [Reset.from_json(lesson_id, source, r) for r in history[-MAX_HISTORY:]]
        except (Damaged, RecursionError) as e:
            damaged.append(f"{one_line(str(key))[:80]} ({one_line(str(e))[:200]})")
            continue
        target = found.lessons.setdefault(record_key(lesson_id, source), {})
        _absorb_versions(target, read)
        if resets:
            key_of = record_key(lesson_id, source)
            found.history[key_of] = _merge_history(found.history.get(key_of, []), resets)
        if record.get("from_format") == 1:
            found.legacy.add(record_key(lesson_id, source))
    if damaged and not salvage:
        found.damage = "has damaged records for " + "; ".join(damaged)


def _read_format_1(lessons: dict[str, Any], found: FileContents) -> None:
    """Format 1's records (one version per lesson id, no source) into ``found``, marked as migrated."""
    damaged: list[str] = []
    for lesson_id, record in lessons.items():
        try:
            record = _object(record, f"the record of lesson {one_line(lesson_id)}")
            content_hash = _text(record, "hash", f"the record of lesson {one_line(lesson_id)}", optional=False)
            version = LessonProgress.from_json(lesson_id, content_hash or "", record)
        except (Damaged, RecursionError) as e:
            damaged.append(f"{one_line(lesson_id)[:80]} ({one_line(str(e))[:200]})")
            continue
        found.lessons[version.key] = {version.content_hash: version}
        found.legacy.add(version.key)
    if damaged:
        found.damage = "has damaged records for " + "; ".join(damaged)


def _absorb_versions(mine: Versions, theirs: Versions) -> None:
    """Merge another set of versions of one lesson's record into ``mine``."""
    for content_hash, record in theirs.items():
        if content_hash in mine:
            mine[content_hash].absorb(record)
        else:
            mine[content_hash] = record


def read_file(path: Path) -> FileContents:
    """Read and parse the progress file at ``path`` through :mod:`tutor.safefile` (never raises)."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return FileContents(missing=True)
    except OSError:
        problem = dir_problem(path.parent)
        return FileContents(missing=True, unreachable=problem or f"{path} cannot be reached")
    try:
        raw = read_bytes(path, MAX_BYTES, "progress file")
    except FileNotFoundError:
        return FileContents(missing=True)
    except FileRefused as e:
        return FileContents(damage=f"could not be read: {e.reason}")
    except OSError as e:
        return FileContents(damage=f"could not be read ({e.strerror or e})")
    return parse(raw)


class _SaveLock:
    """An exclusive ``flock`` on a lock file beside the progress file, waited for at most LOCK_WAIT seconds.

    Where locks are not available (no ``fcntl``, a file system without them, a folder that cannot hold the
    lock file) or the wait runs out, the save goes on without it: it still re-reads and merges.
    """

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self.fd: int | None = None
        self.held = False

    def __enter__(self) -> _SaveLock:
        try:
            import fcntl
        except ImportError:
            return self
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            self.fd = os.open(self.path, flags, 0o600)
        except OSError:
            return self
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self.held = True
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return self
                time.sleep(0.005)
            except OSError:
                return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is None:
            return
        if self.held:
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


class ProgressStore:
    """All lessons' records, read from the progress file and merged with it under a lock on every save."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else progress_file()
        self.original_path = self.path
        self.warning: str | None = None  # what went wrong with the file, for the learner
        self.frozen = False  # set when no file this version may write is left: saves then do nothing
        self._lessons: dict[str, Versions] = {}
        self._history: dict[str, list[Reset]] = {}
        self._legacy: set[str] = set()
        self.cards: dict[str, dict[str, Any]] = {}  # review cards (tutor.review reads and writes them)
        self._load()

    # --- reading ---------------------------------------------------------------------------

    def _load(self) -> None:
        """Read the file; a missing file is an empty store, a damaged one is moved aside (under the lock)."""
        found = read_file(self.path)
        if found.damage is not None:
            with _SaveLock(self.path):
                found = read_file(self.path)  # another instance may have dealt with it meanwhile
                self._take(found)
            if found.damage is not None and self._lessons:
                self._save_salvaged()
            return
        self._take(found)

    def _take(self, found: FileContents) -> None:
        """Merge what a read found into memory and act on what was wrong: move aside, switch file, warn."""
        if found.unreachable is not None:
            self._warn(f"Your progress cannot be read or saved: {found.unreachable}.")
        if found.newer is not None and self.path == self.original_path:
            self._merge(found)
            self.path = self.path.with_name(f"{self.path.stem}.format{FORMAT}{self.path.suffix}")
            self._warn(
                f"Your progress file {one_line(str(self.original_path))} was written by a newer version of "
                f"backprop-tutor (format {found.newer}; this version knows format {FORMAT}). It is left "
                f"untouched; progress made with this version is saved in {one_line(str(self.path))}. "
                "Update backprop-tutor to keep everything in one file."
            )
            self._take(read_file(self.path))
            return
        if found.newer is not None:  # the fallback file itself is newer: keep it too, and save nowhere
            self._warn(f"{one_line(str(self.path))} is of a newer format too; progress will not be saved.")
            self.frozen = True
            return
        self._merge(found)
        if found.damage is not None:
            self._set_aside(found.damage, kept=bool(found.lessons))

    def _merge(self, found: FileContents) -> None:
        """Merge records read from the file into memory, in place (records held by sessions stay valid)."""
        for key, versions in found.lessons.items():
            _absorb_versions(self._lessons.setdefault(key, {}), versions)
        for key, resets in found.history.items():
            self._history[key] = _merge_history(self._history.get(key, []), resets)
        self._legacy |= found.legacy
        for key, card in found.cards.items():
            mine = self.cards.get(key)
            if mine is None or when(card["updated"]) > when(mine["updated"]):
                self.cards[key] = card

    def records(self) -> list[LessonProgress]:
        """Every version of every lesson's record (for the review cards and the skills)."""
        return [r for versions in self._lessons.values() for r in versions.values()]

    def _warn(self, message: str) -> None:
        """Add a message for the learner to :attr:`warning`."""
        self.warning = message if self.warning is None else f"{self.warning}\n{message}"

    def _set_aside(self, why: str, kept: bool = False) -> None:
        """Move the damaged file out of the way so that it is kept, and say so."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while os.path.lexists(aside):
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
            n += 1
        rest = "the other lessons' progress was kept" if kept else "a new one started"
        shown = one_line(str(self.path))
        try:
            os.replace(self.path, aside)
            self._warn(f"Your progress file {shown} {why}; it was moved to {one_line(str(aside))} and {rest}.")
        except OSError as e:
            self._warn(f"Your progress file {shown} {why}, and could not be moved aside ({e.strerror or e}).")

    def _save_salvaged(self) -> None:
        """Write the records kept from a damaged file at once, so that they are not only in memory."""
        try:
            self.save()
        except OSError as e:
            self._warn(f"The progress kept could not be saved yet ({e.strerror or e}).")

    # --- records ---------------------------------------------------------------------------

    def lesson(self, lesson_id: str, content_hash: str, source: str | None = None) -> LessonProgress:
        """The record of this version of a lesson from this place; a fresh one if there is none yet."""
        record = self.peek(lesson_id, content_hash, source)
        versions = self._lessons.setdefault(record_key(lesson_id, source), {})
        if record is None:
            record = LessonProgress(lesson_id, content_hash, source=source)
        elif record.source != source:  # a format-1 record of the same file content, found at this place
            record = record.copy_as(source)
        versions[content_hash] = record
        return record

    def peek(self, lesson_id: str, content_hash: str, source: str | None = None) -> LessonProgress | None:
        """The record of this version of a lesson from this place, if there is one, without creating it."""
        record = self._lessons.get(record_key(lesson_id, source), {}).get(content_hash)
        if record is None and source is not None and lesson_id in self._legacy:
            record = self._lessons.get(lesson_id, {}).get(content_hash)
        return record

    def versions(self, lesson_id: str, source: str | None = None) -> list[LessonProgress]:
        """Every version of a lesson's record from this place, the most recently updated first."""
        found = self._lessons.get(record_key(lesson_id, source), {}).values()
        return sorted(found, key=lambda r: when(r.updated), reverse=True)

    def kept_apart_note(
        self, lesson_id: str, source: str | None, others: list[str | None] | tuple[str | None, ...] = ()
    ) -> str | None:
        """What to tell the learner when a lesson from elsewhere has this lesson's id (None if none does).

        ``others`` are the sources of the course's lessons with this id; records with progress count too.
        """
        if source is None:
            return None
        elsewhere = {s for s in others if s != source}
        for versions in self._lessons.values():
            for r in versions.values():
                if r.lesson_id == lesson_id and r.source != source and r.started:
                    elsewhere.add(r.source)
        shown = one_line(lesson_id)
        if None in elsewhere:
            return f"This lesson has the id of the shipped lesson {shown}; its progress is kept separately."
        if elsewhere:
            other = one_line(str(sorted(s for s in elsewhere if s is not None)[0]))
            return f"This lesson has the id of the lesson {shown} in {other}; its progress is kept separately."
        return None

    def history(self, lesson_id: str, source: str | None = None) -> list[Reset]:
        """The resets of a lesson from this place, oldest first, each with the record it reset."""
        return list(self._history.get(record_key(lesson_id, source), []))

    # --- resetting ----------------------------------------------------------------------------

    def reset_lesson(self, record: LessonProgress) -> None:
        """Start a lesson afresh: the record's steps and place go to the history, the record is emptied and
        stamped with the reset's time, and the file is saved (OSError if it cannot be)."""
        at = _after(record.steps.values())
        self._keep(record, Reset(at, "lesson", record.copy_as(record.source)))
        record.steps.clear()
        record.current = None
        record.reset = at
        self.save(record)

    def reset_step(self, record: LessonProgress, step_id: str) -> None:
        """Start one step afresh: its record goes to the history, and the file is saved (OSError if not)."""
        at = _after([record.steps[step_id]] if step_id in record.steps else [])
        old = LessonProgress(record.lesson_id, record.content_hash, record.current, source=record.source)
        old.updated = record.updated
        old.steps[step_id] = record.step(step_id)
        self._keep(record, Reset(at, f"step {step_id}", old.copy_as(record.source)))
        record.steps[step_id] = StepProgress(reset=at)
        self.save(record)

    def _keep(self, record: LessonProgress, reset: Reset) -> None:
        """Add a reset to the history of the record's lesson."""
        key = record.key
        self._history[key] = _merge_history(self._history.get(key, []), [reset])

    # --- writing ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Everything worth keeping as JSON data (lessons opened but not started are left out)."""
        lessons: dict[str, Any] = {}
        for key, versions in sorted(self._lessons.items()):
            kept = self._kept_versions(versions)
            if not kept:
                continue
            first = kept[0]
            source = clean(first.source) if first.source is not None else None
            entry: dict[str, Any] = {"id": clean(first.lesson_id), "source": source}
            if key in self._legacy:
                entry["from_format"] = 1
            entry["versions"] = {clean(r.content_hash): r.version_json() for r in kept}
            if self._history.get(key):
                entry["history"] = [r.to_json() for r in self._history[key][-MAX_HISTORY:]]
            lessons[clean(key)] = entry
        data: dict[str, Any] = {"format": FORMAT, "lessons": lessons}
        if self.cards:
            newest = sorted(self.cards.items(), key=lambda kv: when(kv[1]["updated"]), reverse=True)
            data["cards"] = {clean(k): v for k, v in sorted(newest[:MAX_CARDS])}
        return data

    def to_text(self) -> str:
        """The file's text: JSON with one lesson's record per line (readable, and fast to write)."""
        data = self.to_json()
        lines = [
            f" {json.dumps(key, ensure_ascii=False)}: {json.dumps(record, ensure_ascii=False, allow_nan=False)}"
            for key, record in data["lessons"].items()
        ]
        body = "{\n" + ",\n".join(lines) + "\n}" if lines else "{}"
        cards = ""
        if "cards" in data:
            rows = [
                f" {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                for k, v in data["cards"].items()
            ]
            cards = ', "cards": {\n' + ",\n".join(rows) + "\n}"
        return f'{{"format": {data["format"]}, "lessons": {body}{cards}}}\n'

    @staticmethod
    def _kept_versions(versions: Versions) -> list[LessonProgress]:
        """The started (or reset) versions of a lesson, the most recently updated first: at most MAX_VERSIONS of the
        lesson as written and MAX_VARIANTS variants."""
        started = [r for r in versions.values() if r.started or r.reset or any(x.reset for x in r.steps.values())]
        started.sort(key=lambda r: when(r.updated), reverse=True)
        own = [r for r in started if r.variant == 0][:MAX_VERSIONS]
        variants = [r for r in started if r.variant != 0][:MAX_VARIANTS]
        return sorted(own + variants, key=lambda r: when(r.updated), reverse=True)

    def variants_done(self, lesson_id: str, content_hash: str, source: str | None = None) -> list[int]:
        """The variants of this version of a lesson the learner has started, in increasing order."""
        base = base_hash(content_hash)
        found = {
            r.variant
            for r in self._lessons.get(record_key(lesson_id, source), {}).values()
            if r.variant and base_hash(r.content_hash) == base and r.started
        }
        return sorted(found)

    def save(self, touched: LessonProgress | None = None) -> None:
        """Lock, re-read and merge the file, write it atomically, unlock. Raises OSError saying what is wrong."""
        if touched is not None:
            touched.updated = now()
        if self.frozen:
            return
        ensure_dir(self.path.parent)
        with _SaveLock(self.path):
            found = read_file(self.path)
            if found.unreachable is not None:
                raise DataDirError(self.path.parent, found.unreachable)
            self._take(found)
            if self.frozen:  # a newer version took the file meanwhile, and its fallback too
                return
            data = self.to_text().encode("utf-8")
            if len(data) > MAX_BYTES:
                raise OSError(f"the progress file would be over {MAX_BYTES} bytes; it was not saved")
            self._write(data)

    def _write(self, data: bytes) -> None:
        """A temp file in the same folder, fsync, ``os.replace``, then fsync the folder."""
        import tempfile  # only when saving: it is not needed to start

        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
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
