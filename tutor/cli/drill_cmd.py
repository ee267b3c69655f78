"""``drill``: a fresh small computation graph to work through, at a level that follows the learner.

``--print`` writes the drill's lesson file to stdout (it validates with ``--strict``, so a teacher can keep a
good one); otherwise the file is saved under the data folder's ``drills/`` and opened in the app. Without
``--level`` the level adapts to the learner's recent drills (:func:`tutor.drill.adapted_level`); without
``--seed`` a random one is drawn.
"""

from __future__ import annotations

import argparse
import secrets
import sys

from tutor.drill import LEVELS, DrillError, adapted_level, make_drill
from tutor.progress import ProgressStore

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def add_drill_arguments(parser: argparse.ArgumentParser) -> None:
    """The drill command's options."""
    parser.add_argument("--level", type=int, metavar="N", help=f"1 to {LEVELS[-1]} (default: from your recent drills)")
    parser.add_argument("--seed", type=int, metavar="S", help="the same seed gives the same drill")
    parser.add_argument("--print", action="store_true", help="print the drill's lesson file instead of opening it")


def run_drill(args: argparse.Namespace) -> int:
    """Make a drill; print it or open it in the app."""
    store = ProgressStore()
    level = args.level if args.level is not None else adapted_level(recent_drills(store))
    seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    try:
        text, lesson = make_drill(level, seed)
    except DrillError as e:
        print(f"backprop-tutor drill: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.print:
        sys.stdout.write(text)
        return EXIT_OK
    from tutor.paths import data_dir, ensure_dir

    folder = data_dir() / "drills"
    try:
        ensure_dir(folder)
        path = folder / f"{lesson.id}.yaml"
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        print(f"backprop-tutor drill: the drill could not be saved in {folder} ({e.strerror or e})", file=sys.stderr)
        return EXIT_FAIL
    from tutor.ui.app import run_app

    return run_app(lesson=str(path), lesson_dirs=args.lessons, watch=None)


def recent_drills(store: ProgressStore) -> list[tuple[str, str, list[bool]]]:
    """Each drill's id, last update and the first-try results of its steps, from the progress store."""
    out = []
    for r in store.records():
        firsts = [s.attempts[0].correct for s in r.steps.values() if s.attempts]
        out.append((r.lesson_id, r.updated, firsts))
    return out
