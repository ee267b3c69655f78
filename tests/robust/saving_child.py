"""The saving process of tests/robust/test_progress_kill.py, in a module of its own: each forked child imports the
module its function lives in, and the test module imports pytest (~0.1 s of CPU before the child's first save,
200 times; the fork server cannot preload it: Python 3.11's fork server ignores the parent's sys.path)."""

from __future__ import annotations

from multiprocessing.connection import Connection
from pathlib import Path

from tutor.progress import Attempt, ProgressStore


def save_until_killed(path: str, out: Connection) -> None:
    """In the child: save a growing record over and over, reporting each save's hint count once it is on disk."""
    store = ProgressStore(Path(path))
    assert store.warning is None, store.warning
    record = store.lesson("chain-rule", "hash")
    step = record.step("grad:x")
    record.current = "grad:x"
    while True:
        step.hints += 1
        # a realistically sized file: a few hundred attempts across steps
        record.step(f"value:n{step.hints % 50}").attempts.append(Attempt("2*(y-t)", False, "sign"))
        store.save(record)
        out.send(step.hints)
