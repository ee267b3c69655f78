"""Warning codes: each documented with an example that triggers it; lessons allow the ones they mean, and an allowed
code that never fires is reported; structural facts are never warnings, whatever the lesson's shape."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, SHIPPED

from tutor.authoring.lint import OP_MISVALUES, OP_SLIPS, lint, lint_report
from tutor.authoring.schema import CODES_BEGIN, CODES_END, codes_section
from tutor.cli import COMMANDS, main
from tutor.course import load_lesson, parse_lesson, solve
from tutor.course.lintcodes import BY_CODE, CODES, OTHER_SLIP, code_of_candidate
from tutor.engine.autograd import Fact
from tutor.grading.mistakes import candidates_of

LESSONS = Path(__file__).parent / "lessons"
FALSE_POSITIVES = sorted(LESSONS.glob("fp-*.yaml"))
DELIBERATE = sorted(LESSONS.glob("allow-*.yaml"))
HEADER = "format: 1\nid: example\ntitle: Example\n"
#: codes whose example needs more than one lesson file (the course), or that no small lesson triggers on purpose
NO_EXAMPLE = {"W100", "W108", "W210", "W211", "W401", "W402", "W403", "W404"}


def _lesson(text: str, name: str = "t.yaml"):
    return parse_lesson(text, name, Path(name))


@pytest.mark.parametrize("code", [c for c in CODES if c.code not in NO_EXAMPLE], ids=lambda c: c.code)
def test_each_codes_example_triggers_it(code):
    assert code.example, f"{code.label} has no example"
    found = lint_report(_lesson(HEADER + code.example)).warnings
    assert code.code in [p.code for p in found], found


def test_codes_are_stable_and_documented():
    assert [c.code for c in CODES] == sorted(c.code for c in CODES)
    assert len({c.name for c in CODES}) == len(CODES)
    assert all(re.fullmatch(r"W\d{3}", c.code) and re.fullmatch(r"[a-z][a-z0-9-]+", c.name) for c in CODES)
    guide = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    written = guide[guide.index(CODES_BEGIN) + len(CODES_BEGIN) : guide.index(CODES_END)].strip()
    assert written == codes_section().strip(), "run: python -m tutor.authoring.schema"
    assert all(f"`{c.code}`" in written and c.name in written for c in CODES)


def test_every_candidate_mistake_has_its_own_code():
    """The linter names the grader's candidates by code: none of today's falls back to W100."""
    lessons = [load_lesson(p) for p in [*SHIPPED, *sorted((ROOT / "tests" / "grading" / "lessons").glob("*.yaml"))]]
    lessons += [_lesson(HEADER + c.example) for c in CODES if c.example]
    solved = [(solve(lesson), step) for lesson in lessons for step in lesson.steps]
    # an autograd step's answer is a word (None, True, a grad_fn's name): its slips are graded as words, not candidates
    ids = {c.id for sol, step in solved if not isinstance(sol.answer(step), Fact) for c in candidates_of(sol, step)}
    assert len(ids) >= 15
    assert {i for i in ids if code_of_candidate(i, OP_SLIPS, OP_MISVALUES).code == OTHER_SLIP} == set()


@pytest.mark.parametrize("path", FALSE_POSITIVES, ids=lambda p: p.stem)
def test_the_trials_false_positives_pass_strict(path, capsys):
    """A + or a sum() upstream of a node is a fact of the graph: the lesson is clean, whatever its shape."""
    assert main(["validate", "--strict", str(path)]) == 0, capsys.readouterr().out
    assert lint(load_lesson(path)) == []


@pytest.mark.parametrize("path", DELIBERATE, ids=lambda p: p.stem)
def test_a_deliberate_warning_passes_strict_only_with_allow(path, tmp_path, capsys):
    allowed = {m for m in re.findall(r"allow: \[([^\]]*)\]", path.read_text(encoding="utf-8"))}
    codes = {
        BY_CODE.get(c.strip()) or next(x for x in CODES if x.name == c.strip()) for a in allowed for c in a.split(",")
    }
    assert main(["validate", "--strict", str(path)]) == 0
    err = capsys.readouterr().err
    assert re.search(r"; \d+ warnings? allowed by lint: allow", err), err
    without = tmp_path / path.name
    without.write_text(re.sub(r"(?m)^\s*lint: \{allow: \[[^\]]*\]\}\n", "", path.read_text(encoding="utf-8")))
    assert main(["validate", "--strict", str(without)]) == 1
    printed = capsys.readouterr().out
    assert {c.label for c in codes} == set(re.findall(r": (W\d{3} [a-z-]+): ", printed))


def test_an_allowed_code_that_never_fires_is_reported_where_it_is_written(tmp_path, capsys):
    f = tmp_path / "t.yaml"
    f.write_text(HEADER + "lint:\n  allow: [W208, W103]\ninputs: {x: 1.5}\ngraph: [L = x ** 2]\n")
    [p, q] = lint(load_lesson(f))
    assert (p.line, p.col, p.code) == (5, 11, "W501") and (q.line, q.col, q.code) == (5, 17, "W501")
    assert "lint: allow lists W208 always-zero, but this lesson has no such warning: remove it" in p.message
    assert main(["validate", "--strict", str(f)]) == 1
    assert f"{f}:5:11: W501 allow-unused: lint: allow lists W208" in capsys.readouterr().out


def test_a_steps_allow_list_covers_that_step_only(tmp_path):
    text = (
        HEADER + "inputs: {x: 2.0, y: 2.0}\nconstants: {t: 2.0}\ngraph:\n  - L = (x - t) ** 2 + (y - t) ** 2\n"
        "steps:\n  - grad: x\n    lint: {allow: [W101, W109]}\n  - grad: y\n"
    )
    report = lint_report(_lesson(text))
    assert {(p.step, p.code) for p in report.allowed} == {("grad:x", "W101"), ("grad:x", "W109")}
    assert {(p.step, p.code) for p in report.warnings} == {("grad:y", "W101"), ("grad:y", "W109")}


def test_validate_says_how_many_were_allowed(tmp_path, capsys):
    path = LESSONS / "allow-tanh-near-zero.yaml"
    assert main(["validate", str(path), str(LESSONS / "fp-var-class.yaml")]) == 0
    assert "2 files checked: 2 valid, 0 with problems; 4 warnings allowed by lint: allow" in capsys.readouterr().err


# ---------------------------------------------------------------- matmul operands

MATMUL = "inputs:\n  W: [[0.5, -1.0], [2.0, 0.25]]\nconstants:\n  X: {X}\ngraph:\n  - S = W @ X\n  - L = {loss}\n"


def test_a_symmetric_operand_is_warned_at_its_definition():
    text = HEADER + MATMUL.format(X="[[1.0, 2.0], [2.0, -3.0]]", loss="sum(S * S) / 2") + "steps:\n  - grad: W\n"
    [w] = lint(_lesson(text))
    assert (w.line, w.col, w.code, w.step) == (7, 3, "W103", None)
    assert "X is symmetric at these values (X = Xᵀ)" in w.message
    assert "writing dS @ X for dS @ Xᵀ, is marked right" in w.message


def test_a_square_operand_is_warned_when_a_forgotten_transpose_gives_the_delta_here():
    text = HEADER + BY_CODE["W104"].example
    [w] = lint(_lesson(text))
    assert w.code == "W104" and "X is square (3×3), and at these values dS @ X gives the same as dS @ Xᵀ" in w.message


@pytest.mark.parametrize(
    ("x", "loss"),
    [
        ("[[1.0, 2.0], [0.5, -3.0]]", "sum(S * S) / 2"),  # square, not symmetric: a forgotten ᵀ gives other numbers
        ("[[1.0, 2.0, 0.5], [2.0, -3.0, 1.0]]", "sum(S * S) / 2"),  # not square: the shape tells
    ],
)
def test_other_operands_are_quiet(x, loss):
    assert lint(_lesson(HEADER + MATMUL.format(X=x, loss=loss))) == []


def test_no_operand_warning_where_no_delta_flows():
    """S = C @ X with both constants and only a bias learned: no delta passes through the product's operands."""
    text = (
        HEADER
        + "inputs:\n  b: [[0.5, -1.0]]\nconstants:\n  C: [[1.0, 2.0], [2.0, -3.0]]\n  X: [[1.0, 2.0], [0.5, 1.0]]\n"
        "graph:\n  - S = C @ X + b\n  - L = sum(S * S) / 2\n"
    )
    assert [p.code for p in lint(_lesson(text))] == []


