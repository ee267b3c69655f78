"""Hints and explanations for a drill's steps, written from the op table.

A local derivative's hint names the rule of every op between the node and the input (``Op.local``: "the local
derivative of a·b with respect to a is b"), then gives the formula; a delta's hint names the nodes the value feeds
(a fan-out adds its paths) and, for a node that mixes entries, the op's rule for its Jacobian. Explanations show the
numbers as live numbers (``{{ }}``), so a variant of the drill shows its own. No Textual and no torch here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.engine import op_of
from tutor.engine.ops import Op
from tutor.lang import ParseError, names_in, parse
from tutor.lang.pretty import to_text
from tutor.lang.syntax import Expr, Name, Num

SUPERSCRIPTS = str.maketrans({"²": "^2", "³": "^3"})
WORD = re.compile(r"[A-Za-z_]\w*")
POWER = re.compile(r"\^\((\d)−1\)")  # the power rule's exponent, b − 1, when b is a small whole number


@dataclass(frozen=True)
class Note:
    """What a drill step shows besides its question: hints, revealed one at a time, and the explanation."""

    hints: tuple[str, ...]
    explain: str


@dataclass(frozen=True)
class Factor:
    """One op on the way from a line's node down to an input: the rule it follows and its factor there."""

    rule: str  # "the local derivative of a·b with respect to a is b"
    shown: str  # the factor in maths, at this line's operands: "x"
    typed: str | None  # the factor as an expression of the answer language (None: the op table's text is prose)


def _live(expr: str) -> str:
    """A live number: the engine's value of ``expr``, shown in the drill's prose."""
    return "{{ " + expr + " }}"


def _shown(e: Expr) -> str:
    """An operand in maths, bracketed unless it is a name or a number."""
    text = to_text(e)
    return text if isinstance(e, Name | Num) else f"({text})"


def _typed(e: Expr) -> str:
    """An operand as typed, bracketed unless it is a name or a number."""
    text = to_text(e, math=False)
    return text if isinstance(e, Name | Num) else f"({text})"


def _tidy(text: str) -> str:
    """A power rule's factor with a whole exponent worked out: ``2·(a − t)^(2−1)`` is ``2·(a − t)``."""
    text = POWER.sub(lambda m: "" if int(m[1]) == 2 else f"^{int(m[1]) - 1}", text)
    return text


def _parses(text: str, known: set[str]) -> str | None:
    """``text`` as an expression of the answer language (superscripts written as powers) that uses only ``known``
    names, or None (the op table's text is prose, or names a size such as N)."""
    typed = text.translate(SUPERSCRIPTS)
    try:
        used = names_in(parse(typed))
    except ParseError:
        return None
    return typed if set(used) <= known else None


def _placeholders(op: Op, local: str) -> str:
    """An op table's local text with its operands as ``{0}``, ``{1}`` (a text in ``params``' names: ``2(p − t)/N``)."""
    if "{" in local or not op.params:
        return local
    return WORD.sub(lambda m: f"{{{op.params.index(m[0])}}}" if m[0] in op.params else m[0], local)


def _is_prose(local: str) -> bool:
    """Whether the op table's local text is a sentence rather than a formula: ``(Jacobian: ...)``."""
    return local.startswith(("(Jacobian", "(the "))


def rule_of(op: Op, operand: int) -> str:
    """The op table's local derivative of an op with respect to one operand, said in words."""
    names = op.names
    local = op.local[operand].format(*names, out="y")
    return (
        f"the local derivative of {to_text(parse(op.spell(list(names))))} with respect to {names[operand]} is {local}"
    )


def factors(expr: Expr, wrt: str, node: str | None = None) -> list[Factor] | None:
    """The ops from the top of ``expr`` down to the name ``wrt``, each with its factor; None when ``wrt`` stands in
    several operands of one op or an op's local is a Jacobian (no one-line product of locals)."""
    app = op_of(expr)
    if app is None:
        return [] if isinstance(expr, Name) and expr.id == wrt else None
    hits = [i for i, a in enumerate(app.operands) if wrt in names_in(a)]
    if len(hits) != 1 or _is_prose(app.op.local[hits[0]]):
        return None
    text = _placeholders(app.op, app.op.local[hits[0]])
    known = {*names_in(expr), *([node] if node else [])}
    if node is not None and app.op.local_out:  # through the output, as the lessons teach it: a(1 − a)
        shown = app.op.local_out.format(out=node)
        typed = _parses(shown, known)
    else:
        shown = _tidy(text.format(*(_shown(a) for a in app.operands), out=node or "y"))
        typed = _parses(_tidy(text.format(*(_typed(a) for a in app.operands), out=node or "y")), known)
    below = factors(app.operands[hits[0]], wrt)
    return None if below is None else [Factor(rule_of(app.op, hits[0]), shown, typed), *below]


def _product(parts: list[str], alone: bool = True) -> str:
    """A product of factors, leaving out the 1s (a single 1 stays); bracketed where a sum would mislead, always
    when it is not ``alone`` (a delta's factor after ``dnode ·``)."""
    kept = [p for p in parts if p != "1"]
    if len(kept) > 1 or alone is False:
        kept = [f"({p})" if _a_sum(p) or " if " in p else p for p in kept]
    return " · ".join(kept) if kept else "1"


