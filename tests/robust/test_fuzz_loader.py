"""Fuzz the lesson loader with mutated real lessons: no uncaught exception, every message located, nothing slow."""

from __future__ import annotations

import copy
import math
import time

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.course import Lesson, LessonError, parse_lesson, shipped_lessons_dir

SOURCES = [
    p.read_text(encoding="utf-8") for p in sorted(shipped_lessons_dir().glob("*.yaml")) if p.name != "course.yaml"
]
DATA = [yaml.safe_load(s) for s in SOURCES]
PER_CASE_BOUND = 5.0  # seconds; generous on a loaded 2-core machine, but catches runaway work

GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=10**300, max_value=10**450),  # OverflowError as floats (security review, finding 7)
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        ["nan", ".inf", "-.inf", "1e308", "1e-320", "x = ", "y = 2 * * x", "L = sum(", "@", "[[1, 2], [3]]"]
    ),
    st.sampled_from(["L = exp(-1e999)", "y = x * 1e400", "x\n", "0x" + "f" * 5000, "9" * 5000, "<<", "="]),
    st.lists(st.integers(-5, 5), max_size=4),
    st.lists(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)


def paths(node, prefix=()):
    """Every path into a nested structure."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, (*prefix, i))


def get(node, path):
    for p in path:
        node = node[p]
    return node


@st.composite
def mutated_lesson(draw):
    data = copy.deepcopy(draw(st.sampled_from(DATA)))
    for _ in range(draw(st.integers(1, 4))):
        all_paths = [p for p in paths(data) if p]
        if not all_paths:
            break
        path = draw(st.sampled_from(all_paths))
        parent = get(data, path[:-1])
        action = draw(st.sampled_from(["delete", "replace", "nest", "rename"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(GARBAGE)
        elif action == "nest":
            value = parent[path[-1]]
            for _ in range(draw(st.integers(1, 60))):
                value = [value]
            parent[path[-1]] = value
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = parent.pop(path[-1])
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def mangled_text(draw):
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "truncate", "delete"]))
        if action == "insert":
            text = text[:i] + draw(st.text(max_size=20)) + text[i:]
        elif action == "truncate":
            text = text[:i]
        else:
            text = text[:i] + text[i + draw(st.integers(1, 30)) :]
    return text


def check(text: str) -> None:
    t0 = time.perf_counter()
    try:
        lesson = parse_lesson(text, "fuzz.yaml")
    except LessonError as e:
        assert e.problems, "a refusal says why"
        for p in e.problems:
            assert p.file == "fuzz.yaml" and p.line >= 1 and p.col >= 1, p
            assert p.message and "Traceback" not in p.message
    else:
        assert isinstance(lesson, Lesson)
        for v in lesson.leaf_values().values():
            assert all(math.isfinite(x) for x in v.reshape(-1))
    assert time.perf_counter() - t0 < PER_CASE_BOUND


FUZZ = settings(max_examples=700, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@FUZZ
@given(mutated_lesson())
def test_mutated_lessons(text):
    check(text)


@FUZZ
@given(mangled_text())
def test_mangled_text(text):
    check(text)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=300))
def test_random_text(text):
    check(text)


BOMBS = [
    # billion laughs
    'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n",
    "x: " + "[" * 5000 + "]" * 5000 + "\n",
    "x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "format: 1\nid: big\n" + "k: " + "9" * 100000 + "\n",
    "!!python/object/apply:os.system ['true']\n",
    "format: 1\nid: x\ntitle: t\ninputs: {x: !!float 1e999}\ngraph: [L = x]\n",
    "format: 1\nid: x\ntitle: t\ninputs: {x: [[" + ", ".join(["1"] * 5000) + "]]}\ngraph: [L = sum(x)]\n",
    "format: 1\nid: x\ntitle: t\ninputs: {x: 2}\ngraph: [" + ", ".join(f"y{i} = x" for i in range(500)) + "]\n",
    "\x00\x01\x02",
    "format: 1\nid: x\ntitle: t\ninputs: {x: 800}\ngraph: [y = exp(x), L = y * 0]\n",
    "format: 1\nid: x\ntitle: t\ninputs: {x: 0.5}\ngraph: [L = log(x - 0.5)]\n",
    # security review, findings 6-8
    "format: 1\nid: x\n<<: {title: t}\ninputs: {x: 1}\ngraph: [L = x]\n",
    "format: 1\nid: x\ntitle: t\n=: 1\ninputs: {x: 1}\ngraph: [L = x]\n",
    "format: 1\nid: x\ntitle: t\ntolerance: " + "9" * 400 + "\ninputs: {x: 1}\ngraph: [L = x]\n",
    "format: 1\nid: x\ntitle: 0x" + "f" * 5000 + "\ninputs: {x: 1}\ngraph: [L = x]\n",
    "format: 1\nid: x\ntitle: t\ninputs: {x: 1}\ngraph: [y = exp(-1e999) + x, L = y]\n",
    "format: 1\nid: x\ntitle: t\ninputs: {x: " + "[" * 100000 + "1" + "]" * 100000 + "}\ngraph: [L = x]\n",
    "format: 1\nid: x\ntitle: t\ninputs: {c: ["
    + ", ".join(["[1]"] * 64)
    + "], v: ["
    + ", ".join(["1"] * 4096)
    + "]}\ngraph: [M = c + v, L = sum(M.T @ M)]\n",
    'format: 1\nid: "x\\n"\ntitle: t\ninputs: {x: 1}\ngraph: [L = x]\n',
    'format: 1\nid: x\ntitle: t\ninputs: {"x\\n": 1}\ngraph: [L = 2 * 3]\n',
    "format: 1\nid: x\ntitle: t\ninputs: {x: 1}\ngraph: [L = x]\n---\nformat: 1\n",
]


def test_bombs_and_hostile_documents():
    for text in BOMBS:
        check(text)
        try:
            parse_lesson(text, "fuzz.yaml")
        except LessonError:
            pass
        else:
            raise AssertionError(f"accepted: {text[:60]!r}")
