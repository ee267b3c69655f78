"""Endless drills: a fresh small computation graph per seed, written as a lesson file and checked like one.

Levels: 1, two scalar ops; 2, an activation (sigmoid, tanh or relu) and a value that fans out; 3, a vector
and a matrix product; 4, a layer with a loss. A drill is drawn from the level and the seed alone (NumPy's
``default_rng``), written as YAML with explicit steps (every value forward, then every local derivative and
delta backward), parsed by the lesson loader and kept only when the linter has nothing to say; otherwise the
next draw of the same seed is tried, at most :data:`MAX_TRIES` times. Every op it writes is in the op table
(``tutor.engine.ops.OPS``). No Textual and no torch here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tutor.course import Lesson
from tutor.course.load import parse_lesson
from tutor.course.problems import LessonError
from tutor.drill_notes import Note, delta_note, local_note, value_note
from tutor.engine.ops import OPS
from tutor.engine.shapes import expr_shape
from tutor.lang import names_in, parse
from tutor.lang.syntax import Expr

LEVELS = (1, 2, 3, 4)
MAX_TRIES = 30  # draws tried for one seed before the level is said to give no clean drill
MAX_SEED = 2**63 - 1
LEVEL_NAMES = {
    1: "two scalar ops",
    2: "an activation and a fan-out",
    3: "a vector and a matrix product",
    4: "a layer with a loss",
}


class DrillError(ValueError):
    """No clean drill could be drawn (or the level or seed is out of range); the message says what to do."""


@dataclass(frozen=True)
class Graph:
    """A drawn graph: its leaves (inputs and constants, with values), its lines, and what it is about."""

    inputs: dict[str, Any]
    constants: dict[str, Any]
    lines: list[str]
    about: str
    vary: dict[str, str] = field(default_factory=dict)  # a leaf's vary: rule, where it is not NUMBERS


def number_rule(low: float = -2.0, high: float = 2.0) -> str:
    """The ``vary:`` rule that draws what :func:`_num` draws: quarters from low to high, never 0 or ±1."""
    avoid = ", ".join(f"{v:g}" for v in (-1, 0, 1) if low <= v <= high)
    return f"{{range: [{low:g}, {high:g}], step: 0.25, avoid: [{avoid}]}}"


def _num(rng: np.random.Generator, low: float = -2.0, high: float = 2.0) -> float:
    """A number a learner can compute with: a quarter, never 0 or ±1 (they hide slips)."""
    while True:
        x = round(float(rng.uniform(low, high)) * 4) / 4
        if abs(x) not in (0.0, 1.0):
            return x


def _matrix(rng: np.random.Generator, rows: int, cols: int) -> list[list[float]]:
    """A small matrix of such numbers."""
    return [[_num(rng) for _ in range(cols)] for _ in range(rows)]


def _level_1(rng: np.random.Generator) -> Graph:
    """Two scalar ops: u = x ∘ w, then L from u."""
    first = str(rng.choice(["x * w", "x + w", "x - w", "w * x"]))
    second = str(rng.choice(["(u - t) ** 2", "u * t", "exp(u)", "u ** 3"]))
    constants = {"t": _num(rng)} if "t" in second else {}
    return Graph({"x": _num(rng), "w": _num(rng)}, constants, [f"u = {first}", f"L = {second}"], "two scalar ops")


def _level_2(rng: np.random.Generator) -> Graph:
    """u = w·x feeds an activation and, once more, the loss: its delta adds two paths."""
    act = str(rng.choice(["sigmoid", "tanh", "relu"]))
    tail = str(rng.choice(["a * u", "a + u * t", "(a - t) ** 2 + u"]))
    constants = {"t": _num(rng)} if "t" in tail else {}
    lines = ["u = w * x + b", f"a = {act}(u)", f"L = {tail}"]
    return Graph({"w": _num(rng), "x": _num(rng), "b": _num(rng)}, constants, lines, f"{act} and a fan-out")


def _level_3(rng: np.random.Generator) -> Graph:
    """s = W @ x, then a scalar from the vector s."""
    rows, cols = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    tail = str(rng.choice(["sum(s * s)", "dot(s, c)", "mean(s ** 2)"]))
    constants: dict[str, Any] = {"c": [_num(rng) for _ in range(rows)]} if "c" in tail else {}
    inputs = {"W": _matrix(rng, rows, cols), "x": [_num(rng) for _ in range(cols)]}
    return Graph(inputs, constants, ["s = W @ x", f"L = {tail}"], f"a {rows}×{cols} matrix product")


def _level_4(rng: np.random.Generator) -> Graph:
    """A layer Z = X @ W + b with an activation and a loss over a batch."""
    n, d, k = int(rng.integers(2, 4)), 2, int(rng.integers(1, 3))
    act, loss = [("sigmoid", "bce"), ("sigmoid", "mse"), ("tanh", "mse")][int(rng.integers(0, 3))]
    labels = [[float(rng.integers(0, 2)) for _ in range(k)] for _ in range(n)]
    vary = {"b": number_rule(-0.5, 0.5), "Y": "{labels: true}"}
    if loss == "mse":
        labels = [[_num(rng, -0.75, 0.75) for _ in range(k)] for _ in range(n)]
        vary["Y"] = number_rule(-0.75, 0.75)
    inputs = {"W": _matrix(rng, d, k), "b": [[_num(rng, -0.5, 0.5) for _ in range(k)]]}
    constants = {"X": _matrix(rng, n, d), "Y": labels}
    lines = ["Z = X @ W + b", f"A = {act}(Z)", f"L = {loss}(A, Y)"]
    return Graph(inputs, constants, lines, f"a {act} layer with {loss} over {n} samples", vary)


DRAW = {1: _level_1, 2: _level_2, 3: _level_3, 4: _level_4}
USED_OPS = ("add", "sub", "mul", "pow", "exp", "sigmoid", "tanh", "relu", "matmul", "sum", "mean", "dot", "bce", "mse")


def _yaml_value(value: object) -> str:
    """A leaf's value in YAML flow style (numbers and nested lists only)."""
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    return repr(float(value))  # type: ignore[arg-type]