def _a_sum(text: str) -> bool:
    """Whether a factor needs brackets in a product: a sum or difference outside any bracket, or a leading minus."""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and ch in "+−" and (i == 0 or text[i - 1] == " "):
            return True
    return False


def value_note(node: str, expr: Expr) -> Note:
    """A forward value: the line with its operands' numbers, and the result."""
    operands = list(dict.fromkeys(names_in(expr)))
    given = ", ".join(f"{n} = {_live(n)}" for n in operands)
    hint = f"{node} = {to_text(expr)}, with {given}." if operands else f"{node} = {to_text(expr)}."
    return Note((hint,), f"`{node} = {to_text(expr)} = {_live(node)}`")


def local_note(node: str, expr: Expr, wrt: str) -> Note:
    """A local derivative: the rule of each op on the way to the input, the formula, its number."""
    found = factors(expr, wrt, node)
    line = f"{node} = {to_text(expr)}"
    if not found:
        hint = f"{line}: hold every other input fixed and see how {node} moves when {wrt} moves."
        at = ", ".join(f"{n} = {_live(n)}" for n in dict.fromkeys(names_in(expr)))
        return Note((hint,), f"`∂{node}/∂{wrt}` is taken at the forward values, {at}.")
    rules = "; ".join(dict.fromkeys(f.rule for f in found))
    first = f"{line}: hold every other input fixed. By the op table, {rules}."
    formula = _product([f.shown for f in found])
    typed = [f.typed for f in found if f.shown != "1"]
    if None in typed:  # a local the op table says in words (ReLU's): the values it is taken at
        number = ", at " + ", ".join(f"{n} = {_live(n)}" for n in dict.fromkeys(names_in(expr)))
    elif any(names_in(parse(t)) for t in typed if t is not None):
        number = f" = {_live(' * '.join(f'({t})' for t in typed))}"
    else:
        number = ""  # a constant local (1, −1) is its own number
    hints = (first, f"∂{node}/∂{wrt} = {formula}")
    return Note(hints, f"`∂{node}/∂{wrt} = {formula}{number}`: the chain of the line's local rules.")


def delta_note(name: str, users: list[tuple[str, Expr]], summed: frozenset[str] = frozenset()) -> Note:
    """A delta: the nodes the value feeds (a fan-out adds its paths), each one's rule, and the numbers; a value in
    ``summed`` is broadcast over rows of its nodes (a bias), so its delta sums theirs over the rows."""
    terms, rules, numbers = [], [], []
    for node, expr in users:
        found = factors(expr, name, node)
        if found is not None and name in summed:
            local = _product([f.shown for f in found])
            rules.append(f"{name} was added to every row of {node}, so its delta sums d{node}'s rows (axis 0).")
            terms.append(f"sum(d{node}{'' if local == '1' else ' · ' + local}, 0)")
            continue
        if found is None:
            rule, rhs = _jacobian_rule(node, expr, name)
            rules.append(rule)
            terms.append(rhs or f"d{node} through {node} = {to_text(expr)}")
            continue
        local = _product([f.shown for f in found], alone=False)
        terms.append(f"d{node} · {local}" if local != "1" else f"d{node}")
        typed = [f.typed for f in found if f.shown != "1"]
        if None not in typed:
            numbers.append(" · ".join([_live("d" + node), *(_live(t) for t in typed if t is not None)]))
    feeds = " and ".join(n for n, _ in users)
    if len(users) > 1:
        first = f"{name} feeds {feeds}: its delta adds what comes back along each path (the fan-out rule)."
    else:
        first = f"{name} feeds {feeds} only: its delta is d{feeds} times the local derivative ∂{feeds}/∂{name}."
    hints = [first + (" " + " ".join(rules) if rules else "")]
    hints.append(f"d{name} = " + " + ".join(terms))
    worked = " + ".join(numbers) + " = " if len(numbers) == len(users) else ""
    return Note(tuple(hints), f"`d{name} = {' + '.join(terms)} = {worked}{_live('d' + name)}`")


def _jacobian_rule(node: str, expr: Expr, name: str) -> tuple[str, str | None]:
    """The op table's rule for a line whose local is a Jacobian (a matrix product), in words, and the delta it
    gives in the lesson's names (``Xᵀ @ dZ``); a generic sentence and None for a line with no such rule."""
    app = op_of(expr)
    while app is not None:
        hits = [i for i, a in enumerate(app.operands) if name in names_in(a)]
        if len(hits) != 1:
            break
        text = app.op.local[hits[0]]
        if text.startswith("(Jacobian:") and "=" in text:
            spelled = text[len("(Jacobian:") : -1].strip().format(*(_shown(a) for a in app.operands), out=node)
            rhs = spelled.split("=", 1)[1].strip().replace(f"∂L/∂{node}", f"d{node}")
            return f"For {node} = {to_text(expr)}: {spelled}.", rhs
        app = op_of(app.operands[hits[0]])
    return (
        f"Differentiate {node} = {to_text(expr)} with respect to {name}, entry by entry, and multiply by d{node}.",
        None,
    )
