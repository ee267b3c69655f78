"""Grading answers that are words PyTorch prints: ``None``, ``True``, ``False`` and a ``grad_fn``'s name.

An ``autograd`` step (:mod:`tutor.engine.autograd`) asks what PyTorch holds in a tensor after some calls; the
engine's answer is a :class:`~tutor.engine.autograd.Fact` or, for a ``.grad`` that holds numbers, an array.
:func:`grade_words` reads a typed word (``none`` and ``True`` in any case; a name as PyTorch prints it,
``<MulBackward0 object at 0x7f…>``, ``<MulBackward0>`` or ``MulBackward0``) and grades it, with feedback that
names why PyTorch answers as it does; numbers typed for a .grad that holds numbers are left to the numeric
grader. Nothing typed is evaluated: a word is matched by regular expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tutor.course.model import Step
from tutor.course.solution import Solution
from tutor.engine import EvalError, fmt_shape, op_of
from tutor.engine.autograd import Fact, backward_name
from tutor.grading.verdict import Verdict
from tutor.lang import ParseError, parse
from tutor.lang.questions import parse_question
from tutor.lang.syntax import walk

_NAME = re.compile(r"\A<?\s*([A-Za-z][A-Za-z0-9]*Backward)(\d*)(?:\s+object\s+at\s+0x[0-9a-fA-F]+)?\s*>?\Z")
_WORDS = {"none": None, "true": True, "false": False}
#: the node that adds into a leaf's .grad: a word learners type for a leaf's grad_fn
ACCUMULATE = "AccumulateGrad"
_ACCUMULATE = re.compile(
    r"\A<?\s*(?:torch\.autograd\.graph\.)?AccumulateGrad(?:\s+object\s+at\s+0x[0-9a-fA-F]+)?\s*>?\Z"
)


@dataclass(frozen=True)
class Word:
    """A typed word: None, True or False, or a backward node's name (its stem ``MulBackward`` and number)."""

    value: bool | str | None
    number: str = ""

    @property
    def text(self) -> str:
        """The word as PyTorch prints it."""
        return "None" if self.value is None else f"{self.value}{self.number}"


def read_word(text: str) -> Word | None:
    """The word typed, or None when the text is not one of PyTorch's words (numbers, a formula)."""
    t = text.strip()
    if t.lower() in _WORDS:
        return Word(_WORDS[t.lower()])
    m = _NAME.match(t)
    if m:
        return Word(m.group(1), m.group(2))
    return Word(ACCUMULATE) if _ACCUMULATE.match(t) else None


def grade_words(solution: Solution, step: Step, text: str) -> Verdict | None:
    """Grade a word typed for an autograd step; None when the numeric grader should read the answer instead
    (numbers or a formula where PyTorch holds numbers)."""
    expected = solution.answer(step)
    word = read_word(text)
    question = parse_question(f"{step.node}.{step.wrt}")
    if not isinstance(expected, Fact):
        if word is None:
            return None
        shape = fmt_shape(np.shape(expected))
        return _wrong(f"{_holds_numbers(solution, step)}: type them (shape {shape}).", word, "autograd-has-grad")
    if word is None:
        try:
            parse(text)
        except ParseError as e:
            return Verdict("unreadable", f"Could not read that: {e.message}; type None, True, False or a name.", "")
        return _not_a_word(step.node, question.attribute, expected)
    if _same(word, expected):
        note = "" if word.text == expected.text else f" PyTorch prints it as {expected.text}."
        return Verdict("correct", "Correct." + note, word.text)
    return _diagnose(solution, step, question.attribute, expected, word)


def _same(word: Word, expected: Fact) -> bool:
    """Whether the word is PyTorch's answer (a backward node's name may leave out its number)."""
    if isinstance(expected.value, str) and isinstance(word.value, str):
        stem = expected.value.rstrip("0123456789")
        return word.value == stem and word.number in ("", expected.value[len(stem) :])
    return word.value is expected.value or (word.value == expected.value and type(word.value) is type(expected.value))


def _wrong(message: str, word: Word | None, diagnosis: str) -> Verdict:
    """A wrong answer, with its diagnosis."""
    return Verdict("wrong", message, word.text if word else "", None, diagnosis)


def _not_a_word(name: str, attribute: str, expected: Fact) -> Verdict:
    """Numbers (or anything else) where PyTorch prints a word."""
    forms = {
        "grad": "None or numbers",
        "is_leaf": "True or False",
        "requires_grad": "True or False",
        "grad_fn": "a name such as MulBackward0, or None",
    }
    if attribute == "grad":
        why = _why_none(name, expected)
        return _wrong(f"PyTorch prints None here, not numbers: {why}", None, f"autograd-{expected.why}")
    return Verdict("unreadable", f"Could not read that: {attribute} is {forms[attribute]}.", "")


def _diagnose(solution: Solution, step: Step, attribute: str, expected: Fact, word: Word) -> Verdict:
    """Why PyTorch answers otherwise than the word typed."""
    name = step.node
    if attribute == "grad":
        if word.value is None:  # cannot happen: None is the answer whenever a .grad Fact is expected
            return Verdict("correct", "Correct.", "None")
        return _wrong(f".grad is None or a tensor; here {_why_none(name, expected)}", word, f"autograd-{expected.why}")
    if attribute in ("is_leaf", "requires_grad"):
        if not isinstance(word.value, bool):
            return Verdict("unreadable", f"Could not read that: {name}.{attribute} is True or False.", word.text)
        return _wrong(_flag_reason(solution, attribute, name, expected), word, f"autograd-{attribute}")
    return _grad_fn_feedback(solution, step, expected, word)


