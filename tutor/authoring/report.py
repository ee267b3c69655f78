"""A teacher's report of learners' progress: per learner and lesson, each step solved, shown or open, the attempts,
the diagnoses the grader made, and the time spent; from progress files a class hands in, merged.

Each file is one learner's ``progress.json`` (format 2, or format 1, read by :mod:`tutor.progress` through
:mod:`tutor.safefile`). The learner is named by ``--name``, else by the file name (``alice.json`` is alice;
a file called ``progress.json`` is named by its folder, ``alice/progress.json``). Files of the same learner
are merged as the app merges them (a step solved in either is solved, attempts are unioned). A lesson's row
is its most recently used version (content hash) from wherever it was opened.

Time spent is the sum of the gaps between a lesson's consecutive activities (each attempt's time, and the
record's last update), leaving out every gap longer than :data:`IDLE_GAP` (a break, not work): an
afternoon's two sessions with lunch between count as the two sessions.
"""

from __future__ import annotations

import getpass
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path

from tutor.course.index import CourseIndex
from tutor.progress import SHOWN, SOLVED, LessonProgress, read_file, when

IDLE_GAP = 10 * 60  # seconds: a longer pause between two activities is not counted as time spent
OPEN = "open"

#: what each diagnosis id means (the grader's and the op table's mistakes, and the author's)
DIAGNOSES = {
    "author": "an answer the lesson's author anticipated (mistakes:)",
    "sign": "the sign flipped",
    "transposed": "the transpose of the answer",
    "shape": "an answer of the wrong shape",
    "entries": "some entries right, some wrong",
    "factor": "off by a constant factor",
    "precision": "close, but with fewer digits than the step's tolerance asks",
    "factor-n": "off by the batch size N (mean against sum)",
    "power": "the power rule misapplied",
    "power-not-down": "the power rule: the exponent not brought down",
    "power-not-lowered": "the power rule: the exponent not lowered by one",
    "from-input": "a local derivative taken at the input, not the output (σ′ at z)",
    "before-op": "a forward value before the line's last operation",
    "delta-for-local": "the delta given where the local derivative was asked",
    "local-forgotten": "the upstream delta alone: the local factor left out",
    "upstream-forgotten": "the local derivative alone: the upstream delta left out",
    "fan-out": "only one path of a fan-out: the contributions must add",
    "unsummed": "per-sample gradients not summed over the batch",
    "not-general": "a formula right at these values only",
}


@dataclass
class StepRow:
    """One step of one learner's lesson: its status, attempts and diagnoses."""

    id: str
    status: str  # "solved", "shown" or "open"
    attempts: int = 0
    wrong: int = 0
    hints: int = 0
    diagnoses: Counter[str] = field(default_factory=Counter)


@dataclass
class LessonRow:
    """One learner's progress in one lesson."""

    learner: str
    file: str
    lesson: str
    title: str
    source: str  # "shipped" or the lesson file's path on the learner's machine
    version: str
    steps: list[StepRow]
    seconds: int
    first: str
    last: str

    def count(self, status: str) -> int:
        """How many steps have this status."""
        return sum(1 for s in self.steps if s.status == status)

    def diagnoses(self) -> Counter[str]:
        """Every diagnosis made in the lesson, with how often."""
        total: Counter[str] = Counter()
        for s in self.steps:
            total.update(s.diagnoses)
        return total


