"""Files and folders that are not what they seem: FIFOs, /dev/zero, 10,000 lessons, unreadable folders, answers.

Each of these hung, exhausted memory or gave a traceback in ``list``, ``validate``, ``check`` and at app start
(security review, findings 6-8). Each run has a generous time limit only to turn a hang into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import SHIPPED

from tutor.cli import main
from tutor.cli.lessons_cmd import validate_file
from tutor.course import LessonError, find_lesson, load_course
from tutor.course.answers import read_answers
from tutor.course.index import MAX_LESSON_FILES, index_course

LIMIT = 60.0  # seconds: only to turn a hang into a failure
CHAIN = next(p for p in SHIPPED if p.stem == "chain-rule")


def within_limit(fn, *args):
    """Run ``fn(*args)`` in a thread; fail if it does not return within LIMIT seconds."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as e:
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(LIMIT)
    assert not t.is_alive(), f"{getattr(fn, '__name__', fn)} did not finish within {LIMIT:.0f} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


def lesson_folder(tmp_path: Path) -> Path:
    """A lessons folder holding one good lesson, ``mine.yaml``."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    shutil.copyfile(CHAIN, folder / "mine.yaml")
    (folder / "mine.yaml").write_text(CHAIN.read_text().replace("id: chain-rule", "id: mine"))
    return folder


@pytest.fixture(params=["fifo", "dev-zero"])
def trap(request, tmp_path: Path):
    """A function that puts a FIFO, or a symlink to /dev/zero, at a path; and what the refusal names."""

    def make(path: Path) -> None:
        if request.param == "fifo":
            os.mkfifo(path)
        else:
            path.symlink_to("/dev/zero")

    return make, "FIFO" if request.param == "fifo" else "character device"


def test_a_trap_among_the_lessons_is_reported_not_read(tmp_path, trap):
    make, kind = trap
    folder = lesson_folder(tmp_path)
    make(folder / "x.yaml")
    index = within_limit(index_course, [folder], False)
    assert [e.id for e in index.entries] == ["mine"]
    assert any(kind in p.message and p.file.endswith("x.yaml") for p in index.problems), index.problems
    course = within_limit(load_course, [folder], False)
    assert [lesson.id for lesson in course.lessons] == ["mine"]
    assert any(kind in p.message for p in course.problems)
    [problem] = within_limit(validate_file, folder / "x.yaml")
    assert kind in problem.message and (problem.line, problem.col) == (1, 1)
    with pytest.raises(LessonError, match=kind):
        within_limit(find_lesson, str(folder / "x.yaml"))


def test_a_trap_as_the_course_order_is_reported(tmp_path, trap):
    make, kind = trap
    folder = lesson_folder(tmp_path)
    make(folder / "course.yaml")
    course = within_limit(load_course, [folder], False)
    assert [lesson.id for lesson in course.lessons] == ["mine"]
    assert any(kind in p.message and p.file.endswith("course.yaml") for p in course.problems)


def test_a_trap_as_the_answers_file_is_refused(tmp_path, trap, capsys):
    make, kind = trap
    answers = tmp_path / "answers.yaml"
    make(answers)
    code = within_limit(main, ["check", str(CHAIN), "--answers", str(answers)])
    err = capsys.readouterr().err
    assert code == 2 and f"{answers}:1:1: the answers file is" in err and kind in err


def test_answers_files_are_told_about_answers_files(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("grad:x: 1\n" + "# padding\n" * 30_000)
    with pytest.raises(LessonError) as e:
        read_answers(big)
    [p] = e.value.problems
    assert "answers file" in p.message and "lesson" not in p.message
    aliased = tmp_path / "alias.yaml"
    aliased.write_text("a: &x 1\nb: *x\n")
    with pytest.raises(LessonError, match="not allowed in answers files"):
        read_answers(aliased)


@pytest.mark.parametrize(
    ("content", "where", "fragment"),
    [
        ("<<: {grad:x: 1}\n", "1:1", "merge keys"),
        ("grad:x: " + "9" * 400 + "\n", "1:9", "a number of 400 characters is too long"),
        ("grad:x: 0x" + "f" * 5000 + "\n", "1:9", "a number of 5002 characters is too long"),
    ],
)
def test_answers_that_crashed_check_are_located(tmp_path, capsys, content, where, fragment):
    answers = tmp_path / "answers.yaml"
    answers.write_text(content)
    code = main(["check", str(CHAIN), "--answers", str(answers)])
    err = capsys.readouterr().err
    assert code == 2 and f"{answers}:{where}: " in err and fragment in err and "Traceback" not in err


def test_a_huge_answer_is_graded_as_unreadable_without_a_traceback(tmp_path, capsys):
    answers = tmp_path / "answers.yaml"
    answers.write_text("grad:x: '" + "1e999 + " * 1000 + "1'\nvalue:y: '" + "9" * 400 + "'\n")
    code = main(["check", str(CHAIN), "--answers", str(answers)])
    out = capsys.readouterr().out
    assert code == 1 and "too long" in out and "too large" in out


def test_a_folder_of_too_many_lessons_is_read_up_to_the_cap(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    text = CHAIN.read_text()
    for i in range(MAX_LESSON_FILES + 10):
        (folder / f"l{i:05d}.yaml").write_text(text.replace("id: chain-rule", f"id: l{i:05d}"))
    index = within_limit(index_course, [folder], False)
    assert len(index.entries) == MAX_LESSON_FILES
    [problem] = index.problems
    assert problem.file == str(folder) and f"more than {MAX_LESSON_FILES} lesson files" in problem.message


def _without_root_powers() -> list[str]:
    """A command prefix that makes permission bits apply (root reads everything otherwise); [] when not root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permission bits cannot be tested")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def _run_python(args: list[str] | str, home: Path) -> subprocess.CompletedProcess[str]:
    """Python (``-m tutor ARGS`` or ``-c CODE``) with permission bits in force and ``home`` as the data folder."""
    env = {**os.environ, "BACKPROP_TUTOR_HOME": str(home)}
    tail = ["-c", args] if isinstance(args, str) else ["-m", "tutor", *args]
    cmd = [*_without_root_powers(), sys.executable, *tail]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=LIMIT, check=False)


