"""How long the PyTorch panel (F4) takes to have PyTorch's numbers: the first reveal, and every later one.

    python benchmarks/reveal.py [--repeat 5]

The panel runs the lesson's generated script in the session's worker (``tutor.reveal.run.TorchWorker``) and
compares the result with the engine. Measured here, from the request to the comparison in hand:

* first reveal: a fresh worker (start an isolated Python, import torch, run one lesson), ``--repeat`` times;
* the worker's warm-up after its first script (it imports what torch loads lazily, ``WARM_MODULES``, while the
  learner reads the first reveal; a reveal asked for meanwhile waits for it);
* later reveals: every shipped lesson in turn through a worker already running and warm, ``--repeat`` rounds;
* the floor: one script in a fresh Python each time (``run_script``, what every reveal cost before the worker).

Needs PyTorch (``pip install torch==2.13.0`` where the local wheel exists).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tutor.course import load_course, solve  # noqa: E402
from tutor.reveal.codegen import lesson_script  # noqa: E402
from tutor.reveal.run import TorchWorker, compare, run_script  # noqa: E402

GOAL_LATER = 0.3  # seconds: a later reveal shows PyTorch's numbers within this


def reveal(worker: TorchWorker, lesson, solution) -> float:
    """Seconds for one reveal of a lesson through ``worker``: run, read the report, compare."""
    t0 = time.perf_counter()
    result = worker.run(lesson_script(lesson, report=True))
    if not result.ok:
        raise SystemExit(f"{lesson.id}: {result.status}: {result.message}")
    compare(lesson, result, solution)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Measure and print the three figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    course = load_course()
    solutions = {lesson.id: solve(lesson) for lesson in course.lessons}
    first_lesson = course.lessons[0]

    first, warm = [], []
    for _ in range(args.repeat):
        worker = TorchWorker()
        try:
            first.append(reveal(worker, first_lesson, solutions[first_lesson.id]))
            warm.append(worker.wait_warm() or 0.0)
        finally:
            worker.stop()

    later, by_lesson = [], {}
    worker = TorchWorker()
    try:
        reveal(worker, first_lesson, solutions[first_lesson.id])  # the first reveal, not counted here
        worker.wait_warm()  # the learner reads it meanwhile
        for _ in range(args.repeat):
            for lesson in course.lessons:
                later.append(reveal(worker, lesson, solutions[lesson.id]))
                by_lesson[lesson.id] = max(by_lesson.get(lesson.id, 0.0), later[-1])
    finally:
        worker.stop()

    floor = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = run_script(lesson_script(first_lesson, report=True))
        if not result.ok:
            raise SystemExit(f"{first_lesson.id}: {result.message}")
        floor.append(time.perf_counter() - t0)

    def ms(xs: list[float]) -> str:
        return f"median {statistics.median(xs) * 1000:.0f} ms  ({', '.join(f'{x * 1000:.0f}' for x in xs)})"

    met = "met" if max(later) <= GOAL_LATER else "NOT met"
    print(f"first reveal (fresh worker, {first_lesson.id}): {ms(first)}")
    print(f"the worker's warm-up after it (in the background): {ms(warm)}")
    print(f"later reveals ({len(course.lessons)} lessons x {args.repeat}): {ms(later)}")
    print(f"  the slowest: {max(later) * 1000:.0f} ms (goal <= {GOAL_LATER * 1000:.0f} ms: {met})")
    slowest = sorted(by_lesson.items(), key=lambda item: -item[1])[:4]
    print("  the slowest lessons: " + ", ".join(f"{lesson} {s * 1000:.0f} ms" for lesson, s in slowest))
    print(f"one script in a fresh Python (every reveal before the worker): {ms(floor)}")
    return 0 if max(later) <= GOAL_LATER else 1


if __name__ == "__main__":
    sys.exit(main())
