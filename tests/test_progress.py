"""The progress store: atomic saves, a corrupt file moved aside, records keyed by lesson id and content hash."""

from __future__ import annotations

import json
import os

import pytest

from tutor.paths import progress_file
from tutor.progress import SHOWN, SOLVED, Attempt, ProgressStore


def test_missing_file_is_an_empty_store(tmp_path):
    store = ProgressStore(tmp_path / "progress.json")
    assert store.warning is None
    assert store.peek("chain-rule", "abc") is None


def test_default_path_follows_backprop_tutor_home():
    store = ProgressStore()
    assert store.path == progress_file()
    record = store.lesson("chain-rule", "h1")
    record.current = "grad:x"
    store.save(record)
    assert progress_file().is_file()


def test_save_and_reload_round_trip(tmp_path):
    path = tmp_path / "sub" / "progress.json"
    store = ProgressStore(path)
    record = store.lesson("chain-rule", "h1")
    record.current = "grad:y"
    step = record.step("value:y")
    step.status = SOLVED
    step.attempts += [Attempt("4", False, "sign"), Attempt("3", True)]
    step.hints = 2
    record.step("value:L").status = SHOWN
    store.save(record)

    again = ProgressStore(path).peek("chain-rule", "h1")
    assert again is not None
    assert again.current == "grad:y"
    assert again.steps["value:y"].status == SOLVED
    assert [(a.text, a.correct, a.diagnosis) for a in again.steps["value:y"].attempts] == [
        ("4", False, "sign"),
        ("3", True, None),
    ]
    assert again.steps["value:y"].hints == 2
    assert again.steps["value:y"].wrong_attempts == 1
    assert again.steps["value:L"].status == SHOWN
    assert again.done_count(["value:y", "value:L", "grad:x"]) == 2
    assert again.updated  # stamped on save


def test_an_edited_lesson_does_not_inherit_stale_answers(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    record = store.lesson("chain-rule", "old-hash")
    record.step("value:y").status = SOLVED
    store.save(record)

    store = ProgressStore(path)
    assert store.peek("chain-rule", "new-hash") is None
    fresh = store.lesson("chain-rule", "new-hash")
    assert fresh.steps == {} and fresh.current is None
    assert store.peek("chain-rule", "old-hash") is None  # replaced: one version per lesson


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    record = store.lesson("a", "h")
    record.current = "value:y"
    store.save(record)
    before = path.read_text(encoding="utf-8")

    calls = []
    real_replace = os.replace

    def failing_replace(src, dst):
        calls.append((src, dst))
        raise OSError("disk full")

    record.current = "grad:x"
    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        store.save(record)
    monkeypatch.setattr(os, "replace", real_replace)
    # the temp file was in the same directory, and the old file is untouched and no temp file is left
    assert calls and os.path.dirname(calls[0][0]) == str(tmp_path)
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json"]


def test_save_fsyncs_before_replacing(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    store = ProgressStore(tmp_path / "progress.json")
    store.save(store.lesson("a", "h"))
    assert events.index("fsync") < events.index("replace")


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"lessons": []}',
        '{"format": 99, "lessons": {}}',
        '{"lessons": {"a": {"hash": 3}}}',
        '{"lessons": {"a": {"hash": "h", "steps": {"value:y": {"status": "maybe"}}}}}',
        '{"lessons": {"a": {"hash": "h", "steps": {"value:y": {"attempts": [5]}}}}}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_corrupt_file_is_moved_aside_with_a_warning(tmp_path, content):
    path = tmp_path / "progress.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    store = ProgressStore(path)
    assert store.warning is not None and "moved to" in store.warning
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("progress.json.corrupt-")]
    assert len(aside) == 1
    assert aside[0].read_bytes() == (content if isinstance(content, bytes) else content.encode())
    assert not path.exists()
    # and the store works afresh
    store.save(store.lesson("a", "h"))
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == 1


def test_two_corrupt_files_in_the_same_second_are_both_kept(tmp_path):
    path = tmp_path / "progress.json"
    for _ in range(2):
        path.write_text("{bad", encoding="utf-8")
        assert ProgressStore(path).warning
    assert len([p for p in tmp_path.iterdir() if ".corrupt-" in p.name]) == 2


def test_untouched_lessons_are_not_written(tmp_path):
    store = ProgressStore(tmp_path / "progress.json")
    store.lesson("looked-at", "h")  # opened, nothing done
    done = store.lesson("worked-on", "h")
    done.step("value:y").hints = 1
    store.save(done)
    data = json.loads((tmp_path / "progress.json").read_text(encoding="utf-8"))
    assert list(data["lessons"]) == ["worked-on"]
