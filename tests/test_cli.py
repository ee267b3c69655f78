"""The headless command line: list, validate, solve --json, check (a contract scripts rely on)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SHIPPED

from tutor.cli import main


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list(capsys):
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    assert "chain-rule" in out and "steps" in out
    code, out, _ = run_cli(capsys, "list", "--json")
    rows = json.loads(out)
    assert rows[0]["id"] == "gradient-basics"  # issue 14's lesson 1
    assert {"id", "title", "steps"} <= set(rows[0])


def test_validate_shipped(capsys):
    code, out, _err = run_cli(capsys, "validate", *map(str, SHIPPED))
    assert code == 0, out
    assert out == ""


def test_validate_broken(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\nid: bad\ntitle: Bad\nstpes: []\ninputs:\n  x: 1.5\ngraph:\n  - y = 2 * z\n  - L = y\n")
    code, out, _ = run_cli(capsys, "validate", str(bad))
    assert code == 1
    lines = out.splitlines()
    assert f"{bad}:4:1: unknown key 'stpes' in the lesson; did you mean 'steps'?" in lines
    assert any(line.startswith(f"{bad}:8:13: graph: unknown name 'z'") for line in lines)


def test_validate_not_yaml(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: 1\nid: [unclosed\n")
    code, out, _ = run_cli(capsys, "validate", str(bad))
    assert code == 1
    assert out.startswith(f"{bad}:3:1: invalid YAML")


def test_solve_json(capsys):
    code, out, _ = run_cli(capsys, "solve", "chain-rule", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "chain-rule" and data["output"] == "L"
    assert data["values"] == {"x": 1.5, "t": 4.25, "y": 3.0, "L": 1.5625}
    assert data["grads"] == {"x": -5.0, "y": -2.5, "L": 1.0}
    assert {"id": "grad:x", "kind": "grad", "answer": -5.0} in data["steps"]


def test_solve_by_path(capsys):
    code, out, _ = run_cli(capsys, "solve", str(SHIPPED[0]))
    assert code == 0 and "grad:" in out


def test_check(tmp_path, capsys):
    answers = tmp_path / "a.yaml"
    answers.write_text('value:y: 3\ngrad:x: "-5.01"\n"local:L/y": "-2.5"\n')
    code, out, _ = run_cli(capsys, "check", "chain-rule", "--answers", str(answers), "--json")
    assert code == 0
    results = json.loads(out)["results"]
    assert [r["id"] for r in results] == ["value:y", "local:L/y", "grad:x"]
    assert all(r["correct"] for r in results)

    answers.write_text('value:y: 3\ngrad:x: "-5.3"\n')  # 6% off
    code, out, _ = run_cli(capsys, "check", "chain-rule", "--answers", str(answers), "--json")
    assert code == 1
    assert [r["correct"] for r in json.loads(out)["results"]] == [True, False]


@pytest.mark.parametrize(
    "content",
    ["grad:nope: 1\n", "- just a list\n", "value:y: [unclosed\n"],
    ids=["unknown-step", "not-a-mapping", "bad-yaml"],
)
def test_check_input_errors(tmp_path, capsys, content):
    answers = tmp_path / "a.yaml"
    answers.write_text(content)
    code, _, err = run_cli(capsys, "check", "chain-rule", "--answers", str(answers))
    assert code == 2
    assert "Traceback" not in err and err.strip()


def test_unknown_lesson(capsys):
    code, _, err = run_cli(capsys, "solve", "no-such-lesson")
    assert code == 2 and "no lesson with id 'no-such-lesson'" in err


def test_python_dash_m(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tutor", "list"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and "chain-rule" in r.stdout


def test_lessons_option(tmp_path, capsys):
    (tmp_path / "extra.yaml").write_text(Path(SHIPPED[0]).read_text().replace("id: chain-rule", "id: extra"))
    code, out, _ = run_cli(capsys, "--lessons", str(tmp_path), "list")
    assert code == 0 and "extra" in out.splitlines()[-1]


def test_validate_checks_course_yaml_as_the_course_order(tmp_path, capsys):
    shipped = sorted(SHIPPED[0].parent.glob("*.yaml"))  # the lessons and course.yaml, as a shell glob gives them
    assert any(p.name == "course.yaml" for p in shipped)
    code, out, _ = run_cli(capsys, "validate", *map(str, shipped))
    assert code == 0 and out == ""
    (tmp_path / "chain-rule.yaml").write_text(SHIPPED[0].read_text())
    (tmp_path / "course.yaml").write_text("order: [chain-rule, chian-rule]\nextra: 1\n")
    code, out, _ = run_cli(capsys, "validate", str(tmp_path))
    assert code == 1
    assert f"{tmp_path}/course.yaml:2:1: unknown key 'extra' in course.yaml; it holds only 'order:'" in out
    assert "warning W403 order-unknown-id: the order lists 'chian-rule'" in out


# ---------------------------------------------------------------- hostile text, odd terminals, crashes

HOSTILE = ROOT / "tests" / "robust" / "hostile"
#: what must never reach a terminal from lesson text: control characters, bidi overrides and isolates
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def assert_printable(text: str) -> None:
    """No control character (other than the newline ending each line) in command output."""
    found = UNSAFE.search(text)
    assert found is None, f"{found.group()!r} reached the terminal:\n{text}"


@pytest.fixture
def hostile_dir(tmp_path):
    """A lessons folder with the corpus lessons whose text carries escapes, markup and bidi overrides."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    for name in ("terminal-escapes.yaml", "ui-every-field.yaml", "title-coding-cookie.yaml"):
        shutil.copy(HOSTILE / name, folder / name)
    return folder


