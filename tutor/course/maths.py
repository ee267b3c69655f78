"""LaTeX maths in lesson prose as readable Unicode: ``$\\frac{\\partial L}{\\partial w}$`` shows as ``∂L/∂w``.

The LaTeX is parsed by ``pylatexenc`` (its ``LatexWalker``: groups, macros and their arguments,
environments) and its table of ~800 symbol macros gives the characters (Greek, ∂, ∇, ∑, ≤, →, …).
What ``pylatexenc``'s own text conversion lacks is written here: sub- and superscripts in Unicode where
every character has one (``x²``, ``W₁``, ``aᵢ``, ``Wᵀ``) and ``x^(n+1)`` otherwise, fractions with
parentheses where they are needed (``∂L/∂w``, ``1/(1 + e⁻ˣ)``), accents as combining marks (``ŷ``,
``x̄``), ``\\mathbb{R}`` as ``ℝ``, styling dropped (``\\mathbf``, ``\\text``), and matrices and cases laid
out as aligned blocks in display maths (``[a, b; c, d]`` inline).

Maths is ``$...$`` or ``\\(...\\)`` inline and ``$$...$$`` or ``\\[...\\]`` on its own (display). A ``$``
opens inline maths only when a non-space follows it, and closes it only when a non-space precedes it and
no digit follows (Pandoc's rule), so ``$5 and $10`` stays text; ``\\$`` is always a dollar sign. Maths is
not looked for inside code spans and fenced code blocks. A construct outside the subset is shown as its
source in code style (`` `\\weird{x}` ``) and reported, so that ``validate`` can warn.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

#: a formula longer than this, or nested deeper, is shown as source (checked before parsing)
MAX_FORMULA_CHARS = 4000
MAX_NESTING = 40

SUPERSCRIPT = dict(
    zip(
        "0123456789+-−=()nijkabcdefghlmoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ′'*",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱʲᵏᵃᵇᶜᵈᵉᶠᵍʰˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ′′*",
        strict=True,
    )
)
SUBSCRIPT = dict(zip("0123456789+-−=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True))
#: a superscript that is a transpose
TRANSPOSE = {"T", "⊤", "ᵀ", "⊺", "\\top", "\\intercal", "\\mathsf{T}"}
ACCENTS = {
    "hat": "\u0302",
    "widehat": "\u0302",
    "bar": "\u0304",
    "overline": "\u0305",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "dot": "\u0307",
    "ddot": "\u0308",
    "vec": "\u20d7",
    "check": "\u030c",
    "breve": "\u0306",
    "acute": "\u0301",
    "grave": "\u0300",
    "underline": "\u0332",
}
#: styling that is dropped: the argument shows as it is
STYLES = {
    "mathbf",
    "boldsymbol",
    "bm",
    "mathrm",
    "mathit",
    "mathsf",
    "mathtt",
    "mathcal",
    "mathscr",
    "mathfrak",
    "mathnormal",
    "text",
    "textrm",
    "textbf",
    "textit",
    "textsf",
    "texttt",
    "textnormal",
    "mbox",
    "operatorname",
    "emph",
    "boxed",
}
#: switches and sizes that change nothing in a terminal
NO_OPS = {
    "displaystyle",
    "textstyle",
    "scriptstyle",
    "limits",
    "nolimits",
    "rm",
    "bf",
    "it",
    "sf",
    "tt",
    "cal",
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "biggl",
    "biggr",
    "Biggl",
    "Biggr",
    "middle",
    "nonumber",
    "notag",
}
#: symbols pylatexenc's table lacks or spells otherwise
SYMBOLS = {
    "coloneqq": "≔",
    "eqqcolon": "≕",
    "coloneq": "≔",
    "intercal": "⊺",
    "cdot": "·",
    "cdotp": "·",
    "quad": "  ",
    "qquad": "    ",
    ",": " ",
    ":": " ",
    ";": " ",
    ">": " ",
    " ": " ",
    "!": "",
    "|": "‖",
    "lVert": "‖",
    "rVert": "‖",
    "Vert": "‖",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "{": "{",
    "}": "}",
    "_": "_",
    "%": "%",
    "$": "$",
    "#": "#",
    "&": "&",
    "gets": "←",
    "dots": "…",
    "ldots": "…",
    "mathellipsis": "…",
    "arg": "arg",
    "argmax": "argmax",
    "argmin": "argmin",
    "Pr": "Pr",
}
#: macros written by hand below, with how many arguments each takes when pylatexenc does not know it
ARGUMENTS = {
    **{name: 1 for name in (*ACCENTS, *STYLES, "mathbb", "sqrt", "not")},
    "frac": 2,
    "dfrac": 2,
    "tfrac": 2,
    "cfrac": 2,
    "xrightarrow": 1,
    "xleftarrow": 1,
}
DOUBLE_STRUCK = {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ", "1": "𝟙"}
#: matrix environments and their delimiters (left, right); inline they read [a, b; c, d]
MATRICES = {
    "matrix": ("", ""),
    "smallmatrix": ("", ""),
    "bmatrix": ("[", "]"),
    "pmatrix": ("(", ")"),
    "vmatrix": ("|", "|"),
    "Vmatrix": ("‖", "‖"),
    "Bmatrix": ("{", "}"),
    "cases": ("{", ""),
    "array": ("", ""),
    "aligned": ("", ""),
    "align": ("", ""),
    "align*": ("", ""),
    "gathered": ("", ""),
    "gather": ("", ""),
    "gather*": ("", ""),
    "split": ("", ""),
    "equation": ("", ""),
    "equation*": ("", ""),
}
#: bracket pieces for a block of several rows: (top, middle, bottom, centre)
TALL = {
    "[": ("⎡", "⎢", "⎣", "⎢"),
    "]": ("⎤", "⎥", "⎦", "⎥"),
    "(": ("⎛", "⎜", "⎝", "⎜"),
    ")": ("⎞", "⎟", "⎠", "⎟"),
    "{": ("⎧", "⎪", "⎩", "⎨"),
    "}": ("⎫", "⎪", "⎭", "⎬"),
    "|": ("│", "│", "│", "│"),
    "‖": ("‖", "‖", "‖", "‖"),
}
#: a fraction's numerator or denominator with one of these outside brackets gets parentheses
_LOOSE = set(" +-−=·×/÷,<>≤≥≈≠∈→←:;|⊙∘∙±∓")
_OPEN, _CLOSE = "([{⟨", ")]}⟩"
_FRACTIONS = ("frac", "dfrac", "tfrac", "cfrac")
#: closing delimiters a macro may give: the space before them goes
_CLOSING = set("}⟩⌉⌋")
#: a code-style piece inside rendered text (turned into a code span, or backticks in a block)
CODE_START, CODE_END = "\ue000", "\ue001"


@dataclass
class Block:
    """Several lines laid out as one piece (a matrix), with the one-line spelling used where lines cannot be."""

    lines: list[str]
    inline: str

    @property
    def width(self) -> int:
        """The block's width in terminal cells."""
        return max((cells(line) for line in self.lines), default=0)


