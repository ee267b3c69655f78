"""The generated PyTorch script runs, and PyTorch agrees with the engine on every value, gradient and step.

Every shipped lesson and test-only lessons that together use every op of the language, each script run in the
test process's PyTorch worker (tests/conftest.py: a fork of a Python that imported torch once).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import SHIPPED

from tutor.cli import main, torch_cmd
from tutor.course import Lesson, load_lesson, solve
from tutor.engine import IDENTITY, OPS, Application, build, leaf, op_of
from tutor.engine.autograd import grad_fn_name
from tutor.lang.syntax import Name, walk
from tutor.reveal.codegen import lesson_script
from tutor.reveal.paths import backward_path
from tutor.reveal.run import TOLERANCE, TorchRun, compare

pytest.importorskip("torch")
from torch_ref import torch_run  # the tests' own, independent PyTorch evaluator

TEST_LESSONS = sorted((Path(__file__).parent / "lessons").glob("*.yaml"))
ALL = SHIPPED + TEST_LESSONS


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_pytorch_agrees_with_the_engine(path: Path, monkeypatch, capsys, run_in_worker) -> None:
    lesson = load_lesson(path)
    result = run_in_worker(lesson)
    assert result.ok, result.message

    # ``backprop-tutor torch LESSON --run`` on this run of the same script (tests/test_content.py started PyTorch
    # a second time for it): the command compares every value, gradient and step, prints and exits 0
    def the_same_run(again: Lesson) -> TorchRun:
        assert again.content_hash == lesson.content_hash
        return result

    monkeypatch.setattr(torch_cmd, "run_lesson", the_same_run)
    code = main(["torch", str(path), "--run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "all within 1e-09" in out
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
        got = result.grads[name]  # None where no backward() path from the loss reaches it: PyTorch's zeros
        np.testing.assert_allclose(np.zeros_like(grad) if got is None else got, grad, rtol=0, atol=1e-12, err_msg=name)
    # every node's grad_fn tree, as torch named it at run time
    values = solve(lesson).trace.values
    for node in prog.nodes:
        tree = result.grad_fn[node]
        if tree:
            assert tree[0][0] == 0 and tree[0][1].startswith("<") and tree[0][1].endswith(">"), tree
        # the engine's grad_fn names (the op table's, for autograd steps) are PyTorch's at run time
        predicted = grad_fn_name(prog, values, node)
        if predicted is not None:
            assert tree and tree[0][1] == f"<{predicted}>", (node, tree[:1], predicted)
    # every backward path the panel predicts is walked by PyTorch: each line's segment is a chain of its grad_fn tree
    chains = {node: _chains(result.grad_fn[node]) for node in prog.nodes}
    for name in (*prog.inputs, *prog.nodes):
        path = backward_path(lesson, name)
        for segment in {s for p in (path.paths if path else ()) for s in p}:
            assert any(_walks(segment.functions, bottom, c, segment.bottom) for c, bottom in chains[segment.top]), (
                segment,
                chains[segment.top],
            )
    # the human part of the script printed every step
    for s in lesson.steps:
        assert f"  {s.id} =" in result.output


def _chains(tree: list[tuple[int, str]]) -> list[tuple[list[str], str]]:
    """A grad_fn tree's root-to-stop chains: the backward nodes' names, and the named tensor it stops at."""
    found, stack = [], []
    for depth, text in tree:
        del stack[depth:]
        if "  " in text:  # a stop: '<AccumulateGrad>  x' or 'e  <SqrtBackward0>'
            left, right = text.split("  ", 1)
            leafy = left.startswith("<")
            found.append(([*stack, left.strip("<>")] if leafy else list(stack), right if leafy else left))
        else:
            stack.append(text.strip("<>"))
    return found


def _walks(predicted: tuple[str, ...], bottom: str, chain: list[str], target: str) -> bool:
    """Whether PyTorch's chain starts with the predicted line's grad_fn, holds the predicted ones in order (an op
    may be several nodes in PyTorch: cross_entropy, a broadcast) and stops at the same tensor."""
    if bottom != target or not chain or chain[0] != predicted[0]:
        return False
    rest = iter(chain)
    return all(any(f == c for c in rest) for f in predicted)


def _applied(lesson) -> list[tuple[Application, list[tuple[int, ...]]]]:
    """Every op the lesson's graph applies, with its operands' shapes at the lesson's values."""
    values = solve(lesson).trace.values
    env = {n: leaf(v, n) for n, v in values.items()}
    found = []
    for a in lesson.program.assignments:
        if isinstance(a.expr, Name):  # a line that only names another value: the identity op
            found.append((Application(IDENTITY, (a.expr,)), [np.shape(values[a.expr.id])]))
        for app in filter(None, map(op_of, walk(a.expr))):
            found.append((app, [build(x, env).value.shape for x in app.operands]))
    return found


def _fixed_text(template: str) -> str:
    """The longest piece of a PyTorch template between its placeholders: ``torch.exp(``, ``.sum()``."""
    return max(re.split(r"\{\w*\}", template), key=len)


def test_test_lessons_use_every_op_of_the_language() -> None:
    """The test-only lessons apply every op of the table (every axis, broadcast targets), and their scripts spell
    each one as the table says."""
    lessons = [load_lesson(p) for p in TEST_LESSONS]
    applied = [x for lesson in lessons for x in _applied(lesson)]
    scripts = "\n".join(lesson_script(lesson) for lesson in lessons)
    assert {app.op.name for app, _ in applied} == set(OPS)
    for op in OPS.values():
        uses = [(app, shapes) for app, shapes in applied if app.op is op]
        assert _fixed_text(op.torch.code) in scripts, op.name
        if op.takes_axis:
            assert {app.axis for app, _ in uses} >= {None, 0, 1}, op.name
            assert _fixed_text(op.torch.axis) in scripts, op.name
        if op.torch.broadcast:
            assert any(len(set(shapes)) > 1 for _, shapes in uses), op.name
            assert _fixed_text(op.torch.broadcast) in scripts, op.name
    assert ".clone()" in scripts and ".requires_grad_()  #" in scripts


def test_engine_answers_are_not_trivial() -> None:
    """The test lessons exercise real numbers: no step answer is all zeros."""
    for p in TEST_LESSONS:
        lesson = load_lesson(p)
        sol = solve(lesson)
        zero = [s.id for s in lesson.steps if not np.any(sol.answer(s))]
        assert not zero, (lesson.id, zero)
