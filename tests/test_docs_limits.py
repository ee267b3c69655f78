"""docs/authoring.md's table of limits says what the code enforces: every row's number is its constant's value."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "authoring.md"
ROW = re.compile(r"^\| (?P<what>[^|]+) \| (?P<limit>[^|]+) \| `(?P<constant>[\w.]+)` \|$")


def limit_rows() -> list[tuple[str, str, str]]:
    """The rows of the Limits table: what, the limit as written, the constant's dotted path."""
    section = DOC.read_text(encoding="utf-8").split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    return [(m["what"], m["limit"], m["constant"]) for m in map(ROW.match, section.splitlines()) if m]


def test_the_limits_table_has_every_row_it_should():
    assert len(limit_rows()) >= 20


def test_every_limit_in_the_docs_is_the_constant_in_force():
    wrong = []
    for what, limit, constant in limit_rows():
        module, name = constant.rsplit(".", 1)
        value = getattr(importlib.import_module(module), name)
        written = re.search(r"[\d.]+", limit.replace("±", ""))
        assert written is not None, f"no number for {what!r}"
        if float(written.group()) != float(value):
            wrong.append(f"{what}: the docs say {limit}, {constant} is {value}")
    assert not wrong, "\n".join(wrong)
