"""Tokenize and parse the expression language by hand: nothing is ever eval-ed.

Grammar, loosest binding first::

    expr      := term (('+' | '-') term)*
    term      := unary (('*' | '/' | '@') unary | <implicit *> power)*
    unary     := ('-' | '+') unary | power
    power     := postfix ('**' unary)?          # right-associative; -x**2 is -(x**2)
    postfix   := atom ('.T' | '.' METHOD '(' args ')')*
    atom      := NUMBER | NAME | FUNC '(' args ')' | NS '.' FUNC '(' args ')' | '(' expr ')'
               | '[' expr (',' expr)* ']'
    args      := (arg (',' arg)*)?
    arg       := expr | ('axis' | 'dim' | 'keepdims' | 'keepdim') '=' expr

Friendly spellings are folded in the tokenizer: ``^`` is ``**``; ``×``, ``·``, ``⋅``, ``⊙`` are
``*``; ``−`` is ``-``; ``ᵀ`` is ``.T``; ``σ`` is ``sigmoid``. A number or ``)`` directly followed by a
name or ``(`` multiplies (``2x``, ``2(y-t)``, ``(a)(b)``), as does a name that is not a function
followed by ``(`` (``q(1-q)``). The functions, their arities and the friendly spellings are the op
table's (:mod:`tutor.engine.ops`), handed down through :mod:`tutor.lang.vocabulary`.

NumPy and PyTorch spellings (the op table's dotted aliases) are read into the same tree and mean what they
mean there: ``np.exp(x)`` and ``torch.exp(x)`` are ``exp(x)``; ``a.dot(b)``, ``np.dot(a, b)`` and
``np.matmul(a, b)`` are ``a @ b``; ``x.transpose()`` is ``x.T``; ``M.sum(axis=0)``, ``M.sum(0)``,
``np.sum(M, axis=0)`` and ``M.sum(dim=0)`` sum down the columns and, as in NumPy and PyTorch, drop that axis
(``np.squeeze(sum(M, 0), 0)``, a flat vector) unless ``keepdims=True`` (``keepdim=True``) keeps it, which
is the language's own ``sum(M, 0)``, a 1×n row. The language's own functions keep the axis, also when it
is named: ``sum(M, axis=0)`` is ``sum(M, 0)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary
from tutor.lang.vocabulary import Functions, Word, vocabulary
from tutor.safetext import one_line

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_TREE_DEPTH = 200  # a long chain such as x+x+...+x is a deep tree; printing and evaluating it recurse

#: the keyword arguments the reader takes: an axis (NumPy's name, PyTorch's) and whether a reduction keeps it
AXIS_KEYWORDS = ("axis", "dim")
KEEP_KEYWORDS = ("keepdims", "keepdim")
#: typed namespace prefixes read as the vocabulary's (``numpy.exp`` is ``np.exp``)
_NAMESPACE_SPELLED = {"np": "np", "numpy": "np", "torch": "torch", "F": "F"}

#: The functions of the language and how many arguments each takes, (least, most): a live view of the op
#: table's words (tutor.engine.ops installs them, see tutor.lang.vocabulary).
FUNCTIONS: Mapping[str, tuple[int, int]] = Functions()

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|\.T(?![A-Za-z0-9_])|[-+*/@(),\[\]]|=(?!=))
  | (?P<attr>\.[A-Za-z_][A-Za-z0-9_]*)
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
            hint = ""
            if ch in "'\"":
                hint = " (the language has no strings)"
            elif ch == "=":
                hint = " (the language has no comparisons)"
            raise ParseError(f"unexpected character {quote(ch)}{hint}", i)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group(), i))
        i = m.end()
    tokens.append(Token("end", "", n))
    return tokens


@dataclass
class _Args:
    """The arguments of a call as typed: positional ones, and the keywords ``axis=``/``dim=`` and ``keepdims=``."""

    values: list[Expr]
    axis: Expr | None = None
    keep: bool | None = None  # keepdims=True / False; None when not given


class _Parser:
    def __init__(self, tokens: list[Token], functions: Mapping[str, tuple[int, int]]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.functions = functions
        self.words = vocabulary()

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    @property
    def next(self) -> Token:
        return self.tokens[min(self.i + 1, len(self.tokens) - 1)]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at(self, text: str) -> bool:
        t = self.tok
        return t.kind == "op" and t.text == text

    def expect(self, text: str, what: str) -> Token:
        if not self.at(text):
            raise ParseError(f"expected {quote(text)} {what}, found {_describe(self.tok)}", self.tok.pos)
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
        while self.at(".T") or self.tok.kind == "attr":
            t = self.take()
            e = Transpose(e, t.pos) if t.kind == "op" else self.method(e, t)
        return e

    def method(self, receiver: Expr, attr: Token) -> Expr:
        """``x.sum(...)``, ``a.dot(b)``, ``x.transpose()``: a NumPy or PyTorch method read as the language's op."""
        word = self.words.methods.get(attr.text)
        if word is None:
            python = isinstance(receiver, Name) and receiver.id in PYTHON_WORDS
            where = receiver.pos if python else attr.pos
            raise ParseError(_not_a_method(receiver, attr.text, self.words.methods), where)
        if not self.at("("):
            raise ParseError(f"{attr.text} is a method: write {attr.text}(...)", attr.pos)
        return self.apply(word, attr.text[1:], self.arguments(attr.text[1:]), attr.pos, receiver, numpy=True)

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
            if t.text in _NAMESPACE_SPELLED and self.tok.kind == "attr":
                called = self.namespaced(t)
                if called is not None:
                    return called
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
        if self.at("="):
            raise ParseError("unexpected '=': type only the right-hand side", t.pos)
        raise ParseError(f"unexpected {_describe(t)}", t.pos)

    def namespaced(self, ns: Token) -> Expr | None:
        """``np.exp(x)``, ``torch.sigmoid(z)``, ``F.relu(z)``; None when ``F`` is rather a name with a method."""
        space = _NAMESPACE_SPELLED[ns.text]
        start = self.i
        if space == "torch" and [t.text for t in self.tokens[self.i : self.i + 2]] == [".nn", ".functional"]:
            self.i += 2
            space = "F"
        attr = self.take()
        typed = "".join(t.text for t in self.tokens[start - 1 : self.i])
        word = self.words.spellings.get(space + attr.text)
        if word is None:
            if ns.text == "F" and attr.text in self.words.methods:  # a lesson's name F with a method
                self.i = start
                return None
            raise ParseError(_not_a_function(typed), ns.pos)
        if not self.at("("):
            raise ParseError(f"{typed} is a function: write {typed}(...)", ns.pos)
        return self.apply(word, typed, self.arguments(typed), ns.pos, numpy=True)

    def call(self, name: Token) -> Expr:
        word = self.words.word("call", name.text) if ("call", name.text) in self.words.words else None
        args = self.arguments(name.text)
        if word is None:  # a custom function table (no words): positional arguments only
            if args.axis is not None or args.keep is not None:
                raise ParseError(f"{name.text}() takes no keyword arguments", name.pos)
            lo, hi = self.functions[name.text]
            _check_count(name.text, len(args.values), lo, hi, name.pos)
            return Call(name.text, tuple(args.values), name.pos)
        return self.apply(word, name.text, args, name.pos)

    def arguments(self, called: str) -> _Args:
        """The arguments of a call, from its '(' to its ')': positional ones, then keywords."""
        self.take()  # (
        self.enter()
        args = _Args([])
        if not self.at(")"):
            self.argument(args, called)
            while self.at(","):
                self.take()
                self.argument(args, called)
        self.expect(")", f"to close {called}(")
        self.depth -= 1
        return args

    def argument(self, args: _Args, called: str) -> None:
        """One argument: an expression, or ``axis=``/``dim=`` and ``keepdims=``/``keepdim=`` with its value."""
        t = self.tok
        if not (t.kind == "name" and self.next.kind == "op" and self.next.text == "="):
            if args.axis is not None or args.keep is not None:
                raise ParseError("a positional argument after a keyword argument", t.pos)
            args.values.append(self.expr())
            return
        self.i += 2
        if t.text in AXIS_KEYWORDS:
            if args.axis is not None:
                raise ParseError(f"the axis of {called}() is given twice", t.pos)
            args.axis = self.expr()
        elif t.text in KEEP_KEYWORDS:
            value = self.take()
            if value.kind != "name" or value.text not in ("True", "False"):
                raise ParseError(f"{t.text}= is True or False", value.pos)
            args.keep = value.text == "True"
        else:
            raise ParseError(
                f"unknown keyword argument {t.text}=: the reader takes axis= (or dim=) and keepdims= (or keepdim=)",
                t.pos,
            )

    def apply(
        self, word: Word, called: str, args: _Args, pos: int, receiver: Expr | None = None, numpy: bool = False
    ) -> Expr:
        """The tree of one op applied: a call, an operator written as a function (``np.dot``), or ``x.T``.

        ``numpy``: spelled the NumPy or PyTorch way, where a reduction along an axis drops it unless kept."""
        operands = ([receiver] if receiver is not None else []) + args.values
        shown = f".{called}()" if receiver is not None else f"{called}()"
        if word.form != "call":
            if args.axis is not None or args.keep is not None:
                raise ParseError(f"{shown} takes no axis or keepdims here", pos)
            wanted = 2 if word.form == "infix" else 1
            _check_count(shown, len(operands) - (receiver is not None), wanted - (receiver is not None), None, pos)
            if word.form == "infix":
                return Binary(word.text, operands[0], operands[1], pos)
            if word.form == "postfix":
                return Transpose(operands[0], pos)
            return Unary(word.text, operands[0], pos)
        lo, hi = word.arity
        if args.axis is not None:
            if not word.takes_axis:
                raise ParseError(f"{shown} takes no axis", pos)
            if len(operands) == hi:
                raise ParseError(f"the axis of {shown} is given twice", pos)
            operands.append(args.axis)
        if args.keep is not None and not word.reduces:
            raise ParseError(f"{shown} takes no keepdims: it keeps every axis", pos)
        given = len(operands) - (receiver is not None)
        _check_count(shown, given, lo - (receiver is not None), hi - (receiver is not None), pos)
        call = Call(word.text, tuple(operands), pos)
        keep = (not numpy) if args.keep is None else args.keep
        if word.reduces and len(operands) == hi and not keep:
            squeeze = self.words.spellings.get("np.squeeze")
            if squeeze is None:
                raise ParseError(f"{shown} along an axis drops it, which the language cannot: add keepdims=True", pos)
            return Call(squeeze.text, (call, operands[-1]), pos)
        return call

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