Piece = str | Block


@dataclass
class Rendered:
    """A formula as Unicode: its lines (one unless it is a display block) and what was not supported."""

    lines: list[str]
    unsupported: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The lines joined."""
        return "\n".join(self.lines)


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes: combining marks none, wide characters two."""
    n = 0
    for ch in text:
        if ch in (CODE_START, CODE_END) or unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return n


@lru_cache(maxsize=1)
def symbol_table() -> dict[str, str]:
    """Every macro that stands for a fixed text: pylatexenc's latex2text table, then ours."""
    from pylatexenc.latex2text import get_default_latex_context_db

    db = get_default_latex_context_db()
    table: dict[str, str] = {}
    for category in db.categories():
        for spec in db.iter_macro_specs([category]):
            repl = spec.simplify_repl
            if isinstance(repl, str) and "%" not in repl:
                table[spec.macroname] = repl
    table.update(SYMBOLS)
    return table


def render(source: str, display: bool = False) -> Rendered:
    """One formula (without its ``$``) as Unicode lines; the whole source in code style if it cannot be parsed.

    Results are remembered (a lesson's formulas are rendered when it is checked and again when it is shown).
    """
    r = _render(source, display)
    return Rendered(list(r.lines), list(r.unsupported))


@lru_cache(maxsize=1024)
def _render(source: str, display: bool) -> Rendered:
    """:func:`render`, remembered."""
    from pylatexenc.latexwalker import LatexWalker, LatexWalkerError

    if len(source) > MAX_FORMULA_CHARS or _nesting(source) > MAX_NESTING:
        return Rendered([_code(source.strip())], [_short(source)])
    try:
        nodes, _, _ = LatexWalker(source, tolerant_parsing=False).get_latex_nodes()
    except (LatexWalkerError, RecursionError, IndexError, ValueError):
        return Rendered([_code(source.strip())], [_short(source)])
    r = _Renderer()
    try:
        rows = r.rows(_items(nodes or []))
    except RecursionError:
        return Rendered([_code(source.strip())], [_short(source)])
    pieces = rows[0] if len(rows) == 1 else [_stack(rows, display)]
    if not display:
        return Rendered([_finish(_flat(pieces))], r.unsupported)
    lines = [unicodedata.normalize("NFC", line.rstrip()) for line in _hjoin(pieces)]
    indent = min((len(x) - len(x.lstrip(" ")) for x in lines if x.strip()), default=0)
    return Rendered([x[indent:] for x in lines if x.strip()] or [""], r.unsupported)


