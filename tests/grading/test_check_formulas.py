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
    assert results["grad:W2"]["feedback"].startswith("That is the transpose of ∂L/∂W2")
    assert results["grad:W2"]["read_as"] == "dZ2ᵀ @ A1"
    assert "You took the local derivative at the input Z1, as Z1(1 − Z1)" in results["grad:Z1"]["feedback"]
    assert "add them up over the batch" in results["grad:b1"]["feedback"]
    assert results["grad:A1"]["status"] == "unreadable" and "did you mean dZ2?" in results["grad:A1"]["feedback"]
