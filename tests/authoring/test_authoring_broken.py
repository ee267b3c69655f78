"""The corpus of broken lessons: each file's first line says where validate must point and what it must say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tutor.cli import main
from tutor.cli.lessons_cmd import validate_file
from tutor.course import LessonError, parse_lesson
from tutor.course.yamlpos import MAX_FILE_BYTES

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (.+)$")


def _expected(path: Path) -> tuple[int, int, str]:
    m = EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert m, f"{path.name}: the first line must be '# expect: LINE:COL message'"
    return int(m[1]), int(m[2]), m[3]


def test_corpus_is_large_and_each_file_is_its_own_kind():
    assert len(BROKEN) >= 30
    messages = [_expected(p)[2] for p in BROKEN]
    assert len(set(messages)) == len(messages), "two corpus files test the same mistake"


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_lesson_is_pointed_at(path: Path):
    line, col, message = _expected(path)
    problems = validate_file(path, lint=False)
    assert problems, f"{path.name} was accepted"
    first = problems[0]
    shown = f"[{first.step}] {first.message}" if first.step else first.message
    assert (first.line, first.col, shown) == (line, col, message)
    assert all(p.file == str(path) and p.severity == "error" for p in problems)


def test_validate_prints_file_line_col_and_fails(capsys):
    code = main(["validate", *map(str, BROKEN)])
    out = capsys.readouterr()
    assert code == 1
    for path in BROKEN:
        line, col, message = _expected(path)
        assert f"{path}:{line}:{col}: " in out.out and message.split("[")[-1][:20] in out.out
    assert "Traceback" not in out.out + out.err
    assert f"{len(BROKEN)} files checked: 0 valid, {len(BROKEN)} with problems" in out.err


def test_file_over_the_size_cap(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_text("format: 1\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    [p] = validate_file(big)
    assert (p.line, p.col) == (1, 1) and "over the limit" in p.message


def test_billion_laughs_is_refused_before_expansion():
    text = 'a: &a ["lol", "lol"]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n'
    with pytest.raises(LessonError) as e:
        parse_lesson(text, "laughs.yaml")
    assert str(e.value).startswith("laughs.yaml:1:4: YAML anchors and aliases")


def test_no_cascade_after_a_broken_input():
    """One mistake, one line: the graph does not report again the name of an input that was refused."""
    text = "format: 1\nid: a\ntitle: A\ninputs:\n  x: one\ngraph:\n  - L = x ** 2\n"
    with pytest.raises(LessonError) as e:
        parse_lesson(text, "a.yaml")
    assert [str(p) for p in e.value.problems] == ["a.yaml:5:6: x: expected a number, got text 'one'"]
