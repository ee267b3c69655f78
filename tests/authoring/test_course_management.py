"""Course management: ids and file names, ids that clash on the search path, `new` that refuses a used id and says
when it creates a folder, and a user folder's course.yaml that places its lessons before or between shipped ones."""

from __future__ import annotations

from pathlib import Path

from conftest import SHIPPED

from tutor.cli import main
from tutor.course import load_course
from tutor.course.index import index_course, place
from tutor.paths import user_lessons_dir

CHAIN = next(p for p in SHIPPED if p.stem == "chain-rule")
SHIPPED_CHAIN = CHAIN.read_text(encoding="utf-8")


def _lesson(directory: Path, lesson_id: str, file_name: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{file_name or lesson_id}.yaml"
    path.write_text(SHIPPED_CHAIN.replace("id: chain-rule\n", f"id: {lesson_id}\n"), encoding="utf-8")
    return path


def test_validate_warns_when_the_id_differs_from_the_file_name(tmp_path, capsys):
    path = _lesson(tmp_path, "softmax-layer", "softmax")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"{path}:2:5: warning W401 id-not-file-name: the id 'softmax-layer' differs from the file name softmax.yaml: "
        "rename the file to softmax-layer.yaml or the id to 'softmax', so that the id finds the file"
    )
    assert main(["validate", "--strict", str(path)]) == 1


def test_an_id_used_by_a_shipped_lesson_is_reported_with_both_paths(tmp_path, capsys):
    """Outside the search path a warning; in the user folder (after the shipped course) an error: it is skipped."""
    loose = _lesson(tmp_path, "chain-rule")
    assert main(["validate", str(loose)]) == 0
    out = capsys.readouterr().out
    assert f"{loose}:2:5: warning W402 id-shadows: lesson id 'chain-rule' is also the id of {CHAIN}" in out
    mine = _lesson(user_lessons_dir(), "chain-rule")
    assert main(["validate", str(mine)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        f"{mine}:2:5: lesson id 'chain-rule' is already used by {CHAIN} (shipped), which comes first on the search "
        "path: the tutor skips this file; give it another id"
    )


def test_new_refuses_an_id_in_use(tmp_path, capsys):
    assert main(["new", "chain-rule", "--dir", str(tmp_path)]) == 1
    assert f"lesson id 'chain-rule' is already used by {CHAIN} (shipped)" in capsys.readouterr().err
    assert not (tmp_path / "chain-rule.yaml").exists()
    _lesson(tmp_path, "my-chain", "old-name")  # the folder given holds a lesson with that id under another name
    assert main(["new", "my-chain", "--dir", str(tmp_path)]) == 1
    assert f"already used by {tmp_path / 'old-name.yaml'}" in capsys.readouterr().err
    assert main(["new", "my-other", "--dir", str(tmp_path)]) == 0


def test_new_says_when_it_creates_the_folder(tmp_path, capsys):
    folder = tmp_path / "course" / "week-1"
    assert main(["new", "first-lesson", "--dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"created the folder {folder}\nwrote {folder / 'first-lesson.yaml'}")
    assert main(["new", "second-lesson", "--dir", str(folder)]) == 0
    assert "created the folder" not in capsys.readouterr().out


def test_place_puts_own_lessons_before_and_between_the_course():
    course = ["a", "b", "c"]
    assert place(course, ["x", "y", "z"], ["x", "b", "y"]) == ["a", "x", "b", "y", "c", "z"]  # x right before b
    assert place(course, ["x", "y"], ["c", "y", "x"]) == ["a", "b", "c", "y", "x"]
    assert place(course, ["x", "y"], ["y", "x"]) == ["a", "b", "c", "y", "x"]  # only its own: after the course
    assert place(course, ["x"], []) == ["a", "b", "c", "x"]


def test_a_user_course_file_places_lessons_among_the_shipped_ones(tmp_path, capsys):
    first, second = [lesson.id for lesson in load_course().lessons][:2]  # the shipped course's opening lessons
    d = user_lessons_dir()
    for i in ("my-intro", "my-paths", "my-extra"):
        _lesson(d, i)
    order = d / "course.yaml"
    order.write_text(f"order:\n  - my-intro\n  - {first}\n  - my-paths\n", encoding="utf-8")
    course = load_course()
    ids = [lesson.id for lesson in course.lessons]
    assert ids[:4] == ["my-intro", first, "my-paths", second]
    assert ids[-1] == "my-extra"
    assert course.problems == []
    assert [e.id for e in index_course().entries] == ids  # the lesson list shows the same order
    assert main(["validate", "--strict", str(order)]) == 0, capsys.readouterr().out
    order.write_text("order:\n  - my-intro\n  - chain-rul\n", encoding="utf-8")
    assert main(["validate", str(order)]) == 0
    assert (
        f"{order}:3:5: warning W403 order-unknown-id: the order lists 'chain-rul', but no lesson in {d} has that id"
        in capsys.readouterr().out
    )


def test_placing_is_linear_in_a_long_order_file():
    """An order file of 50,000 ids (most naming nothing) and 1,000 own lessons: placed at once, not in minutes."""
    import threading

    course = [f"shipped-{i}" for i in range(30)]
    own = [f"mine-{i}" for i in range(1000)]
    order = [f"nothing-{i}" for i in range(49_000)] + [x for pair in zip(own, course * 34, strict=False) for x in pair]
    result: list[list[str]] = []
    worker = threading.Thread(target=lambda: result.append(place(course, own, order)), daemon=True)
    worker.start()
    worker.join(60)  # a generous bound: it turns a hang into a failure; the work takes milliseconds
    assert result, "place() did not finish"
    placed = result[0]
    assert sorted(placed) == sorted(course + own) and placed[:2] == ["mine-0", "shipped-0"]
