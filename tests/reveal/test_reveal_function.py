"""The custom-function lesson: the learner's backward formula becomes a ``torch.autograd.Function`` (rendered from
the parsed tree, never the typed text), and ``gradcheck`` in the isolated child passes a right formula and fails
a wrong one with its largest error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.course import load_lesson
from tutor.reveal import run as run_module
from tutor.reveal.function import FunctionError, check_function, function_script

LESSON = Path(__file__).parent / "lessons" / "custom-function.yaml"
RIGHT = "dy * (sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x)))"
#: the sigmoid habit: σ′ alone, the x·σ(x) product rule forgotten
WRONG = "dy * sigmoid(x) * (1 - sigmoid(x))"


def step():
    lesson = load_lesson(LESSON)
    return lesson, lesson.step("backward:y/x")


def test_the_functions_backward_is_the_formula_rendered_as_pytorch_code():
    lesson, s = step()
    script = function_script(lesson, s, RIGHT)
    assert "class MyYLine(torch.autograd.Function):" in script
    assert "ctx.save_for_backward(in_x, out)" in script
    assert "grad_out * (torch.sigmoid(in_x) + in_x * torch.sigmoid(in_x) * (1 - torch.sigmoid(in_x)))" in script
    compile(script, "function.py", "exec")


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("__import__('os').system('ls')", "could not read the formula"),
        ("dy * c", "'c' is not something a Function's backward sees: it gets x, y, dy"),
        ("dL", "'dL' is not something"),
        ("open(x)", "'open' is not something"),
        ("x" * 2001, "longer than 2000"),
    ],
)
def test_what_cannot_be_a_backward_is_refused_before_any_script(typed, says):
    lesson, s = step()
    with pytest.raises(FunctionError) as e:
        function_script(lesson, s, typed)
    assert says in str(e.value)


def test_a_grad_step_is_not_a_functions_backward():
    lesson, _ = step()
    with pytest.raises(FunctionError, match="not a backward step"):
        function_script(lesson, lesson.step("grad:y"), RIGHT)


def test_gradcheck_passes_the_right_backward_and_fails_the_sigmoid_habit():
    pytest.importorskip("torch")
    lesson, s = step()
    right = check_function(lesson, s, RIGHT)
    assert right.status == "ok" and right.passed and right.largest_error < 1e-6, right
    wrong = check_function(lesson, s, WRONG)
    assert wrong.status == "ok" and not wrong.passed and wrong.largest_error > 0.1, wrong
    assert "gradcheck: FAILED" in wrong.message


def test_gradcheck_runs_in_the_sessions_worker_not_a_fresh_python(torch_worker):
    pytest.importorskip("torch")
    assert torch_worker is run_module.shared_worker()  # the session's worker (the test process's, see conftest)
    lesson, s = step()
    assert check_function(lesson, s, RIGHT).passed
    first = torch_worker._proc.pid  # running after the first check (a fresh Python each time before: seconds per F4)
    wrong = check_function(lesson, s, WRONG)
    assert wrong.status == "ok" and not wrong.passed and torch_worker._proc.pid == first
