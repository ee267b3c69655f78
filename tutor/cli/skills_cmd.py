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
from tutor.skills import RECENT, SkillRate, course_finder, skill_rates

EXIT_OK, EXIT_FAIL = 0, 1
BAR = 10


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


def bar(rate: SkillRate, width: int = BAR) -> str:
    """``■■■■■■■□□□`` for 7 of 10 right; blank for a skill not tried yet."""
    if not rate.tried:
        return " " * width
    filled = (rate.right * width) // rate.tried
    return "■" * filled + "□" * (width - filled)


def as_text(rates: list[SkillRate]) -> list[str]:
    """The human listing: a headline, then one line per skill."""
    tried = sum(1 for r in rates if r.tried)
    lines = [f"Skills: first tries, the latest {RECENT} of each ({tried} of {len(rates)} skills tried so far)."]
    width = max(len(r.skill.name) for r in rates)
    lines += [f"  {r.skill.name:<{width}}  {bar(r)}  {r.said()}" for r in rates]
    return lines