def test_a_forward_value_slip_is_named_as_what_the_learner_does():
    """W122 names the slip as an action ("forgets the power"), not a clause cut from the learner's message."""
    lesson = _lesson(
        HEADER + "inputs: {x: 3.0}\nconstants: {t: 5.0}\ngraph: [y = 2 * x, L = (y - t) ** 2]\nsteps: [{value: L}]\n"
    )
    (warning,) = [w for w in lint_report(lesson).warnings if w.code == "W122"]
    assert "a learner who forgets the power (types y − t for L) is marked right" in warning.message, warning.message


def test_an_id_that_is_a_command_is_reported_and_new_refuses_it(tmp_path, capsys):
    """`backprop-tutor review` runs the review command: a lesson with that id could never be opened by its id."""
    path = tmp_path / "drill.yaml"
    path.write_text("format: 1\nid: drill\ntitle: T\ninputs: {x: 1.5}\ngraph: [L = x ** 2]\n", encoding="utf-8")
    assert main(["validate", "--strict", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:2:5: W404 id-is-command: the id 'drill' is also a command" in out, out
    assert main(["new", "review", "--dir", str(tmp_path)]) != 0
    assert "'review' is the name of a command" in capsys.readouterr().err
    assert not (tmp_path / "review.yaml").exists()
    shipped = {p.stem for p in SHIPPED}
    assert not shipped & set(COMMANDS), "a shipped lesson's id is a command's name"
