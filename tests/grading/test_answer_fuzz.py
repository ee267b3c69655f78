"""Random and hostile strings at the grader: none raises, each gets a message, nothing off the allow-list runs."""

from __future__ import annotations

import builtins
from pathlib import Path
from unittest import mock

import numpy.ma  # noqa: F401  (NumPy imports it lazily, through exec, on the first median)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tutor.grading.formula as formula
import tutor.grading.grader as grader
from tutor.course import load_lesson, solve
from tutor.grading import grade
from tutor.lang import FUNCTIONS
from tutor.lang.syntax import Call, Name

LESSON = load_lesson(Path(__file__).resolve().parent / "lessons" / "net.yaml")
SOLUTION = solve(LESSON)
NAMES = formula.meanings(LESSON)
STEPS = LESSON.steps

TOKENS = [
    *NAMES,
    *FUNCTIONS,
    "0", "1", "2", "-1", "0.5", "1e308", "1e-308", "4",
    "+", "-", "*", "/", "**", "@", "^", "·", "−", "×", "ᵀ", "σ", ".T",
    "(", ")", "[", "]", ",", " ",
    "__import__", "os", "eval", "exec", "lambda", "for", "in", "import",
    "'", '"', ".", ":", "=", "{", "}", "\\", "\x00",
]  # fmt: skip

HOSTILE = [
    "__import__('os').system('echo hi')",
    "eval('1')",
    "exec('x=1')",
    "(lambda: 1)()",
    "[x for x in range(10)]",
    "A1.__class__",
    "A1.T.T.T.T",
    "X[0]",
    "X[0:1]",
    "'a' * 10",
    "open('/etc/passwd')",
    "globals()",
    "1" * 5000,
    "(" * 500 + ")" * 500,
    "-" * 1999 + "1",
    "+".join(["A1"] * 400),
    "X" + ".T" * 400,
    "sum(" * 100 + "X" + ")" * 100,
    "exp(exp(exp(exp(1e3))))",
    "1/0",
    "log(-1)",
    "0**-1",
    "10**10**10",
    "sum(X, 2)",
    "sum(X, 0.5)",
    "mean(X, A1)",
    "bce(X)",
    "softmax(X, 1)",
    "[[1, 2], [3]]",
    "[[[1]]]",
    "[]",
    "()",
    "\u202e\u0000\ufeff",
    "𝑥 + 1",
    "Ａ1",
]


def _allowed_build(real):
    """A spy around the engine's build: every tree that reaches it must be on the allow-list."""

    def spy(tree, env):
        for e in formula.walk(tree):
            assert isinstance(e, formula.ALLOWED_NODES), e
            if isinstance(e, Name):
                assert e.id in NAMES or e.id in env, e.id
            if isinstance(e, Call):
                assert e.func in FUNCTIONS, e.func
        return real(tree, env)

    return spy


REAL = {"eval": builtins.eval, "exec": builtins.exec, "compile": builtins.compile}


def _guard(name: str):
    """eval/exec/compile of text never runs; code objects (NumPy's lazy imports) still may."""

    def guarded(source, *args, **kwargs):
        if isinstance(source, str | bytes):
            raise AssertionError(f"{name} must never run on text while grading")
        return REAL[name](source, *args, **kwargs)

    return guarded


def _check(text: str, step_index: int) -> None:
    step = STEPS[step_index % len(STEPS)]
    with (
        mock.patch.object(formula, "build", _allowed_build(formula.build)),
        mock.patch.object(grader, "build", _allowed_build(grader.build)),
        mock.patch.object(builtins, "eval", _guard("eval")),
        mock.patch.object(builtins, "exec", _guard("exec")),
        mock.patch.object(builtins, "compile", _guard("compile")),
    ):
        v = grade(SOLUTION, step, text)
    assert v.status in ("correct", "wrong", "unreadable")
    assert isinstance(v.message, str) and v.message.strip()


grammar = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)
FAST = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text(max_size=120), st.integers(0, 100))
def test_random_text(text, i):
    _check(text, i)


@FAST
@given(grammar, st.integers(0, 100))
def test_grammar_shaped_strings(text, i):
    _check(text, i)


def test_hostile_strings():
    for i, text in enumerate(HOSTILE):
        for j in range(len(STEPS)):
            _check(text, i + j)
