"""Tokenize and parse the expression language by hand: nothing is ever eval-ed.

Grammar, loosest binding first::

    expr      := term (('+' | '-') term)*
    term      := unary (('*' | '/' | '@') unary | <implicit *> power)*
    unary     := ('-' | '+') unary | power
    power     := postfix ('**' unary)?          # right-associative; -x**2 is -(x**2)
    postfix   := atom ('.T')*
    atom      := NUMBER | NAME | FUNC '(' args ')' | '(' expr ')' | '[' expr (',' expr)* ']'

Friendly spellings are folded in the tokenizer: ``^`` is ``**``; ``×``, ``·``, ``⋅``, ``⊙`` are
``*``; ``−`` is ``-``; ``ᵀ`` is ``.T``; ``σ`` is ``sigmoid``. A number or ``)`` directly followed by a
name or ``(`` multiplies (``2x``, ``2(y-t)``, ``(a)(b)``), as does a name that is not a function
followed by ``(`` (``q(1-q)``). The functions, their arities and the friendly spellings are the op
table's (:mod:`tutor.engine.ops`), handed down through :mod:`tutor.lang.vocabulary`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary
from tutor.lang.vocabulary import Functions, vocabulary

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_TREE_DEPTH = 200  # a long chain such as x+x+...+x is a deep tree; printing and evaluating it recurse

#: The functions of the language and how many arguments each takes, (least, most): a live view of the op
#: table's words (tutor.engine.ops installs them, see tutor.lang.vocabulary).
FUNCTIONS: Mapping[str, tuple[int, int]] = Functions()

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|\.T(?![A-Za-z0-9_])|[-+*/@(),\[\]])
    """,
    re.VERBOSE,
)


