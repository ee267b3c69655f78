"""The generated PyTorch script runs, and PyTorch agrees with the engine on every value, gradient and step.

One subprocess per lesson (each imports torch once), for every shipped lesson and for test-only lessons
that together use every op of the language.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import SHIPPED

from tutor.course import load_lesson, solve
from tutor.engine import OPS
from tutor.reveal.codegen import lesson_script
from tutor.reveal.run import TOLERANCE, compare, run_lesson

pytest.importorskip("torch")
from torch_ref import torch_run  # the tests' own, independent PyTorch evaluator

TEST_LESSONS = sorted((Path(__file__).parent / "lessons").glob("*.yaml"))
ALL = SHIPPED + TEST_LESSONS


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_pytorch_agrees_with_the_engine(path: Path) -> None:
    lesson = load_lesson(path)
    result = run_lesson(lesson)
    assert result.ok, result.message
    comparison = compare(lesson, result)
    assert not comparison.disagreements(), [(d.label, d.diff) for d in comparison.disagreements()]
    assert comparison.largest_diff <= TOLERANCE
    # every value, every gradient and every step was compared
    prog = lesson.program
    assert {d.name for d in comparison.differences if d.kind == "value"} == {*prog.inputs, *prog.constants, *prog.nodes}
    assert {d.name for d in comparison.differences if d.kind == "grad"} == {*prog.inputs, *prog.nodes}
    assert [d.name for d in comparison.differences if d.kind == "step"] == [s.id for s in lesson.steps]
    assert set(result.steps) == {s.id for s in lesson.steps}
    # the independent evaluator of tests/torch_ref.py gets the same numbers as the generated script
    ref_values, ref_grads = torch_run(prog, lesson.leaf_values())
    for name, value in ref_values.items():
        np.testing.assert_allclose(result.values[name], value, rtol=0, atol=1e-12, err_msg=name)
    for name, grad in ref_grads.items():
        np.testing.assert_allclose(result.grads[name], grad, rtol=0, atol=1e-12, err_msg=name)
    # every node's grad_fn tree, as torch named it at run time
    for node in prog.nodes:
        tree = result.grad_fn[node]
        if tree:
            assert tree[0][0] == 0 and tree[0][1].startswith("<") and tree[0][1].endswith(">"), tree
    # the human part of the script printed every step
    for s in lesson.steps:
        assert f"  {s.id} =" in result.output


def test_test_lessons_use_every_op_of_the_language() -> None:
    """The test-only lessons spell every op through the table, broadcast targets included."""
    scripts = "\n".join(lesson_script(load_lesson(p)) for p in TEST_LESSONS)
    for op in OPS.values():
        head = (op.symbol and f" {op.symbol} ") or op.torch.split("{0}")[0] or op.torch.split("{0}")[1].split("(")[0]
        assert head in scripts, (op.name, head)
        if op.takes_axis:
            assert op.torch_axis.split("{0}")[1].split("(")[0] + "(0, keepdim=True)" in scripts
            assert op.torch_axis.split("{0}")[1].split("(")[0] + "(1, keepdim=True)" in scripts
        if op.torch_broadcast:
            assert op.torch_broadcast.split("(")[0] + "(*torch.broadcast_tensors(" in scripts
    assert ".clone()" in scripts and ".requires_grad_()  #" in scripts


def test_engine_answers_are_not_trivial() -> None:
    """The test lessons exercise real numbers: no step answer is all zeros."""
    for p in TEST_LESSONS:
        lesson = load_lesson(p)
        sol = solve(lesson)
        zero = [s.id for s in lesson.steps if not np.any(sol.answer(s))]
        assert not zero, (lesson.id, zero)