def _nesting(source: str) -> int:
    """The deepest nesting of braces and environments, counted without parsing."""
    depth = deepest = 0
    for m in re.finditer(r"\\[{}]|\\begin\b|\\end\b|[{}]", source):
        t = m.group()
        if t in ("{", "\\begin"):
            depth += 1
            deepest = max(deepest, depth)
        elif t in ("}", "\\end"):
            depth -= 1
    return deepest


def _short(source: str) -> str:
    """A formula's source cut to a readable length for a message."""
    s = " ".join(source.split())
    return s if len(s) <= 60 else s[:57] + "…"


def _code(source: str) -> str:
    """Source shown in code style."""
    return f"{CODE_START}{' '.join(source.split())}{CODE_END}"


def _finish(text: str) -> str:
    """Spaces tidied and accents composed where Unicode has the character (``y`` + ``̂`` is ``ŷ``)."""
    return unicodedata.normalize("NFC", text.strip(" "))


# --- the node stream --------------------------------------------------------------------------------


@dataclass
class _Item:
    """One thing in a formula: a character, a group, a macro (with the arguments pylatexenc read) or an environment."""

    kind: str  # "char", "space", "group", "macro", "env", "amp"
    text: str = ""
    node: Any = None
    args: list[Any] = field(default_factory=list)
    spaced: bool = False  # a macro followed by a space in the source


def _items(nodes: list[Any]) -> list[_Item]:
    """pylatexenc's nodes as a flat stream, characters one by one."""
    from pylatexenc.latexwalker import (
        LatexCharsNode,
        LatexCommentNode,
        LatexEnvironmentNode,
        LatexGroupNode,
        LatexMacroNode,
        LatexMathNode,
        LatexSpecialsNode,
    )

    out: list[_Item] = []
    for n in nodes:
        if isinstance(n, LatexCharsNode):
            for ch in n.chars:
                out.append(_Item("space" if ch.isspace() else "char", ch))
        elif isinstance(n, LatexGroupNode | LatexMathNode):
            out.append(_Item("group", node=n))
        elif isinstance(n, LatexMacroNode):
            args = [a for a in (n.nodeargd.argnlist if n.nodeargd is not None else []) or []]
            out.append(_Item("macro", n.macroname, n, args, bool(n.macro_post_space)))
        elif isinstance(n, LatexEnvironmentNode):
            args = [a for a in (n.nodeargd.argnlist if n.nodeargd is not None else []) or []]
            out.append(_Item("env", n.environmentname, n, args))
        elif isinstance(n, LatexSpecialsNode):
            out.append(_Item("amp", "&") if n.specials_chars == "&" else _Item("char", n.specials_chars, n))
        elif isinstance(n, LatexCommentNode):
            continue
    return out


def _children(node: Any) -> list[_Item]:
    """The stream inside a group or environment."""
    return _items(getattr(node, "nodelist", None) or [])


