"""The function table of the author's guide, written from the op table (``python -m tutor.engine.reference``).

``docs/authoring.md`` holds the table between :data:`BEGIN` and :data:`END`; a test checks that it is exactly
:func:`function_table`, and ``python -m tutor.engine.reference [PATH]`` rewrites it after an op is added.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tutor.engine.ops import OPS, Op

BEGIN = "<!-- functions: written by python -m tutor.engine.reference from tutor/engine/ops.py; do not edit -->"
END = "<!-- end of functions -->"


def _spelled(op: Op) -> str:
    """How an author calls the function, with its axis form when it takes one."""
    calls = [f"`{op.spell(op.names)}`"]
    if op.takes_axis:
        calls.append(f"`{op.spell(op.names, 0)}`")
    return ", ".join(calls)


def _meaning(op: Op) -> str:
    """What the function computes, with its domain."""
    return op.doc + (f" ({', '.join(op.requires)})" if op.requires else "")


def _unwrapped(text: str) -> str:
    """A note in parentheses without them (``(Jacobian: ...)``); a formula such as ``(p − t)/N`` as it is."""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return text[1:-1] if i == len(text) - 1 and text.startswith("(") else text
    return text


def _local(op: Op) -> str:
    """The local derivatives a learner is shown, one per operand."""
    texts = [_unwrapped(text.format(*op.names, out="y")) for text in op.local]
    if op.operands == 1:
        return f"`{texts[0]}`"
    return "; ".join(f"∂/∂{name}: `{text}`" for name, text in zip(op.names, texts, strict=True))


def _cell(text: str) -> str:
    """Text for a markdown table cell (a ``|`` would end the cell)."""
    return text.replace("|", "\\|")


def function_table() -> str:
    """The markdown table of every function of the language, in the op table's order."""
    rows = [
        "| function | meaning | local derivative shown to the learner |",
        "|---|---|---|",
        *(
            f"| {_spelled(op)} | {_cell(_meaning(op))} | {_cell(_local(op))} |"
            for op in OPS.values()
            if op.syntax == "call"
        ),
    ]
    return "\n".join(rows)


def rewrite(text: str) -> str:
    """``text`` with the part between BEGIN and END replaced by the current table; ValueError without them."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {BEGIN!r} and {END!r} are missing")
    return text[: start + len(BEGIN)] + "\n" + function_table() + "\n" + text[end:]


def main(argv: list[str]) -> int:
    """Rewrite the table in the given file (docs/authoring.md by default)."""
    path = Path(argv[0] if argv else "docs/authoring.md")
    path.write_text(rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
    functions = sum(op.syntax == "call" for op in OPS.values())
    print(f"{path}: the function table written from the op table ({functions} functions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
