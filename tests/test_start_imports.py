"""What ``backprop-tutor`` does before the lesson list is first painted (import-graph tests, not timing tests).

The command line is run as a learner starts it (``tutor.cli.main([])``: the argument parser, ``run_app``, the
lesson index, the app), headless, in a fresh interpreter with the lesson outline cache filled by an earlier start.
At the first frame of the home screen, none of the modules below may have been imported: the engine, NumPy, the
grader, PyYAML and the lesson format's reader, the maths renderer and the review scheduler all load after the
first paint (the background check of every lesson and the Review line's count). And that frame must be one
Textual writes to the terminal: a frame drawn inside Textual's start-up batch is dropped, and the list then
waited for the next full redraw (benchmarks/RESULTS.md, start-up).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

from tutor.course.index import index_course

#: top-level packages, or tutor modules (with their submodules), that must not be loaded at the first paint
NOT_BEFORE_THE_FIRST_PAINT = (
    "numpy",
    "torch",
    "sympy",
    "yaml",
    "fsrs",
    "pylatexenc",
    "tutor.engine",
    "tutor.grading",
    "tutor.reveal",
    "tutor.course.format",
    "tutor.course.yamlpos",
    "tutor.course.steps",
    "tutor.course.load",
    "tutor.course.maths",
    "tutor.review",
)

#: run in a fresh interpreter: the real start path, headless; at the home screen's first frame, the modules loaded
PROBE = """
import json, sys
from textual.app import App
from tutor.ui.app import TutorApp
from tutor.ui.screens.home import HomeScreen

seen = {}
_display = App._display


def display(self, screen, update):
    if isinstance(screen, HomeScreen) and update is not None and "modules" not in seen:
        seen["modules"] = sorted(sys.modules)
        seen["lessons"] = screen.query_one("#lessons").option_count
        seen["held_back"] = self._batch_count > 0  # Textual's _display writes nothing inside a batch
        self.exit(0)
    return _display(self, screen, update)


App._display = display
_run = TutorApp.run
TutorApp.run = lambda self, **kw: _run(self, headless=True, size=(100, 30), **kw)
from tutor.cli import main

status = main([])
print(json.dumps({"status": status, **seen}))
"""


def first_paint() -> dict:
    """The start path's exit status, and at the home screen's first frame: the lessons listed, whether the frame was
    held back, and the modules loaded."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, cwd=ROOT, timeout=120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def offending(modules: list[str]) -> list[str]:
    """The modules of ``modules`` that the first paint must not need."""
    return [m for m in modules if any(m == x or m.startswith(x + ".") for x in NOT_BEFORE_THE_FIRST_PAINT)]


@pytest.mark.slow
def test_the_lesson_list_is_painted_before_the_engine_yaml_and_scheduler_are_imported():
    course = index_course()  # an earlier start: fills the outline cache of this test's BACKPROP_TUTOR_HOME
    seen = first_paint()
    assert seen["status"] == 0
    assert seen["lessons"] == len(course.entries) > 0  # the list was filled when it was painted
    assert "tutor.ui.app" in seen["modules"] and "tutor.course.index" in seen["modules"]  # the probe saw the start
    assert offending(seen["modules"]) == []


@pytest.mark.slow
def test_the_first_frame_of_the_lesson_list_reaches_the_terminal():
    index_course()
    seen = first_paint()
    assert seen["lessons"] > 0
    assert seen["held_back"] is False


def test_the_check_names_what_it_refuses():
    """The check itself can fail: a module list holding the engine and PyYAML is refused, by name."""
    assert offending(["tutor.ui.app", "tutor.engine.ops", "yaml", "yamlx", "tutor.course.index"]) == [
        "tutor.engine.ops",
        "yaml",
    ]