class _Renderer:
    """Turns a stream of items into pieces, collecting what is not supported."""

    def __init__(self) -> None:
        self.unsupported: list[str] = []
        self.symbols = symbol_table()

    def rows(self, items: list[_Item]) -> list[list[Piece]]:
        """The pieces of each row (rows are split at ``\\\\``)."""
        rows: list[list[_Item]] = [[]]
        for it in items:
            if it.kind == "macro" and it.text == "\\":
                rows.append([])
            else:
                rows[-1].append(it)
        return [self.run(row) for row in rows]

    def run(self, items: list[_Item]) -> list[Piece]:
        """The pieces of a stream: characters, symbols, scripts attached to what precedes them, blocks."""
        out: list[Piece] = []
        i = 0
        hugging = False  # the last piece is ∂ or ∇ (with scripts): ∂² L reads ∂²L
        while i < len(items):
            it = items[i]
            i += 1
            if it.kind == "space":
                if hugging:
                    continue
                if out and isinstance(out[-1], str) and not out[-1].endswith(" "):
                    out.append(" ")
                elif out and isinstance(out[-1], Block):
                    out.append(" ")
                continue
            if it.kind == "char" and it.text in "^_":
                arg, i = self.argument(items, i)
                out.append(self.script(arg, it.text == "^"))
                hugging = hugging and it.text == "^"  # ∂²L, but ∇ₓ z
                continue
            if it.kind == "macro" and it.text.endswith(("right", "r")) and it.text in NO_OPS and out and out[-1] == " ":
                out.pop()  # "( x \right)" reads "(x)"
            piece, i = self.one(it, items, i)
            if it.kind == "macro" and it.text in NO_OPS:
                while i < len(items) and items[i].kind == "space":
                    i += 1
            if isinstance(piece, str) and piece[:1] in _CLOSING and out and out[-1] == " ":
                out.pop()  # "a, b \rangle" reads "a, b⟩"
            if piece == " " and out and isinstance(out[-1], str) and out[-1].endswith(" "):
                continue  # "a \, b": one space
            after_word = bool(out) and isinstance(out[-1], str) and out[-1][-1:].isalnum()
            if it.kind == "macro" and it.text in _FRACTIONS and after_word:
                out.append(" ")  # "W^\top \frac{a}{b}" reads "Wᵀ a/b", not "Wᵀa/b"
            if piece != "":
                out.append(piece)
            hugging = it.kind == "macro" and isinstance(piece, str) and (piece in ("∂", "∇") or _opens(piece))
        return out

    def argument(self, items: list[_Item], i: int) -> tuple[str, int]:
        """The next argument in the stream (a group, a character or a macro) as one line of text."""
        while i < len(items) and items[i].kind == "space":
            i += 1
        if i >= len(items):
            return "", i
        it = items[i]
        if it.kind == "char":
            return ("−" if it.text == "-" else it.text), i + 1
        piece, j = self.one(it, items, i + 1)
        return _flat([piece]), j

    def one(self, it: _Item, items: list[_Item], i: int) -> tuple[Piece, int]:
        """One item (and the arguments it takes from the stream) as a piece; ``i`` is where the stream goes on."""
        if it.kind == "char":
            return {"-": "−", "*": "∗", "~": " "}.get(it.text, it.text), i
        if it.kind == "amp":
            return " ", i
        if it.kind == "group":
            return _join(self.run(_children(it.node))), i
        if it.kind == "env":
            return self.environment(it), i
        return self.macro(it, items, i)

    def macro(self, it: _Item, items: list[_Item], i: int) -> tuple[Piece, int]:
        """A macro: a symbol, a fraction, a script-like construct, styling, or unsupported (shown as source)."""
        name = it.text
        args = [self.text_of(a) for a in it.args if a is not None]
        wanted = ARGUMENTS.get(name, 0)
        raw_args: list[Any] = [a for a in it.args if a is not None]
        while len(args) < wanted and i < len(items):
            while i < len(items) and items[i].kind == "space":
                i += 1
            if i >= len(items):
                break
            nxt = items[i]
            raw_args.append(nxt)
            text, i = self.argument(items, i)
            args.append(text)
        if name in NO_OPS:
            if name in ("left", "right", "middle") or name.startswith(("big", "Big")):
                if i < len(items) and items[i].kind == "char" and items[i].text == ".":
                    i += 1  # \left. : no delimiter
            return "", i
        if name in _FRACTIONS and len(args) == 2:
            return f"{_operand(args[0])}/{_operand(args[1], denominator=True)}", i
        if name in ACCENTS and args:
            return _accent(args[-1], ACCENTS[name]), i
        if name in STYLES and args:
            return args[-1], i
        if name == "mathbb" and args:
            return "".join(DOUBLE_STRUCK.get(c, _double_struck(c)) for c in args[-1]), i
        if name == "sqrt" and args:
            root = {"2": "√", "3": "∛", "4": "∜"}.get(args[0] if len(args) == 2 else "2")
            prefix = root or f"{self.script(args[0], True)}√"
            body = args[-1]
            return prefix + (f"({body})" if len(body) > 1 and not _is_number(body) else body), i
        if name == "not" and args:
            return args[0][:1] + "\u0338" + args[0][1:], i
        if name in ("xrightarrow", "xleftarrow") and args:
            arrow = "→" if name == "xrightarrow" else "←"
            return f"─{args[-1]}─{arrow}" if name == "xrightarrow" else f"{arrow}─{args[-1]}─", i
        if name in self.symbols:
            text = self.symbols[name]
            if it.spaced and (not _hugs(text) or self.operator_next(items, i)):
                text += " "
            return text, i
        source = it.node.latex_verbatim() if it.node is not None else "\\" + name
        for extra in raw_args[len(it.args) :]:
            if isinstance(extra, _Item) and extra.node is not None:
                source += extra.node.latex_verbatim()
        while i < len(items) and items[i].kind == "group":
            source += items[i].node.latex_verbatim()
            i += 1
        self.unsupported.append(_short(source))
        return _code(source), i

    def operator_next(self, items: list[_Item], i: int) -> bool:
        """Whether the next item is a symbol macro that does not sit against what precedes it (``∇ ∈``)."""
        nxt = items[i] if i < len(items) else None
        return nxt is not None and nxt.kind == "macro" and not _hugs(self.symbols.get(nxt.text, "x"))

    def text_of(self, node: Any) -> str:
        """An argument pylatexenc read (a group or a single node) as one line of text."""
        return _flat(self.run(_items([node])))

    def script(self, text: str, up: bool) -> str:
        """A superscript or subscript: Unicode where every character has one, else ``^(…)`` / ``_(…)``."""
        tight = text.replace(" ", "")
        if up and tight in TRANSPOSE:
            return "ᵀ"
        if up and tight in ("′", "'", "\\prime"):
            return "′"
        table = SUPERSCRIPT if up else SUBSCRIPT
        if tight and all(c in table or c == "," for c in tight):
            return "".join(table.get(c, c) for c in tight)
        mark = "^" if up else "_"
        return f"{mark}{tight}" if len(tight) == 1 else f"{mark}({' '.join(text.split())})"

    def environment(self, it: _Item) -> Piece:
        """A matrix, cases or aligned rows: a Block (its inline spelling for inline maths)."""
        name = it.text
        if name not in MATRICES:
            source = it.node.latex_verbatim()
            self.unsupported.append(_short(source))
            return _code(source)
        items = _children(it.node)
        if name == "array" and items and items[0].kind == "group":
            items = items[1:]  # the column specification
        table = [[_flat(self.run(cell)).strip(" ") for cell in _cells(row)] for row in _split_rows(items)]
        while table and table[-1] == [""]:
            table.pop()
        left, right = MATRICES[name]
        aligned = name in ("aligned", "align", "align*", "split")
        return _matrix(table, left, right, cases=name == "cases", aligned=aligned)


