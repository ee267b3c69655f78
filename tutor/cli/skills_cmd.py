"""``skills``: how reliably you get each rule right, from the first tries in your progress file.

One line a skill, in the order of :data:`tutor.skills.SKILLS`: its name, a bar and ``7/10 right first time`` over
its latest first tries, or ``no attempts yet``. ``--json`` prints exact JSON. The command reads the progress file
and the lessons it names; it never writes.
"""

from __future__ import annotations

import argparse
import json
import sys

from tutor.progress import ProgressStore
from tutor.safetext import one_line
from tutor.skills import RECENT, as_text, course_finder, skill_rates

EXIT_OK, EXIT_FAIL = 0, 1


def add_skills_arguments(parser: argparse.ArgumentParser) -> None:
    """The skills command's options."""
    parser.add_argument("--json", action="store_true", help="print the skills as JSON")


def run_skills(args: argparse.Namespace) -> int:
    """Print every skill's first-try rate; exit 1 when the progress file had damage."""
    from tutor.course.index import index_course

    store = ProgressStore()
    if store.warning:
        print(f"backprop-tutor skills: {one_line(store.warning)}", file=sys.stderr)
    index = index_course(args.lessons)
    rates = skill_rates(store, course_finder({e.id: e.path for e in index.entries}))
    if args.json:
        print(json.dumps({"recent": RECENT, "skills": [r.to_json() for r in rates]}, indent=2, ensure_ascii=False))
    else:
        for line in as_text(rates):
            print(line)
    return EXIT_FAIL if store.warning else EXIT_OK