class ParseError(ValueError):
    """Text that is not an expression of the language; ``pos`` is the 0-based column."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass(frozen=True)
class Token:
    """One token: its kind (``num``, ``name``, ``op``, ``end``), its text and its column."""

    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """Split text into tokens, folding the friendly spellings; raise ParseError on anything else."""
    if len(text) > MAX_LENGTH:
        raise ParseError(f"too long: {len(text)} characters (at most {MAX_LENGTH})", MAX_LENGTH)
    words = vocabulary()
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in words.folds:
            folded = words.folds[ch]
            kind = "name" if folded in words.functions else "op"
            tokens.append(Token(kind, folded, i))
            i += 1
            continue
        m = _TOKEN.match(text, i)
        if m is None:
            shown = ch if ch.isprintable() else repr(ch)
            hint = ""
            if ch in "'\"":
                hint = " (the language has no strings)"
            elif ch == "=":
                hint = " (type only the right-hand side)"
            raise ParseError(f"unexpected character {shown!r}{hint}", i)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group(), i))
        i = m.end()
    tokens.append(Token("end", "", n))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token], functions: Mapping[str, tuple[int, int]]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.functions = functions

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at(self, text: str) -> bool:
        t = self.tok
        return t.kind == "op" and t.text == text

    def expect(self, text: str, what: str) -> Token:
        if not self.at(text):
            raise ParseError(f"expected {text!r} {what}, found {_describe(self.tok)}", self.tok.pos)
        return self.take()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"nested too deeply (more than {MAX_DEPTH} levels)", self.tok.pos)

    def expr(self) -> Expr:
        self.enter()
        left = self.term()
        while self.at("+") or self.at("-"):
            op = self.take()
            left = Binary(op.text, left, self.term(), op.pos)
        self.depth -= 1
        return left

    def _starts_implicit(self, left: Expr) -> bool:
        t = self.tok
        if t.kind == "name" or (t.kind == "op" and t.text == "("):
            return True
        return False

    def term(self) -> Expr:
        left = self.unary()
        while True:
            if self.at("*") or self.at("/") or self.at("@"):
                op = self.take()
                left = Binary(op.text, left, self.unary(), op.pos)
            elif self._starts_implicit(left):
                left = Binary("*", left, self.power(), self.tok.pos)
            else:
                return left

    def unary(self) -> Expr:
        if self.at("-") or self.at("+"):
            op = self.take()
            self.enter()
            operand = self.unary()
            self.depth -= 1
            if op.text == "+":
                return operand
            if isinstance(operand, Num):
                return Num(-operand.value, op.pos)
            return Unary("-", operand, op.pos)
        return self.power()

    def power(self) -> Expr:
        base = self.postfix()
        if self.at("**"):
            op = self.take()
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            return Binary("**", base, exponent, op.pos)
        return base

    def postfix(self) -> Expr:
        e = self.atom()
        while self.at(".T"):
            t = self.take()
            e = Transpose(e, t.pos)
        return e

    def atom(self) -> Expr:
        t = self.tok
        if t.kind == "num":
            self.take()
            value = float(t.text)
            if not math.isfinite(value):
                raise ParseError(f"the number {_short(t.text)} is too large: numbers go up to about 1.8e308", t.pos)
            return Num(value, t.pos)
        if t.kind == "name":
            self.take()
            if t.text in self.functions and self.at("("):
                return self.call(t)
            if t.text in self.functions:
                raise ParseError(f"{t.text} is a function: write {t.text}(...)", t.pos)
            return Name(t.text, t.pos)
        if self.at("("):
            self.take()
            if self.at(")"):
                raise ParseError("empty parentheses", self.tok.pos)
            e = self.expr()
            self.expect(")", "to close the '('")
            return e
        if self.at("["):
            return self.literal()
        if t.kind == "end":
            raise ParseError("unexpected end: an operand is missing", t.pos)
        raise ParseError(f"unexpected {_describe(t)}", t.pos)

    def call(self, name: Token) -> Expr:
        self.take()  # (
        self.enter()
        args: list[Expr] = []
        if not self.at(")"):
            args.append(self.expr())
            while self.at(","):
                self.take()
                args.append(self.expr())
        self.expect(")", f"to close {name.text}(")
        self.depth -= 1
        lo, hi = self.functions[name.text]
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} or {hi}"
            raise ParseError(
                f"{name.text}() takes {want} argument{'s' if hi > 1 else ''}, got {len(args)}",
                name.pos,
            )
        return Call(name.text, tuple(args), name.pos)

    def literal(self) -> Expr:
        start = self.take()  # [
        self.enter()
        items = [self.expr()]
        while self.at(","):
            self.take()
            if self.at("]"):
                break
            items.append(self.expr())
        self.expect("]", "to close the '['")
        self.depth -= 1
        return Literal(tuple(items), start.pos)


def _short(text: str) -> str:
    """A long token cut to a readable length."""
    return text if len(text) <= 24 else f"{text[:20]}…"


def _describe(t: Token) -> str:
    if t.kind == "end":
        return "the end of the input"
    if t.kind == "num":
        return f"number {t.text}"
    if t.kind == "name":
        return f"name {t.text!r}"
    return f"{t.text!r}"


def parse(text: str, functions: Mapping[str, tuple[int, int]] | None = None) -> Expr:
    """Parse one expression; raise ParseError with a column on anything the language lacks."""
    if not text.strip():
        raise ParseError("empty expression", 0)
    p = _Parser(tokenize(text), vocabulary().functions if functions is None else functions)
    e = p.expr()
    if p.tok.kind != "end":
        t = p.tok
        if t.kind == "num":
            raise ParseError(f"unexpected {_describe(t)}: an operator is missing before it", t.pos)
        raise ParseError(f"unexpected {_describe(t)}", t.pos)
    _check_tree_depth(e)
    return e


def _check_tree_depth(root: Expr) -> None:
    """Refuse trees deeper than MAX_TREE_DEPTH (walked without recursion), so that no later walk overflows."""
    stack: list[tuple[Expr, int]] = [(root, 1)]
    while stack:
        e, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise ParseError(f"too many operations chained (more than {MAX_TREE_DEPTH} levels)", e.pos)
        if isinstance(e, Unary | Transpose):
            stack.append((e.operand, depth + 1))
        elif isinstance(e, Binary):
            stack += [(e.left, depth + 1), (e.right, depth + 1)]
        elif isinstance(e, Call | Literal):
            stack += [(a, depth + 1) for a in (e.args if isinstance(e, Call) else e.items)]


_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)$", re.S)


def parse_assignment(text: str) -> tuple[str, Expr, int]:
    """Parse ``name = expr``; return the name, the tree and the column where the expression starts."""
    m = _ASSIGN.match(text)
    if m is None:
        raise ParseError("expected 'name = expression'", 0)
    name = m.group(1)
    if name in FUNCTIONS:
        raise ParseError(f"{name!r} is a function of the language and cannot name a node", 0)
    offset = m.start(2)
    try:
        return name, parse(m.group(2)), offset
    except ParseError as e:
        raise ParseError(e.message, e.pos + offset) from None