def _split_rows(items: list[_Item]) -> list[list[_Item]]:
    """An environment's stream split into rows at ``\\\\``."""
    rows: list[list[_Item]] = [[]]
    for it in items:
        if it.kind == "macro" and it.text == "\\":
            rows.append([])
        else:
            rows[-1].append(it)
    return rows


def _cells(row: list[_Item]) -> list[list[_Item]]:
    """A row split into cells at ``&``."""
    cells_: list[list[_Item]] = [[]]
    for it in row:
        if it.kind == "amp":
            cells_.append([])
        else:
            cells_[-1].append(it)
    return cells_


def _matrix(table: list[list[str]], left: str, right: str, cases: bool = False, aligned: bool = False) -> Block:
    """Rows of cells as an aligned block between tall delimiters, and as ``[a, b; c, d]`` on one line."""
    sep = " " if cases else ", "
    inline = "; ".join(sep.join(c for c in row if c) if cases else ", ".join(row) for row in table)
    inline = f"{left}{inline}{right}" if (left or right) else inline
    ncols = max((len(r) for r in table), default=0)
    widths = [max((cells(r[j]) for r in table if j < len(r)), default=0) for j in range(ncols)]
    lines = []
    for row in table:
        parts = []
        for j in range(ncols):
            cell = row[j] if j < len(row) else ""
            pad = " " * (widths[j] - cells(cell))
            right_align = not cases and not (aligned and j % 2 == 1)
            parts.append(pad + cell if right_align else cell + pad)
        glue = "" if aligned else ("   " if cases else "  ")
        lines.append(glue.join(parts).rstrip() if cases or aligned else glue.join(parts))
    width = max((cells(x) for x in lines), default=0)
    lines = [x + " " * (width - cells(x)) for x in lines]
    if left:
        lines = [f"{a} {x}" for a, x in zip(_tall(left, len(lines)), lines, strict=True)]
    if right:
        lines = [f"{x} {b}" for x, b in zip(lines, _tall(right, len(lines)), strict=True)]
    return Block(lines or [inline], inline)


