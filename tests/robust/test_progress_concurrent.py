"""Two processes saving 300 times each into one progress file: every solved step of both is kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.progress import SOLVED, ProgressStore

SAVES = 300

CHILD = r"""
import sys
from pathlib import Path
from tutor.progress import Attempt, ProgressStore, now

path, lesson, prefix, saves = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
store = ProgressStore(path)  # opened once, like an app instance left open
record = store.lesson(lesson, "hash")
print("ready", flush=True)
sys.stdin.readline()  # both start saving together
for i in range(saves):
    step = record.step(f"value:{prefix}{i}")
    step.attempts.append(Attempt(f"{i}", True, None, now()))
    step.status = "solved"
    record.current = f"value:{prefix}{i}"
    store.save(record)
"""


def run_two(path: Path, lessons: tuple[str, str]) -> None:
    """Start two saving processes, release them together, and wait for both (a hang fails the test)."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), lesson, prefix, str(SAVES)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for lesson, prefix in zip(lessons, ("a", "b"), strict=True)
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready"
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        child.communicate(timeout=120)
        assert child.returncode == 0


def solved(record, prefix: str) -> set[int]:
    """The numbers of the solved steps with this prefix."""
    return {int(k.split(":")[1][1:]) for k, s in record.steps.items() if k[6] == prefix and s.status == SOLVED}


@pytest.mark.parametrize("lessons", [("chain-rule", "fan-out"), ("chain-rule", "chain-rule")], ids=["two", "same"])
def test_two_processes_saving_keep_every_solved_step(tmp_path, lessons):
    path = tmp_path / "progress.json"
    run_two(path, lessons)
    store = ProgressStore(path)
    assert store.warning is None
    first, second = store.peek(lessons[0], "hash"), store.peek(lessons[1], "hash")
    assert solved(first, "a") == set(range(SAVES))
    assert solved(second, "b") == set(range(SAVES))
    assert all(len(s.attempts) == 1 for s in first.steps.values())  # each attempt once, never doubled
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json", "progress.json.lock"]
