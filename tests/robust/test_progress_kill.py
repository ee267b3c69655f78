"""Progress is never lost: kill -9 a process that is saving, hundreds of times, at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tutor.progress import ProgressStore

KILLS = 200

CHILD = r"""
import sys
from pathlib import Path
from tutor.progress import ProgressStore

path = Path(sys.argv[1])
store = ProgressStore(path)
assert store.warning is None, store.warning
record = store.lesson("chain-rule", "hash")
step = record.step("grad:x")
record.current = "grad:x"
while True:
    step.hints += 1
    # a realistically sized file: a few hundred attempts across steps
    record.step(f"value:n{step.hints % 50}").attempts.append(
        __import__("tutor.progress", fromlist=["Attempt"]).Attempt("2*(y-t)", False, "sign")
    )
    store.save(record)
    sys.stdout.write(f"{step.hints}\n")
    sys.stdout.flush()
"""


def saved_count(path: Path) -> int:
    store = ProgressStore(path)
    assert store.warning is None, f"progress file unreadable after a kill: {store.warning}"
    record = store.peek("chain-rule", "hash")
    return 0 if record is None else record.step("grad:x").hints


def test_kill_while_saving(tmp_path):
    path = tmp_path / "progress.json"
    rng = random.Random(1234)
    last_seen = 0
    for _ in range(KILLS):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True)
        # wait until it is saving, then kill it at a random moment
        first = child.stdout.readline()
        assert first.strip(), "the child saves at least once"
        time.sleep(rng.uniform(0, 0.03))
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate()
        reported = [int(x) for x in (first + out).split()]
        confirmed = reported[-1]
        on_disk = saved_count(path)
        # the file holds the last confirmed save, or the one in flight when the kill came
        assert on_disk in (confirmed, confirmed + 1), (on_disk, confirmed)
        assert on_disk >= last_seen
        last_seen = on_disk
    assert last_seen > KILLS  # every round made progress


def test_garbled_file_is_moved_aside(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    store.lesson("chain-rule", "h").step("grad:x").hints = 2
    store.save()
    good = path.read_text()
    for garbled in (good[: len(good) // 2], "\x00\xff garbage", '{"format": 1, "lessons": []}', good.replace("{", "[")):
        path.write_text(garbled, encoding="utf-8", errors="surrogateescape")
        store = ProgressStore(path)
        assert store.warning and "moved to" in store.warning
        assert not path.exists(), "the bad file is out of the way"
        asides = list(tmp_path.glob("progress.json.corrupt-*"))
        assert asides, "and kept for the learner"
        store.lesson("chain-rule", "h").step("grad:x").hints = 1
        store.save()
        assert ProgressStore(path).warning is None