@dataclass
class Report:
    """The rows of a report and the problems met reading its files (each ``file: what``)."""

    rows: list[LessonRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def learner_name(path: Path) -> str:
    """The learner a progress file belongs to: its name, or its folder's for a plain ``progress.json``."""
    if path.stem in ("progress", "progress.format2") and path.parent.name:
        return path.parent.resolve().name
    return path.stem


def default_learner() -> str:
    """The name used for this machine's own progress store."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name on this system
        return "learner"


def build_report(files: list[tuple[str, Path]], index: CourseIndex | None = None, own: bool = False) -> Report:
    """A report over ``(learner, progress file)`` pairs; the index names lessons and lists their steps.

    ``own``: the file is this machine's progress store, which may not exist yet (then there is nothing to report).
    """
    report = Report()
    merged: dict[str, dict[str, LessonProgress]] = {}  # learner -> record key + version -> record
    origin: dict[str, list[str]] = {}
    for learner, path in files:
        found = read_file(path)
        if found.missing:
            if found.unreachable or not own:
                report.problems.append(f"{path}: {found.unreachable or 'no such progress file'}")
            continue
        if found.damage is not None:
            kept = "; the lessons that could be read are reported" if found.lessons else ""
            report.problems.append(f"{path}: {found.damage}{kept}")
        if found.newer is not None:
            report.problems.append(
                f"{path}: written by a newer backprop-tutor (format {found.newer}); what could be read is reported"
            )
        records = merged.setdefault(learner, {})
        origin.setdefault(learner, []).append(str(path))
        for key, versions in found.lessons.items():
            for content_hash, record in versions.items():
                slot = f"{key}#{content_hash}"
                if slot in records:
                    records[slot].absorb(record)
                else:
                    records[slot] = record
    for learner, records in sorted(merged.items()):
        newest: dict[str, LessonProgress] = {}
        for record in records.values():
            if not record.started:
                continue
            seen = newest.get(record.lesson_id)
            if seen is None or _reported_before(record, seen):
                newest[record.lesson_id] = record
        for _, record in sorted(newest.items()):
            report.rows.append(_row(learner, ", ".join(origin[learner]), record, index))
    return report


def _reported_before(record: LessonProgress, other: LessonProgress) -> bool:
    """Whether a lesson's record is the one to report rather than ``other``: the lesson itself before a variant of
    it (practice with new numbers), then the newer."""
    if (record.variant == 0) != (other.variant == 0):
        return record.variant == 0
    return when(record.updated) > when(other.updated)


def _row(learner: str, file: str, record: LessonProgress, index: CourseIndex | None) -> LessonRow:
    """One learner's row for one lesson."""
    entry = index.get(record.lesson_id) if index is not None else None
    step_ids = list(entry.asked_ids) if entry is not None else []  # a given step is not asked
    step_ids += [s for s in record.steps if s not in step_ids]
    steps = []
    for sid in step_ids:
        p = record.steps.get(sid)
        if p is None:
            steps.append(StepRow(sid, OPEN))
            continue
        status = p.status if p.status in (SOLVED, SHOWN) else OPEN
        diagnoses = Counter(a.diagnosis for a in p.attempts if a.diagnosis)
        steps.append(StepRow(sid, status, len(p.attempts), p.wrong_attempts, p.hints, diagnoses))
    moments = sorted(t for t in (when(a.at) for s in record.steps.values() for a in s.attempts) if t.year > 1)
    if when(record.updated).year > 1:
        moments = sorted([*moments, when(record.updated)])
    return LessonRow(
        learner=learner,
        file=file,
        lesson=record.lesson_id,
        title=entry.title if entry is not None else "",
        source="shipped" if record.source is None else record.source,
        version=record.content_hash,
        steps=steps,
        seconds=time_spent(moments),
        first=moments[0].isoformat(timespec="seconds") if moments else "",
        last=moments[-1].isoformat(timespec="seconds") if moments else "",
    )


def time_spent(moments: list[datetime]) -> int:
    """Seconds between consecutive activities, gaps over IDLE_GAP left out."""
    total = 0.0
    for a, b in pairwise(moments):
        gap = (b - a).total_seconds()
        if 0 < gap <= IDLE_GAP:
            total += gap
    return round(total)


def show_duration(seconds: int) -> str:
    """``1 h 05 min``, ``12 min``, ``40 s``."""
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def meaning(diagnosis: str) -> str:
    """What a diagnosis id means (an op's own slip, ``power-…``, by its family)."""
    if diagnosis in DIAGNOSES:
        return DIAGNOSES[diagnosis]
    family = diagnosis.split(":")[0].split("-")[0]
    return DIAGNOSES.get(family, "a mistake the grader recognised")