def _check_count(shown: str, given: int, lo: int, hi: int | None, pos: int) -> None:
    """Refuse a call with too few or too many arguments (``hi`` None: exactly ``lo``)."""
    hi = lo if hi is None else hi
    if not lo <= given <= hi:
        want = str(lo) if lo == hi else f"{lo} or {hi}"
        name = shown if shown.endswith(")") else f"{shown}()"
        raise ParseError(f"{name} takes {want} argument{'' if hi == 1 else 's'}, got {given}", pos)


def _not_a_method(receiver: Expr, attr: str, methods: Mapping[str, Word]) -> str:
    """What to say about ``x.attr`` that is not a method the reader knows."""
    if isinstance(receiver, Name) and receiver.id in PYTHON_WORDS:
        return f"{quote(receiver.id)} is Python, not part of the answer language"
    if attr.startswith(".__") or attr[1:] in PYTHON_WORDS:
        return f"{quote(attr[1:])} is Python, not part of the answer language"
    listed = ", ".join(f"{m}()" for m, w in methods.items() if w.reduces or w.form == "infix")
    return f"unexpected {quote(attr)}: the answer language reads .T and NumPy methods such as {listed}"


def _not_a_function(typed: str) -> str:
    """What to say about ``np.f`` that the reader does not know, with the language's own spelling if it has one."""
    base = typed.rsplit(".", 1)[-1]
    own = f"; the language has {base}(...)" if base in FUNCTIONS else ""
    return f"{typed} is not read{own}: see the functions in F1 (the reader takes np., torch. and F. spellings)"


