"""Variants of every shipped lesson with ``vary:``: each clean (no linter warning), equal to PyTorch, and how long
drawing a clean variant takes.

    python benchmarks/variants.py                 # 1,000 variants of each lesson (several minutes on 2 cores)
    python benchmarks/variants.py --count 100     # fewer

For each lesson, variants 1..count are drawn with ``tutor.authoring.variants.variant`` (the draws it rejects
included in its time: the engine's checks, the linter, the author's mistakes), timed one by one; then, outside the
timing, each is linted again (it must have no warning, as every shipped lesson has none) and its values and
gradients compared with PyTorch (float64, tests/torch_ref.py, written independently of the op table). The goal:
a clean variant in ≤ 50 ms at the median. Exit status 1 when a variant is not clean, disagrees with PyTorch, or
the goal is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from torch_ref import torch_run  # noqa: E402

from tutor.authoring.lint import lint  # noqa: E402
from tutor.authoring.variants import variant  # noqa: E402
from tutor.course import load_lesson, shipped_lessons_dir, solve  # noqa: E402

GOAL_MEDIAN = 0.050  # seconds to draw one clean variant


def varied_lessons() -> list[Path]:
    """The shipped lesson files that have a ``vary:`` section."""
    files = sorted(p for p in shipped_lessons_dir().glob("*.yaml") if p.name != "course.yaml")
    return [p for p in files if "\nvary:" in p.read_text(encoding="utf-8")]


def agrees_with_torch(lesson) -> str | None:
    """The first value or gradient where the engine and PyTorch differ, or None."""
    trace = solve(lesson).trace
    values, grads = torch_run(lesson.program, lesson.leaf_values())
    for name, v in trace.values.items():
        if not np.allclose(v, values[name], rtol=1e-9, atol=1e-12):
            return name
    for name, g in trace.grads.items():
        if not np.allclose(g, grads[name], rtol=1e-7, atol=1e-10):
            return "d" + name
    return None


def main(argv: list[str] | None = None) -> int:
    """Draw, time, lint and compare; print one row per lesson and the overall median."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="variants per lesson (default 1000)")
    args = parser.parse_args(argv)
    all_times: list[float] = []
    bad = 0
    print("| lesson | variants | distinct | median | p90 | max | not clean | differ from PyTorch |")
    print("|---|---|---|---|---|---|---|---|")
    for path in varied_lessons():
        lesson = load_lesson(path)
        variant(lesson, 1)  # the lesson's own lint (the baseline), once, outside the timing
        times, dirty, differ, seen = [], 0, 0, set()
        for k in range(1, args.count + 1):
            t0 = time.perf_counter()
            v = variant(lesson, k)
            times.append(time.perf_counter() - t0)
            if lint(v):
                dirty += 1
            if agrees_with_torch(v) is not None:
                differ += 1
            seen.add(tuple(np.concatenate([np.ravel(x) for x in v.leaf_values().values()])))
        bad += dirty + differ
        all_times += times
        q = statistics.quantiles(times, n=10)
        print(
            f"| {lesson.id} | {args.count} | {len(seen)} | {statistics.median(times) * 1e3:.1f} ms | "
            f"{q[-1] * 1e3:.1f} ms | {max(times) * 1e3:.1f} ms | {dirty} | {differ} |"
        )
    median = statistics.median(all_times)
    met = median <= GOAL_MEDIAN
    print(
        f"\nall lessons: median {median * 1e3:.1f} ms a clean variant (goal ≤ {GOAL_MEDIAN * 1e3:.0f} ms: "
        f"{'met' if met else 'missed'}); {bad} variants not clean or differing from PyTorch"
    )
    return 0 if met and not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
