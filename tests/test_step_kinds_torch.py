"""The kinds the PyTorch lessons need: ``given`` steps, ``after_update``, ``backward`` (one line's share) and
``autograd`` (PyTorch's bookkeeping): loaded and checked at ``file:line:col``, answered by the engine, prompted,
graded (words for autograd), and the session's flow through a given step. PyTorch's agreement on every step of
the test lessons is checked by running their scripts in tests/reveal/test_reveal_agreement.py."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.course import LessonError, parse_lesson, prompt, solve
from tutor.engine.autograd import Fact
from tutor.grading import grade
from tutor.progress import ProgressStore
from tutor.ui.session import GIVEN, LessonSession

HEAD = """\
format: 1
id: kinds
title: Kinds
learning_rate: 0.5
inputs:
  x: [0.5, 1.0, 2.0]
  w: [0.5, -0.3, 1.0]
constants:
  t: 2.0
graph:
  - y = 2 * dot(x, x)
  - s = sum(x)
  - u = detach(x * x)
  - z = dot(w, x)
  - L = (z - t) ** 2
steps:
"""


def load(steps: str, head: str = HEAD):
    """The lesson with these steps, as a file named k.yaml."""
    return parse_lesson(head + steps, "k.yaml")


def problem_of(steps: str, head: str = HEAD) -> str:
    """The first problem of a lesson that does not load."""
    with pytest.raises(LessonError) as e:
        load(steps, head)
    return str(e.value.problems[0])


SIMPLE = HEAD


# ---------------------------------------------------------------- given


def test_a_given_step_is_shown_worked_and_counts_neither_as_solved_nor_open():
    lesson = load("  - value: y\n    given: true\n    explain: worked\n  - grad: x\n", SIMPLE)
    s = LessonSession(lesson, ProgressStore())
    s.advance()
    assert (s.place, s.stage) == ("value:y", GIVEN)
    assert s.reveal() == "10.5" and s.progress(lesson.steps[0]).status is None  # F3 on it records nothing
    assert s.first_open() == 1  # a reload starts at the first asked step
    s.advance()
    assert (s.place, s.stage) == ("grad:x", "open")
    rows = {r.name: r for r in s.graph().rows}
    assert float(rows["y"].value) == 10.5  # the graph shows the given value as known
    s.submit("4*x + 0*x")  # wrong on purpose: dL/dx ≠ 4x
    summary = s.summary()
    assert summary.given == ["value:y"] and "value:y" not in summary.open


@pytest.mark.parametrize(
    ("step", "says"),
    [
        ("  - value: y\n    given: yes please\n", "k.yaml:18:12: [value:y] given is true or false, got text"),
        (
            "  - value: y\n    given: true\n    hint: add them\n",
            "k.yaml:19:5: [value:y] a given step is shown worked, not asked",
        ),
    ],
)
def test_a_wrong_given_is_a_located_error(step, says):
    assert problem_of(step, SIMPLE).startswith(says)


# ---------------------------------------------------------------- after_update


def test_after_update_reruns_the_graph_at_the_stepped_inputs_and_names_the_first_order_guess():
    lesson = load("  - after_update: L\n", SIMPLE)
    sol = solve(lesson)
    tr = sol.trace
    x, w = tr.values["x"] - 0.5 * tr.grads["x"], tr.values["w"] - 0.5 * tr.grads["w"]
    after = (float(np.dot(w, x)) - 2.0) ** 2
    step = lesson.steps[0]
    np.testing.assert_allclose(sol.answer(step), after)
    p = prompt(lesson, step, tr.values)
    assert p.asks == "L after the update" and "lr = 0.5" in p.context
    assert grade(sol, step, repr(after)).status == "correct"
    before = grade(sol, step, repr(float(tr.values["L"])))
    assert before.status == "wrong" and "before the update" in before.message
    guess = float(tr.values["L"]) - 0.5 * sum(float(np.sum(tr.grads[n] ** 2)) for n in ("x", "w"))
    assert "first-order estimate" in grade(sol, step, repr(guess)).message


@pytest.mark.parametrize(
    ("steps", "head", "says"),
    [
        ("  - after_update: x\n", SIMPLE, "k.yaml:17:19: [after_update:x] after_update: 'x' is not a node"),
        (
            "  - after_update: L\n",
            SIMPLE.replace("learning_rate: 0.5\n", ""),
            "k.yaml:16:19: [after_update:L] after_update: needs the lesson's learning rate",
        ),
    ],
)
def test_after_update_problems_are_located(steps, head, says):
    assert problem_of(steps, head).startswith(says)


# ---------------------------------------------------------------- backward


def test_backward_is_one_lines_share_and_the_shares_add_to_the_delta():
    head = SIMPLE.replace("  - L = (z - t) ** 2\n", "  - L = (z - t) ** 2 + s\n")
    lesson = load("  - backward: z/x\n  - backward: s/x\n", head)
    sol = solve(lesson)
    shares = [sol.answer(s) for s in lesson.steps]
    np.testing.assert_allclose(shares[0] + shares[1], sol.trace.grads["x"])
    np.testing.assert_allclose(shares[1], np.ones(3))
    whole = grade(sol, lesson.steps[0], repr(sol.trace.grads["x"].tolist()))
    assert whole.status == "wrong" and "all of dx" in whole.message
    assert problem_of("  - backward: L/t\n", SIMPLE).startswith(
        "k.yaml:17:15: [backward:L/t] backward: 't' is a constant"
    )


# ---------------------------------------------------------------- autograd


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("x.grad", None),
        ("y.grad after y.backward()", None),
        ("y.is_leaf", False),
        ("x.is_leaf", True),
        ("u.is_leaf", True),
        ("u.requires_grad", False),
        ("t.requires_grad", False),
        ("y.grad_fn", "MulBackward0"),
        ("s.grad_fn", "SumBackward0"),
        ("x.grad_fn", None),
        ("u.grad_fn", None),
        ("x.grad after y.backward(); x.grad = None", None),
        ("x.grad after L.backward(); y.backward(); s.backward(); x.grad = None", None),
    ],
)
def test_autograd_words_come_from_the_graph(question, answer):
    lesson = load(f"  - autograd: {question}\n")
    sol = solve(lesson)
    assert sol.answer(lesson.steps[0]) == Fact(answer)
    text = "None" if answer is None else str(answer)
    assert grade(sol, lesson.steps[0], text).status == "correct"
    assert grade(sol, lesson.steps[0], text.lower() if answer is None else text).status == "correct"


def test_autograd_grad_adds_up_across_backward_calls_until_zeroed():
    lesson = load(
        "  - autograd: x.grad after y.backward()\n"
        "  - autograd: x.grad after y.backward(); y.backward()\n"
        "  - autograd: x.grad after y.backward(); x.grad.zero_(); s.backward()\n"
        "  - autograd: y.grad after y.retain_grad(); y.backward(); y.backward()\n",
    )
    sol = solve(lesson)
    x = np.array([0.5, 1.0, 2.0])
    once, twice, reset, retained = (sol.answer(s) for s in lesson.steps)
    np.testing.assert_allclose(once, 4 * x)
    np.testing.assert_allclose(twice, 8 * x)
    np.testing.assert_allclose(reset, np.ones(3))
    np.testing.assert_allclose(retained, 2.0)
    last_only = grade(sol, lesson.steps[1], repr((4 * x).tolist()))
    assert last_only.status == "wrong" and "adds up across backward() calls" in last_only.message
    ignored = grade(sol, lesson.steps[2], repr((4 * x + 1).tolist()))
    assert ignored.status == "wrong" and "zero_()" in ignored.message
    assert grade(sol, lesson.steps[1], repr((8 * x).tolist())).status == "correct"


@pytest.mark.parametrize(
    ("question", "typed", "says"),
    [
        ("y.grad after y.backward()", "[1]", "y is not a leaf"),
        ("x.grad", "0", "no backward() has run yet"),
        ("x.grad after y.backward()", "None", "x.grad holds numbers here"),
        ("y.is_leaf", "True", "requires_grad spreads to results"),
        ("u.requires_grad", "True", "detach()"),
        ("y.grad_fn", "DotBackward0", "the backward of dot, an op inside y = 2·dot(x, x)"),
        ("y.grad_fn", "None", "which op does y = 2·dot(x, x) apply last?"),
        ("x.grad_fn", "AccumulateGrad", "AccumulateGrad is the node that adds into x.grad"),
        ("y.is_leaf", "__import__('os')", "Could not read that"),
    ],
)
def test_autograd_wrong_words_get_the_rule_behind_them(question, typed, says):
    lesson = load(f"  - autograd: {question}\n")
    verdict = grade(solve(lesson), lesson.steps[0], typed)
    assert verdict.status in ("wrong", "unreadable") and says in verdict.message, verdict.message


def test_autograd_prompt_says_what_to_type():
    lesson = load("  - autograd: y.is_leaf\n  - autograd: x.grad after y.backward()\n")
    sol = solve(lesson)
    first, second = (prompt(lesson, s, sol.trace.values) for s in lesson.steps)
    assert first.expects == "True or False" and first.asks == "y.is_leaf"
    assert second.expects == "None, or a tensor of shape 3" and second.context == "after y.backward()"


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("x.grad after", "autograd: write the tensor, the attribute"),
        ("x.data", "autograd: write the tensor, the attribute"),
        ("x.grad after __import__('os').system('ls')", "autograd: write the tensor"),
        ("q.grad", "autograd: 'q' is not a name of the lesson"),
        ("x.grad after x.grad.zero_()", "x.grad.zero_(): AttributeError"),
        ("x.grad after u.backward()", "u.backward(): RuntimeError: element 0 of tensors does not require grad"),
        ("x.grad after s.backward(x)", "Mismatch in shape"),
        ("x.grad after x.backward()", "grad can be implicitly created only for scalar outputs"),
        ("x.grad after t.retain_grad()", "can't retain_grad on Tensor that has requires_grad=False"),
        ("x.grad after " + "; ".join(["s.backward()"] * 17), "17 calls before the question"),
    ],
)
def test_autograd_questions_pytorch_refuses_are_located_errors(question, says):
    problem = problem_of(f"  - autograd: {question}\n")
    assert problem.startswith("k.yaml:17:15: ") and says in problem, problem


def test_check_grades_words_from_an_answers_file(tmp_path, capsys):
    from tutor.cli import main

    lesson = tmp_path / "k.yaml"
    lesson.write_text(HEAD + "  - autograd: y.is_leaf\n  - autograd: y.grad after y.backward()\n", encoding="utf-8")
    answers = tmp_path / "a.yaml"
    answers.write_text("autograd:y.is_leaf: False\nautograd:y.grad after y.backward(): None\n", encoding="utf-8")
    assert main(["check", str(lesson), "--answers", str(answers)]) == 0
    assert "2/2 correct" in capsys.readouterr().out


def test_an_empty_answer_to_an_autograd_step_says_what_to_type():
    lesson = load("  - autograd: y.is_leaf\n")
    verdict = grade(solve(lesson), lesson.steps[0], "  ")
    assert verdict.status == "unreadable" and "None, True, False, a name or numbers" in verdict.message
