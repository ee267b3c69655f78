"""The lesson list's outline cache: an unchanged course is listed without PyYAML, an edited file is read again
(even one that keeps its size and time), a corrupt or foreign cache is ignored, and what the list shows from the
cache is exactly what a fresh read shows (the hostile corpus included)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SHIPPED

from tutor.course import yamlpos
from tutor.course.index import MAX_FILE_BYTES, index_course
from tutor.course.outline_cache import CACHE_FILE, MAX_CACHE_BYTES, OutlineCache, cache_dir, text_key

HOSTILE = sorted((ROOT / "tests" / "robust" / "hostile").glob("*.yaml"))
LESSON = """format: 1
id: cached
title: {title}
summary: A small lesson.
inputs: {{x: 1.5}}
constants: {{t: 4.25}}
graph: [y = 2 * x, L = (y - t) ** 2]
"""


def fresh(*dirs: Path, shipped: bool = False):
    """The index as a read without any cache gives it."""
    return index_course(list(dirs), shipped, cache=OutlineCache(None))


def cache_path() -> Path:
    """The learner's cache file (under this test's BACKPROP_TUTOR_HOME)."""
    return cache_dir() / CACHE_FILE


def folder_with(tmp_path: Path, title: str = "Cached lesson") -> tuple[Path, Path]:
    """A lessons folder holding one small lesson; the folder and the lesson file."""
    folder = tmp_path / "lessons"
    folder.mkdir(exist_ok=True)
    path = folder / "cached.yaml"
    path.write_text(LESSON.format(title=title), encoding="utf-8")
    return folder, path


def test_the_cache_lives_in_the_tutor_home(tmp_path: Path):
    index_course()
    assert cache_path().parent == Path(os.environ["BACKPROP_TUTOR_HOME"]) / "cache"
    assert cache_path().is_file()


def test_the_cached_course_is_the_course_a_fresh_read_gives():
    first = index_course()  # fills the cache
    again = index_course()  # from the cache
    assert again.entries == first.entries == fresh(shipped=True).entries
    assert [e.id for e in again.entries][:2] == ["gradient-basics", "chain-rule"]  # course.yaml's order, cached


def test_an_unchanged_course_is_listed_without_reading_yaml():
    index_course()  # fills the cache in this test's home
    probe = (
        "import sys; from tutor.course.index import index_course; i = index_course(); "
        "print(len(i.entries), len(i.problems)); "
        "print(*sorted(m for m in sys.modules if m.split('.')[0] == 'yaml' or m in "
        "('tutor.course.format', 'tutor.course.steps', 'tutor.course.yamlpos', 'tutor.course.maths')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    count, imported = out.stdout.splitlines()
    assert count == f"{len(SHIPPED)} 0"
    assert imported == ""


def test_a_cold_start_reads_yaml_and_fills_the_cache():
    probe = "import sys; from tutor.course.index import index_course; index_course(); print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "True"
    assert len(json.loads(cache_path().read_text())["entries"]) == len(SHIPPED) + 1  # the lessons and the order


def test_an_edited_lesson_is_read_again_even_with_the_same_size_and_time(tmp_path: Path):
    folder, path = folder_with(tmp_path, "Cached lesson")
    assert index_course([folder], False).entries[0].title == "Cached lesson"
    st = path.stat()
    path.write_text(LESSON.format(title="Changed title"), encoding="utf-8")  # as long as before
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    entry = index_course([folder], False).entries[0]
    assert entry.title == "Changed title"
    assert entry == fresh(folder).entries[0]


def test_a_lesson_broken_after_it_was_cached_is_refused_with_its_problem(tmp_path: Path):
    folder, path = folder_with(tmp_path)
    assert index_course([folder], False).entries
    path.write_text(LESSON.format(title="Broken").replace("graph: [", "graph: [[["), encoding="utf-8")
    index = index_course([folder], False)
    assert not index.entries
    assert index.problems == fresh(folder).problems
    assert index.problems and str(index.problems[0]).startswith(f"{path}:")


def test_an_edited_course_order_is_followed(tmp_path: Path):
    folder, _ = folder_with(tmp_path)
    (folder / "first.yaml").write_text(LESSON.format(title="First").replace("id: cached", "id: first"))
    (folder / "course.yaml").write_text("order: [first, cached]\n")
    assert [e.id for e in index_course([folder], False).entries] == ["first", "cached"]
    (folder / "course.yaml").write_text("order: [cached, first]\n")
    assert [e.id for e in index_course([folder], False).entries] == ["cached", "first"]


def test_the_cache_is_used_when_it_matches(tmp_path: Path):
    """A cache entry in place of a read: proves that the list comes from the cache (and so the tests above test it)."""
    folder, path = folder_with(tmp_path)
    index_course([folder], False)
    data = json.loads(cache_path().read_text())
    data["entries"]["lesson:" + text_key(path.read_text())]["title"] = "From the cache"
    cache_path().write_text(json.dumps(data))
    assert index_course([folder], False).entries[0].title == "From the cache"


def test_a_cache_written_by_other_code_is_ignored(tmp_path: Path):
    folder, path = folder_with(tmp_path)
    index_course([folder], False)
    data = json.loads(cache_path().read_text())
    data["entries"]["lesson:" + text_key(path.read_text())]["title"] = "From an older tutor"
    data["stamp"] = "0" * 32
    cache_path().write_text(json.dumps(data))
    assert index_course([folder], False).entries[0].title == "Cached lesson"
    assert json.loads(cache_path().read_text())["stamp"] != "0" * 32  # rewritten for this tutor


def _bad_entry(data: dict, key: str) -> None:
    """Each field of the lesson's entry of the wrong type, one after the other (the first is enough to refuse)."""
    data["entries"][key] = {"id": 5, "title": None, "summary": [], "steps": "grad:y", "given": [1]}


