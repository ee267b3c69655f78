"""The progress store: atomic saves, a corrupt file moved aside, records keyed by lesson id, place and hash."""

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
    fresh.step("grad:x").hints = 1
    store.save(fresh)

    # the old version's progress is kept, not overwritten: going back to that version resumes it
    store = ProgressStore(path)
    old = store.peek("chain-rule", "old-hash")
    assert old is not None and old.steps["value:y"].status == SOLVED
    assert store.peek("chain-rule", "new-hash").steps["grad:x"].hints == 1
    assert [r.content_hash for r in store.versions("chain-rule")] == ["new-hash", "old-hash"]


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
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["progress.json"]


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
        '{"format": "2", "lessons": {}}',
        '{"format": 0, "lessons": {}}',
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
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == 2


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


# --- two instances on one file (issue 10, finding 3) ---------------------------------------------


def test_two_stores_on_one_file_keep_both_lessons(tmp_path):
    path = tmp_path / "progress.json"
    first, second = ProgressStore(path), ProgressStore(path)  # two app instances, opened together
    a = first.lesson("chain-rule", "h1")
    b = second.lesson("fan-out", "h2")
    for i in range(5):  # interleaved saves, each instance unaware of the other's lessons in memory
        a.step(f"value:a{i}").status = SOLVED
        first.save(a)
        b.step(f"value:b{i}").status = SOLVED
        second.save(b)

    again = ProgressStore(path)
    assert again.peek("chain-rule", "h1").done_count([f"value:a{i}" for i in range(5)]) == 5
    assert again.peek("fan-out", "h2").done_count([f"value:b{i}" for i in range(5)]) == 5
    # and the first instance's memory now reflects the other's progress too
    assert first.peek("fan-out", "h2") is not None


def test_two_stores_on_the_same_lesson_merge_step_by_step(tmp_path):
    path = tmp_path / "progress.json"
    first, second = ProgressStore(path), ProgressStore(path)
    a, b = first.lesson("chain-rule", "h"), second.lesson("chain-rule", "h")
    a.step("value:y").attempts.append(Attempt("4", False, "sign", "2025-01-01T10:00:00.000+00:00"))
    a.step("value:y").hints = 2
    a.current = "value:y"
    first.save(a)
    b.step("value:y").attempts.append(Attempt("3", True, None, "2025-01-01T10:00:05.000+00:00"))
    b.step("value:y").status = SOLVED
    b.step("grad:x").status = SHOWN
    b.current = "grad:x"
    second.save(b)  # newer: its place wins
    a.step("value:L").status = SOLVED
    first.save(a)  # newer again, and it must not undo what the second instance did

    merged = ProgressStore(path).peek("chain-rule", "h")
    y = merged.steps["value:y"]
    assert y.status == SOLVED  # solved in either stays solved
    assert [x.text for x in y.attempts] == ["4", "3"]  # unioned, once each, in time order
    assert y.hints == 2
    assert merged.steps["grad:x"].status == SHOWN and merged.steps["value:L"].status == SOLVED
    assert merged.current == "value:y"  # from the newest save
    # the record the first instance's session holds is the merged one, not a stale copy
    assert a.steps["grad:x"].status == SHOWN and a.steps["value:y"].status == SOLVED


def test_a_save_waits_for_the_lock_then_goes_on_without_it(tmp_path, monkeypatch):
    import fcntl

    import tutor.progress as progress

    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    record = store.lesson("a", "h")
    record.current = "value:y"
    monkeypatch.setattr(progress, "LOCK_WAIT", 0.2)
    with open(tmp_path / "progress.json.lock", "w") as held:  # another instance stuck while saving
        fcntl.flock(held, fcntl.LOCK_EX)
        store.save(record)
    assert ProgressStore(path).peek("a", "h").current == "value:y"


