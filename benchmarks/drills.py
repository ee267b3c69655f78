"""Drills at every level: each clean, graded right with the engine's answers, a flipped delta diagnosed, equal to
PyTorch; and how long making a clean drill takes.

    python benchmarks/drills.py                # 500 seeds of each level
    python benchmarks/drills.py --count 100    # fewer

For each level, seeds 0..count-1 are made with ``tutor.drill.make_drill`` (the draws it rejects included in its
time), timed one by one; then, outside the timing, each is checked as tests/test_drill_torch.py checks its sample.
Exit status 1 when a drill fails a check.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_drill_torch import check_drill  # noqa: E402

from tutor.drill import LEVELS, make_drill  # noqa: E402


def main() -> int:
    """Make and check ``--count`` drills of each level; print the median time per level."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    failed = 0
    for level in LEVELS:
        times = []
        for seed in range(args.count):
            start = time.perf_counter()
            make_drill(level, seed)
            times.append(time.perf_counter() - start)
            try:
                check_drill(level, seed)
            except AssertionError as e:
                failed += 1
                print(f"level {level} seed {seed}: {e}")
        median = statistics.median(times) * 1000
        print(f"level {level}: {args.count} drills, a clean drill in {median:.1f} ms at the median")
    print(f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
