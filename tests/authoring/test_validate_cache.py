"""The validation cache: an unchanged file's findings come back from the last run, byte for byte; any edit, another
option or other code is a miss; what depends on other files is always checked afresh; a corrupt, foreign, unwritable
or over-sized cache is ignored (never a crash, never a wrong result); ``--no-cache`` neither reads nor writes it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import SHIPPED

import tutor.authoring.validate_cache as vc
import tutor.cli.lessons_cmd as lessons_cmd
from tutor.authoring.validate_cache import CACHE_FILE, ValidationCache, entry_key
from tutor.cli import main
from tutor.course.outline_cache import cache_dir
from tutor.paths import user_lessons_dir

CHAIN = next(p for p in SHIPPED if p.stem == "chain-rule")


def _validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit status and everything ``validate`` printed."""
    status = main(["validate", *args])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def _cache_file() -> Path:
    """The validation cache of this test's data folder."""
    return cache_dir() / CACHE_FILE


def _lesson(directory: Path, lesson_id: str = "my-chain", text: str | None = None) -> Path:
    """A copy of the chain-rule lesson with another id."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{lesson_id}.yaml"
    body = CHAIN.read_text(encoding="utf-8") if text is None else text
    path.write_text(body.replace("id: chain-rule\n", f"id: {lesson_id}\n"), encoding="utf-8")
    return path


def _no_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make loading a lesson fail the test: what follows must come from the cache."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a lesson was loaded: the cache was not used")

    monkeypatch.setattr(lessons_cmd, "parse_lesson", refuse)
    monkeypatch.setattr(lessons_cmd, "load_lesson", refuse)


def test_a_second_run_prints_the_same_without_loading_any_lesson(capsys, monkeypatch):
    """Every repository lesson folder (errors, warnings, allowed warnings, W501), the broken and the hostile corpus:
    cold and warm print the same."""
    tests = Path(__file__).parents[1]
    folders = [str(p) for p in sorted(tests.glob("**/lessons"))] + [str(CHAIN.parent)]
    folders += [str(tests / "authoring" / "broken"), str(tests / "robust" / "hostile")]
    for options in ([], ["--strict"], ["--no-lint"]):
        cold = _validate(capsys, *options, *folders)
        assert _cache_file().is_file()
        with monkeypatch.context() as m:
            _no_loading(m)
            assert _validate(capsys, *options, *folders) == cold
        assert _validate(capsys, "--no-cache", *options, *folders) == cold


def test_an_edit_that_keeps_size_and_time_is_validated_afresh(tmp_path, capsys):
    path = _lesson(tmp_path, "my-chain")
    assert _validate(capsys, str(path)) == (0, "1 file checked: 1 valid, 0 with problems\n")
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    edited = text.replace("id: my-chain\n", "id: my-chaim\n")  # same size: the id no longer names the file
    assert len(edited) == len(text) and edited != text
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    status, out = _validate(capsys, str(path))
    assert "W401 id-not-file-name: the id 'my-chaim' differs from the file name my-chain.yaml" in out
    broken = text.replace("\ntitle: ", "\ntitle; ", 1)  # same size again: now a YAML error
    assert len(broken) == len(text) and broken != text
    path.write_text(broken, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    status, out = _validate(capsys, str(path))
    assert status == 1 and f"{path}:4:1: invalid YAML" in out, out
    assert _validate(capsys, "--no-cache", str(path)) == (status, out)


def test_an_id_clash_with_another_file_is_found_though_the_file_is_unchanged(tmp_path, capsys, monkeypatch):
    path = _lesson(tmp_path / "mine", "my-chain")
    assert _validate(capsys, str(path))[0] == 0
    _lesson(user_lessons_dir(), "my-chain")  # another lesson with the same id appears on the search path
    with monkeypatch.context() as m:
        _no_loading(m)
        status, out = _validate(capsys, str(path))
    assert "W402 id-shadows: lesson id 'my-chain' is also the id of" in out, out
    assert _validate(capsys, "--no-cache", str(path)) == (status, out)


def test_options_and_paths_are_part_of_the_key(tmp_path):
    path = _lesson(tmp_path, "my-chain")
    text = path.read_text(encoding="utf-8")
    keys = {
        entry_key(path, text, ("lint",)),
        entry_key(path, text, ("no-lint",)),
        entry_key(path, text, ("strict", "lint")),
        entry_key(Path(os.path.relpath(path)), text, ("lint",)),
        entry_key(path, text + " ", ("lint",)),
    }
    assert len(keys) == 5


def test_no_cache_neither_reads_nor_writes(tmp_path, capsys):
    path = _lesson(tmp_path)
    _validate(capsys, "--no-cache", str(path))
    assert not _cache_file().exists()
    cold = _validate(capsys, str(path))
    _poison(path)
    assert "planted" in _validate(capsys, str(path))[1]  # the cache is read ...
    assert _validate(capsys, "--no-cache", str(path)) == cold  # ... and --no-cache does not read it


def _poison(path: Path) -> None:
    """Rewrite every entry of the cache with a well-formed, planted warning."""
    data = json.loads(_cache_file().read_text(encoding="utf-8"))
    for entry in data["entries"].values():
        entry["prose"] = [[str(path), 1, 1, "planted", "warning", None, "W401"]]
    _cache_file().write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff not json",
        b"[1, 2, 3]",
        b"{" * 100_000,
        b'{"format": 1, "stamp": "another tutor", "entries": {}}',
        b'{"format": 999, "entries": {}}',
        b"",
    ],
    ids=["binary", "a-list", "deeply-nested", "foreign-stamp", "other-format", "empty"],
)
def test_a_corrupt_or_foreign_cache_is_ignored(tmp_path, capsys, content):
    path = _lesson(tmp_path, "my-chain", CHAIN.read_text(encoding="utf-8").replace("id: chain-rule", "id: x"))
    expected = _validate(capsys, "--no-cache", str(path))
    _cache_file().parent.mkdir(parents=True, exist_ok=True)
    _cache_file().write_bytes(content)
    assert _validate(capsys, str(path)) == expected
    assert _validate(capsys, str(path)) == expected  # from the cache rewritten by the first run


def test_malformed_entries_are_misses(tmp_path, capsys):
    path = _lesson(tmp_path)
    expected = _validate(capsys, str(path))
    data = json.loads(_cache_file().read_text(encoding="utf-8"))
    (key,) = data["entries"]
    bad_values = [
        {"failed": "no"},
        {**data["entries"][key], "errors": [["f", "1", 1, "m", "error", None, ""]]},
        {**data["entries"][key], "prose": [["f", 1, 1, "m", "fatal", None, ""]]},
        {**data["entries"][key], "scopes": [[None, [["W999", 1, 1]]]]},
        {**data["entries"][key], "id_at": [1]},
        {**data["entries"][key], "id": 7},
        [],
    ]
    for bad in bad_values:
        data["entries"][key] = bad
        _cache_file().write_text(json.dumps(data), encoding="utf-8")
        assert _validate(capsys, str(path)) == expected, bad


def test_an_unwritable_cache_folder_only_means_no_cache(tmp_path, capsys):
    path = _lesson(tmp_path)
    cache_dir().parent.mkdir(parents=True, exist_ok=True)
    cache_dir().write_text("a file where the cache folder should be", encoding="utf-8")
    expected = _validate(capsys, "--no-cache", str(path))
    assert _validate(capsys, str(path)) == expected
    assert _validate(capsys, str(path)) == expected


def test_a_cache_file_that_is_not_a_regular_file_is_ignored(tmp_path, capsys):
    path = _lesson(tmp_path)
    expected = _validate(capsys, "--no-cache", str(path))
    _cache_file().parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(_cache_file())  # reading it would block for ever
    assert _validate(capsys, str(path)) == expected


def test_an_oversized_cache_is_ignored_and_never_written(tmp_path, capsys, monkeypatch):
    path = _lesson(tmp_path)
    expected = _validate(capsys, "--no-cache", str(path))
    limit = vc.MAX_CACHE_BYTES
    monkeypatch.setattr(vc, "MAX_CACHE_BYTES", 100)  # smaller than one lesson's entry
    _cache_file().parent.mkdir(parents=True, exist_ok=True)
    _cache_file().write_text(" " * 101, encoding="utf-8")
    assert _validate(capsys, str(path)) == expected
    assert _cache_file().read_text(encoding="utf-8") == " " * 101  # this run's entry alone is too big: not written
    monkeypatch.setattr(vc, "MAX_CACHE_BYTES", limit)
    _cache_file().write_text(" " * (limit + 1), encoding="utf-8")
    assert _validate(capsys, str(path)) == expected
    assert _cache_file().stat().st_size < 16 * 1024


def test_other_checking_code_is_a_miss(tmp_path, capsys, monkeypatch):
    path = _lesson(tmp_path)
    _validate(capsys, str(path))
    _poison(path)
    assert "planted" in _validate(capsys, str(path))[1]
    monkeypatch.setattr(vc, "CACHE_FORMAT", vc.CACHE_FORMAT + 1)  # as a new tutor (any checking module changed)
    assert "planted" not in _validate(capsys, str(path))[1]


def test_the_cache_keeps_this_runs_entries_and_the_newest_earlier_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(vc, "MAX_ENTRIES", 3)
    cache = ValidationCache(tmp_path / "c.json")
    found = vc.Findings(True, ())
    for k in "abcd":
        cache.put(k, found)
    cache.save()
    assert list(ValidationCache(tmp_path / "c.json")._old) == ["b", "c", "d"]
    later = ValidationCache(tmp_path / "c.json")
    later.put("e", found)
    later.save()
    assert list(ValidationCache(tmp_path / "c.json")._old) == ["c", "d", "e"]


def test_the_stamp_changes_with_any_checking_module(tmp_path, monkeypatch):
    """A module of the linter, the grader or the engine edited (as by an upgrade) makes every entry a miss."""
    import tutor.course.outline_cache as oc

    for sub in vc.CODE_DIRS:
        (tmp_path / sub).mkdir(exist_ok=True)
        (tmp_path / sub / "module.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(oc, "_CODE", tmp_path)
    before = vc.stamp()
    assert vc.stamp() == before
    for sub in ("grading", "authoring", "engine", ""):
        (tmp_path / sub / "module.py").write_text("x = 22\n", encoding="utf-8")
        now = vc.stamp()
        assert now != before, sub
        before = now