def _run_tutor(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """``backprop-tutor ARGS`` with permission bits in force."""
    return _run_python(args, home)


INDEX_PROBE = "from tutor.course.index import index_course; print(*index_course().problems, sep='\\n')"


@pytest.mark.parametrize("locked", ["lessons", "parent"])
def test_an_unreadable_user_lessons_folder_is_a_problem_not_a_crash(tmp_path, locked):
    home = tmp_path / "parent" / "data"
    (home / "lessons").mkdir(parents=True)
    shutil.copyfile(CHAIN, home / "lessons" / "mine.yaml")
    target = home / "lessons" if locked == "lessons" else tmp_path / "parent"
    target.chmod(0)
    try:
        listing = _run_tutor(["list"], home)
        index = _run_python(INDEX_PROBE, home)  # what the app's lesson list starts from
    finally:
        target.chmod(0o755)
    assert listing.returncode == 0 and "Traceback" not in listing.stderr, listing.stderr
    assert "chain-rule" in listing.stdout
    assert "user lessons folder" in listing.stderr and "ermission denied" in listing.stderr
    assert index.returncode == 0 and "user lessons folder" in index.stdout, index.stderr


def test_too_much_jacobian_work_is_reported_once_at_the_step_that_crosses_the_bound():
    path = Path(__file__).parent / "hostile" / "load-jacobians-total.yaml"
    [problem] = validate_file(path)
    assert problem.step == "jacobian:S9/x" and "in all" in problem.message


@pytest.mark.parametrize("locked", ["folder", "parent"])
def test_validate_of_an_unreadable_folder_says_so_without_a_traceback(tmp_path, locked):
    outer = tmp_path / "outer"
    folder = outer / "lessons"
    folder.mkdir(parents=True)
    shutil.copyfile(next(p for p in SHIPPED if p.name == "chain-rule.yaml"), folder / "chain-rule.yaml")
    target = folder if locked == "folder" else outer
    target.chmod(0)
    try:
        r = _run_tutor(["validate", str(folder)], tmp_path / "home")
    finally:
        target.chmod(0o755)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert f"{folder}:1:1: " in r.stdout and ("cannot be read" in r.stdout or "cannot be reached" in r.stdout)
