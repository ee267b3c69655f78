"""The headless command line: list, validate, solve --json, check (a contract scripts rely on)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHIPPED

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
    assert rows[0]["id"] == "chain-rule"
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
    assert "warning: the order lists 'chian-rule'" in out