CORRUPT = {
    "garbage": lambda p, key: p.write_bytes(b"\x00\xff not json at all"),
    "empty": lambda p, key: p.write_bytes(b""),
    "truncated": lambda p, key: p.write_text(p.read_text()[:-40]),
    "a list": lambda p, key: p.write_text("[1, 2, 3]"),
    "entries a list": lambda p, key: p.write_text(json.dumps({**json.loads(p.read_text()), "entries": []})),
    "an entry of wrong types": lambda p, key: p.write_text(
        json.dumps((d := json.loads(p.read_text()), _bad_entry(d, key))[0])
    ),
    "an entry missing fields": lambda p, key: p.write_text(
        json.dumps((d := json.loads(p.read_text()), d["entries"].update({key: {"id": "x"}}))[0])
    ),
    "nested too deep": lambda p, key: p.write_text("[" * 100_000 + "]" * 100_000),
    "too big": lambda p, key: p.write_text(" " * (MAX_CACHE_BYTES + 1)),
    "a folder": lambda p, key: (p.unlink(), p.mkdir()),
    "a FIFO": lambda p, key: (p.unlink(), os.mkfifo(p)),
    "a dangling symlink": lambda p, key: (p.unlink(), p.symlink_to(p.parent / "nowhere")),
}


@pytest.mark.parametrize("damage", list(CORRUPT), ids=list(CORRUPT))
def test_a_corrupt_cache_is_ignored_and_never_crashes(tmp_path: Path, damage: str):
    folder, path = folder_with(tmp_path)
    index_course([folder], False)
    CORRUPT[damage](cache_path(), "lesson:" + text_key(path.read_text()))
    index = index_course([folder], False)
    assert index.entries == fresh(folder).entries and index.entries[0].title == "Cached lesson"
    assert not index.problems


def test_a_cache_folder_that_cannot_be_written_only_means_no_cache(tmp_path: Path):
    folder, _ = folder_with(tmp_path)
    cache_dir().parent.mkdir(parents=True, exist_ok=True)
    cache_dir().write_text("a file where the cache folder would be")
    for _ in range(2):
        assert index_course([folder], False).entries == fresh(folder).entries
    assert not list(cache_dir().parent.glob(".*.tmp"))


def test_only_the_lessons_of_this_course_are_kept(tmp_path: Path):
    folder, path = folder_with(tmp_path)
    index_course([folder], False)
    path.write_text(LESSON.format(title="Second version"))
    index_course([folder], False)
    entries = json.loads(cache_path().read_text())["entries"]
    assert list(entries) == ["lesson:" + text_key(path.read_text())]


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_a_hostile_lesson_is_listed_or_refused_the_same_from_the_cache(path: Path, tmp_path: Path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    shutil.copyfile(path, folder / path.name)
    expected = fresh(folder)
    for _ in range(2):  # the first read fills the cache, the second reads it
        index = index_course([folder], False)
        assert (index.entries, index.problems) == (expected.entries, expected.problems)


def test_a_lesson_file_is_capped_at_the_loaders_size():
    assert MAX_FILE_BYTES == yamlpos.MAX_FILE_BYTES
