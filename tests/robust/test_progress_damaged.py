"""Every damaged progress file is moved aside with a message, and the store, the app and the CLI go on.

Deep nesting, lone surrogates, huge numbers, wrong types anywhere, a FIFO, a symlink to /dev/zero, a
folder, a file over the size cap; a data folder that is a file, or under a folder that cannot be read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor.course import load_course
from tutor.paths import progress_file
from tutor.progress import MAX_BYTES, SOLVED, ProgressStore
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen

GOOD = {"id": "a", "source": None, "versions": {"h": {"current": "value:y", "steps": {}}}}


def v2(record: object) -> str:
    """A format-2 file with one good lesson ``a`` and the record ``bad`` given."""
    return json.dumps({"format": 2, "lessons": {"a": GOOD, "bad": record}})


def step(**fields: object) -> dict:
    """A format-2 record of lesson ``bad`` whose one step has these fields."""
    return {"id": "bad", "source": None, "versions": {"h": {"steps": {"value:y": fields}}}}


#: name -> the file's text; each is damage that this version did not write
DAMAGED_TEXT = {
    "nested-array": '{"format": 2, "lessons": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "nested-in-a-record": v2({"id": "bad", "versions": {"h": {"steps": {"s": {"attempts": [[[[[]]]]] * 2}}}}})[:-2]
    + "[" * 50_000
    + "]" * 50_000
    + "}}",
    "int-over-the-digit-limit": '{"format": 2, "lessons": {}, "n": ' + "9" * 5000 + "}",
    "hints-huge": v2(step(hints=10**400)),
    "hints-infinite": v2(step(hints=1e999)),
    "hints-nan": v2(step(hints=float("nan"))),
    "hints-negative": v2(step(hints=-1)),
    "hints-bool": v2(step(hints=True)),
    "format-infinite": '{"format": 1e999, "lessons": {}}',
    "lessons-a-list": '{"format": 2, "lessons": []}',
    "record-a-string": v2("x"),
    "id-a-number": v2({"id": 5, "versions": {}}),
    "source-a-number": v2({"id": "bad", "source": 5, "versions": {}}),
    "versions-a-list": v2({"id": "bad", "versions": []}),
    "version-a-number": v2({"id": "bad", "versions": {"h": 3}}),
    "current-a-number": v2({"id": "bad", "versions": {"h": {"current": 3}}}),
    "updated-a-list": v2({"id": "bad", "versions": {"h": {"updated": []}}}),
    "steps-a-list": v2({"id": "bad", "versions": {"h": {"steps": []}}}),
    "step-a-string": v2({"id": "bad", "versions": {"h": {"steps": {"value:y": "solved"}}}}),
    "status-unknown": v2(step(status="maybe")),
    "attempts-an-object": v2(step(attempts={})),
    "attempt-a-number": v2(step(attempts=[5])),
    "attempt-text-a-number": v2(step(attempts=[{"text": 5}])),
    "correct-a-string": v2(step(attempts=[{"text": "3", "correct": "yes"}])),
    "diagnosis-a-list": v2(step(attempts=[{"text": "3", "correct": True, "diagnosis": []}])),
    "format-1-hash-a-number": '{"format": 1, "lessons": {"a": {"hash": "h", "current": "x"}, "bad": {"hash": 3}}}',
}


def write(path: Path, name: str) -> None:
    """Make ``path`` the damaged file called ``name``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if name in DAMAGED_TEXT:
        path.write_text(DAMAGED_TEXT[name], encoding="utf-8")
    elif name == "fifo":
        os.mkfifo(path)
    elif name == "symlink-to-dev-zero":
        path.symlink_to("/dev/zero")
    elif name == "a-folder":
        path.mkdir()
    elif name == "over-the-size-cap":
        with open(path, "wb") as f:
            f.truncate(MAX_BYTES + 1)  # sparse: nothing is read to find out
    elif name == "not-utf-8":
        path.write_bytes(b'{"format": 2, "lessons": {"\xff": {}}}')
    else:
        raise AssertionError(name)


DAMAGED = [*DAMAGED_TEXT, "fifo", "symlink-to-dev-zero", "a-folder", "over-the-size-cap", "not-utf-8"]


@pytest.fixture(autouse=True)
def _a_hang_fails(request: pytest.FixtureRequest) -> object:
    """A FIFO or /dev/zero that is read would never return: after 60 s, fail instead of hanging."""
    import signal

    def hung(signum: int, frame: object) -> None:
        pytest.fail(f"{request.node.name} still running after 60 s")  # not an OSError: nothing catches it

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", DAMAGED)
def test_a_damaged_file_is_moved_aside_and_the_store_goes_on(tmp_path, name):
    path = tmp_path / "progress.json"
    write(path, name)
    store = ProgressStore(path)  # before the fix: RecursionError, OverflowError, a hang, or MemoryError
    assert store.warning is not None and "moved to" in store.warning, store.warning
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("progress.json.corrupt-")]
    assert len(aside) == 1 and str(aside[0]) in store.warning
    if name in DAMAGED_TEXT:
        assert aside[0].read_text(encoding="utf-8") == DAMAGED_TEXT[name]  # kept exactly, for the learner
    record = store.lesson("chain-rule", "h")
    record.step("grad:x").status = SOLVED
    store.save(record)
    again = ProgressStore(path)
    assert again.warning is None and again.peek("chain-rule", "h").steps["grad:x"].status == SOLVED


