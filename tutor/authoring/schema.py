"""The lesson file's JSON Schema (draft-7), generated from the one description of the format.

Keys, patterns and limits come from :mod:`tutor.course.format`, the step kinds and the lesson-level numbers they
need from :mod:`tutor.course.steps`. The schema checks structure only (a name's meaning, a graph's maths and a
step's engine checks are the loader's), so every file it refuses the loader refuses too. ``lesson.schema.json``
beside this module is this schema written out for editors; a test keeps it equal to :func:`lesson_schema`, and
``python -m tutor.authoring.schema`` writes it again, with the step-kinds table and the warning codes of
``docs/authoring.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tutor.authoring.scaffold import SCHEMA_PATH
from tutor.course import format as fmt
from tutor.course import vary
from tutor.course.lintcodes import CODES
from tutor.course.steps import KINDS, SETTINGS, StepKind

_TEXT = {"type": ["string", "number", "null"]}  # the loader takes a number as its text, nothing as empty
_TEXT_OR_NUMBER = {"type": ["string", "number"]}  # a hint, a mistake's formula
_LEAVES = {"$ref": "#/definitions/leaves"}


def lesson_schema() -> dict[str, Any]:
    """The lesson file's JSON Schema."""
    properties: dict[str, Any] = {
        "format": {"description": fmt.LESSON_DOCS["format"], "const": fmt.FORMAT},
        "id": {"description": fmt.LESSON_DOCS["id"], "type": "string", "pattern": f"^{fmt.ID_PATTERN}$"},
        **{k: {"description": fmt.LESSON_DOCS[k], **_TEXT} for k in fmt.TEXT_KEYS},
        # draft-7 ignores the keys beside a $ref: a ref that needs company goes in allOf
        "inputs": {"description": fmt.LESSON_DOCS["inputs"], "allOf": [_LEAVES], "minProperties": 1},
        "constants": {"description": fmt.LESSON_DOCS["constants"], "allOf": [_LEAVES]},
        "graph": {
            "description": fmt.LESSON_DOCS["graph"],
            "type": "array",
            "minItems": 1,
            "maxItems": fmt.MAX_GRAPH_LINES,
            "items": {"type": "string", "pattern": f"^{fmt.ASSIGNMENT_PATTERN}"},
        },
        "steps": {
            "description": fmt.LESSON_DOCS["steps"],
            "type": "array",
            "minItems": 1,
            "maxItems": fmt.MAX_STEPS,
            "items": {"$ref": "#/definitions/step"},
        },
        "tolerance": {"$ref": "#/definitions/tolerance"},
        "lint": {"$ref": "#/definitions/lint"},
        "vary": {
            "description": fmt.LESSON_DOCS["vary"],
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"$ref": "#/definitions/name"},
            "additionalProperties": {"$ref": "#/definitions/vary_rule"},
        },
        **{
            s.name: {"description": s.doc, "type": "number", "exclusiveMinimum": s.above, "exclusiveMaximum": s.below}
            for s in SETTINGS.values()
        },
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://backprop-tutor.invalid/lesson.schema.json",
        "title": f"backprop-tutor lesson (format {fmt.FORMAT})",
        "description": "A lesson: inputs, constants, a graph of assignments, and the steps the learner computes. "
        "Reference: docs/authoring.md.",
        "type": "object",
        "required": list(fmt.REQUIRED_KEYS),
        "additionalProperties": False,
        "properties": properties,
        "definitions": _definitions(),
    }


