"""The questions of ``autograd`` steps, as a lesson writes them in PyTorch's own lines: ``x.grad after
y.backward(); s.backward()``, read by regular expressions (never run, never evaluated).

A question names a tensor and one of its attributes (``grad``, ``is_leaf``, ``requires_grad``, ``grad_fn``) and,
after ``after``, the calls made before it is read, separated by ``;``: ``NODE.backward()``,
``NODE.backward(v)``, ``NAME.retain_grad()``, ``NAME.grad.zero_()`` and ``NAME.grad = None``. The engine
answers it (:mod:`tutor.engine.autograd`). Imports nothing but the standard library: the lesson list reads step
ids through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the attributes a question may read, as PyTorch spells them
ATTRIBUTES = ("grad", "is_leaf", "requires_grad", "grad_fn")
#: at most this many calls before a question (each backward() is one run of the graph)
MAX_CALLS = 16

_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,31}"
_CALL = (
    rf"{_NAME}\s*\.\s*(?:backward\s*\(\s*(?:{_NAME}\s*)?\)|retain_grad\s*\(\s*\)|grad\s*\.\s*zero_\s*\(\s*\)"
    r"|grad\s*=\s*None)"
)
#: a question as a lesson writes it (also the JSON Schema's pattern: plain ECMAScript syntax)
QUESTION_PATTERN = (
    rf"^\s*{_NAME}\s*\.\s*(?:grad_fn|grad|is_leaf|requires_grad)(?:\s+after\s+{_CALL}(?:\s*;\s*{_CALL})*\s*;?)?\s*$"
)
_QUESTION_RE = re.compile(QUESTION_PATTERN)
_HEAD_RE = re.compile(rf"\s*({_NAME})\s*\.\s*(grad_fn|grad|is_leaf|requires_grad)\s*(?:after\s+(.*))?$", re.S)
_CALL_RE = re.compile(
    rf"\s*({_NAME})\s*\.\s*(?:(backward)\s*\(\s*({_NAME})?\s*\)|(retain_grad)\s*\(\s*\)|grad\s*\.\s*(zero_)\s*\(\s*\)"
    r"|grad\s*=\s*(None))\s*"
)
EXAMPLE = "x.grad after L.backward()"


class QuestionError(ValueError):
    """A question that is not written as the format says; the message says how to write it."""


@dataclass(frozen=True)
class Call:
    """One call of a scenario: ``backward`` (with an optional gradient), ``retain_grad``, ``zero_`` or ``none``."""

    verb: str
    name: str
    seed: str | None = None

    @property
    def code(self) -> str:
        """The call as PyTorch writes it: ``y.backward()``, ``x.grad.zero_()``, ``x.grad = None``."""
        return {
            "backward": f"{self.name}.backward({self.seed or ''})",
            "retain_grad": f"{self.name}.retain_grad()",
            "zero_": f"{self.name}.grad.zero_()",
            "none": f"{self.name}.grad = None",
        }[self.verb]


@dataclass(frozen=True)
class Question:
    """What a learner is asked about PyTorch: one tensor's attribute after some calls."""

    name: str
    attribute: str
    calls: tuple[Call, ...] = ()

    @property
    def code(self) -> str:
        """The attribute read, ``x.grad``."""
        return f"{self.name}.{self.attribute}"

    @property
    def detail(self) -> str:
        """The question without its tensor's name, in one canonical spelling: ``grad after y.backward()``."""
        after = f" after {'; '.join(c.code for c in self.calls)}" if self.calls else ""
        return self.attribute + after

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the question uses, in order."""
        used = [self.name]
        for c in self.calls:
            used += [c.name, *([c.seed] if c.seed else [])]
        return tuple(dict.fromkeys(used))


def parse_question(text: str) -> Question:
    """``x.grad after y.backward(); s.backward()`` read; QuestionError saying how to write it otherwise."""
    if len(text) > 2000 or not _QUESTION_RE.match(text):
        raise QuestionError(
            f"write the tensor, the attribute ({', '.join(ATTRIBUTES)}) and, after 'after', the calls before it, "
            "separated by ';': e.g. 'x.grad after L.backward(); L.backward()' (calls: NODE.backward(), "
            "NODE.backward(v), NAME.retain_grad(), NAME.grad.zero_(), NAME.grad = None)"
        )
    head = _HEAD_RE.match(text)
    assert head is not None  # the pattern above matched
    calls: list[Call] = []
    for part in (head.group(3) or "").split(";"):
        if not part.strip():
            continue
        m = _CALL_RE.fullmatch(part)
        assert m is not None
        name, verb = m.group(1), m.group(2) or m.group(4) or m.group(5) or "none"
        calls.append(Call(verb, name, m.group(3)))
    if len(calls) > MAX_CALLS:
        raise QuestionError(f"{len(calls)} calls before the question, more than the {MAX_CALLS} a question may make")
    return Question(head.group(1), head.group(2), tuple(calls))


__all__ = [
    "ATTRIBUTES",
    "EXAMPLE",
    "MAX_CALLS",
    "QUESTION_PATTERN",
    "Call",
    "Question",
    "QuestionError",
    "parse_question",
]
