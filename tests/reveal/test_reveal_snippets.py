"""Every step's snippet runs alone: pasted into a fresh namespace (nothing of the lesson's script around it), it
prints PyTorch's answer, and that answer is the engine's, for every step of every shipped and test lesson."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SHIPPED

from tutor.course import load_lesson, solve
from tutor.engine.autograd import Fact
from tutor.reveal.codegen import step_snippet

pytest.importorskip("torch")

TEST_LESSONS = sorted((Path(__file__).parent / "lessons").glob("*.yaml"))

# Each snippet is exec'd in a namespace of its own whose print() records what it prints.
RUNNER = """
import json, sys
import torch
out = []
for snippet in json.load(sys.stdin):
    seen = []
    exec(compile(snippet, "snippet.py", "exec"), {"print": lambda *a: seen.append(a[0]), "__name__": "__main__"})
    (a,) = seen
    if a is None or isinstance(a, bool):
        out.append(a)
    elif isinstance(a, torch.Tensor):
        out.append(a.detach().tolist())
    else:
        out.append(type(a).__name__)
print(json.dumps(out))
"""


def test_every_step_snippet_runs_alone_and_prints_the_engines_answer():
    cases = []
    for path in (*SHIPPED, *TEST_LESSONS):
        lesson = load_lesson(path)
        sol = solve(lesson)
        cases += [(f"{lesson.id} {s.id}", step_snippet(lesson, s), sol.answer(s)) for s in lesson.steps]
    proc = subprocess.run(
        [sys.executable, "-I", "-c", RUNNER],
        input=json.dumps([c[1] for c in cases]),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = json.loads(proc.stdout)
    assert len(printed) == len(cases)
    for (label, _, engine), theirs in zip(cases, printed, strict=True):
        if isinstance(engine, Fact):
            assert Fact(theirs) == engine, label
        else:
            np.testing.assert_allclose(np.asarray(theirs, dtype=float), engine, rtol=1e-9, atol=1e-12, err_msg=label)


def test_a_snippet_reading_a_nodes_grad_retains_it_and_names_why():
    lesson = load_lesson(Path(__file__).parent / "lessons" / "backward-shares.yaml")
    snippet = step_snippet(lesson, lesson.step("backward:r/b"))
    assert "r.retain_grad()  # r is not a leaf: without this its .grad stays None" in snippet
    assert snippet.index("r.retain_grad()") < snippet.index("f.backward()")
    assert "c.retain_grad()" not in snippet  # only what the step reads
