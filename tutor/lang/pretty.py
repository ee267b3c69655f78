"""Print a syntax tree back as readable maths (``2·(y − t)``, ``A1ᵀ @ dZ2``, ``σ(z)``) or as plain text."""

from __future__ import annotations

from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary
from tutor.lang.vocabulary import Word, vocabulary

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "prefix": 3, "**": 4, "postfix": 5, "atom": 6}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def format_number(x: float) -> str:
    """A number as a person writes it: ``2``, ``0.5``, ``1e-06``."""
    if abs(x) < 1e15 and x == int(x):  # (inf and nan fail the first test)
        return str(int(x))
    return f"{x:.6g}"


def _prec(e: Expr) -> int:
    if isinstance(e, Binary):
        return _PREC[e.op]
    if isinstance(e, Unary):
        return _PREC["prefix"]
    if isinstance(e, Num) and e.value < 0:
        return _PREC["prefix"]
    if isinstance(e, Transpose):
        return _PREC["postfix"]
    return _PREC["atom"]


def to_text(e: Expr, math: bool = True) -> str:
    """Render ``e``; ``math=True`` uses the op table's maths spellings (·, −, ᵀ, σ) and superscripts, ``False`` the
    typed spelling."""
    words = vocabulary()

    def spelled(word: Word) -> str:
        return word.math if math else word.plain

    def wrap(sub: Expr, min_prec: int) -> str:
        s = go(sub)
        return f"({s})" if _prec(sub) < min_prec else s

    def go(e: Expr) -> str:
        if isinstance(e, Num):
            s = format_number(e.value)
            return s.replace("-", "−") if math else s
        if isinstance(e, Name):
            return e.id
        if isinstance(e, Unary):
            return spelled(words.word("prefix", e.op)) + wrap(e.operand, _PREC["prefix"])
        if isinstance(e, Transpose):
            return wrap(e.operand, _PREC["postfix"]) + spelled(words.word("postfix", ".T"))
        if isinstance(e, Call):
            return f"{spelled(words.word('call', e.func))}({', '.join(go(a) for a in e.args)})"
        if isinstance(e, Literal):
            return "[" + ", ".join(go(a) for a in e.items) + "]"
        assert isinstance(e, Binary)
        word = words.word("infix", e.op)
        p = _PREC[e.op]
        r = e.right
        if word.superscript:  # right-associative: the base binds tighter, the exponent may hold another power
            base = wrap(e.left, p + 1)
            if math and isinstance(r, Num) and abs(r.value) < 100 and r.value == int(r.value):
                return base + format_number(r.value).translate(_SUPERSCRIPT)
            return f"{base}{spelled(word)}{wrap(r, p)}"
        # left-associative: a right operand of equal precedence needs parentheses (a − (b − c))
        return f"{wrap(e.left, p)}{spelled(word)}{wrap(r, p + 1)}"

    return go(e)
