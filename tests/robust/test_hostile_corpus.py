"""The hostile corpus: lesson files an attacker or a careless author could share, each with its expected outcome.

Every file in ``hostile/`` starts with ``# attack: ...`` (what it tries, and which review finding) and
``# expect: ...``: ``valid`` (validate accepts it; then solving it must work too), ``LINE:COL message`` (the
first problem validate reports) or ``error message`` (some problem whose text contains the message). Every file
must also be indexed for the lesson list without an exception. Each run is given a generous time limit so a
hang fails the test instead of stalling the suite; the real time and memory bounds are measured in benchmarks.
"""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest

from tutor.cli.lessons_cmd import validate_file
from tutor.course import find_lesson, solve
from tutor.course.index import index_course

HOSTILE = sorted((Path(__file__).parent / "hostile").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (valid|error (?P<any>.+)|(?P<line>\d+):(?P<col>\d+) (?P<msg>.+))$")
LIMIT = 60.0  # seconds: only to turn a hang into a failure


def expectation(path: Path) -> re.Match[str]:
    """The ``# expect:`` line of a corpus file (the second line; the first is ``# attack:``)."""
    head = path.read_bytes()[:4096].decode("utf-8", "replace").splitlines()
    assert head and head[0].startswith("# attack: "), f"{path.name}: line 1 must be '# attack: ...'"
    m = EXPECT.match(head[1]) if len(head) > 1 else None
    assert m, f"{path.name}: line 2 must be '# expect: valid', '# expect: error MESSAGE' or '# expect: L:C MESSAGE'"
    return m


def within_limit(fn, *args):
    """Run ``fn(*args)`` in a thread; fail the test if it does not return within LIMIT seconds."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as e:
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(LIMIT)
    assert not t.is_alive(), f"{fn.__name__} did not finish within {LIMIT:.0f} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


def test_corpus_files_say_what_they_attack_and_expect():
    assert HOSTILE
    for path in HOSTILE:
        expectation(path)


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_validate_gives_the_expected_outcome(path: Path):
    m = expectation(path)
    problems = within_limit(validate_file, path, True)
    errors = [p for p in problems if p.severity == "error"]
    if m.group(1) == "valid":
        assert not errors, [str(p) for p in errors]
        within_limit(lambda: solve(find_lesson(str(path))).answers())
    elif m.group("any"):
        assert errors, f"{path.name} was accepted"
        assert any(m.group("any") in str(p) for p in errors), [str(p) for p in errors]
    else:
        assert errors, f"{path.name} was accepted"
        first = errors[0]
        assert (first.line, first.col) == (int(m.group("line")), int(m.group("col"))), str(first)
        assert m.group("msg") in str(first), str(first)


@pytest.mark.parametrize("path", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_the_lesson_list_indexes_it_without_raising(path: Path, tmp_path: Path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    shutil.copyfile(path, folder / path.name)
    index = within_limit(index_course, [folder], False)
    assert index.entries or index.problems
