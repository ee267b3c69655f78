"""``review``: the review cards made from the learner's diagnosed mistakes, with their due times.

``--list`` prints one card a line, the soonest due first; ``--json`` prints exact JSON. The clock is
``BACKPROP_TUTOR_NOW`` when it is set (see :mod:`tutor.review`). The command reads the progress file and
never writes it. Typed answers and ids are shown through :func:`tutor.safetext.one_line`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from tutor.progress import ProgressStore
from tutor.review import ClockError, ReviewCard, cards, clock, sync_cards, when_due
from tutor.safetext import one_line

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def add_review_arguments(parser: argparse.ArgumentParser) -> None:
    """The review command's options."""
    parser.add_argument("--list", action="store_true", help="print every review card with its due time")
    parser.add_argument("--json", action="store_true", help="print the cards as JSON")


def run_review(args: argparse.Namespace) -> int:
    """Print the cards; exit 2 on a clock in an odd format, 1 when the progress file had damage."""
    try:
        now = clock()
    except ClockError as e:
        print(f"backprop-tutor review: {e}", file=sys.stderr)
        return EXIT_USAGE
    store = ProgressStore()
    if store.warning:
        print(f"backprop-tutor review: {one_line(store.warning)}", file=sys.stderr)
    sync_cards(store)
    found = cards(store)
    if args.json:
        out = {"now": now.isoformat(timespec="seconds"), "due": sum(c.is_due(now) for c in found)}
        out["cards"] = [c.to_json() | {"is_due": c.is_due(now)} for c in found]
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for line in as_text(found, now):
            print(line)
    return EXIT_FAIL if store.warning else EXIT_OK


def as_text(found: list[ReviewCard], now: datetime) -> list[str]:
    """The human listing: a headline, then one line per card."""
    due = sum(c.is_due(now) for c in found)
    if not found:
        return ["No review cards yet: a mistake the tutor can name makes one for its step."]
    lines = [f"{len(found)} review card{'s' if len(found) != 1 else ''}, {due} due now."]
    for c in found:
        what = f"{one_line(c.lesson_id)} · {one_line(c.step_id)}"
        said = f"last time {one_line(c.answer)[:40]!r}" + (f" ({one_line(c.diagnosis)})" if c.diagnosis else "")
        lines.append(f"  {when_due(c.due, now):<14} {what}  {said}")
    return lines