def _steps(graph: Graph) -> list[tuple[str, str]]:
    """Values forward; then, from the output down, each node's locals to its inputs, and each delta as soon as
    every node it feeds has been passed (a value that fans out gets its delta once, after both paths)."""
    nodes = [
        (name, [n for n in dict.fromkeys(names_in(expr)) if n not in graph.constants]) for name, expr in _parsed(graph)
    ]
    out = [("value", name) for name, _ in nodes]
    passed: set[str] = set()
    whole = {name for name, line in zip((n for n, _ in nodes), graph.lines, strict=True) if _not_elementwise(line)}
    for name, used in reversed(nodes):
        if name not in whole:  # a matrix product or a reduction has a Jacobian, not a local: its delta is asked
            out += [("local", f"{name}/{u}") for u in used]
        passed.add(name)
        for u in used:
            feeds = [n for n, us in nodes if u in us]
            if all(n in passed for n in feeds) and ("grad", u) not in out:
                out.append(("grad", u))
    return out


def _parsed(graph: Graph) -> list[tuple[str, Expr]]:
    """The graph's lines as (node, expression)."""
    found = []
    for line in graph.lines:
        name, expr = (part.strip() for part in line.split("=", 1))
        found.append((name, parse(expr)))
    return found


def _summed(graph: Graph) -> frozenset[str]:
    """The inputs broadcast over the rows of a node they are added to (a layer's bias): their delta sums rows."""
    shapes: dict[str, tuple[int, ...]] = {k: np.shape(v) for k, v in {**graph.inputs, **graph.constants}.items()}
    found = set()
    for name, expr in _parsed(graph):
        shapes[name] = expr_shape(expr, shapes)[0]
        found |= {n for n in names_in(expr) if n in graph.inputs and np.prod(shapes[n]) < np.prod(shapes[name])}
    return frozenset(n for n in found if len(shapes[n]) == 2 and shapes[n][0] == 1)


def _note(graph: Graph, kind: str, target: str) -> Note:
    """The hints and explanation of one step, from the op table."""
    lines = dict(_parsed(graph))
    if kind == "value":
        return value_note(target, lines[target])
    if kind == "local":
        node, wrt = target.split("/")
        return local_note(node, lines[node], wrt)
    users = [(n, e) for n, e in lines.items() if target in names_in(e)]
    return delta_note(target, users, _summed(graph))


def _step_yaml(graph: Graph, kind: str, target: str) -> list[str]:
    """One step in the lesson file: its kind and target, its hints and its explanation (JSON strings are YAML)."""
    note = _note(graph, kind, target)
    hints = ", ".join(json.dumps(h, ensure_ascii=False) for h in note.hints)
    return [
        f"  - {kind}: {target}",
        f"    hint: [{hints}]",
        f"    explain: {json.dumps(note.explain, ensure_ascii=False)}",
    ]


def _not_elementwise(line: str) -> bool:
    """Whether a graph line's node mixes entries (a matrix product, a sum, a mean, a dot product, a loss)."""
    expr = line.split("=", 1)[1]
    return "@" in expr or any(f"{f}(" in expr for f in ("sum", "mean", "dot", "bce", "mse"))


