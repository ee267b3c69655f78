"""One description of the lesson format: the loader, the lesson-list index and the JSON Schema agree.

The schema checks structure only, so it may accept a file the loader refuses (an unknown name, a graph that does
not compute); never the other way round: every file the schema refuses, the loader and the index refuse too, and
the index never refuses a file the loader takes. Checked over the broken corpus and over generated files that
probe each key, type, pattern and limit of tutor.course.format at and just beyond its bound.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import ROOT, SHIPPED

from tutor.authoring import SCHEMA_PATH, load_schema
from tutor.authoring.schema import BEGIN, END, kinds_table, lesson_schema, schema_text
from tutor.course import LessonError, load_lesson
from tutor.course import format as fmt
from tutor.course.index import index_entry
from tutor.course.steps import KINDS, SETTINGS

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))
TEST_LESSONS = sorted(
    p for d in ("tests/reveal/lessons", "tests/grading/lessons", "tests/ui/lessons") for p in (ROOT / d).glob("*.yaml")
)
VALIDATOR = jsonschema.Draft7Validator(load_schema())


def outcomes(path: Path) -> tuple[bool, bool, bool]:
    """Whether the schema, the loader and the index accept the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        schema = False
    else:
        schema = VALIDATOR.is_valid(data)
    return schema, _accepts(load_lesson, path), _accepts(index_entry, path)


def _accepts(read: Callable[[Path], Any], path: Path) -> bool:
    try:
        read(path)
    except LessonError:
        return False
    return True


def test_the_schema_file_is_the_generated_schema():
    """lesson.schema.json is lesson_schema() written out (python -m tutor.authoring.schema refreshes it)."""
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()
    assert load_schema() == lesson_schema()
    jsonschema.Draft7Validator.check_schema(lesson_schema())


def test_the_guides_step_kinds_are_the_registrys():
    guide = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    written = guide[guide.index(BEGIN) + len(BEGIN) : guide.index(END)].strip()
    assert written == kinds_table(), "run: python -m tutor.authoring.schema"
    assert all(f"`{k.example()}`" in written for k in KINDS)


#: broken files only validate refuses: the lesson loads (the app can show it), but a mistake can never fire, which
#: takes the grader to see (tutor.authoring.check_mistakes)
NEVER_FIRES = {
    "mistake-unknown-name",
    "mistake-not-computable",
    "mistake-is-the-answer",
    "mistake-right-here-only",
    "mistake-shadowed",
}


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_a_broken_file_the_schema_refuses_the_loader_and_index_refuse(path: Path):
    schema, loader, index = outcomes(path)
    if path.stem in NEVER_FIRES:
        assert loader and index and schema, f"{path.name} should load: only validate's mistake check refuses it"
        return
    assert not loader, f"{path.name} is in the broken corpus but loads"
    if not schema:
        assert not index, f"the schema refuses {path.name}, the index takes it"
    if not index:
        assert not loader


def test_the_schema_refuses_the_structural_half_of_the_broken_corpus():
    """The review counted 26 of 51; the schema now also sees the ones its $ref siblings used to hide."""
    refused = [p.stem for p in BROKEN if not outcomes(p)[0]]
    assert len(refused) >= 30, refused
    assert {"no-inputs", "step-unknown-kind", "unknown-lesson-field", "mistake-message-boolean"} <= set(refused)


@pytest.mark.parametrize("path", SHIPPED + TEST_LESSONS, ids=[p.stem for p in SHIPPED + TEST_LESSONS])
def test_index_and_loader_give_the_same_step_ids(path: Path):
    lesson = load_lesson(path)
    entry = index_entry(path)
    assert entry.step_ids == tuple(s.id for s in lesson.steps)
    assert (entry.id, entry.title) == (lesson.id, lesson.title or path.stem)
    assert VALIDATOR.is_valid(yaml.safe_load(path.read_text(encoding="utf-8"))), path.name


# ---------------------------------------------------------------- generated files

BASE: dict[str, Any] = {
    "format": 1,
    "id": "generated",
    "title": "Generated",
    "summary": "a lesson the test changes one piece at a time",
    "inputs": {"x": 1.5, "w": [0.5, -1.25]},
    "constants": {"t": 4.0},
    "graph": ["y = w * x", "L = sum((y - t) ** 2)"],
    "steps": [
        {"value": "y", "hint": ["first", 2]},
        {"local": "y / w", "explain": "elementwise", "tolerance": 0.02},
        {"grad": "x", "mistakes": [{"answer": "dy", "message": "that is the upstream delta"}]},
        {"jacobian": "y/x"},
    ],
}