def _tall(delimiter: str, height: int) -> list[str]:
    """A delimiter drawn over ``height`` lines."""
    if height == 1 or delimiter not in TALL:
        return [delimiter] * height
    top, middle, bottom, centre = TALL[delimiter]
    col = [top] + [middle] * (height - 2) + [bottom]
    if delimiter in "{}" and height >= 3:
        col[height // 2] = centre
    return col


def _stack(rows: list[list[Piece]], display: bool) -> Piece:
    """Rows of a formula (split at ``\\\\`` outside an environment) one under another."""
    lines = [_flat(r).strip() for r in rows]
    lines = [x for x in lines if x]
    return Block(lines, "; ".join(lines)) if display else "; ".join(lines)


def _join(pieces: list[Piece]) -> Piece:
    """Pieces as one piece: a string, or a Block laid out side by side when there is one."""
    if any(isinstance(p, Block) for p in pieces):
        return Block(_hjoin(pieces), _flat(pieces))
    return "".join(p for p in pieces if isinstance(p, str))


def _flat(pieces: list[Piece]) -> str:
    """Pieces on one line (blocks in their inline spelling)."""
    return "".join(p.inline if isinstance(p, Block) else p for p in pieces)


def _hjoin(pieces: list[Piece]) -> list[str]:
    """Pieces side by side, vertically centred: the lines of a display formula."""
    blocks = [p.lines if isinstance(p, Block) else [p] for p in pieces]
    height = max((len(b) for b in blocks), default=1)
    out = [""] * height
    for b in blocks:
        w = max((cells(x) for x in b), default=0)
        top = (height - len(b)) // 2
        for row in range(height):
            k = row - top
            text = b[k] if 0 <= k < len(b) else ""
            out[row] += text + " " * (w - cells(text))
    return [line.rstrip() for line in out]


def _operand(text: str, denominator: bool = False) -> str:
    """A fraction's numerator or denominator, in parentheses when it is not a single term."""
    t = text.strip()
    depth = 0
    loose = False
    for k, ch in enumerate(t):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif depth == 0 and ch in _LOOSE and (ch != "," or t[k + 1 : k + 2] == " "):
            loose = True
            break
    return f"({t})" if loose or (denominator and t.startswith("−")) else t


def _accent(text: str, mark: str) -> str:
    """A combining accent on each base character (not on scripts or on other marks)."""
    out = []
    code = script = False
    for ch in text:
        out.append(ch)
        code = (code or ch == CODE_START) and ch != CODE_END
        script = script or ch in "_^"
        if not code and not script and ch.isalnum() and ch not in SUBSCRIPT.values() and ch not in SUPERSCRIPT.values():
            out.append(mark)
    return "".join(out)


def _double_struck(ch: str) -> str:
    """A letter or digit in the double-struck alphabet (``𝔼``); anything else as it is."""
    if "A" <= ch <= "Z":
        return chr(0x1D538 + ord(ch) - ord("A"))
    if "a" <= ch <= "z":
        return chr(0x1D552 + ord(ch) - ord("a"))
    if "0" <= ch <= "9":
        return chr(0x1D7D8 + ord(ch) - ord("0"))
    return ch


def _hugs(symbol: str) -> bool:
    """Whether a symbol sits against what follows it (``∂L``, ``αx``), so the source's space is dropped."""
    if len(symbol) != 1:
        return False
    return unicodedata.category(symbol).startswith("L") or unicodedata.category(symbol) == "Ps" or symbol in "∂∇¬√{"


def _opens(piece: str) -> bool:
    """Whether a piece is an opening delimiter (``{``, ``⟨``), which the next piece sits against."""
    return len(piece) == 1 and (piece == "{" or unicodedata.category(piece) == "Ps")


def _is_number(text: str) -> bool:
    """Whether ``text`` is a plain number such as ``2`` or ``0.5``."""
    return re.fullmatch(r"\d+(\.\d+)?", text) is not None


# --- maths in prose ---------------------------------------------------------------------------------

_FENCE = re.compile(r"[ ]{0,3}(`{3,}|~{3,})")
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]<>|~#&!])")
_LINE_START = re.compile(r"^([ ]*)([-+=]|\d+[.)])")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_UNCLOSED_DISPLAY = "'$$' is not closed: end the display maths with '$$' (write \\$ for a dollar sign)"