def drill_yaml(level: int, seed: int, attempt: int = 0) -> str:
    """The lesson file of one draw of a drill (not yet checked)."""
    rng = np.random.default_rng([level, seed, attempt])
    graph = DRAW[level](rng)
    lesson_id = f"drill-{level}-{seed}"
    lines = [
        "format: 1",
        f"id: {lesson_id}",
        f"title: 'Drill, level {level}: {graph.about}'",
        f"summary: 'A generated drill (level {level}, seed {seed}): values forward, then locals and deltas back.'",
        "inputs:",
        *(f"  {k}: {_yaml_value(v)}" for k, v in graph.inputs.items()),
    ]
    if graph.constants:
        lines += ["constants:", *(f"  {k}: {_yaml_value(v)}" for k, v in graph.constants.items())]
    lines += ["vary:  # new numbers for practice and for a review of a step: the same graph, drawn like the drill's"]
    lines += [f"  {k}: {graph.vary.get(k, number_rule())}" for k in (*graph.inputs, *graph.constants)]
    lines += ["graph:", *(f"  - {line}" for line in graph.lines), "steps:"]
    lines += [row for kind, target in _steps(graph) for row in _step_yaml(graph, kind, target)]
    return "\n".join(lines) + "\n"


def make_drill(level: int, seed: int) -> tuple[str, Lesson]:
    """A clean drill: its YAML and the loaded lesson; DrillError when no draw of this seed is clean."""
    if level not in LEVELS:
        raise DrillError(f"level {level} does not exist: choose 1 to {LEVELS[-1]}")
    if not 0 <= seed <= MAX_SEED:
        raise DrillError(f"seed {seed} is out of range: choose 0 to {MAX_SEED}")
    from tutor.authoring.lint import lint_report
    from tutor.authoring.variants import check_variants

    last = ""
    for attempt in range(MAX_TRIES):
        text = drill_yaml(level, seed, attempt)
        try:
            lesson = parse_lesson(text, file=f"drill-{level}-{seed}.yaml")
        except LessonError as e:
            last = str(e.problems[0])
            continue
        report = lint_report(lesson)
        if report.warnings:
            last = str(report.warnings[0])
            continue
        unvaried = check_variants(lesson, warnings=[])  # what validate checks: the vary: rules give a clean variant
        if not unvaried:
            return text, lesson
        last = str(unvaried[0])
    raise DrillError(f"no clean drill at level {level} for seed {seed} in {MAX_TRIES} draws (the last: {last})")


def check_op_table() -> list[str]:
    """The ops a drill writes that the op table does not have (empty: every one is there)."""
    return [name for name in USED_OPS if name not in OPS]


RECENT_STEPS = 12  # drill steps the adaptive level looks back over
UP_RATE, DOWN_RATE = 0.8, 0.5  # first-try rates that move the level up or down


def adapted_level(records: list[tuple[str, str, list[bool]]]) -> int:
    """The next drill's level from the learner's recent drills: ``(lesson id, updated, first tries)`` per drill.

    The level of the latest drill, one up when at least 80% of the last steps were right at the first try, one
    down under 50%; level 1 for a learner with no drills yet.
    """
    drills = sorted((r for r in records if level_of(r[0]) is not None), key=lambda r: r[1])
    if not drills:
        return 1
    level = level_of(drills[-1][0]) or 1
    recent = [ok for _, _, tries in drills for ok in tries][-RECENT_STEPS:]
    if len(recent) < 4:
        return level
    rate = sum(recent) / len(recent)
    if rate >= UP_RATE:
        return min(level + 1, LEVELS[-1])
    if rate < DOWN_RATE:
        return max(level - 1, LEVELS[0])
    return level


def remade(lesson_id: str, path: Path) -> Lesson | None:
    """A drill made again from its id (``drill-L-S``) as ``drill`` makes it now, standing at ``path`` (where it was
    saved): for a review whose drill file is gone, or was saved before drills had a ``vary:`` section. None for
    another lesson's id, or when the drill cannot be made."""
    level = level_of(lesson_id)
    seed = lesson_id.rsplit("-", 1)[-1]
    if level is None or not seed.isdigit() or len(seed) > 19:
        return None
    try:
        text, _ = make_drill(level, int(seed))
        return parse_lesson(text, file=str(path), path=path)
    except (DrillError, LessonError):
        return None


def level_of(lesson_id: str) -> int | None:
    """The level of a drill's lesson id (``drill-L-S``), None for any other lesson."""
    parts = lesson_id.split("-")
    if len(parts) == 3 and parts[0] == "drill" and parts[1].isdigit() and int(parts[1]) in LEVELS:
        return int(parts[1])
    return None