def at(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    """A change: set the value at ``path`` (a missing value deletes the key)."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path
        holder = data
        for p in parents:
            holder = holder[p]
        if value is _DELETE:
            del holder[last]
        else:
            holder[last] = value

    return change


_DELETE = object()


class _Plain(yaml.SafeDumper):
    """Writes repeated values out (a lesson file has no anchors)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


MAX_NAME = "n" * 32

#: (name, change, whether every reader must take it (True), refuse it (False), or either (None))
CASES: list[tuple[str, Callable[[dict[str, Any]], None], bool | None]] = [
    ("base", lambda d: None, True),
    *((f"without-{k}", at((k,), _DELETE), False) for k in fmt.REQUIRED_KEYS),
    ("without-summary", at(("summary",), _DELETE), True),
    ("without-steps", at(("steps",), _DELETE), True),
    ("without-constants", at(("constants",), _DELETE), None),  # the graph uses t: the loader alone says so
    ("unknown-key", at(("author",), "me"), False),
    ("format-2", at(("format",), 2), False),
    ("format-true", at(("format",), True), False),
    ("format-text", at(("format",), "1"), False),
    ("id-upper", at(("id",), "Generated"), False),
    ("id-64", at(("id",), "g" * 64), True),
    ("id-65", at(("id",), "g" * 65), False),
    ("id-number", at(("id",), 123), False),
    ("id-empty", at(("id",), None), False),
    ("title-number", at(("title",), 2024), True),
    ("title-list", at(("title",), ["a"]), False),
    ("title-boolean", at(("title",), True), False),
    ("summary-mapping", at(("summary",), {"a": 1}), False),
    ("inputs-empty", at(("inputs",), {}), False),
    ("inputs-list", at(("inputs",), [1.5]), False),
    ("inputs-null", at(("inputs",), None), False),
    ("constants-null", at(("constants",), None), False),
    ("name-32", at(("inputs", MAX_NAME), 1.0), True),
    ("name-33", at(("inputs", MAX_NAME + "n"), 1.0), False),
    ("name-digit", at(("inputs", "2x"), 1.0), False),
    ("name-dash", at(("inputs", "a-b"), 1.0), False),
    ("number-max", at(("inputs", "x"), 1_000_000), True),
    ("number-over-max", at(("inputs", "x"), 1_000_001), False),
    ("number-below-min", at(("inputs", "x"), -1_000_001.0), False),
    ("number-text-exponent", at(("inputs", "x"), "1e-3"), True),
    ("number-text-point", at(("inputs", "x"), ".5"), True),
    ("number-text-underscore", at(("inputs", "x"), "1_000"), False),
    ("number-text-word", at(("inputs", "x"), "one"), False),
    ("number-text-inf", at(("inputs", "x"), "inf"), False),
    ("number-inf", at(("inputs", "x"), float("inf")), False),
    ("number-nan", at(("inputs", "x"), float("nan")), None),  # JSON Schema cannot tell NaN: the loader refuses it
    ("number-boolean", at(("inputs", "x"), True), False),
    ("number-null", at(("inputs", "x"), None), False),
    ("vector-empty", at(("inputs", "w"), []), False),
    ("vector-max", at(("constants", "v"), [1.0] * fmt.MAX_ENTRIES), True),
    ("vector-over-max", at(("constants", "v"), [1.0] * (fmt.MAX_ENTRIES + 1)), False),
    ("matrix-max", at(("constants", "M"), [[1.0] * fmt.MAX_DIM] * fmt.MAX_DIM), True),
    ("matrix-wide", at(("constants", "M"), [[1.0] * (fmt.MAX_DIM + 1)]), False),
    ("matrix-tall", at(("constants", "M"), [[1.0]] * (fmt.MAX_DIM + 1)), False),
    ("matrix-ragged", at(("constants", "M"), [[1.0, 2.0], [3.0]]), None),  # rows of one length: the readers
    ("matrix-mixed", at(("constants", "M"), [[1.0], 2.0]), False),
    ("matrix-3-levels", at(("constants", "M"), [[[1.0]]]), False),
    ("matrix-empty-row", at(("constants", "M"), [[]]), False),
    ("graph-empty", at(("graph",), []), False),
    ("graph-text", at(("graph",), "L = x"), False),
    ("graph-item-number", at(("graph", 0), 3), False),
    ("graph-item-no-assignment", at(("graph", 0), "w * x"), False),
    ("graph-item-equality", at(("graph", 0), "y == w * x"), False),
    ("graph-item-no-expression", at(("graph", 0), "y ="), None),  # the language's parser says what is missing
    ("graph-max", at(("graph",), [f"a{i} = x * {i + 1}" for i in range(fmt.MAX_GRAPH_LINES - 1)] + ["L = a0"]), None),
    ("graph-over-max", at(("graph",), [f"a{i} = x * {i + 1}" for i in range(fmt.MAX_GRAPH_LINES)] + ["L = a0"]), False),
    ("steps-empty", at(("steps",), []), False),
    ("steps-null", at(("steps",), None), False),
    ("steps-mapping", at(("steps",), {"grad": "x"}), False),
    ("step-text", at(("steps", 0), "grad: x"), False),
    ("step-no-kind", at(("steps", 0), {"hint": "h"}), False),
    ("step-two-kinds", at(("steps", 0), {"value": "y", "grad": "y"}), False),
    ("step-unknown-kind", at(("steps", 0), {"vjp": "y/x"}), False),
    ("step-unknown-key", at(("steps", 0, "hnit"), "h"), False),
    ("step-target-number", at(("steps", 0, "value"), 3), False),
    ("step-target-empty", at(("steps", 0, "value"), " "), False),
    ("step-target-expression", at(("steps", 0, "value"), "y + 1"), False),
    ("step-target-pair-for-one", at(("steps", 0, "value"), "y/x"), False),
    ("step-pair-without-input", at(("steps", 1, "local"), "y"), False),
    ("step-pair-without-node", at(("steps", 1, "local"), "/x"), False),
    ("step-pair-three", at(("steps", 1, "local"), "y/x/w"), False),
    ("step-name-33", at(("steps", 0, "value"), MAX_NAME + "n"), False),
    ("hint-number", at(("steps", 0, "hint"), 3), True),
    ("hint-mapping", at(("steps", 0, "hint"), {"a": 1}), False),
    ("hint-boolean", at(("steps", 0, "hint"), True), False),
    ("hint-list-of-lists", at(("steps", 0, "hint"), [["a"]]), False),
    ("explain-number", at(("steps", 1, "explain"), 12), True),
    ("explain-list", at(("steps", 1, "explain"), ["a"]), False),
    ("prompt-boolean", at(("steps", 1, "prompt"), False), False),
    ("step-tolerance-0", at(("steps", 1, "tolerance"), 0), False),
    ("step-tolerance-1", at(("steps", 1, "tolerance"), 1), True),  # any positive value
    ("step-tolerance-text", at(("steps", 1, "tolerance"), "1e-3"), True),  # YAML 1.1 reads 1e-3 as text
    ("step-tolerance-word", at(("steps", 1, "tolerance"), "tight"), False),
    ("tolerance-small", at(("tolerance",), 1e-9), True),
    ("tolerance-large", at(("tolerance",), 5), True),
    ("tolerance-over-max", at(("tolerance",), 1_000_001), False),
    ("tolerance-negative", at(("tolerance",), -0.1), False),
    ("tolerance-boolean", at(("tolerance",), True), False),
    ("tolerance-list", at(("tolerance",), [0.1]), False),
    ("tolerance-rel-abs", at(("tolerance",), {"rel": 1e-6, "abs": 1e-9}), True),
    ("tolerance-abs-only", at(("steps", 1, "tolerance"), {"abs": "1e-9"}), True),
    ("tolerance-empty-mapping", at(("tolerance",), {}), False),
    ("tolerance-unknown-part", at(("tolerance",), {"relative": 0.1}), False),
    ("tolerance-abs-0", at(("tolerance",), {"abs": 0}), False),
    ("lint-allow", at(("lint",), {"allow": ["W103", "always-zero"]}), True),
    ("lint-allow-one", at(("steps", 2, "lint"), {"allow": "W208"}), True),
    ("lint-allow-nothing", at(("lint",), {}), True),
    ("lint-not-mapping", at(("lint",), ["W103"]), False),
    ("lint-unknown-key", at(("lint",), {"ignore": ["W103"]}), False),
    ("lint-unknown-code", at(("lint",), {"allow": ["W999"]}), False),
    ("lint-lowercase-code", at(("lint",), {"allow": ["w103"]}), False),
    ("lint-code-twice", at(("lint",), {"allow": ["W103", "W103"]}), False),
    ("lint-allow-unused-code", at(("steps", 0, "lint"), {"allow": ["W501"]}), False),
    ("lint-allow-number", at(("lint",), {"allow": [103]}), False),
    ("mistakes-mapping", at(("steps", 2, "mistakes"), {"answer": "dy", "message": "m"}), False),
    ("mistakes-max", at(("steps", 2, "mistakes"), [{"answer": f"{i} * dy", "message": "m"} for i in range(30)]), True),
    ("mistakes-over-max", at(("steps", 2, "mistakes"), [{"answer": "dy", "message": "m"}] * 31), False),
    ("mistake-no-message", at(("steps", 2, "mistakes", 0), {"answer": "dy"}), False),
    ("mistake-no-answer", at(("steps", 2, "mistakes", 0), {"message": "m"}), False),
    ("mistake-extra-key", at(("steps", 2, "mistakes", 0, "why"), "x"), False),
    ("mistake-answer-number", at(("steps", 2, "mistakes", 0, "answer"), 3), True),
    ("mistake-answer-list", at(("steps", 2, "mistakes", 0, "answer"), [1, 2]), False),
    ("mistake-message-boolean", at(("steps", 2, "mistakes", 0, "message"), False), False),
    ("mistake-message-list", at(("steps", 2, "mistakes", 0, "message"), ["m"]), False),
    *((f"kind-{k.name}-number", at(("steps", 0), {k.name: 1}), False) for k in KINDS),
    *(
        (f"{s.name}-{what}", at((s.name,), value), ok)
        for s in SETTINGS.values()
        for what, value, ok in (("ok", float(s.example), True), ("at-bound", s.below, False), ("text", "0.1", False))
    ),
]
#: the steps at their bound: MAX_STEPS distinct steps take (graph lines of their own), one more does not
STEPS_GRAPH = [f"a{i} = x * {i + 1}" for i in range(fmt.MAX_STEPS // 2)] + ["L = a0"]
STEPS = [{"value": f"a{i}"} for i in range(fmt.MAX_STEPS // 2)] + [{"grad": f"a{i}"} for i in range(fmt.MAX_STEPS // 2)]
CASES += [
    ("steps-max", lambda d: d.update(graph=STEPS_GRAPH, steps=STEPS[: fmt.MAX_STEPS]), True),
    ("steps-over-max", lambda d: d.update(graph=STEPS_GRAPH, steps=[*STEPS, {"grad": "x"}]), False),
]


@pytest.mark.parametrize(("name", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_schema_loader_and_index_agree(name, change, expected, tmp_path):
    data = copy.deepcopy(BASE)
    change(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.dump(data, Dumper=_Plain, sort_keys=False, allow_unicode=True), encoding="utf-8")
    schema, loader, index = outcomes(path)
    if expected is not None:
        assert (schema, loader, index) == (expected,) * 3, path.read_text(encoding="utf-8")[:2000]
    if not schema:
        assert not loader and not index
    if not index:
        assert not loader


def test_the_limits_are_the_formats():
    """The schema's numbers are the loader's constants (a change to one is a change to both)."""
    s = lesson_schema()
    d = s["definitions"]
    assert s["properties"]["graph"]["maxItems"] == fmt.MAX_GRAPH_LINES == 200
    assert s["properties"]["steps"]["maxItems"] == fmt.MAX_STEPS == 300
    assert d["step"]["properties"]["mistakes"]["maxItems"] == fmt.MAX_MISTAKES == 30
    vector, matrix = d["array"]["anyOf"][1:]
    assert vector["maxItems"] == fmt.MAX_ENTRIES == 4096
    assert matrix["maxItems"] == matrix["items"]["maxItems"] == fmt.MAX_DIM == 64
    assert d["number"]["anyOf"][0]["maximum"] == fmt.MAX_VALUE == 1_000_000
    assert d["name"]["pattern"] == f"^{fmt.NAME_PATTERN}$" and s["properties"]["id"]["pattern"] == f"^{fmt.ID_PATTERN}$"
    assert s["required"] == list(fmt.REQUIRED_KEYS) and list(s["properties"]) == list(fmt.LESSON_KEYS)
    assert [o["required"] for o in d["step"]["oneOf"]] == [[k.name] for k in KINDS]
