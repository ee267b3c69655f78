"""The warnings' stable codes: one table of every warning ``validate`` can print, each with a code, a name and an
example lesson that triggers it.

A warning prints as ``file:line:col: warning W103 symmetric-operand: [step id] message``. A lesson (or one step) may
list the codes it means to keep, ``lint: {allow: [W103]}``, by code or by name; the linter then counts them as
allowed instead of printing them, and reports an allowed code that never fires (W501), so that allow-lists do not
rot. Codes never change meaning: a new warning gets a new code.

The grader's candidate mistakes (:func:`tutor.grading.mistakes.candidates_of`, :attr:`StepKind.mistakes`) carry a
diagnosis id; :func:`code_of_candidate` gives the code the linter prints when one of them would be marked right. Every
slip of an op's derivative in the op table (``Op.slips``, and σ′ taken at the input) shares W109; a candidate that has
no code of its own yet gets W100.

Each example is the body of a lesson file (what follows ``format``, ``id`` and ``title``); the author's guide shows
them, and a test checks that each one triggers its code. Pure data: imports nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class LintCode:
    """One warning: its code (``W103``), its name (``symmetric-operand``), what it means, and an example lesson."""

    code: str
    name: str
    what: str
    example: str

    @property
    def label(self) -> str:
        """``W103 symmetric-operand``, as warnings print it."""
        return f"{self.code} {self.name}"


def _lesson(*lines: str) -> str:
    """An example lesson body, one YAML line an argument."""
    return "\n".join(lines) + "\n"


CODES: tuple[LintCode, ...] = (
    # ---------------------------------------------------------------- W1xx: a mistake that would be marked right
    LintCode(
        "W100",
        "other-slip",
        "One of the grader's candidate mistakes gives the right answer at these values (a candidate with no code of "
        "its own yet).",
        "",
    ),
    LintCode(
        "W101",
        "sign-slip",
        "The answer is 0 (or equal to its negative) here: a sign slip gives the right answer.",
        _lesson("inputs: {x: 2.0}", "constants: {t: 2.0}", "graph: [L = (x - t) ** 2]", "steps: [{grad: x}]"),
    ),
    LintCode(
        "W102",
        "transposed-answer",
        "A matrix answer is symmetric: its transpose, a misplaced ᵀ, is marked right.",
        _lesson("inputs: {A: [[1.0, 2.0], [2.0, -1.0]]}", "graph: [L = sum(A * A) / 2]", "steps: [{grad: A}]"),
    ),
    LintCode(
        "W103",
        "symmetric-operand",
        "An operand of a matmul is a symmetric matrix: a learner who forgets its ᵀ in the other operand's delta "
        "(dW = dS @ Xᵀ) is marked right.",
        _lesson(
            "inputs: {W: [[0.5, -1.0], [2.0, 0.25]]}",
            "constants: {X: [[1.0, 2.0], [2.0, -3.0]]}",
            "graph: [S = W @ X, L = sum(S * S) / 2]",
            "steps: [{grad: W}]",
        ),
    ),
    LintCode(
        "W104",
        "square-operand",
        "An operand of a matmul is square, and at these values the other operand's delta with its ᵀ forgotten "
        "happens to give the right answer.",
        _lesson(
            "inputs: {W: [[1.0, 2.0, 0.5], [-1.0, 0.5, 1.5]]}",
            "constants:",
            "  X: [[1.0, 2.0, 3.0], [0.0, 1.0, 4.0], [-1.0, -2.0, 1.0]]",
            "  G: [[3.0, -2.0, 1.0], [-1.5, 1.0, -0.5]]",
            "graph: [S = W @ X, L = sum(S * G)]",
            "steps: [{grad: W}]",
        ),
    ),
    LintCode(
        "W105",
        "local-factor-forgotten",
        "The local factor is 1 here: the upstream delta alone is marked right.",
        _lesson("inputs: {x: 1.5, w: 1.0}", "graph: [y = w * x, L = y ** 2]", "steps: [{grad: x}]"),
    ),
    LintCode(
        "W106",
        "upstream-forgotten",
        "The upstream delta is 1 here: the local derivative alone is marked right.",
        _lesson(
            "inputs: {x: 1.5}",
            "constants: {t: 1.0}",
            "graph: [y = 3 * x, d = y - t, L = d ** 2 / 7]",
            "steps: [{grad: x}]",
        ),
    ),
    LintCode(
        "W107",
        "one-path",
        "A fan-out path contributes 0 here: a learner who takes only the other path is marked right.",
        _lesson("inputs: {x: 1.5, a: 0.0}", "graph: [y = x * 2, z = x * a, L = y ** 2 + z]", "steps: [{grad: x}]"),
    ),
    LintCode(
        "W108",
        "batch-unsummed",
        "The per-sample gradients of a shared value coincide with their sum here.",
        "",
    ),
    LintCode(
        "W109",
        "derivative-slip",
        "A slip in an op's derivative (the power rule, σ′ taken at the input ...) gives the right answer here.",
        _lesson("inputs: {x: 1.0}", "graph: [L = x ** 3]", "steps: [{local: L/x}]"),
    ),
    LintCode(
        "W110",
        "operand-forgotten",
        "A term is 0 or a factor is 1 here: a forward value that leaves it out is marked right.",
        _lesson("inputs: {x: 1.5, b: 0.0}", "graph: [z = 3 * x + b, L = z ** 2]", "steps: [{value: z}]"),
    ),
    LintCode(
        "W111",
        "input-for-value",
        "A forward value equals an input of its line here: copying the input is marked right.",
        _lesson("inputs: {x: 0.0}", "graph: [y = sin(x), L = (y - 1) ** 2]", "steps: [{value: y}]"),
    ),
    LintCode(
        "W112",
        "delta-for-local",
        "A local derivative equals the delta here: the delta is marked right for the local derivative.",
        _lesson("inputs: {x: 0.5, w: 2.0}", "graph: [y = w * x, L = y ** 2 / 2]", "steps: [{local: y/x}]"),
    ),
    LintCode(
        "W113",
        "local-is-one",
        "A local derivative is 1 here: answering 1 without differentiating is marked right.",
        _lesson("inputs: {x: 0.75}", "constants: {t: 0.25}", "graph: [L = (x - t) ** 2]", "steps: [{local: L/x}]"),
    ),
    LintCode(
        "W114",
        "update-ascent",
        "The gradient is 0 here: a step up the loss (W + lr·dW) is marked right for gradient descent.",
        _lesson(
            "learning_rate: 0.1",
            "inputs: {w: 2.0}",
            "constants: {t: 2.0}",
            "graph: [L = (w - t) ** 2]",
            "steps: [{update: w}]",
        ),
    ),
    LintCode(
        "W115",
        "update-no-rate",
        "The gradient is 0 here: leaving the learning rate out is marked right.",
        _lesson(
            "learning_rate: 0.1",
            "inputs: {w: 2.0}",
            "constants: {t: 2.0}",
            "graph: [L = (w - t) ** 2]",
            "steps: [{update: w}]",
        ),
    ),
    LintCode(
        "W116",
        "update-change-only",
        "The weight is 0 here: the change −lr·dW alone is marked right for the new weight.",
        _lesson("learning_rate: 0.1", "inputs: {w: 0.0}", "graph: [L = (w - 1) ** 2]", "steps: [{update: w}]"),
    ),
    LintCode(
        "W117",
        "update-unchanged",
        "The gradient is 0 here: the weight before the step is marked right for the weight after it.",
        _lesson(
            "learning_rate: 0.1",
            "inputs: {w: 1.0, v: 0.5}",
            "graph: [L = (w - 1) ** 2 + v * 3]",
            "steps: [{update: w}]",
        ),
    ),
    LintCode(
        "W118",
        "update-gradient",
        "The gradient equals the new weight here: the gradient is marked right for the new weight.",
        _lesson("learning_rate: 0.5", "inputs: {w: 1.5}", "graph: [L = (w - 0.5) ** 2 / 2]", "steps: [{update: w}]"),
    ),
    LintCode(
        "W119",
        "wrong-input",
        "A local derivative by another input of the node equals the one asked for here: differentiating by the "
        "wrong input is marked right.",
        _lesson("inputs: {x: 1.5, w: 1.5}", "graph: [y = w * x, L = y ** 2]", "steps: [{local: y/x}]"),
    ),
    LintCode(
        "W120",
        "input-for-slope",
        "A local derivative equals the value of its input here: the input's value is marked right for the slope.",
        _lesson("inputs: {x: 0.739}", "graph: [y = sin(x), L = y ** 2]", "steps: [{local: y/x}]"),
    ),
    LintCode(
        "W121",
        "fan-out-product",
        "At a fan-out, the product of the paths' contributions equals their sum here: multiplying them is marked "
        "right.",
        _lesson("inputs: {x: 1.5, w: 2.0, v: 2.0}", "graph: [y = w * x, z = v * x, L = y + z]", "steps: [{grad: x}]"),
    ),
    LintCode(
        "W122",
        "value-slip",
        "A slip in an op's forward value (the value before the power ...) gives the right value here.",
        _lesson("inputs: {x: 1.0}", "graph: [y = x ** 3, L = y * 2]", "steps: [{value: y}]"),
    ),
    LintCode(
        "W123",
        "after-update-before",
        "The gradient is 0 here: the loss before the update is marked right for the loss after it.",
        _lesson("learning_rate: 0.1", "inputs: {w: 1.0}", "graph: [L = (w - 1) ** 2]", "steps: [{after_update: L}]"),
    ),
    LintCode(
        "W124",
        "after-update-ascent",
        "The gradient is 0 here: the loss after a step up the gradient (+lr·dW) is marked right.",
        _lesson("learning_rate: 0.1", "inputs: {w: 1.0}", "graph: [L = (w - 1) ** 2]", "steps: [{after_update: L}]"),
    ),
    LintCode(
        "W125",
        "after-update-no-rate",
        "The gradient is 0 here: the loss after a step without the learning rate is marked right.",
        _lesson("learning_rate: 0.1", "inputs: {w: 1.0}", "graph: [L = (w - 1) ** 2]", "steps: [{after_update: L}]"),
    ),
    LintCode(
        "W126",
        "after-update-estimate",
        "The first-order estimate L − lr·Σ dW² equals the loss after the update here: the estimate is marked right.",
        _lesson("learning_rate: 0.1", "inputs: {w: 1.0}", "graph: [L = (w - 1) ** 2]", "steps: [{after_update: L}]"),
    ),
    LintCode(
        "W127",
        "autograd-accumulates",
        "One backward() call's gradient equals what .grad holds after all of them here: forgetting that .grad adds "
        "up is marked right.",
        _lesson(
            "inputs: {x: 0.0}",
            "graph: [y = x ** 2, s = 3 * x, L = y + s]",
            "steps: [{autograd: 'x.grad after y.backward(); s.backward()'}]",
        ),
    ),
    LintCode(
        "W128",
        "backward-local-only",
        "The delta that comes down is 1 here: a backward that returns the local derivative alone is marked right.",
        _lesson("inputs: {x: 1.0, w: 1.0}", "graph: [y = w * x, L = y ** 2 / 2]", "steps: [{backward: y/x}]"),
    ),
    LintCode(
        "W129",
        "autograd-reset",
        "The gradients a reset (zero_() or .grad = None) threw away add up to 0 here: counting them is marked right.",
        _lesson(
            "inputs: {x: 0.0}",
            "graph: [y = x ** 2, s = 3 * x, L = y + s]",
            "steps: [{autograd: 'x.grad after y.backward(); x.grad.zero_(); s.backward()'}]",
        ),
    ),
    # ---------------------------------------------------------------- W2xx: numbers that teach nothing
    LintCode(
        "W201",
        "at-kink",
        "An op sits on its kink (relu or abs of exactly 0): its derivative there is a convention.",
        _lesson("inputs: {x: [1.0, -2.0], b: [-1.0, 2.5]}", "graph: [h = relu(x + b), L = sum(h * h)]"),
    ),
    LintCode(
        "W202",
        "saturated",
        "An op is saturated (sigmoid, tanh ... with a derivative below 1e-6): every delta through it is about 0.",
        _lesson("inputs: {w: 9.0}", "graph: [q = sigmoid(w * 2), L = (q - 0.3) ** 2]", "steps: [{grad: q}]"),
    ),
    LintCode(
        "W203",
        "equal-weights",
        "Every entry of a weight is equal: mixed-up rows and columns are marked right.",
        _lesson(
            "inputs: {W: [[0.5, 0.5], [0.5, 0.5]]}",
            "constants: {x: [1.0, 2.0], c: [1.0, 3.0]}",
            "graph: [y = W @ x, L = sum(y * c)]",
            "steps: [{grad: y}]",
        ),
    ),
    LintCode(
        "W204",
        "zero-weights",
        "A weight is all zeros: the deltas through it vanish.",
        _lesson(
            "inputs: {W: [[0, 0], [0, 0]]}",
            "constants: {x: [1.0, 2.0], c: [1.0, 3.0]}",
            "graph: [y = W @ x, L = sum(y * c)]",
            "steps: [{grad: y}]",
        ),
    ),
    LintCode(
        "W205",
        "unused-input",
        "An input does not reach the output: its gradient is 0 whatever the values.",
        _lesson("inputs: {x: 1.5, u: 2.0}", "graph: [L = x ** 2]", "steps: [{grad: x}]"),
    ),
    LintCode(
        "W206",
        "unused-node",
        "A graph line does not reach the output (a side computation): nothing depends on it.",
        _lesson("inputs: {x: 1.2}", "graph: [f2 = x ** 3 + 1, f = x ** 3]", "steps: [{value: f2}, {grad: x}]"),
    ),
    LintCode(
        "W207",
        "step-off-path",
        "A step asks for the delta of a value that does not reach the output: it is 0 whatever the learner does.",
        _lesson("inputs: {x: 1.5}", "graph: [z = x * 3, L = x ** 2]", "steps: [{grad: z}, {grad: x}]"),
    ),
    LintCode(
        "W208",
        "always-zero",
        "A derivative is 0 here and at nearby values (paths that cancel, a dead unit): 0 is always right.",
        _lesson("inputs: {x: 1.5}", "graph: [y = x - x, L = y ** 2 + 1]", "steps: [{grad: x}]"),
    ),
    LintCode(
        "W209",
        "central-differences",
        "Central differences disagree with the engine: a kink or a discontinuity at these values.",
        _lesson("inputs: {x: 0.0}", "graph: [L = relu(x) + 3 * x]", "steps: [{grad: x}]"),
    ),
    LintCode(
        "W210",
        "lint-budget",
        "The linter's budget of engine work is spent: the steps it names were not checked.",
        "",
    ),
    LintCode("W211", "lint-failed", "The linter could not compute a step at these values.", ""),
    # ---------------------------------------------------------------- W3xx: prose that will not read as meant
    LintCode(
        "W301",
        "maths-unsupported",
        "LaTeX outside the supported subset: it is shown as its source.",
        _lesson("intro: 'The area is $\\weird{x}$.'", "inputs: {x: 1.5}", "graph: [L = x ** 2]"),
    ),
    LintCode(
        "W302",
        "maths-unclosed",
        "A '$$', '\\(' or '\\[' that is never closed.",
        _lesson("intro: 'Display maths $$ x^2 that never ends'", "inputs: {x: 1.5}", "graph: [L = x ** 2]"),
    ),
    LintCode(
        "W303",
        "mermaid",
        "A Mermaid diagram: it is shown as a code block, not drawn.",
        _lesson(
            "intro: |",
            "  ```mermaid",
            "  graph LR; x --> L",
            "  ```",
            "inputs: {x: 1.5}",
            "graph: [L = x ** 2]",
        ),
    ),
    LintCode(
        "W304",
        "admonition",
        "An admonition (!!! note): it is shown as typed.",
        _lesson("intro: |", "  !!! note", "      Read this.", "inputs: {x: 1.5}", "graph: [L = x ** 2]"),
    ),
    # ---------------------------------------------------------------- W4xx: the course
    LintCode(
        "W401",
        "id-not-file-name",
        "The lesson's id differs from its file name (tutor-lesson.yaml holds id: other): keep them equal, so that "
        "the id finds the file.",
        "",
    ),
    LintCode(
        "W402",
        "id-shadows",
        "Another lesson on the search path has the same id, and this file comes first (the tutor skips the other) or "
        "is not on the search path (a lessons folder would skip one). When this file is the one skipped, it is an "
        "error.",
        "",
    ),
    LintCode(
        "W403",
        "order-unknown-id",
        "A course.yaml lists an id that no lesson of its folder, nor of the folders before it on the search path, has.",
        "",
    ),
    LintCode(
        "W404",
        "id-is-command",
        "The lesson's id is also the name of a backprop-tutor command (review, drill ...): `backprop-tutor ID` runs "
        "the command, not the lesson; choose another id.",
        "",
    ),
    # ---------------------------------------------------------------- W5xx: the allow-lists
    LintCode(
        "W501",
        "allow-unused",
        "lint: allow lists a code that never fires there: remove it, so that the list says what the lesson means.",
        _lesson("lint: {allow: [W103]}", "inputs: {x: 1.5}", "graph: [L = x ** 2]"),
    ),
)

BY_CODE: dict[str, LintCode] = {c.code: c for c in CODES}
BY_NAME: dict[str, LintCode] = {c.name: c for c in CODES}

#: the grader's candidate mistakes (their diagnosis id) and the code of the warning when one is marked right
CANDIDATE_CODES: dict[str, str] = {
    "sign": "W101",
    "transposed": "W102",
    "local-forgotten": "W105",
    "upstream-forgotten": "W106",
    "fan-out": "W107",
    "unsummed": "W108",
    "from-input": "W109",
    "forgotten": "W110",
    "before-op": "W111",
    "delta-for-local": "W112",
    "one-for-one": "W113",
    "update-ascent": "W114",
    "update-no-rate": "W115",
    "update-change-only": "W116",
    "update-unchanged": "W117",
    "update-gradient": "W118",
    "wrong-input": "W119",
    "input-for-slope": "W120",
    "fan-out-product": "W121",
    "after-update-before": "W123",
    "after-update-ascent": "W124",
    "after-update-no-rate": "W125",
    "after-update-estimate": "W126",
    "autograd-accumulates": "W127",
    "backward-local-only": "W128",
    "autograd-reset": "W129",
}
#: the code shared by every slip of an op's derivative from the op table (``Op.slips``)
DERIVATIVE_SLIP = "W109"
#: the code shared by every slip of an op's forward value from the op table (``Op.misvalues``)
VALUE_SLIP = "W122"
#: the code of a candidate that has none of its own yet
OTHER_SLIP = "W100"


def code_of_candidate(
    diagnosis: str, op_slips: frozenset[str] = frozenset(), op_misvalues: frozenset[str] = frozenset()
) -> LintCode:
    """The warning for a candidate mistake marked right, by its diagnosis id; ``op_slips`` and ``op_misvalues`` are
    the op table's slips of a derivative and of a forward value."""
    if diagnosis in CANDIDATE_CODES:
        return BY_CODE[CANDIDATE_CODES[diagnosis]]
    if diagnosis in op_slips:
        return BY_CODE[DERIVATIVE_SLIP]
    if diagnosis in op_misvalues:
        return BY_CODE[VALUE_SLIP]
    return BY_CODE[OTHER_SLIP]


def find_code(text: str) -> LintCode | None:
    """The warning a lesson's allow-list names, by its code (``W103``) or its name (``symmetric-operand``)."""
    return BY_CODE.get(text) or BY_NAME.get(text)


def suggest_code(text: str) -> str:
    """``; did you mean 'W103' (symmetric-operand)?`` for a near miss, else where the codes are listed."""
    options = [*BY_CODE, *BY_NAME]
    close = difflib.get_close_matches(text.strip().upper(), list(BY_CODE), n=1, cutoff=0.7)
    close = close or difflib.get_close_matches(text.strip().lower(), options, n=1, cutoff=0.6)
    if close:
        c = BY_CODE.get(close[0]) or BY_NAME[close[0]]
        return f"; did you mean {c.code} ({c.name})?"
    return "; the codes are listed in docs/authoring.md (Warning codes)"