RECORD_DAMAGE = [n for n in DAMAGED_TEXT if n.startswith(("hints-huge", "hints-neg", "current", "attempt", "step"))]


@pytest.mark.parametrize("name", RECORD_DAMAGE)
def test_a_damaged_record_costs_only_that_lesson(tmp_path, name):
    path = tmp_path / "progress.json"
    write(path, name)
    store = ProgressStore(path)
    assert "damaged records for bad" in store.warning and "the other lessons' progress was kept" in store.warning
    assert store.peek("a", "h").current == "value:y"
    assert ProgressStore(path).peek("a", "h").current == "value:y"  # written back at once, not only in memory


@pytest.mark.parametrize("name", ["nested-array", "fifo", "symlink-to-dev-zero", "hints-huge", "a-folder"])
async def test_the_app_starts_on_a_damaged_file_and_says_where_it_went(name):
    write(progress_file(), name)
    app = TutorApp.with_course(load_course())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("moved to" in n.message and "corrupt-" in n.message for n in app._notifications)
    assert list(progress_file().parent.glob("progress.json.corrupt-*"))


def list_lessons(home: Path) -> subprocess.CompletedProcess[str]:
    """``backprop-tutor list`` in a fresh process with ``home`` as the data folder."""
    env = {**os.environ, "BACKPROP_TUTOR_HOME": str(home), "HOME": str(home)}
    code = "import sys; from tutor.cli import main; sys.exit(main(['list']))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", ["nested-array", "fifo", "symlink-to-dev-zero"])
def test_the_cli_lists_lessons_with_a_damaged_file(tmp_path, name):
    write(tmp_path / "progress.json", name)
    r = list_lessons(tmp_path)
    assert r.returncode == 0 and "chain-rule" in r.stdout, r.stderr
    assert "Traceback" not in r.stderr


# --- a data folder that cannot be used ----------------------------------------------------------


def test_a_data_folder_that_is_a_file(tmp_path, monkeypatch):
    home = tmp_path / "data"
    home.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("BACKPROP_TUTOR_HOME", str(home))
    store = ProgressStore()
    assert store.warning == (
        f"Your progress cannot be read or saved: the data folder {home} is a file, not a folder; "
        "move it away or set BACKPROP_TUTOR_HOME to another folder."
    )
    record = store.lesson("chain-rule", "h")
    record.current = "grad:x"
    with pytest.raises(OSError) as e:  # the lesson screen shows it as "Could not save your progress: ..."
        store.save(record)
    assert str(e.value).startswith(f"the data folder {home} is a file")  # before: "[Errno 17] File exists"
    assert home.read_text(encoding="utf-8") == "not a folder"
    r = list_lessons(home)
    assert r.returncode == 0 and "chain-rule" in r.stdout, r.stderr


async def test_the_app_starts_with_a_data_folder_that_is_a_file(tmp_path, monkeypatch):
    home = tmp_path / "data"
    home.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("BACKPROP_TUTOR_HOME", str(home))
    app = TutorApp.with_course(load_course())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("is a file, not a folder" in n.message for n in app._notifications)


def deny_under(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make everything under ``folder`` unreachable, as ``chmod 0 folder`` does for anyone but root."""
    if os.geteuid() != 0:
        folder.chmod(0)  # restored by the test's finally
        return

    def guard(call):  # root reads every folder: give the same PermissionError the kernel gives others
        def denied(path, *args, **kwargs):
            if isinstance(path, str | bytes | os.PathLike):
                p = Path(os.fsdecode(path)).absolute()
                if p != folder and p.is_relative_to(folder):
                    raise PermissionError(13, "Permission denied", os.fsdecode(path))
            return call(path, *args, **kwargs)

        return denied

    for name in ("stat", "lstat", "open", "mkdir", "scandir", "listdir"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
async def test_a_data_folder_under_an_unreadable_folder(tmp_path, monkeypatch, capsys):
    from tutor.cli import main
    from tutor.course.index import index_course

    locked = tmp_path / "locked"
    home = locked / "home"
    home.mkdir(parents=True)
    monkeypatch.setenv("BACKPROP_TUTOR_HOME", str(home))
    deny_under(monkeypatch, locked)
    try:
        store = ProgressStore()
        assert store.warning == (
            f"Your progress cannot be read or saved: the data folder {home} cannot be reached (permission "
            f"denied in {locked}); fix the permissions or set BACKPROP_TUTOR_HOME to a folder you can write."
        )
        record = store.lesson("chain-rule", "h")
        record.current = "grad:x"
        with pytest.raises(OSError, match=f"^the data folder {home} cannot be reached"):
            store.save(record)

        assert main(["list"]) == 0  # before the fix: PermissionError from Path.is_dir()
        assert "chain-rule" in capsys.readouterr().out

        app = TutorApp(index_course())
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            assert any("cannot be reached" in n.message for n in app._notifications)
    finally:
        locked.chmod(0o755)
