"""Progress is never lost: kill -9 a process that is saving, hundreds of times, at random moments."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from saving_child import save_until_killed

from tutor.progress import ProgressStore

KILLS = 200
#: Each saving process is forked from a server that has imported the tutor once (a fresh interpreter per kill
#: spent ~0.25 s importing, 200 times); it is still a process of its own, killed with SIGKILL mid-save. Its
#: function lives in saving_child.py, which imports no pytest.
FORKS = multiprocessing.get_context("forkserver")
FORKS.set_forkserver_preload(["tutor.progress"])


def reported_counts(first: int, pipe: Connection) -> list[int]:
    """Every count the killed child reported (a message cut by the kill ends the list)."""
    counts = [first]
    try:
        while pipe.poll():
            counts.append(pipe.recv())
    except EOFError:
        pass
    return counts


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
        pipe, out = FORKS.Pipe(duplex=False)
        child = FORKS.Process(target=save_until_killed, args=(str(path), out), daemon=True)
        child.start()
        out.close()  # the child holds the only writing end: a dead child reads as the end of the pipe
        # wait until it is saving, then kill it at a random moment
        assert pipe.poll(60), "the child saves at least once"
        try:
            first = pipe.recv()
        except EOFError:
            child.join()
            pytest.fail(f"the saving process ended before its first save (exit code {child.exitcode})")
        time.sleep(rng.uniform(0, 0.03))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL, "killed while saving, not finished or crashed"
        confirmed = reported_counts(first, pipe)[-1]
        pipe.close()
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
