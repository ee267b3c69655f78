"""How long counting the skills takes: a progress file with a first try at every asked step of every shipped lesson.

    python benchmarks/skills.py

Cold: the first count in a process (every lesson file loaded and its steps mapped). Warm: counting again, as the
home screen does when the learner comes back from a lesson (the step maps are kept by file version).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["BACKPROP_TUTOR_HOME"] = tempfile.mkdtemp(prefix="skills-bench-")

from tutor.course.index import index_course  # noqa: E402
from tutor.progress import Attempt, ProgressStore, lesson_source  # noqa: E402
from tutor.skills import course_finder, skill_rates  # noqa: E402


def main() -> int:
    """Fill a progress store, then time the cold count and the median of five warm ones."""
    index = index_course()
    store = ProgressStore()
    t0 = datetime(2026, 3, 2, tzinfo=UTC)
    tries = 0
    for i, entry in enumerate(index.entries):
        record = store.lesson(entry.id, entry.content_hash, lesson_source(entry.path))
        for j, step_id in enumerate(entry.asked_ids):
            at = (t0 + timedelta(minutes=100 * i + j)).isoformat(timespec="milliseconds")
            record.step(step_id).attempts.append(Attempt("typed", (i + j) % 3 != 0, None, at))
            tries += 1
    lessons = {e.id: e.path for e in index.entries}
    start = time.perf_counter()
    rates = skill_rates(store, course_finder(lessons))
    cold = time.perf_counter() - start
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        skill_rates(store, course_finder(lessons))
        warm.append(time.perf_counter() - start)
    tried = sum(1 for r in rates if r.tried)
    print(f"{len(index.entries)} lessons, {tries} first tries, {tried} of {len(rates)} skills tried")
    print(f"cold (load and map every lesson): {cold * 1000:.0f} ms; warm: {statistics.median(warm) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
