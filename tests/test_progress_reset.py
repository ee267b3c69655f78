"""Resetting a lesson or a step: the record starts afresh, the old one is kept in the file's history, and
another instance's older copy cannot bring the reset progress back."""

from __future__ import annotations

import json

from tutor.progress import SHOWN, SOLVED, Attempt, ProgressStore, now, parse


def solved_lesson(store: ProgressStore):
    """A chain-rule record with one step solved after a wrong try, one shown, a hint taken; saved."""
    record = store.lesson("chain-rule", "h1")
    record.current = "grad:x"
    y = record.step("value:y")
    y.attempts += [Attempt("4", False, "sign", now()), Attempt("3", True, None, now())]
    y.status = SOLVED
    y.hints = 1
    record.step("value:L").status = SHOWN
    store.save(record)
    return record


def test_a_reset_lesson_starts_afresh_and_its_old_record_is_in_the_history(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    record = solved_lesson(store)
    store.reset_lesson(record)
    assert record.done_count(["value:y", "value:L"]) == 0 and record.current is None

    again = ProgressStore(path)
    fresh = again.peek("chain-rule", "h1")
    assert fresh is not None and fresh.done_count(["value:y", "value:L"]) == 0
    [entry] = again.history("chain-rule")
    assert entry.what == "lesson" and entry.record.content_hash == "h1"
    assert entry.record.current == "grad:x"
    assert entry.record.steps["value:y"].status == SOLVED
    assert [a.text for a in entry.record.steps["value:y"].attempts] == ["4", "3"]
    assert entry.record.steps["value:L"].status == SHOWN


def test_a_reset_step_keeps_the_other_steps(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    record = solved_lesson(store)
    store.reset_step(record, "value:y")
    again = ProgressStore(path).peek("chain-rule", "h1")
    assert again is not None
    assert again.steps["value:y"].status is None and not again.steps["value:y"].attempts
    assert again.steps["value:L"].status == SHOWN and again.current == "grad:x"
    [entry] = ProgressStore(path).history("chain-rule")
    assert entry.what == "step value:y" and list(entry.record.steps) == ["value:y"]
    assert entry.record.steps["value:y"].hints == 1


def test_another_instance_cannot_bring_reset_progress_back(tmp_path):
    path = tmp_path / "progress.json"
    first = ProgressStore(path)
    solved_lesson(first)
    other = ProgressStore(path)  # a second app, opened before the reset, holding the solved record
    stale = other.peek("chain-rule", "h1")
    assert stale is not None and stale.steps["value:y"].status == SOLVED

    first.reset_lesson(first.peek("chain-rule", "h1"))
    stale.step("grad:x").attempts.append(Attempt("5.4", True, None, now()))  # answered after the reset
    stale.step("grad:x").status = SOLVED
    other.save(stale)

    merged = ProgressStore(path).peek("chain-rule", "h1")
    assert merged is not None
    assert merged.steps.get("value:y") is None or merged.steps["value:y"].status is None
    assert "value:L" not in merged.steps or merged.steps["value:L"].status is None
    assert merged.steps["grad:x"].status == SOLVED  # what was done after the reset is kept
    assert len(ProgressStore(path).history("chain-rule")) == 1


def test_a_file_with_resets_is_still_format_2_for_an_older_reader(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    record = solved_lesson(store)
    store.reset_step(record, "value:L")
    store.reset_lesson(record)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == 2
    entry = data["lessons"]["chain-rule"]
    # what format 2 has always had is there, with the types it has always had
    assert entry["id"] == "chain-rule" and entry["source"] is None
    version = entry["versions"]["h1"]
    assert isinstance(version["steps"], dict) and isinstance(version["updated"], str)
    assert [h["reset"] for h in entry["history"]] == ["step value:L", "lesson"]
    # an older tutor ignores keys it does not know: without them the file reads the same
    for v in entry["versions"].values():
        v.pop("reset", None)
        for step in v["steps"].values():
            step.pop("reset", None)
    entry.pop("history")
    found = parse(json.dumps(data).encode())
    assert found.damage is None and "chain-rule" in found.lessons


def test_the_history_is_bounded(tmp_path):
    from tutor.progress import MAX_HISTORY

    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    record = store.lesson("chain-rule", "h1")
    for _ in range(MAX_HISTORY + 5):
        record.step("value:y").attempts.append(Attempt("3", True, None, now()))
        store.reset_step(record, "value:y")
    assert len(ProgressStore(path).history("chain-rule")) == MAX_HISTORY
