"""The generated PyTorch code: valid, idiomatic, safe against hostile lesson text, spelled from the op table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import SHIPPED

from tutor.course import load_lesson, parse_lesson
from tutor.course.steps import JACOBIAN
from tutor.reveal.codegen import comment, lesson_script, python_names, step_code, steps_code

LESSONS = Path(__file__).parent / "lessons"


def _imports(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            out.add(node.module or "")
    return out


@pytest.mark.parametrize("path", SHIPPED + sorted(LESSONS.glob("*.yaml")), ids=lambda p: p.stem)
def test_script_is_valid_idiomatic_python(path: Path) -> None:
    lesson = load_lesson(path)
    script = lesson_script(lesson)
    tree = ast.parse(script)
    assert _imports(tree) == {"torch", "torch.nn.functional"}
    names = python_names(lesson)
    lines = script.splitlines()
    for name in lesson.program.inputs:
        assert any(ln.startswith(f"{names[name]} = torch.tensor(") and "requires_grad=True" in ln for ln in lines)
    for name in lesson.program.constants:
        (line,) = [ln for ln in lines if ln.startswith(f"{names[name]} = torch.tensor(")]
        assert "requires_grad" not in line and "dtype=torch.float64" in line
    for a in lesson.program.assignments:
        assert any(ln.startswith(f"{names[a.name]} = ") for ln in lines), a.name
    assert f"{names[lesson.output]}.backward()" in lines
    assert "    node.retain_grad()" in lines
    # the report footer is only there when asked for, and still valid Python
    assert "json" not in script
    ast.parse(lesson_script(lesson, report=True))


def test_chain_rule_reads_like_hand_written_code() -> None:
    lesson = load_lesson(next(p for p in SHIPPED if p.stem == "chain-rule"))
    script = lesson_script(lesson)
    assert "x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)" in script
    assert "t = torch.tensor(4.25, dtype=torch.float64)" in script
    assert "y = 2 * x  # y = 2·x" in script
    assert "L = (y - t) ** 2  # L = (y − t)²" in script
    assert "for node in (y, L):\n    node.retain_grad()" in script
    codes = {c.step_id: c for c in steps_code(lesson)}
    assert codes["value:y"].text == "y"
    assert codes["grad:x"].text == "x.grad"
    assert codes["local:L/y"].text == "y_ = y.detach().requires_grad_()\ntorch.autograd.grad((y_ - t) ** 2, y_)[0]"


def test_jacobian_and_elementwise_local_steps() -> None:
    lesson = load_lesson(next(p for p in SHIPPED if p.stem == "matmul-jacobian"))
    jac = next(s for s in lesson.steps if s.kind is JACOBIAN)
    code = step_code(lesson, jac)
    assert code.text == (
        f"torch.autograd.functional.jacobian(lambda {jac.wrt}: W @ X, {jac.wrt}).reshape({jac.node}.numel(), "
        f"{jac.wrt}.numel())"
    )
    unary = load_lesson(LESSONS / "every-unary.yaml")
    local = step_code(unary, unary.step("local:G/X"))
    assert local.setup[0] == "X_ = X.detach().requires_grad_()"
    assert local.expr == "torch.autograd.grad(X_out, X_, torch.ones_like(X_out))[0]"
    assert "torch.abs(X_) * torch.sin(X_) + torch.cos(X_) / P" in local.setup[1]


HOSTILE = """\
format: 1
id: hostile
title: "Evil\\nimport os; os.system('echo pwned')\\r\\u2028print('x')"
summary: a lesson whose text tries to become code
inputs:
  F: 1.5
  json: 2.0
constants:
  torch: 3.0
  True_: 1.0
graph:
  - lambda = F * json + torch
  - print = lambda ** 2 + True_
  - L = mean(print)
"""


def test_hostile_lesson_text_stays_in_comments_and_names_are_renamed() -> None:
    lesson = parse_lesson(HOSTILE, "hostile.yaml")
    script = lesson_script(lesson, report=True)
    tree = ast.parse(script)
    assert _imports(tree) == {"torch", "torch.nn.functional", "json"}
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "system" not in attributes
    assert all(ln.lstrip().startswith("#") for ln in script.splitlines() if "pwned" in ln)
    names = python_names(lesson)
    assert names["F"] == "F_" and names["torch"] == "torch_" and names["json"] == "json_"
    assert names["lambda"] == "lambda_" and names["print"] == "print_" and names["True_"] == "True_"
    assert "lambda_ = F_ * json_ + torch_" in script


def test_comment_is_one_printable_line() -> None:
    assert comment("a\nb\r\nc\u2028d\x00e\x85f\x0cg\u202eh\u200bi") == "a b c d\\x00e f g\\u202eh\\u200bi"
    assert comment("lone \ud800 surrogate") == "lone \\ud800 surrogate"  # printable, and encodes as UTF-8
    assert len(comment("x" * 500)) == 160
