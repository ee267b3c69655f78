"""Show untrusted text (lesson prose, file names, typed answers) so that a terminal never interprets it.

Control characters (C0 except newline and tab, DEL, C1), Unicode bidi overrides and isolates (which can make
text read differently from what it is) and lone surrogates are replaced by visible escapes such as ``\\x1b``
or ``\\u202e``. Everything else, including every printable non-ASCII character (∂, σ, ü, 中), is kept.
This is the one place that decides what is safe to print; the CLI and the app both call it. JSON output
does not: ``json.dumps`` escapes control characters itself and must stay exact.
"""

from __future__ import annotations

import re

#: bidi embeddings, overrides and isolates, and the implicit marks: invisible, and they reorder text
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    code = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if ch == "\r":
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character escaped, newlines and tabs kept."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """``text`` as one line: newlines, tabs and every other control character escaped."""
    return _UNSAFE_ONE_LINE.sub(_escape, text)


def has_unsafe(text: str) -> bool:
    """Whether :func:`printable` would change ``text``."""
    return _UNSAFE.search(text) is not None