def _definitions() -> dict[str, Any]:
    """Names, numbers, arrays, leaves, the tolerance, texts and the step."""
    number = {
        "description": "A finite number within ±1e6 (YAML 1.1 reads 1e-3 as text; it is accepted too).",
        "anyOf": [
            {"type": "number", "minimum": -fmt.MAX_VALUE, "maximum": fmt.MAX_VALUE},
            {"type": "string", "pattern": f"^{fmt.NUMBER_TEXT_PATTERN}$"},
        ],
    }
    side = {"minItems": 1, "maxItems": fmt.MAX_DIM}
    return {
        "name": {"type": "string", "pattern": f"^{fmt.NAME_PATTERN}$"},
        "number": number,
        "array": {
            "description": f"A number, a vector [1, 2] or a matrix [[1, 2], [3, 4]] (at most {fmt.MAX_DIM} a side, "
            f"{fmt.MAX_ENTRIES} entries).",
            "anyOf": [
                {"$ref": "#/definitions/number"},
                {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": fmt.MAX_ENTRIES,
                    "items": {"$ref": "#/definitions/number"},
                },
                {
                    "type": "array",
                    **side,
                    "items": {"type": "array", **side, "items": {"$ref": "#/definitions/number"}},
                },
            ],
        },
        "leaves": {
            "type": "object",
            "propertyNames": {"$ref": "#/definitions/name"},
            "additionalProperties": {"$ref": "#/definitions/array"},
        },
        "positive": {
            "description": "A positive number within 1e6 (YAML 1.1 reads 1e-3 as text; it is accepted too).",
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": fmt.MAX_VALUE},
                {"type": "string", "pattern": f"^{fmt.NUMBER_TEXT_PATTERN}$"},
            ],
        },
        "tolerance": {
            "description": fmt.TOLERANCE_DOC,
            "anyOf": [
                {"$ref": "#/definitions/positive"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {k: {"$ref": "#/definitions/positive"} for k in fmt.TOLERANCE_KEYS},
                },
            ],
        },
        "lint": _lint(),
        "step": _step(),
        "vary_rule": _vary_rule(number),
    }


def _vary_rule(number: dict[str, Any]) -> dict[str, Any]:
    """A ``vary:`` rule: its keys and their types (what they may hold together is the loader's to check)."""
    numbers = {"type": "array", "minItems": 1, "maxItems": vary.MAX_CHOICES, "items": {"$ref": "#/definitions/number"}}
    types: dict[str, Any] = {
        "range": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"$ref": "#/definitions/number"}},
        "step": {"$ref": "#/definitions/number"},
        "one_of": numbers,
        "avoid": numbers,
        "entries": {"type": "array", "minItems": 1},
        **{k: {"type": "boolean"} for k in vary.FLAGS},
    }
    return {
        "description": "How one input or constant varies: one of range (with step), one_of, entries, labels, "
        "one_hot; with avoid, distinct, not_symmetric.",
        "type": "object",
        "additionalProperties": False,
        "properties": {k: {"description": vary.RULE_DOCS[k], **types[k]} for k in vary.RULE_KEYS},
    }


def _step() -> dict[str, Any]:
    """A step: exactly one kind, with its target, and the step's other keys."""
    return {
        "type": "object",
        "additionalProperties": False,
        "oneOf": [{"required": [k.name]} for k in KINDS],
        "properties": {
            **{k.name: _target(k) for k in KINDS},
            "hint": {
                "description": fmt.STEP_DOCS["hint"],
                "anyOf": [_TEXT_OR_NUMBER, {"type": "array", "items": _TEXT_OR_NUMBER}],
            },
            "explain": {"description": fmt.STEP_DOCS["explain"], **_TEXT},
            "prompt": {"description": fmt.STEP_DOCS["prompt"], **_TEXT},
            "tolerance": {"$ref": "#/definitions/tolerance"},
            "given": {"description": fmt.STEP_DOCS["given"], "type": "boolean"},
            "lint": {"$ref": "#/definitions/lint"},
            "mistakes": {
                "description": fmt.STEP_DOCS["mistakes"],
                "type": "array",
                "maxItems": fmt.MAX_MISTAKES,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": list(fmt.MISTAKE_KEYS),
                    "properties": {
                        "answer": {"description": fmt.MISTAKE_DOCS["answer"], **_TEXT_OR_NUMBER},
                        "message": {"description": fmt.MISTAKE_DOCS["message"], **_TEXT},
                    },
                },
            },
        },
    }


def _lint() -> dict[str, Any]:
    """``lint: {allow: [W103, always-zero]}``: the warning codes (or names) a lesson or step allows."""
    code = {
        "type": "string",
        "enum": [c.code for c in CODES if c.code != "W501"] + [c.name for c in CODES if c.code != "W501"],
    }
    return {
        "description": fmt.LINT_DOC,
        "type": "object",
        "additionalProperties": False,
        "properties": {"allow": {"anyOf": [code, {"type": "array", "uniqueItems": True, "items": code}]}},
    }


