"""``validate`` on prose: a live number that cannot be shown is an error at the ``{{``; maths and Markdown that will
not render are warnings, each at ``file:line:col``; what the learner reads is the filled, rendered text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.cli.lessons_cmd import validate_file
from tutor.course import LessonError, load_lesson, parse_lesson

HERE = Path(__file__).parent
LESSON = HERE / "lessons" / "cz-linear-sigmoid.yaml"
HEAD = """\
format: 1
id: p
title: P
inputs: {x: 1.5, w: -0.8}
constants: {t: 2.0}
graph: [y = w * x, L = (y - t) ** 2]
"""


@pytest.fixture
def problems_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every problem ``validate p.yaml`` prints for a lesson made of HEAD and a body."""
    monkeypatch.chdir(tmp_path)

    def problems(body: str) -> list[str]:
        Path("p.yaml").write_text(HEAD + body, encoding="utf-8")
        return [str(p) for p in validate_file(Path("p.yaml"))]

    return problems


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (  # a plain one-line value: the column of the {{
            "steps:\n  - grad: w\n    explain: The delta is {{ dww }}.\n",
            "p.yaml:9:27: [grad:w] explain: {{ dww }}: unknown name 'dww'; did you mean 'dw'?",
        ),
        (  # a quoted hint in a list
            'steps:\n  - grad: w\n    hint: ["first", "y = {{ y :.2q }}"]\n',
            "p.yaml:9:26: [grad:w] hint 2: {{ y :.2q }}: unknown format ':.2q': write :.Ng (significant digits), :.Nf "
            "(decimals) or :.Ne (scientific) with N from 0 to 15, e.g. :.3g",
        ),
        (  # a block scalar: the line and column of the {{ inside it
            "intro: |\n  First line.\n\n  Then {{ y + }} here.\n",
            "p.yaml:10:8: intro: {{ y + }}: unexpected end: an operand is missing",
        ),
        (  # a folded scalar
            "outro: >\n  One\n  two {{ y\n  three\n",
            "p.yaml:9:7: outro: '{{' is not closed: end the live number with '}}', or write '\\{{' for braces",
        ),
        (  # a mistake's message
            "steps:\n  - grad: w\n    mistakes:\n      - answer: dy\n        message: 'not {{ q }}'\n",
            "p.yaml:11:23: [grad:w] mistake 1 message: {{ q }}: unknown name 'q': the lesson's names are x, w, t, y, "
            "L, and d<name> for a delta",
        ),
        (  # the second of two identical live numbers in a block
            "intro: |\n  {{ x }} and {{ zz }}\n  {{ zz }}\n",
            "p.yaml:8:15: intro: {{ zz }}: unknown name 'zz': the lesson's names are x, w, t, y, L, and d<name> for a "
            "delta",
        ),
    ],
)
def test_a_live_number_that_cannot_be_shown_is_an_error_at_its_braces(problems_of, body, problem):
    assert problems_of(body)[0] == problem


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "intro: |\n  Maths:\n\n  $$a + \\weird{x}$$\n",
            "p.yaml:10:9: warning W301 maths-unsupported: "
            "intro: maths: \\weird{x} is not in the supported subset and is shown as source; "
            "see 'Maths' in docs/authoring.md",
        ),
        (
            "steps:\n  - grad: w\n    hint: 'use $\\weird f$'\n",
            "p.yaml:9:17: warning W301 maths-unsupported: "
            "[grad:w] hint: maths: \\weird is not in the supported subset and is shown as "
            "source; see 'Maths' in docs/authoring.md",
        ),
        (
            "intro: |\n  Text\n  $$x^2\n",
            "p.yaml:9:3: warning W302 maths-unclosed: "
            "intro: '$$' is not closed: end the display maths with '$$' (write \\$ for a dollar "
            "sign)",
        ),
        (
            "intro: |\n  The network:\n\n  ```mermaid\n  graph LR; x-->y\n  ```\n",
            "p.yaml:10:3: warning W303 mermaid: "
            "intro: Mermaid diagrams are not drawn: the block shows as code; describe the graph "
            "in words or a table (the graph panel already draws the lesson's graph)",
        ),
        (
            "outro: |\n  !!! note\n      Remember the chain rule.\n",
            "p.yaml:8:3: warning W304 admonition: "
            "outro: admonitions ('!!! note') are not rendered and show as typed; use a block "
            "quote ('> **Note:** ...') instead",
        ),
    ],
)
def test_maths_and_markdown_that_will_not_render_are_located_warnings(problems_of, body, problem):
    assert problems_of(body) == [problem]


def test_prose_warnings_are_shown_without_the_linter_too(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "intro: 'see $\\weird$'\n", encoding="utf-8")
    assert [p.severity for p in validate_file(path, lint=False)] == ["warning"]


def test_the_learner_reads_filled_in_numbers_and_unicode_maths():
    lesson = load_lesson(LESSON)
    step = lesson.step("grad:s")
    assert step.explain.strip() == "s̄ = ∂q/∂s = q (1 − q) = 0.8022 · 0.1978 = 0.1587"
    assert step.hints == ("dσ/ds = σ(s) (1 − σ(s)), written with the output q.",)
    assert step.mistakes[0].message == (
        "That is s (1 − s): the sigmoid's derivative is taken at its output, q (1 − q) = 0.159."
    )
    assert lesson.summary == "q = σ(wᵀx + b) forward, then every delta backward"
    assert "Here x = \\[1, −2, 3\\], w = \\[0.5, 0.3, 1\\] and b = −1.5." in lesson.intro
    assert "$" not in lesson.intro + lesson.outro + "".join(s.explain for s in lesson.steps)


def test_changing_an_input_changes_the_prose():
    text = LESSON.read_text(encoding="utf-8")
    before = parse_lesson(text).step("value:s").explain
    after = parse_lesson(text.replace("b: -1.5", "b: -0.5")).step("value:s").explain
    assert before == "s = l + b = 2.9 + (−1.5) = 1.4"
    assert after == "s = l + b = 2.9 + (−0.5) = 2.4"


def test_the_authors_lesson_passes_validate_strict_and_solve_shows_its_prose():
    cli = [sys.executable, "-m", "tutor"]
    r = subprocess.run([*cli, "validate", "--strict", str(LESSON)], capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (0, ""), r.stdout + r.stderr
    r = subprocess.run([*cli, "solve", str(LESSON)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "s̄ = ∂q/∂s = q (1 − q) = 0.8022 · 0.1978 = 0.1587" in r.stdout


def test_a_lesson_with_a_broken_live_number_does_not_load(tmp_path):
    with pytest.raises(LessonError) as e:
        parse_lesson(HEAD + "summary: 'y is {{ yy }}'\n", "s.yaml")
    assert [str(p) for p in e.value.problems] == [
        "s.yaml:7:16: summary: {{ yy }}: unknown name 'yy'; did you mean 'y'?"
    ]
