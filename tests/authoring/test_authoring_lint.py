"""The linter: each warning triggered by a small lesson, structural facts left alone, the shipped course clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHIPPED

from tutor.authoring import lint
from tutor.cli import main
from tutor.course import load_lesson, parse_lesson

H = "format: 1\nid: t\ntitle: T\n"

# name -> (lesson text, expected (line, col, step id or None, message fragment))
CASES = {
    "local-is-1": (
        H + "inputs:\n  x: 0.75\nconstants:\n  t: 0.25\ngraph:\n  - L = (x - t) ** 2\nsteps:\n  - local: L/x\n",
        (11, 5, "local:L/x", "who answers 1 without differentiating L = (x − t)² is marked right"),
    ),
    "forgot-local-factor": (
        H + "inputs:\n  x: 1.5\n  w: 1.0\ngraph:\n  - y = w * x\n  - L = y ** 2\nsteps:\n  - grad: x\n",
        (11, 5, "grad:x", "who forgets the local factor ∂y/∂x (gives the upstream delta ∂L/∂y alone)"),
    ),
    "forgot-upstream": (
        H + "inputs:\n  x: 1.5\nconstants:\n  t: 1.0\ngraph:\n  - y = 3 * x\n  - d = y - t\n  - L = d ** 2 / 7\n"
        "steps:\n  - grad: x\n",
        (13, 5, "grad:x", "who forgets the upstream delta ∂L/∂y (gives the local derivative ∂y/∂x alone)"),
    ),
    "sign-slip": (
        H + "inputs:\n  x: 2.0\nconstants:\n  t: 2.0\ngraph:\n  - L = (x - t) ** 2\nsteps:\n  - grad: x\n",
        (11, 5, "grad:x", "the answer is 0 here, so a learner who slips a sign (gives −x)"),
    ),
    "symmetric": (
        H + "inputs:\n  W: [[1.0, 2.0], [2.0, 3.0]]\nconstants:\n  X: [[1.5, 0.5], [0.5, 2.0]]\n"
        "graph:\n  - S = W @ X\n  - L = sum(S * S) / 2\nsteps:\n  - grad: S\n",
        None,
    ),
    "kink": (
        H + "inputs:\n  x: [1.0, -2.0]\n  b: [-1.0, 2.5]\ngraph:\n  - h = relu(x + b)\n  - L = sum(h * h)\n",
        (8, 5, None, "relu(x + b) is at its kink: its argument is 0 at entry [0]"),
    ),
    "saturated": (
        H + "inputs:\n  w: 9.0\ngraph:\n  - q = sigmoid(w * 2)\n  - L = (q - 0.3) ** 2\nsteps:\n  - grad: q\n",
        (7, 5, None, "sigmoid(w·2) saturates"),
    ),
    "equal-weights": (
        H + "inputs:\n  W: [[0.5, 0.5], [0.5, 0.5]]\nconstants:\n  x: [1.0, 2.0]\ngraph:\n  - y = W @ x\n"
        "  - L = sum(y * [1, 3])\nsteps:\n  - grad: y\n",
        (5, 3, None, "every entry of W is 0.5"),
    ),
    "zero-weights": (
        H + "inputs:\n  W: [[0, 0], [0, 0]]\nconstants:\n  x: [1.0, 2.0]\ngraph:\n  - y = W @ x\n"
        "  - L = sum(y * [1, 3])\nsteps:\n  - grad: y\n",
        (5, 3, None, "W is all zeros"),
    ),
    "unused-input": (
        H + "inputs:\n  x: 1.5\n  u: 2.0\ngraph:\n  - L = x ** 2\nsteps:\n  - grad: x\n",
        (6, 3, None, "input u does not reach the output L"),
    ),
    "unreachable-step": (
        H + "inputs:\n  x: 1.5\ngraph:\n  - z = x * 3\n  - L = x ** 2\nsteps:\n  - grad: z\n  - grad: x\n",
        (10, 5, "grad:z", "z does not reach the output L: its delta is 0 whatever"),
    ),
    "fan-out-path-is-0": (
        H + "inputs:\n  x: 1.5\n  a: 0.0\ngraph:\n  - y = x * 2\n  - z = x * a\n  - L = y ** 2 + z\n"
        "steps:\n  - grad: x\n",
        (12, 5, "grad:x", "who takes only the path through y (forgets to add the path through z)"),
    ),
    "factor-of-1": (
        H + "inputs:\n  x: 1.5\n  w: 1.0\ngraph:\n  - y = w * x\n  - L = y ** 2\nsteps:\n  - value: y\n",
        (11, 5, "value:y", "who forgets the factor w"),
    ),
    "term-of-0": (
        H + "inputs:\n  x: 1.5\n  b: 0.0\ngraph:\n  - z = 3 * x + b\n  - L = z ** 2\nsteps:\n  - value: z\n",
        (11, 5, "value:z", "who forgets the term b is marked right"),
    ),
    "identically-zero": (
        H + "inputs:\n  x: 1.5\ngraph:\n  - y = x - x\n  - L = y ** 2 + 1\nsteps:\n  - grad: x\n",
        (10, 5, "grad:x", "the delta is 0 here and at nearby values too"),
    ),
    "central-differences": (
        H + "inputs:\n  x: 0.0\ngraph:\n  - L = relu(x) + 3 * x\nsteps:\n  - grad: x\n",
        (9, 5, "grad:x", "central differences disagree with the engine's answer"),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_warning(name):
    text, want = CASES[name]
    found = lint(parse_lesson(text, "t.yaml", Path("t.yaml")))
    assert found, f"{name}: no warning"
    assert all(p.severity == "warning" and p.file == "t.yaml" for p in found)
    if want is None:
        want = (12, 5, "grad:S", "who transposes it (gives the transpose of dS) is marked right")
    line, col, step, fragment = want
    assert any((p.line, p.col, p.step) == (line, col, step) and fragment in p.message for p in found), found


@pytest.mark.parametrize(
    "graph",
    [
        "  - y = a + x\n  - L = (y - 2.5) ** 2 / 3",  # ∂y/∂x = 1 structurally: not a coincidence of the numbers
        "  - y = exp(x - a)\n  - L = (y - 2.5) ** 2 / 3",
        "  - y = x * a\n  - L = (y - 2.5) ** 2 / 3",
    ],
)
def test_structural_facts_are_not_warnings(graph):
    text = H + f"inputs:\n  x: 0.7\n  a: 1.3\ngraph:\n{graph}\n"
    assert lint(parse_lesson(text, "t.yaml", Path("t.yaml"))) == []


def test_diagonal_jacobian_of_an_elementwise_node_is_not_called_symmetric():
    text = (
        H + "inputs:\n  x: [0.5, -1.2]\ngraph:\n  - y = tanh(x)\n  - L = sum(y * [2, 3])\nsteps:\n  - jacobian: y/x\n"
    )
    assert lint(parse_lesson(text, "t.yaml", Path("t.yaml"))) == []


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_lessons_lint_clean(path):
    assert [str(p) for p in lint(load_lesson(path))] == []


def test_warnings_print_and_strict_fails(tmp_path, capsys):
    f = tmp_path / "t.yaml"
    f.write_text(CASES["sign-slip"][0])
    assert main(["validate", str(f)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith(f"{f}:11:5: warning W101 sign-slip: [grad:x] the answer is 0 here")
    assert "1 valid, 0 with problems, 1 with warnings" in out.err
    assert main(["validate", "--strict", str(f)]) == 1
    assert capsys.readouterr().out.startswith(f"{f}:11:5: W101 sign-slip: [grad:x] the answer is 0 here")
    assert main(["validate", "--no-lint", "--strict", str(f)]) == 0


def test_a_long_graph_spends_the_budget_then_names_the_steps_it_skipped():
    """A 200-line graph on 1800-entry vectors: linting every one of its 400 steps took a minute; the linter now
    checks steps in order until its budget of engine work is spent, and says which ones it left out."""
    path = Path(__file__).parent.parent / "robust" / "hostile" / "load-lint-200-lines.yaml"
    lesson = load_lesson(path)
    warnings = lint(lesson)
    [stop] = [w for w in warnings if "budget" in w.message]
    skipped = int(stop.message.split(", so ")[1].split(" step")[0])
    first = [s.id for s in lesson.steps].index(stop.step)
    assert 0 < first and skipped == len(lesson.steps) - first
    assert stop.severity == "warning" and stop.line > 1
    assert lesson.steps[first].id in stop.message and lesson.steps[first + 7].id in stop.message
    assert f"and {skipped - 8} more" in stop.message
    checked = {w.step for w in warnings if w is not stop}
    assert checked and all([s.id for s in lesson.steps].index(x) < first for x in checked if x)


@pytest.mark.parametrize(
    "name", ["local-is-1", "forgot-local-factor", "forgot-upstream", "sign-slip", "fan-out-path-is-0", "term-of-0"]
)
def test_a_coincidence_is_a_candidate_the_grader_marks_right(name):
    """The linter warns about the grader's own candidate mistakes: the one it names, typed as a number, is
    graded correct at the lesson's values, and at nearby values the grader tells it apart."""
    from tutor.course import solve
    from tutor.grading import grade_value
    from tutor.grading.mistakes import candidates_of
    from tutor.grading.points import other_points

    text, (_, _, step_id, _) = CASES[name]
    lesson = parse_lesson(text, "t.yaml", Path("t.yaml"))
    warnings = [p for p in lint(lesson) if p.step == step_id]
    step = lesson.step(step_id)
    named = [c for c in candidates_of(solve(lesson), step) if any(c.slip in w.message for w in warnings)]
    assert named and all(any(c.slip in w.message for c in named) for w in warnings), warnings
    for c in named:
        assert grade_value(solve(lesson), step, c.value).correct
        elsewhere = other_points(lesson)[0].solution
        [again] = [a for a in candidates_of(elsewhere, step) if a.key == c.key]
        assert not grade_value(elsewhere, step, again.value).correct
