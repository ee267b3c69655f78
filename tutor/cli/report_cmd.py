"""``report``: learners' progress for a teacher, from this machine's progress or from files a class hands in.

Human output escapes control characters (:func:`tutor.safetext.one_line`): a learner's typed text or a file name
cannot drive the terminal. ``--json`` is exact JSON. ``--csv`` is exact too, except that a text cell starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so that a spreadsheet shows it
as text instead of running it as a formula.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from tutor.authoring.report import (
    IDLE_GAP,
    OPEN,
    LessonRow,
    Report,
    build_report,
    default_learner,
    learner_name,
    meaning,
    show_duration,
)
from tutor.progress import SHOWN, SOLVED
from tutor.safetext import one_line

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
RULE = (
    f"Time spent: the gaps between a lesson's activities (attempts and saves), leaving out any gap over "
    f"{IDLE_GAP // 60} minutes."
)
CSV_COLUMNS = [
    "learner",
    "file",
    "lesson",
    "title",
    "source",
    "steps",
    "solved",
    "shown",
    "open",
    "attempts",
    "wrong",
    "hints",
    "minutes",
    "first",
    "last",
    "diagnoses",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``report``."""
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="learners' progress files (default: this machine's); the learner is named by the file name",
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--csv", action="store_true", help="print CSV, one row per learner and lesson")
    parser.add_argument("--name", metavar="NAME", help="the learner's name (one file, or this machine's progress)")


def run_report(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when a file could not be read in full (the rest is still reported)."""
    from tutor.course.index import index_course
    from tutor.paths import progress_file

    if args.name is not None and len(args.files) > 1:
        print("backprop-tutor report: --name names one learner: give one FILE with it", file=sys.stderr)
        return EXIT_USAGE
    if args.files:
        files = [(args.name or learner_name(Path(f)), Path(f)) for f in args.files]
    else:
        files = [(args.name or default_learner(), progress_file())]
    report = build_report(files, index_course(args.lessons), own=not args.files)
    for problem in report.problems:
        print(f"backprop-tutor report: {one_line(problem)}", file=sys.stderr)
    if args.json:
        print(json.dumps(as_json(report), indent=2, ensure_ascii=False))
    elif args.csv:
        write_csv(report, sys.stdout)
    else:
        for line in as_text(report):
            print(one_line(line))
    return EXIT_FAIL if report.problems else EXIT_OK


def as_json(report: Report) -> dict:
    """The report as JSON data."""
    return {
        "idle_gap_seconds": IDLE_GAP,
        "rows": [
            {
                "learner": r.learner,
                "file": r.file,
                "lesson": r.lesson,
                "title": r.title,
                "source": r.source,
                "version": r.version,
                "solved": r.count(SOLVED),
                "shown": r.count(SHOWN),
                "open": r.count(OPEN),
                "seconds": r.seconds,
                "first": r.first,
                "last": r.last,
                "steps": [
                    {
                        "id": s.id,
                        "status": s.status,
                        "attempts": s.attempts,
                        "wrong": s.wrong,
                        "hints": s.hints,
                        "diagnoses": [{"id": d, "count": n, "meaning": meaning(d)} for d, n in s.diagnoses.items()],
                    }
                    for s in r.steps
                ],
            }
            for r in report.rows
        ],
        "problems": report.problems,
    }


def as_text(report: Report) -> list[str]:
    """The report for people: a line per learner and lesson, then a line per step."""
    if not report.rows:
        return ["No progress recorded yet.", RULE]
    lines: list[str] = []
    for r in report.rows:
        lines.append(_headline(r))
        width = max(len(s.id) for s in r.steps)
        for s in r.steps:
            parts = [f"    {s.id:<{width}}  {s.status:<6}"]
            if s.attempts:
                parts.append(f"{s.attempts} attempt{'s' if s.attempts != 1 else ''} ({s.wrong} wrong)")
            if s.hints:
                parts.append(f"{s.hints} hint{'s' if s.hints != 1 else ''}")
            if s.diagnoses:
                parts.append("; ".join(_diagnosis(d, n) for d, n in s.diagnoses.most_common()))
            lines.append("  ".join(parts).rstrip())
    lines.append(RULE)
    return lines


def _headline(r: LessonRow) -> str:
    """A learner's lesson in one line."""
    title = f" ({r.title})" if r.title else ""
    attempts = sum(s.attempts for s in r.steps)
    wrong = sum(s.wrong for s in r.steps)
    return (
        f"{r.learner} · {r.lesson}{title}: {r.count(SOLVED)} solved, {r.count(SHOWN)} shown, {r.count(OPEN)} open "
        f"of {len(r.steps)} steps · {attempts} attempt{'s' if attempts != 1 else ''} ({wrong} wrong) · "
        f"{show_duration(r.seconds)}"
    )


def _diagnosis(diagnosis: str, count: int) -> str:
    """``sign ×2 (the sign flipped)``."""
    times = f" ×{count}" if count > 1 else ""
    return f"{diagnosis}{times} ({meaning(diagnosis)})"


def write_csv(report: Report, out) -> None:  # noqa: ANN001 - a text stream
    """One row per learner and lesson; text cells guarded against spreadsheet formulas."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        diagnoses = "; ".join(f"{d} x{n}" for d, n in r.diagnoses().most_common())
        writer.writerow(
            [
                cell(r.learner),
                cell(r.file),
                cell(r.lesson),
                cell(r.title),
                cell(r.source),
                len(r.steps),
                r.count(SOLVED),
                r.count(SHOWN),
                r.count(OPEN),
                sum(s.attempts for s in r.steps),
                sum(s.wrong for s in r.steps),
                sum(s.hints for s in r.steps),
                round(r.seconds / 60, 1),
                cell(r.first),
                cell(r.last),
                cell(diagnoses),
            ]
        )


def cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: one that would start a formula gets a leading ``'``."""
    return "'" + text if text.startswith(_FORMULA_START) else text