def test_a_save_works_where_locks_are_not_supported(tmp_path, monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    store = ProgressStore(tmp_path / "progress.json")
    record = store.lesson("a", "h")
    record.step("grad:x").status = SOLVED
    store.save(record)
    assert ProgressStore(tmp_path / "progress.json").peek("a", "h").steps["grad:x"].status == SOLVED


# --- a lesson that reuses an id (issue 10, finding 4) --------------------------------------------


def _variant_of_chain_rule(tmp_path):
    """A teacher's variant of the shipped chain-rule lesson: same id, other numbers, another file."""
    from tutor.course import shipped_lessons_dir

    text = (shipped_lessons_dir() / "chain-rule.yaml").read_text(encoding="utf-8")
    variant = tmp_path / "teacher" / "chain-rule.yaml"
    variant.parent.mkdir()
    variant.write_text(text.replace("x: 1.5", "x: 2.5"), encoding="utf-8")
    assert variant.read_text(encoding="utf-8") != text
    return variant


def _answer_first_step(lesson, store):
    """Answer the first step correctly, as the learner would; the session saves."""
    from tutor.ui.session import LessonSession

    session = LessonSession(lesson, store)
    session.go(0)
    assert session.submit(session.answer_text(session.step)).correct
    return session


def test_a_lesson_reusing_a_shipped_id_keeps_its_own_record(tmp_path):
    from tutor.course import load_lesson, shipped_lessons_dir

    path = tmp_path / "progress.json"
    shipped = load_lesson(shipped_lessons_dir() / "chain-rule.yaml")
    variant = load_lesson(_variant_of_chain_rule(tmp_path))
    assert variant.id == shipped.id == "chain-rule"

    _answer_first_step(shipped, ProgressStore(path))
    _answer_first_step(variant, ProgressStore(path))  # before the fix: wiped the shipped lesson's record

    store = ProgressStore(path)
    first = shipped.steps[0].id
    assert store.peek("chain-rule", shipped.content_hash).steps[first].status == SOLVED
    variant_source = str(variant.path.resolve())
    assert store.peek("chain-rule", variant.content_hash, variant_source).steps[first].status == SOLVED
    assert store.peek("chain-rule", variant.content_hash) is None  # not under the shipped lesson's key
    data = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(data["lessons"]) == ["chain-rule", f"chain-rule@{variant_source}"]
    note = store.kept_apart_note("chain-rule", variant_source, [None])
    assert note == "This lesson has the id of the shipped lesson chain-rule; its progress is kept separately."
    assert store.kept_apart_note("chain-rule", None) is None


def test_shipped_lessons_are_keyed_by_id_alone_so_a_reinstall_keeps_them(tmp_path):
    import shutil

    from tutor.course import shipped_lessons_dir
    from tutor.progress import lesson_source

    assert lesson_source(shipped_lessons_dir() / "chain-rule.yaml") is None
    assert lesson_source(None) is None
    elsewhere = tmp_path / "chain-rule.yaml"
    shutil.copy(shipped_lessons_dir() / "chain-rule.yaml", elsewhere)
    assert lesson_source(elsewhere) == str(elsewhere.resolve())


def test_a_namesake_from_another_file_is_named(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    other = store.lesson("chain-rule", "h1", "/home/t/one.yaml")
    other.current = "value:y"
    store.save(other)
    assert ProgressStore(path).kept_apart_note("chain-rule", "/home/t/two.yaml") == (
        "This lesson has the id of the lesson chain-rule in /home/t/one.yaml; its progress is kept separately."
    )
    assert ProgressStore(path).kept_apart_note("chain-rule", "/home/t/one.yaml") is None


# --- text that cannot be saved (issue 10, finding 7) ---------------------------------------------


def test_a_lone_surrogate_in_a_typed_answer_saves(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    record = store.lesson("chain-rule", "h")
    record.step("grad:y").attempts.append(Attempt("2*(y-t)\ud800", False, "sign\udfff"))
    record.current = "grad:y\ud800"
    store.save(record)  # before the fix: UnicodeEncodeError, on this and every later save

    again = ProgressStore(path)
    assert again.warning is None
    attempt = again.peek("chain-rule", "h").steps["grad:y"].attempts[0]
    assert attempt.text == "2*(y-t)\ufffd" and attempt.diagnosis == "sign\ufffd"


def test_an_escaped_lone_surrogate_in_the_file_is_cleaned_on_load(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(
        '{"format": 1, "lessons": {"a\\ud800": {"hash": "h", "current": "x\\udc00",'
        ' "steps": {"value:y\\ud800": {"status": "solved", "attempts": [{"text": "\\ud800", "correct": false}]}}}}}',
        encoding="ascii",
    )
    store = ProgressStore(path)
    assert store.warning is None
    record = store.peek("a\ufffd", "h")
    assert record.current == "x\ufffd" and record.steps["value:y\ufffd"].attempts[0].text == "\ufffd"
    store.save(record)  # before the fix: every save crashed
    assert "\\ud800" not in path.read_text(encoding="utf-8")


def test_long_answers_and_many_attempts_are_kept_bounded(tmp_path):
    from tutor.progress import KEEP_FIRST_ATTEMPTS, MAX_ANSWER_CHARS, MAX_ATTEMPTS

    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    record = store.lesson("a", "h")
    step = record.step("value:y")
    step.attempts += [Attempt(f"{i}", False, None, f"2025-01-01T10:{i // 60:02d}:{i % 60:02d}") for i in range(300)]
    step.attempts.append(Attempt("9" * 20_000, True))
    store.save(record)
    kept = ProgressStore(path).peek("a", "h").steps["value:y"].attempts
    assert len(kept) == MAX_ATTEMPTS
    assert [a.text for a in kept[:KEEP_FIRST_ATTEMPTS]] == [str(i) for i in range(KEEP_FIRST_ATTEMPTS)]
    assert len(kept[-1].text) == MAX_ANSWER_CHARS and kept[-1].text.endswith("…")


# --- the format (issue 10: "its format is versioned") --------------------------------------------

FORMAT_1 = """{
 "format": 1,
 "lessons": {
  "chain-rule": {"hash": "aaaa", "current": "grad:y", "updated": "2025-03-01T09:00:00+00:00",
   "steps": {"value:y": {"status": "solved", "attempts": [{"text": "3", "correct": true, "diagnosis": null,
    "at": "2025-03-01T08:59:00+00:00"}], "hints": 1}}},
  "my-lesson": {"hash": "bbbb", "current": "value:z", "updated": "2025-03-01T09:00:00+00:00",
   "steps": {"value:z": {"status": "shown", "attempts": [], "hints": 0}}}
 }
}"""


def test_a_format_1_file_migrates(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(FORMAT_1, encoding="utf-8")
    store = ProgressStore(path)
    assert store.warning is None
    record = store.peek("chain-rule", "aaaa")
    assert record.current == "grad:y" and record.steps["value:y"].attempts[0].text == "3"
    assert record.steps["value:y"].hints == 1
    # a user's own lesson was keyed by id alone in format 1: at its path, the same content resumes it
    mine = store.lesson("my-lesson", "bbbb", "/home/me/lessons/my-lesson.yaml")
    assert mine.steps["value:z"].status == SHOWN
    mine.step("grad:z").status = SOLVED
    store.save(mine)

    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == 2
    assert data["lessons"]["chain-rule"]["versions"]["aaaa"]["steps"]["value:y"]["status"] == "solved"
    assert data["lessons"]["chain-rule"]["from_format"] == 1
    moved = data["lessons"]["my-lesson@/home/me/lessons/my-lesson.yaml"]
    assert moved["source"] == "/home/me/lessons/my-lesson.yaml" and "from_format" not in moved
    assert set(moved["versions"]["bbbb"]["steps"]) == {"value:z", "grad:z"}
    # another content under the old id does not inherit it
    assert ProgressStore(path).peek("my-lesson", "cccc", "/home/me/other.yaml") is None


def test_a_newer_format_file_is_never_overwritten(tmp_path):
    path = tmp_path / "progress.json"
    newer = (
        '{"format": 3, "lessons": {"chain-rule": {"id": "chain-rule", "source": null, "versions": {"h": '
        '{"current": "grad:x", "steps": {"value:y": {"status": "solved"}}}}, "streak": 4}}, "badges": ["x"]}'
    )
    path.write_text(newer, encoding="utf-8")
    store = ProgressStore(path)
    assert "newer version" in store.warning and "progress.format2.json" in store.warning
    assert store.peek("chain-rule", "h").steps["value:y"].status == SOLVED  # read what it can
    record = store.lesson("fan-out", "h2")
    record.step("grad:x").status = SOLVED
    store.save(record)

    assert path.read_text(encoding="utf-8") == newer  # untouched
    assert [p.name for p in tmp_path.glob("*.corrupt-*")] == []
    again = ProgressStore(path)
    assert again.peek("fan-out", "h2").steps["grad:x"].status == SOLVED
    assert again.peek("chain-rule", "h") is not None
    assert path.read_text(encoding="utf-8") == newer


def test_the_file_says_its_format_and_where_each_lesson_came_from(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    store.lesson("a", "h").current = "intro"
    variant = store.lesson("a", "h2", "/x/a.yaml")
    variant.current = "value:y"
    store.save(variant)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == 2
    assert data["lessons"]["a"] == {
        "id": "a",
        "source": None,
        "versions": {"h": {"current": "intro", "updated": "", "steps": {}}},
    }
    assert data["lessons"]["a@/x/a.yaml"]["source"] == "/x/a.yaml"


def test_a_newer_format_file_of_another_shape_is_left_alone_too(tmp_path):
    path = tmp_path / "progress.json"
    newer = '{"format": 7, "learners": {"ana": {}}}'
    path.write_text(newer, encoding="utf-8")
    store = ProgressStore(path)
    assert "format 7" in store.warning
    store.save(store.lesson("a", "h"))
    assert path.read_text(encoding="utf-8") == newer
    assert (tmp_path / "progress.format2.json").is_file()


def test_records_made_in_the_same_millisecond_keep_their_order(monkeypatch):
    """A frozen clock (two saves in one millisecond) still gives each record a later time than the last."""
    import tutor.progress as progress

    frozen = progress.datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=progress.UTC)

    class Frozen(progress.datetime):
        @classmethod
        def now(cls, tz=None):
            return frozen

    monkeypatch.setattr(progress, "datetime", Frozen)
    stamps = [progress.now() for _ in range(3)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