@dataclass(frozen=True)
class Formula:
    """Maths found in prose: where it stands (``start``, ``end`` around its delimiters), its source, its kind."""

    start: int
    end: int
    source: str
    display: bool


@dataclass(frozen=True)
class MathsNote:
    """Something ``validate`` warns about: ``snippet`` stands at ``offset`` in the prose."""

    offset: int
    snippet: str
    message: str
    code: str = "W302"  # maths-unclosed; W301 maths-unsupported (tutor.course.lintcodes)


def find_formulas(text: str) -> tuple[list[Formula], list[MathsNote]]:
    """The maths in prose (not in code spans or fenced code), and the delimiters that are never closed."""
    found: list[Formula] = []
    notes: list[MathsNote] = []
    i, n = 0, len(text)
    fence: str | None = None
    while i < n:
        if i == 0 or text[i - 1] == "\n":
            m = _FENCE.match(text, i)
            if m is not None and (fence is None or m.group(1).startswith(fence)):
                fence = m.group(1) if fence is None else None
            if fence is not None or m is not None:
                nl = text.find("\n", i)
                i = n if nl < 0 else nl + 1
                continue
        ch = text[i]
        if ch == "`":
            run = _run_length(text, i, "`")
            close = text.find("`" * run, i + run)
            i = i + run if close < 0 else close + run
            continue
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt in "([":
                closing = "\\)" if nxt == "(" else "\\]"
                end = text.find(closing, i + 2)
                if end < 0:
                    notes.append(MathsNote(i, "\\" + nxt, f"'\\{nxt}' is not closed: end the maths with '{closing}'"))
                    i += 2
                    continue
                found.append(Formula(i, end + 2, text[i + 2 : end], nxt == "["))
                i = end + 2
                continue
            i += 2
            continue
        if ch == "$":
            if text.startswith("$$", i):
                end = _closing(text, "$$", i + 2)
                if end < 0:
                    notes.append(
                        MathsNote(
                            i, "$$", "'$$' is not closed: end the display maths with '$$' (write \\$ for a dollar sign)"
                        )
                    )
                    i += 2
                    continue
                found.append(Formula(i, end + 2, text[i + 2 : end], True))
                i = end + 2
                continue
            end = _inline_end(text, i)
            if end > 0:
                found.append(Formula(i, end + 1, text[i + 1 : end], False))
                i = end + 1
                continue
        i += 1
    return found, notes


def _run_length(text: str, i: int, ch: str) -> int:
    """How many ``ch`` stand in a row from ``i``."""
    j = i
    while j < len(text) and text[j] == ch:
        j += 1
    return j - i


def _closing(text: str, delimiter: str, start: int) -> int:
    """Where an unescaped ``delimiter`` stands from ``start`` on (-1 if nowhere)."""
    j = text.find(delimiter, start)
    while j > 0 and text[j - 1] == "\\":
        j = text.find(delimiter, j + 1)
    return j


def _inline_end(text: str, i: int) -> int:
    """The ``$`` that closes inline maths opened at ``i`` (Pandoc's rule), or -1 when it is a dollar sign."""
    n = len(text)
    if i + 1 >= n or text[i + 1].isspace():
        return -1
    limit = _BLANK_LINE.search(text, i)
    stop = limit.start() if limit else n
    j = i + 1
    while True:
        j = text.find("$", j)
        if j < 0 or j >= stop:
            return -1
        if text[j - 1] == "\\":
            j += 1
            continue
        if not text[j - 1].isspace() and not (j + 1 < n and text[j + 1].isdigit()):
            return j
        return -1  # a "$" that cannot close: the first one was a dollar sign (inline maths holds no "$")


