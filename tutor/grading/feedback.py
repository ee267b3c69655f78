"""Feedback in stages: the part of a mistake's message that gives the answer away is held back at first.

The author's ``mistakes:`` messages are prose, and some end with the answer itself ("dS should not be
transposed: dX = W.T @ dS, with dS = C as it is."). The message is cut into clauses (at sentence ends and
at ``:``, ``;`` and ``,`` outside brackets); a clause *gives the answer away* when a formula in it (text
between backquotes, the part after an ``=``, or the clause's end from one of its words on) is read by the
answer language and equals the step's answer at the lesson's values and at the random points (a plain
number: at the lesson's values). The message is cut before the first such clause: the diagnosis comes
first, the rest is the formula, shown from the next wrong try on. Nothing is evaluated but the language's
own trees (parse, the allow-list, the engine), and only for a message the learner's answer matched, once.
"""

from __future__ import annotations

import re

import numpy as np

from tutor.course.model import Step
from tutor.engine import EvalError
from tutor.grading.compare import all_close, fit_shape
from tutor.grading.formula import FormulaError, check_tree, evaluate, own_name
from tutor.grading.points import Point, other_points
from tutor.lang import ParseError, names_in, parse
from tutor.lang.syntax import Expr

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_BACKQUOTED = re.compile(r"`([^`]+)`")
MAX_MESSAGE = 2000  # longer messages are not cut (the language reads at most this much anyway)
MAX_WORDS = 12  # the ends of a clause tried as formulas: its last 12 words at most


def split_formula(point: Point, step: Step, message: str) -> tuple[str, str]:
    """``(diagnosis, formula)``: the message up to the clause that states the answer, and the rest ("" if none)."""
    key = f"split:{step.id}:{message}"
    hit = point.cache.get(key)
    if hit is None:
        hit = _split(point, step, message)
        point.cache[key] = hit
    return hit  # type: ignore[return-value]


def _split(point: Point, step: Step, message: str) -> tuple[str, str]:
    if len(message) > MAX_MESSAGE:
        return message, ""
    for start, clause in clauses(message):
        if any(_is_the_answer(point, step, f) for f in fragments(clause)):
            if start == 0:
                return "That is a slip this step's author foresaw; the next try says how to fix it.", message
            head = message[:start].rstrip(" ,:;—")
            end = "" if head.endswith((".", "!", "?")) else "."
            return head + end, message[start:].strip()
    return message, ""


def clauses(text: str) -> list[tuple[int, str]]:
    """The clauses of a message with where each starts: split after ``. ! ? : ;`` and ``,`` outside brackets."""
    out: list[tuple[int, str]] = []
    depth = 0
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in ".!?:;," and (i + 1 == len(text) or text[i + 1] == " "):
            if ch != "." or _SENTENCE_END.match(text, i):
                out.append((start, text[start : i + 1]))
                start = i + 1
                while start < len(text) and text[start] == " ":
                    start += 1
                i = start
                continue
        i += 1
    if start < len(text):
        out.append((start, text[start:]))
    return out


def fragments(clause: str) -> list[str]:
    """The pieces of a clause that may be a formula: what is backquoted, what follows its ``=``, and the clause and
    each of its ends from a word on ("so each sample's delta is (A2 − T)/4" ends in "(A2 − T)/4")."""
    body = clause.strip().rstrip(".,:;!?").strip()
    found = [q.strip() for q in _BACKQUOTED.findall(body)]
    body = body.replace("`", "")
    if "=" in body:
        found.append(body.rsplit("=", 1)[1].strip())
    words = body.split(" ")
    found += [" ".join(words[i:]) for i in range(max(0, len(words) - MAX_WORDS), len(words))]
    return [f for f in found if f]


def _is_the_answer(point: Point, step: Step, text: str) -> bool:
    """Whether ``text`` is read as a formula (or number) equal to the step's answer."""
    try:
        tree = parse(text)
        check_tree(tree, point.names)
    except (ParseError, FormulaError):
        return False
    if names_in(tree) == [text] and text == own_name(step, point.names):
        return False  # the step's own name, as in "dX = ...": the answer is what follows
    if not _equals_answer(tree, point, step):
        return False
    if not names_in(tree):
        return True
    return all(_equals_answer(tree, p, step) for p in other_points(point.solution.lesson))


def _equals_answer(tree: Expr, point: Point, step: Step) -> bool:
    """Whether the formula's value at a point is the step's answer there."""
    try:
        value = evaluate(tree, point.env)
    except EvalError:
        return False
    expected = point.solution.answer(step)
    fitted = fit_shape(value, expected.shape)
    if fitted is None or not np.all(np.isfinite(fitted)):
        return False
    return all_close(fitted, expected, point.solution.lesson.tolerance_for(step))