def test_list_escapes_lesson_text_one_line_per_lesson(capsys, hostile_dir):
    code, out, err = run_cli(capsys, "--lessons", str(hostile_dir), "list")
    assert code == 0
    assert_printable(out + err)
    lines = out.splitlines()
    assert len(lines) == len(SHIPPED) + 3, out  # the coding-cookie title's newlines do not start new lines
    assert any("terminal-escapes     Escapes \\x1b[2J\\x1b]0;owned\\x07 here  (1 steps)" in line for line in lines)
    assert any("coding: unicode_escape \\nimport os;" in line for line in lines)
    assert any("[/ [red]x[/bold] \\x1b]0;owned\\x07 \\u202eevil" in line for line in lines)


def test_solve_escapes_lesson_text(capsys):
    code, out, err = run_cli(capsys, "solve", str(HOSTILE / "terminal-escapes.yaml"))
    assert code == 0
    assert_printable(out + err)
    assert out.splitlines()[0] == "Escapes \\x1b[2J\\x1b]0;owned\\x07 here  (terminal-escapes)"


def test_check_a_mistake_message_cannot_overwrite_its_own_line(tmp_path, capsys):
    answers = tmp_path / "a.yaml"
    answers.write_text('grad:y: "y - t"\n')
    code, out, err = run_cli(capsys, "check", str(HOSTILE / "terminal-escapes.yaml"), "--answers", str(answers))
    assert code == 1
    assert_printable(out + err)
    assert out.splitlines()[0] == "✗ grad:y             \\r\\x1b[2K✓ grad:y Correct."
    assert out.splitlines()[-1] == "0/1 correct"


def test_validate_escapes_file_names_and_problems(tmp_path, capsys):
    bad = tmp_path / "b[x]\x1b[2J\u202e.yaml"
    bad.write_text('format: 1\nid: bad\ntitle: Bad\n"k\\e]0;owned\\a\\\\": 1\ninputs: {x: 1}\ngraph: [L = x]\n')
    code, out, err = run_cli(capsys, "validate", str(bad))
    assert code == 1
    assert_printable(out + err)
    shown_path = str(tmp_path / "b[x]\\x1b[2J\\u202e.yaml")
    assert out.startswith(f"{shown_path}:4:1: unknown key "), out
    assert "k\\x1b]0;owned\\x07\\" in out  # the backslash typed once is shown once


