"""Shared fixtures: the shipped lessons, and an isolated user-data directory for every test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course import load_course, shipped_lessons_dir

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in shipped_lessons_dir().glob("*.yaml") if p.name != "course.yaml")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress and user lessons go to a fresh directory, never the real user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BACKPROP_TUTOR_HOME", str(home))
    monkeypatch.delenv("BACKPROP_TUTOR_LESSONS", raising=False)


@pytest.fixture(scope="session")
def course():
    c = load_course()
    assert not c.problems, c.problems
    return c
