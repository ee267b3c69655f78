"""``backprop-tutor list`` shows the learner's progress in each lesson (and ``list --json`` includes it)."""

from __future__ import annotations

import json

from tutor.cli import main
from tutor.course import find_lesson
from tutor.progress import SHOWN, SOLVED, Attempt, ProgressStore, now


def some_progress() -> None:
    """chain-rule: 4 of 6 steps solved, 1 shown; fan-out: every step solved."""
    store = ProgressStore()
    lesson = find_lesson("chain-rule", [])
    record = store.lesson(lesson.id, lesson.content_hash)
    for step in lesson.steps[:4]:
        record.step(step.id).status = SOLVED
        record.step(step.id).attempts.append(Attempt("x", True, None, now()))
    record.step(lesson.steps[4].id).status = SHOWN
    store.save(record)
    fan = find_lesson("fan-out", [])
    record = store.lesson(fan.id, fan.content_hash)
    for step in fan.steps:
        record.step(step.id).status = SOLVED
    record.current = "summary"
    store.save(record)


def test_list_shows_progress(capsys):
    some_progress()
    assert main(["list"]) == 0
    lines = {line.split()[1]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["chain-rule"].endswith("(6 steps)  4/6 solved, 1 shown")
    assert lines["fan-out"].endswith("done (10/10 solved)")
    assert lines["sigmoid-neuron"].endswith("not started")


def test_list_json_includes_progress(capsys):
    some_progress()
    assert main(["list", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["chain-rule"]["progress"] == {"solved": 4, "shown": 1, "open": 1, "started": True}
    assert rows["two-layer-batch"]["progress"] == {"solved": 0, "shown": 0, "open": 12, "started": False}