def _why_none(name: str, expected: Fact) -> str:
    """Why a .grad is None, said so that it points at the rule."""
    return {
        "non-leaf": f"{name} is not a leaf (it has a grad_fn): PyTorch keeps .grad for leaves, and for a node only "
        f"after {name}.retain_grad() came before backward().",
        "no-backward": "no backward() has run yet: what does .grad hold before the first one?",
        "no-grad": f"{name} does not require grad, so autograd keeps no gradient for it.",
        "set-none": f"{name}.grad = None came after the last backward() that reached {name}.",
        "unreached": f"none of the backward() calls reaches {name}: no gradient path leads back from those nodes to "
        f"it, so PyTorch leaves its .grad as it was.",
        "retained-late": f"{name}.retain_grad() came after the backward(): it keeps the gradients of later calls only.",
    }.get(expected.why, f"PyTorch holds no gradient for {name}.")


def _holds_numbers(solution: Solution, step: Step) -> str:
    """Why a .grad holds numbers."""
    name = step.node
    if name in solution.lesson.program.nodes:
        return f"{name}.grad holds numbers here: {name}.retain_grad() came before a backward() that reached it"
    return f"{name}.grad holds numbers here: {name} is a leaf that requires grad, and a backward() reached it"


def _flag_reason(solution: Solution, attribute: str, name: str, expected: Fact) -> str:
    """Why a tensor is (not) a leaf, or does (not) require grad, pointing at how it was made."""
    program = solution.lesson.program
    made = {
        "input": f"{name} is an input: you created it, with requires_grad=True; no op made it.",
        "constant": f"{name} is a constant: you created it, without requires_grad; no op made it.",
        "node": f"{name} is computed from a tensor that requires grad along a gradient path: requires_grad spreads "
        "to results, and autograd records the op that made it (its grad_fn).",
        "no-grad": f"{name} is computed, but only from tensors that require no grad (or through detach(), which cuts "
        "the path): autograd records nothing for it.",
    }[expected.why]
    if attribute == "is_leaf":
        rule = "A leaf is a tensor autograd did not record an op for: one you created, or one that requires no grad."
    else:
        rule = "A tensor requires grad when created so, or when computed from one that does."
    if expected.why in ("node", "no-grad"):
        made += f" ({program.assignment(name).text})"
    return f"{made} {rule}"


def _grad_fn_feedback(solution: Solution, step: Step, expected: Fact, word: Word) -> Verdict:
    """A grad_fn answered wrongly: a leaf given a name, a node given None, another op, another variant."""
    name = step.node
    program = solution.lesson.program
    if expected.value is None and word.value == ACCUMULATE:
        return _wrong(
            f"{name} is a leaf, so {name}.grad_fn is None. AccumulateGrad is the node that adds into {name}.grad: "
            f"backward() reaches it through the next_functions of the grad_fn of each line that uses {name}.",
            word,
            "autograd-accumulate-grad",
        )
    if expected.value is None:
        why = "you created it" if expected.why in ("input", "constant") else "it requires no grad"
        return _wrong(f"{name} is a leaf ({why}): autograd recorded no op for it.", word, "autograd-leaf-grad-fn")
    line = program.assignment(name).text
    if word.value is None or isinstance(word.value, bool):
        return _wrong(
            f"{name} is computed from a tensor that requires grad, so autograd recorded the op that made it: which op "
            f"does {line} apply last?",
            word,
            "autograd-node-grad-fn",
        )
    assert isinstance(expected.value, str) and isinstance(word.value, str)
    inner = _inner_ops(solution, name)
    if _stem(word.value) in inner and _stem(word.value) != _stem(expected.value):
        return _wrong(
            f"That is the backward of {inner[_stem(word.value)]}, an op inside {line}: {name}.grad_fn is the backward "
            "of the op the line applies last (its grad_fn's next_functions lead to the inner ones).",
            word,
            "autograd-inner-op",
        )
    if _stem(word.value) == _stem(expected.value):
        return _wrong(
            f"The right op, but PyTorch records another variant of it here (the number, or an R for a Python number on "
            f"the left, as in 1 - x, which is x.__rsub__(1)): look at how {line} is written.",
            word,
            "autograd-variant",
        )
    return _wrong(
        f"That is not the op that made {name}: grad_fn is the backward of the op its line applies last, the "
        f"outermost one in {line}.",
        word,
        "autograd-other-op",
    )


def _inner_ops(solution: Solution, name: str) -> dict[str, str]:
    """The ops applied inside a node's line, by the stem of their backward node's name: {"dot": "dot"}."""
    values = solution.trace.values
    shapes = {n: np.shape(v) for n, v in values.items()}
    found: dict[str, str] = {}
    for e in walk(solution.lesson.program.assignment(name).expr):
        app = op_of(e)
        if app is None or len(app.op.stops) == app.op.operands:
            continue
        try:
            found.setdefault(_stem(backward_name(e, shapes)), app.op.name)
        except EvalError:
            continue
    return found


def _stem(name: str) -> str:
    """``RsubBackward1`` → ``sub``: the op a backward node's name is about."""
    if "Backward" not in name:  # AccumulateGrad
        return name.lower()
    op = name[: name.index("Backward")].lower()
    return op[1:] if op.startswith("r") and op[1:] in ("sub", "div", "pow") else op


__all__ = ["Word", "grade_words", "read_word"]
