"""The course layout: shipped, --lessons, the user directory, BACKPROP_TUTOR_LESSONS; order files; clashes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import SHIPPED

from tutor.cli import main
from tutor.course import load_course
from tutor.paths import user_lessons_dir

CHAIN = next(p for p in SHIPPED if p.stem == "chain-rule").read_text(encoding="utf-8")
assert "id: chain-rule\n" in CHAIN


def _lesson(directory: Path, lesson_id: str, file_name: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{file_name or lesson_id}.yaml"
    path.write_text(CHAIN.replace("id: chain-rule\n", f"id: {lesson_id}\n"), encoding="utf-8")
    return path


def test_all_places_in_order(tmp_path, monkeypatch):
    extra = tmp_path / "extra"
    _lesson(extra, "from-option")
    _lesson(user_lessons_dir(), "from-user")
    env1, env2 = tmp_path / "env1", tmp_path / "env2"
    _lesson(env1, "from-env-1")
    _lesson(env2, "from-env-2")
    monkeypatch.setenv("BACKPROP_TUTOR_LESSONS", f"{env1}{os.pathsep}{env2}")
    course = load_course([extra])
    assert course.problems == []
    ids = [lesson.id for lesson in course.lessons]
    assert ids[0] == "gradient-basics"  # issue 14's lesson 1
    assert ids[-4:] == ["from-option", "from-user", "from-env-1", "from-env-2"]
    assert course.origins["from-user"] == "user" and course.origins["from-env-2"] == "BACKPROP_TUTOR_LESSONS"


def test_missing_env_directory_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKPROP_TUTOR_LESSONS", str(tmp_path / "nope"))
    [p] = load_course().problems
    assert p.file == str(tmp_path / "nope") and "not a directory of lessons" in p.message


def test_id_clash_names_both_files(tmp_path):
    first = _lesson(tmp_path / "a", "twin")
    second = _lesson(tmp_path / "b", "twin", "other-name")
    course = load_course([tmp_path / "a", tmp_path / "b"])
    [p] = course.problems
    assert (p.file, p.line, p.col) == (str(second), 2, 5)
    assert str(first) in p.message and "already used" in p.message
    assert [lesson.path for lesson in course.lessons if lesson.id == "twin"] == [first]


def test_a_folder_carries_its_own_order(tmp_path):
    d = tmp_path / "mine"
    for i in ("alpha", "beta", "gamma", "delta"):
        _lesson(d, i)
    (d / "course.yaml").write_text("order:\n  - gamma\n  - alpha\n  - gamam\n")
    course = load_course([d], include_shipped=False)
    assert [lesson.id for lesson in course.lessons] == ["gamma", "alpha", "beta", "delta"]
    [p] = course.problems
    assert (p.file, p.line, p.col, p.severity) == (str(d / "course.yaml"), 4, 5, "warning")
    assert "lists 'gamam', but no lesson" in p.message and "did you mean 'gamma'?" in p.message


def test_broken_order_file_is_reported(tmp_path):
    d = tmp_path / "mine"
    _lesson(d, "alpha")
    (d / "course.yaml").write_text("ordre:\n  - alpha\n")
    course = load_course([d], include_shipped=False)
    assert [lesson.id for lesson in course.lessons] == ["alpha"]
    assert any("course.yaml holds 'order:'" in p.message for p in course.problems)


def test_list_json_shows_where_each_lesson_came_from(tmp_path, capsys):
    extra = tmp_path / "extra"
    path = _lesson(extra, "mine")
    _lesson(extra, "chain-rule", "dup")
    assert main(["--lessons", str(extra), "list", "--json"]) == 0
    out = capsys.readouterr()
    rows = {r["id"]: r for r in json.loads(out.out)}
    assert rows["mine"]["path"] == str(path) and rows["mine"]["source"] == "--lessons"
    assert rows["chain-rule"]["source"] == "shipped"
    assert f"{extra / 'dup.yaml'}:2:5: lesson id 'chain-rule' is already used by" in out.err


def test_shipped_course_order_has_no_problems():
    assert load_course().problems == []
