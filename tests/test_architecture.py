"""The core (engine, lesson model, grader) imports neither textual nor torch; lint is clean."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

CORE = ["tutor.lang", "tutor.engine", "tutor.course", "tutor.grading", "tutor.cli"]


@pytest.mark.parametrize("module", CORE)
def test_core_imports_no_ui_or_torch(module):
    code = (
        f"import sys, {module}, tutor.cli.lessons_cmd\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'torch', 'sympy')]\n"
        "print(','.join(bad))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == ""


def _ruff() -> list[str]:
    exe = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    return [exe] if exe else [sys.executable, "-m", "ruff"]


def test_ruff_check():
    r = subprocess.run([*_ruff(), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format():
    r = subprocess.run([*_ruff(), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
