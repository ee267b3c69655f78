"""``backprop-tutor check`` grades formula answers and gives the diagnoses (it goes through ``grade``)."""

from __future__ import annotations

import json
from pathlib import Path

from tutor.cli import main

NET = Path(__file__).resolve().parent / "lessons" / "net.yaml"


def _check(tmp_path: Path, answers: str, capsys, *extra: str) -> tuple[int, str]:
    f = tmp_path / "answers.yaml"
    f.write_text(answers, encoding="utf-8")
    code = main(["check", str(NET), "--answers", str(f), *extra])
    return code, capsys.readouterr().out


def test_check_accepts_formulas(tmp_path, capsys):
    answers = (
        '"grad:Z2": "(A2 - T) / 4"\n'
        '"grad:W2": "A1.T @ dZ2"\n'
        '"grad:b2": "sum(dZ2, 0)"\n'
        '"grad:A1": "dZ2 @ W2.T"\n'
        '"grad:Z1": "dA1 * A1 * (1 - A1)"\n'
        '"grad:W1": "X.T @ dZ1"\n'
        '"grad:b1": "sum(dZ1, 0)"\n'
    )
    code, out = _check(tmp_path, answers, capsys)
    assert code == 0, out
    assert "7/7 correct" in out


def test_check_gives_the_diagnoses(tmp_path, capsys):
    answers = (
        '"grad:Z2": "A2 - T"\n'
        '"grad:W2": "dZ2.T @ A1"\n'
        '"grad:Z1": "dA1 * Z1 * (1 - Z1)"\n'
        '"grad:b1": "dZ1"\n'
        '"grad:A1": "dZ3"\n'
    )
    code, out = _check(tmp_path, answers, capsys, "--json")
    assert code == 1
    results = {r["id"]: r for r in json.loads(out)["results"]}
    assert results["grad:Z2"]["feedback"].startswith("That is 4 times the right answer, with N = 4 samples")
    assert results["grad:W2"]["feedback"].startswith("That is the transpose of dW2")
    assert results["grad:W2"]["read_as"] == "dZ2ᵀ @ A1"
    assert "You took the local derivative at the input Z1, as Z1(1 − Z1)" in results["grad:Z1"]["feedback"]
    assert "add them up over the batch" in results["grad:b1"]["feedback"]
    assert results["grad:A1"]["status"] == "unreadable" and "did you mean dZ2?" in results["grad:A1"]["feedback"]


BATCH = Path(__file__).resolve().parents[2] / "lessons" / "two-layer-batch.yaml"
PATHS = Path(__file__).resolve().parent / "lessons" / "paths.yaml"


def _check_lesson(tmp_path: Path, lesson: Path, answers: str, capsys) -> dict[str, dict]:
    f = tmp_path / "answers.yaml"
    f.write_text(answers, encoding="utf-8")
    main(["check", str(lesson), "--answers", str(f), "--json"])
    return {r["id"]: r for r in json.loads(capsys.readouterr().out)["results"]}


def test_check_reads_numpy_spellings_and_refuses_shortcuts(tmp_path, capsys):
    results = _check_lesson(
        tmp_path,
        BATCH,
        '"value:A1": "sigmoid(Z1)"\n'
        '"grad:Z2": "db2"\n'
        '"grad:W2": "A1.T.dot(dZ2)"\n'
        '"grad:b1": "dZ1.sum(axis=0, keepdims=True)"\n',
        capsys,
    )
    assert results["value:A1"]["status"] == "unreadable"
    assert results["value:A1"]["feedback"].startswith("Type the computed value: the graph shows the formula A1 = σ(Z1)")
    assert results["grad:Z2"]["status"] == "unreadable"
    assert results["grad:Z2"]["feedback"] == "dZ2 comes before db2: write it from what you know."
    assert results["grad:W2"]["correct"] and results["grad:b1"]["correct"]


def test_check_recognises_calculus_notation(tmp_path, capsys):
    results = _check_lesson(tmp_path, PATHS, '"local:y/u": "dy/du"\n"local:u/x2": "du/dx2"\n', capsys)
    shipped = Path(__file__).resolve().parents[2] / "lessons" / "chain-rule-paths.yaml"
    results |= _check_lesson(tmp_path, shipped, '"local:u/v": "du/dv"\n"local:v/x2": "dv/dx2"\n', capsys)
    assert len(results) == 4
    for r in results.values():
        assert r["status"] == "unreadable" and "is calculus notation" in r["feedback"], r
        assert "times the right one" not in r["feedback"]


def test_check_grades_a_first_try_without_the_formula(tmp_path, capsys):
    results = _check_lesson(tmp_path, BATCH, '"grad:b1": "dZ1"\n', capsys)
    feedback = results["grad:b1"]["feedback"]
    assert feedback.startswith("b1 has one entry per hidden unit") and "sum(dZ1, 0)" not in feedback
