"""Print a syntax tree back as readable maths (``2·(y − t)``, ``A1ᵀ @ dZ2``, ``σ(z)``) or as plain text."""

from __future__ import annotations

from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "neg": 3, "**": 4, "post": 5, "atom": 6}
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
        return _PREC["neg"]
    if isinstance(e, Num) and e.value < 0:
        return _PREC["neg"]
    if isinstance(e, Transpose):
        return _PREC["post"]
    return _PREC["atom"]


def to_text(e: Expr, math: bool = True) -> str:
    """Render ``e``; ``math=True`` uses ·, −, ᵀ, σ and superscripts, ``False`` the typed spelling."""

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
            return ("−" if math else "-") + wrap(e.operand, _PREC["neg"])
        if isinstance(e, Transpose):
            return wrap(e.operand, _PREC["post"]) + ("ᵀ" if math else ".T")
        if isinstance(e, Call):
            func = "σ" if (math and e.func == "sigmoid") else e.func
            return f"{func}({', '.join(go(a) for a in e.args)})"
        if isinstance(e, Literal):
            return "[" + ", ".join(go(a) for a in e.items) + "]"
        assert isinstance(e, Binary)
        p = _PREC[e.op]
        if e.op == "**":
            base = wrap(e.left, p + 1)
            r = e.right
            if math and isinstance(r, Num) and abs(r.value) < 100 and r.value == int(r.value):
                return base + format_number(r.value).translate(_SUPERSCRIPT)
            return f"{base}{'^' if math else '**'}{wrap(r, p)}"
        left = wrap(e.left, p)
        # left-associative: a right operand of equal precedence needs parentheses (a − (b − c))
        right = wrap(e.right, p + 1)
        op = e.op
        if math:
            op = {"*": "·", "-": "−"}.get(op, op)
        if op == "·":
            return f"{left}·{right}"
        return f"{left} {op} {right}"

    return go(e)