def _target(kind: StepKind) -> dict[str, Any]:
    """A kind's key: its description and its target, NODE or NODE/INPUT (the kind's own fragment)."""
    target = f"{kind.target_text}: " if kind.target_text != "NODE" else ""
    return {"description": target + kind.doc, "type": "string", "pattern": kind.target_pattern()}


def schema_text() -> str:
    """The schema as the file holds it: two spaces an indent, a part that fits on one line on one line."""
    return _dump(lesson_schema(), "") + "\n"


def _dump(value: Any, indent: str) -> str:
    """JSON of ``value`` at ``indent``: on one line when that is short, else one entry a line."""
    flat = json.dumps(value, ensure_ascii=False)
    if len(indent) + len(flat) <= 100 or not isinstance(value, dict | list) or not value:
        return flat
    inner = indent + "  "
    if isinstance(value, list):
        items = [inner + _dump(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    items = [f"{inner}{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


def write_schema(path: Path = SCHEMA_PATH) -> None:
    """Write the schema out (for editors, beside this module)."""
    path.write_text(schema_text(), encoding="utf-8")


# ---------------------------------------------------------------- the author's guide

BEGIN = "<!-- step kinds: written by python -m tutor.authoring.schema from tutor/course/steps.py; do not edit -->"
END = "<!-- end of step kinds -->"


def kinds_table() -> str:
    """The author's guide's table of step kinds, and the lesson-level numbers they use, from the registry."""
    rows = ["| kind | target | asks for |", "|---|---|---|"]
    rows += [f"| `{k.example()}` | `{k.target_text}` | {k.doc} |" for k in KINDS]
    users = {s.name: [k.name for k in KINDS if s in k.settings] for s in SETTINGS.values()}
    numbers = [
        f"- `{s.name}` (a number between {s.above:g} and {s.below:g}, e.g. `{s.name}: {s.example}`; "
        f"{', '.join(f'`{u}`' for u in users[s.name])} steps need it): {s.doc}"
        for s in SETTINGS.values()
    ]
    return "\n".join([*rows, "", "Lesson-level numbers the kinds use:" + (" none." if not numbers else ""), *numbers])


def with_kinds_table(text: str) -> str:
    """``text`` with the part between BEGIN and END replaced by the current table; ValueError without them."""
    return _between(text, BEGIN, END, kinds_table())


CODES_BEGIN = (
    "<!-- warning codes: written by python -m tutor.authoring.schema from tutor/course/lintcodes.py; do not edit -->"
)
CODES_END = "<!-- end of warning codes -->"


def codes_section() -> str:
    """The author's guide's table of warning codes, then each code's example lesson, from the table of codes."""
    rows = ["| code | name | warns when |", "|---|---|---|"]
    rows += [f"| `{c.code}` | `{c.name}` | {c.what} |" for c in CODES]
    examples = [
        "",
        "Examples: each is the body of a lesson (after `format`, `id` and `title`) that triggers its code.",
        "",
    ]
    for c in CODES:
        if c.example:
            examples += [f"`{c.label}`:", "", "```yaml", c.example.rstrip("\n"), "```", ""]
    return "\n".join(rows + examples).rstrip("\n")


def with_codes_section(text: str) -> str:
    """``text`` with the part between CODES_BEGIN and CODES_END replaced by the current codes."""
    return _between(text, CODES_BEGIN, CODES_END, codes_section())


def _between(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with what stands between two markers replaced by ``body``; ValueError without them."""
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"the markers {begin!r} and {end!r} are missing")
    return text[: start + len(begin)] + "\n" + body + "\n" + text[stop:]


def main(argv: list[str]) -> int:
    """Write lesson.schema.json, and the step-kinds table of the author's guide (docs/authoring.md by default)."""
    write_schema()
    guide = Path(argv[0] if argv else "docs/authoring.md")
    guide.write_text(with_codes_section(with_kinds_table(guide.read_text(encoding="utf-8"))), encoding="utf-8")
    print(
        f"{SCHEMA_PATH} and {guide}: written from the format, the step kinds ({len(KINDS)} kinds) and the warning "
        f"codes ({len(CODES)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