def _short(text: str) -> str:
    """A long token cut to a readable length."""
    return text if len(text) <= 24 else f"{text[:20]}…"


def quote(text: str) -> str:
    """Typed text quoted once for a message, control characters escaped (never ``repr``: no doubled backslashes);
    in double quotes when it holds a single one (``"'"``)."""
    mark = '"' if "'" in text and '"' not in text else "'"
    return f"{mark}{one_line(text)}{mark}"


#: names a Python reader would know but the answer language never reads
PYTHON_WORDS = ("os", "sys", "eval", "exec", "import", "open", "system", "globals", "builtins")


def _describe(t: Token) -> str:
    if t.kind == "end":
        return "the end of the input"
    if t.kind == "num":
        return f"number {t.text}"
    if t.kind == "name":
        return f"name {quote(t.text)}"
    return quote(t.text)


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
        if t.kind == "op" and t.text == "=":
            raise ParseError("unexpected '=': type only the right-hand side", t.pos)
        if t.kind == "op" and t.text == "[":
            raise ParseError("unexpected '[': the language has no subscripts (x[0]); use whole arrays", t.pos)
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
        raise ParseError(f"{quote(name)} is a function of the language and cannot name a node", 0)
    offset = m.start(2)
    try:
        return name, parse(m.group(2)), offset
    except ParseError as e:
        raise ParseError(e.message, e.pos + offset) from None
