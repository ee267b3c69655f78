"""The step-kind registry: one entry per kind, a kind is an object, and everything about a step asks its kind."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest
from conftest import ROOT, SHIPPED

from tutor.authoring.schema import lesson_schema
from tutor.course import load_lesson, parse_lesson, prompt, solve
from tutor.course.steps import GRAD, KINDS, LOCAL, STEP_KINDS, VALUE, _check, default_walk, kind_named, step_id
from tutor.engine.autograd import Fact
from tutor.grading import grade
from tutor.grading.mistakes import GRAPH_MISTAKES, candidates_of, describe
from tutor.reveal.codegen import step_code

LESSONS = [*SHIPPED, *sorted((ROOT / "tests" / "reveal" / "lessons").glob("*.yaml"))]


def test_a_kind_is_equal_only_to_itself_and_comparing_it_with_text_raises():
    assert STEP_KINDS["grad"] is GRAD and kind_named("local") is LOCAL
    assert GRAD == GRAD and GRAD != VALUE and str(GRAD) == "grad"
    with pytest.raises(TypeError, match="not with the text 'grad'"):
        _ = GRAD == "grad"
    with pytest.raises(TypeError):
        _ = "value" == VALUE  # the reflected comparison, as stray code might write it
    with pytest.raises(KeyError, match=f"no step kind 'vjp'; the kinds are {', '.join(STEP_KINDS)}"):
        kind_named("vjp")


def test_the_registry_refuses_an_entry_that_contradicts_itself():
    with pytest.raises(ValueError, match="step kind grad: the name is taken"):
        _check((*KINDS, GRAD))
    with pytest.raises(ValueError, match="step kind odd: shape_of 'wrt'"):
        _check((dataclasses.replace(VALUE, name="odd", shape_of="wrt"),))
    with pytest.raises(ValueError, match="derivative 'input'"):
        _check((dataclasses.replace(VALUE, name="odd", derivative="input"),))


def test_step_ids_are_written_in_one_place():
    assert step_id(LOCAL, "L", "y") == "local:L/y" and step_id(GRAD, "x") == "grad:x"
    assert LOCAL.parse_target(" L / y ") == ("L", "y") and GRAD.parse_target(" x ") == ("x", None)
    assert [step_id(k, n) for k, n in default_walk(["y", "L"], ["x"])] == ["value:y", "value:L", "grad:y", "grad:x"]


def test_every_kind_is_used_by_a_lesson_and_answered_prompted_described_scripted_and_graded():
    """Each kind, on a real step: its answer has its shape, and prompt, maths, PyTorch and mistakes exist."""
    seen = set()
    for path in LESSONS:
        lesson = load_lesson(path)
        sol = solve(lesson)
        for step in lesson.steps:
            kind = step.kind
            seen.add(kind.name)
            answer = sol.answer(step)
            assert prompt(lesson, step, sol.trace.values).asks and describe(lesson, step)
            assert step_code(lesson, step).expr
            if isinstance(answer, Fact):  # a word PyTorch prints: graded as a word, no numeric slips
                assert kind.words
                assert grade(sol, step, answer.text).status == "correct", step.id
                continue
            assert answer.shape == kind.shape(sol.trace.values, step), step.id
            assert candidates_of(sol, step)[0].id == "sign"
    assert seen == set(STEP_KINDS)


def test_every_kind_has_its_schema_fragment_and_its_mistakes_are_computed():
    step = lesson_schema()["definitions"]["step"]
    for kind in KINDS:
        assert step["properties"][kind.name]["description"].endswith(kind.doc)
        assert set(kind.graph_mistakes) <= set(GRAPH_MISTAKES)
        assert kind.target_pattern().count("/") == kind.pair


def test_a_made_up_kind_is_a_located_error_not_a_jacobian():
    """The review's experiment: 'vjp: a/z' validated and was answered as a Jacobian; now it never loads."""
    text = "format: 1\nid: t\ntitle: T\ninputs: {z: [0.5, 1.0]}\ngraph: [a = sigmoid(z), L = sum(a)]\nsteps:\n"
    with pytest.raises(Exception) as e:
        parse_lesson(text + "  - vjp: a/z\n", "t.yaml")
    assert str(e.value) == f"t.yaml:7:5: unknown step kind 'vjp'; the kinds: {', '.join(STEP_KINDS)}"


def _kind_compared_with_text(tree: ast.AST) -> list[int]:
    """Lines where ``step.kind`` (or ``s.kind``) is compared with a kind's name."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        kinds = [s for s in sides if isinstance(s, ast.Attribute) and s.attr == "kind"]
        on_step = [k for k in kinds if isinstance(k.value, ast.Name) and k.value.id in ("step", "s", "x", "item")]
        text = [s for s in sides if isinstance(s, ast.Constant) and s.value in STEP_KINDS]
        if on_step and text:
            found.append(node.lineno)
    return found


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "tutor").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_compares_a_step_kind_with_its_name(path: Path):
    assert not _kind_compared_with_text(ast.parse(path.read_text(encoding="utf-8")))


def test_the_guard_finds_a_comparison():
    assert _kind_compared_with_text(ast.parse('if step.kind == "grad":\n    pass\n')) == [1]
