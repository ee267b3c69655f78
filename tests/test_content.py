"""The shipped course as content: its numbers are computed, it keeps to docs/notation.md, it is in teaching order,
it validates strictly, PyTorch agrees with it, and it still reproduces the numbers the seeds publish."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SHIPPED

from tutor.cli import main
from tutor.course import load_lesson, shipped_lessons_dir, solve
from tutor.course.prose import locate, prose_fields, show_lesson
from tutor.course.yamlpos import load_located

#: a live number, ``{{ EXPR }}`` or ``{{ EXPR :.3g }}`` (``\{{`` is two literal braces, not a live number)
LIVE = re.compile(r"(?<!\\)\{\{.*?\}\}", re.S)
#: a decimal number typed in prose: ``0.319``, ``−1.5``, ``.5``
DECIMAL = re.compile(r"(?<![\w.])\d*\.\d+")

#: decimals that may be typed in prose, each with the reason it is not a value of the lesson
TYPED_DECIMALS = {
    "0.25": "σ′'s maximum, σ′(0): part of the sigmoid's definition, the same in every lesson",
}

#: issue 14's teaching order; the shipped lessons appear in course.yaml in this order (others insert theirs)
TEACHING_ORDER = [
    "gradient-basics",
    "chain-rule",
    "chain-rule-paths",
    "fan-out",
    "torch-leaves",
    "sigmoid-primitives",
    "sigmoid-neuron",
    "tanh-unit",
    "relu-layer",
    "sigmoid-layer",
    "torch-vjp",
    "matmul-jacobian",
    "linear-rows",
    "logistic-bce",
    "mse-vs-bce",
    "two-layer-net",
    "two-layer-batch",
    "softmax-ce",
    "deep-vanishing",
    "mlp-loop",
    "chained-functions",
    "gradient-check",
    "var-class",
    "torch-training-step",
    "torch-dynamic-graph",
    "custom-function",
    "course-review",
]


def _fields(path: Path):
    """Every prose field of a lesson file, with the file's located document and text (for file:line:col)."""
    text = path.read_text(encoding="utf-8")
    doc = load_located(text, str(path))
    return [(doc, text, f) for f in prose_fields(doc.data)]


def _typed_decimals(path: Path) -> list[tuple[str, str]]:
    """Each decimal typed in the lesson's prose outside a live number: (``file:line:col: field``, the number)."""
    found = []
    for doc, text, f in _fields(path):
        blanked = LIVE.sub(lambda m: " " * len(m.group()), f.text)
        for m in DECIMAL.finditer(blanked):
            line, col = locate(doc, text, f.path, f.text, m.start(), m.group())
            where = f"{path.name}:{line}:{col}: {f.label}" + (f" [{f.step}]" if f.step else "")
            found.append((where, m.group()))
    return found


def test_the_decimal_finder_sees_typed_numbers_and_not_live_ones(tmp_path):
    lesson = tmp_path / "l.yaml"
    lesson.write_text(
        'intro: "q is 0.319, not {{ q :.3g }} or \\\\{{ 2.5 }}"\n'
        'steps:\n  - value: q\n    hint: ["{{ 1.5 }} then -1.25."]\n    explain: |\n      ok {{ z }}\n      then .5\n'
    )
    found = _typed_decimals(lesson)
    assert [n for _, n in found] == ["0.319", "2.5", ".5", "1.25"]
    assert found[0][0] == "l.yaml:1:14: intro" and found[3][0] == "l.yaml:4:29: hint 1 [value:q]"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_numbers_in_prose_are_computed(path):
    """A value of the lesson typed into prose goes stale when an input changes: write it as {{ EXPR }}."""
    typed = [f"{where}: {number}" for where, number in _typed_decimals(path) if number not in TYPED_DECIMALS]
    assert not typed, "write these as live numbers {{ ... }} (docs/notation.md §7):\n" + "\n".join(typed)


def test_every_typed_decimal_allowed_is_used():
    used = {number for path in SHIPPED for _, number in _typed_decimals(path)}
    assert set(TYPED_DECIMALS) <= used, f"stale exceptions: {set(TYPED_DECIMALS) - used}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_lesson_keeps_to_the_notation(path):
    """The machine-checkable parts of docs/notation.md."""
    lesson = load_lesson(path)
    prog = lesson.program
    names = {*prog.inputs, *prog.constants, *prog.nodes}
    assert "T" not in names, "the target is Y (or t), never T beside .T"
    clashes = {n for n in names if n.startswith("d") and n[1:] in names}
    assert not clashes, f"{clashes}: d<name> is the delta of <name> in answers and live numbers"
    assert "N" not in names, "N is the batch size"
    for _, _, f in _fields(path):
        where = f"{path.name}: {f.label}" + (f" [{f.step}]" if f.step else "")
        assert "δ" not in f.text, f"{where}: a delta is written dy = ∂L/∂y, not δ"
        assert "σ'" not in f.text, f"{where}: σ′ takes a prime (U+2032), not an apostrophe"
    assert "{{" not in lesson.summary, "the lesson list shows a summary's live numbers as '…'"
    matrices = [v for v in lesson.leaf_values().values() if np.ndim(v) == 2]
    if matrices:
        assert re.search(r"\brows?\b|\bcolumns?\b|column form", lesson.intro), "say whether samples are rows or columns"


def test_course_order_follows_the_teaching_order():
    order = yaml.safe_load((shipped_lessons_dir() / "course.yaml").read_text(encoding="utf-8"))["order"]
    shipped = {p.stem for p in SHIPPED}
    assert set(order) == shipped, "every shipped lesson is in course.yaml, and nothing else"
    unknown = [i for i in order if i not in TEACHING_ORDER]
    assert not unknown, f"{unknown}: add them to TEACHING_ORDER where issue 14 puts them"
    assert order == sorted(order, key=TEACHING_ORDER.index)


def test_every_shipped_lesson_validates_strictly(capsys):
    code = main(["validate", "--strict", *map(str, SHIPPED)])
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert code == 0, out
    assert f"{len(SHIPPED)} files checked: {len(SHIPPED)} valid, 0 with problems" in out


def test_chain_rule_paths_reproduces_the_czech_slides():
    """The slides' foo_with_backprop(1, 2) prints (49.0, (14.0, 42.0))."""
    sol = solve(load_lesson(shipped_lessons_dir() / "chain-rule-paths.yaml"))
    assert float(sol.trace.values["z"]) == 49
    assert float(sol.trace.grads["x1"]) == 14 and float(sol.trace.grads["x2"]) == 42


def test_matmul_jacobian_quotes_the_czech_slides_size():
    """The slides count 4096·64·(4096·4096 + 4096·64) = 4.5·10¹² Jacobian entries for N = 64, D = K = 4096."""
    lesson = load_lesson(shipped_lessons_dir() / "matmul-jacobian.yaml")
    shown = show_lesson(lesson, solve(lesson).trace)
    text = shown.step("jacobian:S/W").explain
    assert "4.5e12" in text and "18 TB" in text and "16.8 million" in text


def test_the_matmul_example_lets_shapes_decide():
    """K, D and N all differ, so only dS @ X.T has dW's shape and only W.T @ dS has dX's (docs/notation.md §4)."""
    values = solve(load_lesson(shipped_lessons_dir() / "matmul-jacobian.yaml")).trace.values
    k, d = values["W"].shape
    n = values["X"].shape[1]
    assert len({k, d, n}) == 3