def test_json_output_stays_exact(tmp_path, capsys, hostile_dir):
    _, out, _ = run_cli(capsys, "--lessons", str(hostile_dir), "list", "--json")
    rows = {row["id"]: row for row in json.loads(out)}
    assert rows["terminal-escapes"]["title"] == "Escapes \x1b[2J\x1b]0;owned\x07 here"
    assert rows["ui-every-field"]["summary"] == "Summary [@click=app.quit]quit[/] [x] \x1b[2J\x1b[1A"
    answers = tmp_path / "a.yaml"
    answers.write_text('grad:y: "y - t"\n')
    _, out, _ = run_cli(capsys, "check", str(HOSTILE / "terminal-escapes.yaml"), "--answers", str(answers), "--json")
    assert json.loads(out)["results"][0]["feedback"] == "\r\x1b[2K✓ grad:y Correct."
    _, out, _ = run_cli(capsys, "solve", str(HOSTILE / "terminal-escapes.yaml"), "--json")
    assert json.loads(out)["id"] == "terminal-escapes"


def test_an_unknown_step_is_quoted_once(tmp_path, capsys):
    answers = tmp_path / "a.yaml"
    answers.write_text('"grad:\\e[2J\\\\q": 1\n')  # the id holds ESC and one backslash
    code, _, err = run_cli(capsys, "check", "chain-rule", "--answers", str(answers))
    assert code == 2
    assert_printable(err)
    assert "no step 'grad:\\x1b[2J\\q' in lesson chain-rule" in err


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["solve", "chain-rule"],
        ["check", "chain-rule", "--answers", "ANSWERS"],
        ["validate", str(HOSTILE / "ui-every-field.yaml")],
        ["--lessons", str(HOSTILE), "list"],
    ],
    ids=["list", "solve", "check", "validate", "list-hostile"],
)
def test_an_ascii_only_stdout_does_not_crash(tmp_path, args):
    answers = tmp_path / "a.yaml"
    answers.write_text('value:y: 3\ngrad:y: "2*y-t"\n')
    args = [str(answers) if a == "ANSWERS" else a for a in args]
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C"}
    r = subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, env=env, cwd=tmp_path)
    out, err = r.stdout.decode("ascii"), r.stderr.decode("ascii")  # nothing but ASCII was written
    assert "Traceback" not in err and "UnicodeEncodeError" not in err, err
    assert r.returncode in (0, 1), err
    assert (out + err).strip()
    if args[0] == "check":
        assert "\\u2713 value:y" in out and "\\u2717 grad:y" in out  # ✓ and ✗, escaped


def test_a_bug_in_a_command_exits_70_with_one_line_and_a_log(capsys, monkeypatch):
    from tutor.cli import lessons_cmd
    from tutor.paths import data_dir

    def broken(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(lessons_cmd, "run_list", broken)
    code, _, err = run_cli(capsys, "list")
    assert code == 70
    lines = err.splitlines()
    assert len(lines) == 1 and "ZeroDivisionError: a bug" in lines[0] and "Traceback" not in err
    logs = list(data_dir().glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    assert "Traceback" in logs[0].read_text() and "def broken" not in lines[0]


def test_a_crash_in_the_app_exits_70_with_one_line_and_a_log(capsys, monkeypatch):
    from textual.app import App

    from tutor.paths import data_dir
    from tutor.ui.app import TutorApp
    from tutor.ui.screens.home import HomeScreen

    def broken(self):
        raise ZeroDivisionError("a bug on the home screen")

    monkeypatch.setattr(HomeScreen, "on_mount", broken)
    monkeypatch.setattr(TutorApp, "run", lambda self: App.run(self, headless=True, size=(80, 24)))
    code, _, err = run_cli(capsys)
    assert code == 70
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "ZeroDivisionError: a bug on the home screen (at " in lines[0]
    logs = list(data_dir().glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    assert "in broken" in logs[0].read_text()