def markdown_escape(text: str, line_start: bool = False) -> str:
    """Plain text put into Markdown so that it shows as it is: the marks Markdown acts on backslash-escaped.

    ``\\ ` * _ [ ] < > | ~ # & !`` anywhere; at the start of a line also what would begin a list, a quote or
    a heading (``-``, ``+``, ``=``, ``1.``).
    """
    text = _MARKDOWN_ACTIVE.sub(r"\\\1", text)
    if line_start:
        text = _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
    return text


def _code_span(source: str) -> str:
    """``source`` as a Markdown code span, fenced with more backticks than it holds."""
    longest = max((len(m) for m in re.findall(r"`+", source)), default=0)
    tick = "`" * (longest + 1)
    pad = " " if source.startswith("`") or source.endswith("`") else ""
    return f"{tick}{pad}{source}{pad}{tick}"


def _as_markdown(line: str, line_start: bool) -> str:
    """A rendered line for Markdown: text escaped, code-style pieces as code spans."""
    out = []
    for k, part in enumerate(re.split(f"[{CODE_START}{CODE_END}]", line)):
        out.append(_code_span(part) if k % 2 else markdown_escape(part, line_start and k == 0))
    return "".join(out)


def _as_text(line: str) -> str:
    """A rendered line for plain text (or a code block): code-style pieces between backticks."""
    return line.replace(CODE_START, "`").replace(CODE_END, "`")


def render_prose(text: str, markdown: bool) -> tuple[str, list[MathsNote]]:
    """Prose with its maths as Unicode, and what ``validate`` should warn about.

    For Markdown, inline maths is escaped so that Markdown keeps every character, and display maths of
    several lines (a matrix) becomes a fenced code block so that its columns stay aligned. Outside maths
    the text is unchanged, except that ``\\$`` in plain text is a dollar sign.
    """
    if "$" not in text and "\\(" not in text and "\\[" not in text:
        return text, []
    formulas, notes = find_formulas(text)
    out: list[str] = []
    at = 0
    for f in formulas:
        before = text[at : f.start]
        out.append(before if markdown else before.replace("\\$", "$"))
        line_start = text.rfind("\n", 0, f.start) + 1
        in_table = markdown and text[line_start : f.start].lstrip().startswith("|")
        r = render(f.source, display=f.display and not in_table)
        notes += [MathsNote(max(text.find(u, f.start), f.start), u, _unsupported(u), "W301") for u in r.unsupported]
        starts_line = not text[line_start : f.start].strip()
        out.append(_place(r, f.display and not in_table, markdown, out, starts_line))
        at = f.end
    rest = text[at:]
    out.append(rest if markdown else rest.replace("\\$", "$"))
    return "".join(out), notes


def _place(r: Rendered, display: bool, markdown: bool, before: list[str], starts_line: bool) -> str:
    """A rendered formula as it goes into the prose: in the line, or as lines (a code block) of its own."""
    if len(r.lines) <= 1 or not display:
        line = r.lines[0] if r.lines else ""
        return _as_markdown(line, starts_line) if markdown else _as_text(line)
    lines = [_as_text(x) for x in r.lines]
    lead = "" if not before or "".join(before[-1:]).endswith("\n") else "\n"
    if not markdown:
        return lead + "\n".join(lines) + "\n"
    fence = "~~~" if any("```" in x for x in lines) else "```"
    return f"{lead}\n{fence}\n" + "\n".join(lines) + f"\n{fence}\n\n"


def _unsupported(source: str) -> str:
    """The warning for a construct outside the maths subset."""
    return (
        f"maths: {_short(source)} is not in the supported subset and is shown as source; "
        "see 'Maths' in docs/authoring.md"
    )


_LIVE = re.compile(r"(?<!\\)\{\{.*?\}\}", re.S)


def preview(text: str) -> str:
    """Plain prose read without running its lesson (the lesson list): maths rendered, each live number ``…``."""
    if "{{" in text:
        text = _LIVE.sub("…", text).replace("\\{{", "{{")
    return render_prose(text, markdown=False)[0]
