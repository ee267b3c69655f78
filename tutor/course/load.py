"""Read a lesson file into a :class:`Lesson`, reporting every problem ``file:line:col``.

Besides the structure it runs the engine once: unknown names, shape mismatches, NaN or infinite
values and steps that cannot be computed are errors, located at the offending line.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from tutor.course.index import content_hash, default_step_ids, read_lesson_text
from tutor.course.model import DEFAULT_TOLERANCE, STEP_KINDS, Lesson, Mistake, Step
from tutor.course.problems import LessonError, Problem
from tutor.course.prose import check_prose, show_lesson
from tutor.course.yamlpos import Located, load_located
from tutor.engine import (
    Assignment,
    EvalError,
    Program,
    build,
    jacobian_problem,
    jacobian_work,
    leaf,
    local_problem,
    op_of,
    run,
)
from tutor.engine.program import MAX_JACOBIAN_WORK
from tutor.engine.shapes import program_shapes
from tutor.lang import FUNCTIONS, ParseError, names_in, parse, parse_assignment
from tutor.lang.syntax import Name, walk

LESSON_KEYS = (
    "format",
    "id",
    "title",
    "summary",
    "intro",
    "outro",
    "inputs",
    "constants",
    "graph",
    "steps",
    "tolerance",
)
REQUIRED_KEYS = ("format", "id", "title", "graph", "inputs")
STEP_KEYS = (*STEP_KINDS, "hint", "explain", "prompt", "tolerance", "mistakes")
MISTAKE_KEYS = ("answer", "message")
MAX_ENTRIES = 4096  # per input or constant
MAX_DIM = 64
MAX_GRAPH_LINES = 200
MAX_STEPS = 300
MAX_MISTAKES = 30  # per step
#: work units of all the Jacobian steps of a lesson together (each is bounded by MAX_JACOBIAN_WORK): solving,
#: grading and linting compute them, so together they must stay cheap (about a third of a second)
MAX_JACOBIANS_WORK = 3 * MAX_JACOBIAN_WORK
ID_RE = re.compile(r"\A[a-z0-9][a-z0-9-]{0,63}\Z")
NAME_RE = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]{0,31}\Z")
RESERVED = set(FUNCTIONS)  # `T` is a fine name: `.T` only follows a dot


def _did_you_mean(word: str, options: tuple[str, ...], known: str = "expected one of") -> str:
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; {known}: {', '.join(options)}" if options else ""


class _Reader:
    """Collects problems while turning located data into the lesson model."""

    def __init__(self, doc: Located) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def err(self, path: tuple[Any, ...], message: str, *, key: bool = False, step: str | None = None) -> None:
        self.problems.append(self.doc.problem(path, message, key=key, step=step))

    def err_at(self, line: int, col: int, message: str, step: str | None = None) -> None:
        self.problems.append(Problem(self.doc.file, line, col, message, step=step))

    def check_keys(self, data: dict[str, Any], path: tuple[Any, ...], allowed: tuple[str, ...], what: str) -> None:
        for k in data:
            if k not in allowed:
                self.err((*path, k), f"unknown key {k!r} in {what}{_did_you_mean(k, allowed)}", key=True)

    def text(self, data: dict[str, Any], key: str, path: tuple[Any, ...] = (), required: bool = False) -> str:
        if key not in data or data[key] is None:
            if required:
                self.err(path, f"missing required key {key!r}")
            return ""
        v = data[key]
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            self.err((*path, key), f"{key!r} must be text, got {_type(v)}")
            return ""
        return str(v)

    def array(self, value: Any, path: tuple[Any, ...], name: str) -> np.ndarray | None:
        """A number, vector or matrix from YAML; None (with a problem) when it is not one."""

        def num(x: Any, p: tuple[Any, ...]) -> float | None:
            if isinstance(x, bool):
                self.err(p, f"{name}: expected a number, got a boolean")
                return None
            if isinstance(x, int | float):
                f = float(x)
            elif isinstance(x, str):
                try:
                    f = float(x)
                except ValueError:
                    self.err(p, f"{name}: expected a number, got text {x[:40]!r}")
                    return None
            else:
                self.err(p, f"{name}: expected a number or a list of numbers, got {_type(x)}")
                return None
            if not math.isfinite(f):
                self.err(p, f"{name}: {x} is not a finite number")
                return None
            if abs(f) > 1e6:
                self.err(p, f"{name}: {x} is too large for a lesson (keep values within ±1e6)")
                return None
            return f

        if isinstance(value, list):
            if not value:
                self.err(path, f"{name}: an empty list has no values")
                return None
            if all(isinstance(r, list) for r in value):
                widths = {len(r) for r in value}
                if len(widths) != 1 or 0 in widths:
                    self.err(path, f"{name}: every row of a matrix must have the same, non-zero length")
                    return None
                if len(value) > MAX_DIM or max(widths) > MAX_DIM or len(value) * max(widths) > MAX_ENTRIES:
                    self.err(
                        path, f"{name}: a {len(value)}×{max(widths)} matrix is too large (at most {MAX_DIM} a side)"
                    )
                    return None
                rows = []
                for i, r in enumerate(value):
                    if any(isinstance(x, list) for x in r):
                        self.err((*path, i), f"{name}: at most two levels of lists (a matrix)")
                        return None
                    rows.append([num(x, (*path, i, j)) for j, x in enumerate(r)])
                if any(x is None for r in rows for x in r):
                    return None
                return np.array(rows, dtype=float)
            if any(isinstance(r, list) for r in value):
                self.err(path, f"{name}: mix of numbers and lists; write a vector [1, 2] or a matrix [[1, 2], [3, 4]]")
                return None
            if len(value) > MAX_ENTRIES:
                self.err(path, f"{name}: a vector of {len(value)} entries is too large")
                return None
            vals = [num(x, (*path, j)) for j, x in enumerate(value)]
            if any(x is None for x in vals):
                return None
            return np.array(vals, dtype=float)
        x = num(value, path)
        return None if x is None else np.asarray(x, dtype=float)

    def tolerance(self, data: dict[str, Any], path: tuple[Any, ...]) -> float | None:
        if "tolerance" not in data:
            return None
        v = data["tolerance"]
        if isinstance(v, bool) or not isinstance(v, int | float) or not (0 < float(v) < 1):
            self.err((*path, "tolerance"), "tolerance must be a relative tolerance between 0 and 1, e.g. 0.01")
            return None
        return float(v)


def _type(v: Any) -> str:
    if v is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean"}.get(type(v), type(v).__name__)


def _expr_col(doc: Located, path: tuple[Any, ...], pos: int) -> tuple[int, int]:
    """The file line and column of column ``pos`` inside the string at ``path``."""
    m = doc.mark(path)
    if m.plain_single_line:
        return m.line, m.col + pos + (1 if m.quoted else 0)
    return m.line, m.col


def parse_lesson(text: str, file: str = "<lesson>", path: Path | None = None) -> Lesson:
    """Build a Lesson from YAML text; raise LessonError listing every problem found."""
    doc = load_located(text, file)
    r = _Reader(doc)
    data = doc.data
    if not isinstance(data, dict):
        raise LessonError([Problem(file, 1, 1, "a lesson file is a mapping of keys (format, id, title, graph, ...)")])
    r.check_keys(data, (), LESSON_KEYS, "the lesson")
    for k in REQUIRED_KEYS:
        if k not in data:
            r.err((), f"missing required key {k!r}")
    if "format" in data and data["format"] != 1:
        r.err(("format",), f"unsupported format {data['format']!r}: this version reads format 1")
    lesson_id = r.text(data, "id")
    if "id" in data and not ID_RE.match(lesson_id):
        r.err(("id",), f"id {lesson_id!r} must be a slug: lowercase letters, digits and dashes, e.g. 'chain-rule'")
    title = r.text(data, "title")
    summary = r.text(data, "summary")
    intro = r.text(data, "intro")
    outro = r.text(data, "outro")
    tolerance = r.tolerance(data, ()) or DEFAULT_TOLERANCE

    leaves: dict[str, dict[str, np.ndarray]] = {"inputs": {}, "constants": {}}
    broken: set[str] = set()  # leaves and lines already reported: later uses of them are not reported again
    for section in ("inputs", "constants"):
        block = data.get(section)
        if block is None:
            continue
        if not isinstance(block, dict):
            r.err((section,), f"{section!r} must map names to values, e.g. x: 1.5")
            continue
        for name, value in block.items():
            if not isinstance(name, str) or not NAME_RE.match(name):
                r.err((section, name), f"{name!r} is not a valid name (letters, digits, _)", key=True)
                continue
            if name in RESERVED:
                r.err((section, name), f"{name!r} is a function of the language; choose another name", key=True)
                continue
            if name in leaves["inputs"]:
                r.err((section, name), f"{name!r} is already an input", key=True)
                continue
            arr = r.array(value, (section, name), name)
            if arr is not None:
                leaves[section][name] = arr
            else:
                broken.add(name)
    if "inputs" in data and isinstance(data.get("inputs"), dict) and not data["inputs"]:
        r.err(("inputs",), "a lesson needs at least one input")

    assignments: list[Assignment] = []
    offsets: dict[str, int] = {}
    line_index: dict[str, int] = {}  # node name -> its item in 'graph'
    graph_lines: dict[str, int] = {}
    node_locs: dict[str, tuple[int, int]] = {}
    graph = data.get("graph")
    defined = set(leaves["inputs"]) | set(leaves["constants"])
    if graph is not None and (not isinstance(graph, list) or not graph):
        r.err(("graph",), "'graph' must be a list of assignments, e.g. - y = 2 * x")
    elif isinstance(graph, list):
        if len(graph) > MAX_GRAPH_LINES:
            r.err(("graph",), f"the graph has {len(graph)} lines, more than {MAX_GRAPH_LINES}")
        for i, line in enumerate(graph[:MAX_GRAPH_LINES]):
            p = ("graph", i)
            if not isinstance(line, str):
                r.err(p, f"each graph item is one assignment as text, e.g. 'y = 2 * x'; got {_type(line)}")
                continue
            try:
                name, expr, offset = parse_assignment(line)
            except ParseError as e:
                r.err_at(*_expr_col(doc, p, e.pos), f"graph: {e.message} in {line.strip()!r}")
                lhs = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
                if lhs:
                    broken.add(lhs.group(1))
                continue
            if not NAME_RE.match(name) or name in RESERVED:
                r.err(p, f"{name!r} cannot name a node")
                continue
            if name in defined:
                where = "an input or constant" if name in leaves["inputs"] or name in leaves["constants"] else "a node"
                r.err(p, f"{name!r} is assigned twice: it is already {where}; each name is assigned once")
                continue
            a = Assignment.of(name, expr)
            for used in a.inputs:
                if used in broken and used not in defined:
                    break
                if used not in defined:
                    later = [g for g in graph[i:] if isinstance(g, str) and re.match(rf"^\s*{re.escape(used)}\s*=", g)]
                    reason = (
                        _cycle_or_order(name, used, later[0])
                        if later
                        else f"unknown name {used!r}"
                        + _did_you_mean(used, tuple(sorted(defined)), "names defined so far")
                    )
                    col_pos = _first_pos(expr, used)
                    r.err_at(*_expr_col(doc, p, offset + col_pos), f"graph: {reason}")
                    break
            else:
                assignments.append(a)
                offsets[name] = offset
                line_index[name] = i
                graph_lines[name] = doc.mark(p).line
                node_locs[name] = (doc.mark(p).line, doc.mark(p).col)
            defined.add(name)

    steps_raw = data.get("steps")
    if r.problems or not assignments:
        if not r.problems:
            r.err(("graph",), "the graph has no assignments")
        raise LessonError(r.problems)

    program = Program(tuple(leaves["inputs"]), tuple(leaves["constants"]), tuple(assignments))
    values = {**leaves["inputs"], **leaves["constants"]}
    trace = None
    try:
        # every line's shapes and sizes, before any array is built
        program_shapes(program, {name: v.shape for name, v in values.items()})
        trace = run(program, values)
    except EvalError as e:
        if e.node in line_index:
            at = _expr_col(doc, ("graph", line_index[e.node]), offsets[e.node] + e.pos)
            r.err_at(*at, f"graph: in {e.node}: {e.message}")
        else:
            r.err(("graph",), f"graph: {e.message}")
    if trace is not None:
        _check_numbers(r, program, trace, line_index)
    if r.problems or trace is None:
        raise LessonError(r.problems)

    steps, derived = _read_steps(r, doc, steps_raw, program, trace.values)
    prose = check_prose(doc, text, trace)  # live numbers {{ }} that cannot be shown; maths that will not read
    r.problems += prose.errors
    if r.problems:
        raise LessonError(r.problems)
    lesson = Lesson(
        id=lesson_id,
        title=title,
        summary=summary,
        intro=intro,
        outro=outro,
        inputs=leaves["inputs"],
        constants=leaves["constants"],
        program=program,
        steps=tuple(steps),
        tolerance=tolerance,
        path=path,
        content_hash=content_hash(text),
        steps_derived=derived,
        graph_lines=graph_lines,
        locations=_locations(doc, leaves, node_locs),
        warnings=tuple(prose.warnings),
    )
    return show_lesson(lesson, trace)


def _cycle_or_order(name: str, used: str, later_line: str) -> str:
    """The message for a name used before its line: a cycle when that line uses this node back."""
    try:
        _, later_expr, _ = parse_assignment(later_line)
        back = name in names_in(later_expr)
    except ParseError:
        back = False
    if back:
        return f"a cycle: {name} uses {used} and {used} uses {name}; a graph has no cycles"
    return f"{used!r} is used before it is assigned: graph lines run in order; move the line of {used} up"


def _locations(
    doc: Located, leaves: dict[str, dict[str, np.ndarray]], node_locs: dict[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    if "id" in doc.data:
        m = doc.mark(("id",))
        out["id"] = (m.line, m.col)
    for section, kind in (("inputs", "input"), ("constants", "constant")):
        for name in leaves[section]:
            m = doc.key_mark((section, name))
            out[f"{kind}:{name}"] = (m.line, m.col)
    out.update({f"node:{name}": loc for name, loc in node_locs.items()})
    return out


def _first_pos(expr: Any, name: str) -> int:
    """The column of the first use of ``name`` in an expression."""
    return min((e.pos for e in walk(expr) if isinstance(e, Name) and e.id == name), default=0)


def _check_numbers(r: _Reader, program: Program, trace: Any, line_index: dict[str, int]) -> None:
    def where(name: str) -> tuple[Any, ...]:
        return ("graph", line_index[name])

    for name in program.nodes:
        v = trace.values[name]
        if not np.all(np.isfinite(v)):
            bad = "NaN" if np.any(np.isnan(v)) else "infinite"
            r.err(where(name), f"{name} is {bad} at the lesson's values (overflow, log of 0 or a division by 0?)")
            return
    out = program.output
    if np.size(trace.values[out]) != 1:
        r.err(
            where(out),
            f"the last line is the output (the loss) and must be a scalar; {out} has shape "
            f"{'×'.join(map(str, np.shape(trace.values[out])))}: wrap it in sum() or mean()",
        )
        return
    for name in (*program.nodes, *program.inputs):
        g = trace.grads[name]
        if not np.all(np.isfinite(g)):
            path = where(name) if name in program.nodes else ("inputs", name)
            r.err(path, f"the gradient of {out} with respect to {name} is not finite (NaN or overflow)")
            return
    underflow = _underflow(program, trace)
    if underflow:
        node, wrt, text = underflow  # node: the line to point at
        r.err(
            where(node),
            f"the gradient of {out} with respect to {wrt} underflows to 0 at {text}: its "
            f"derivative is too small for floating point at these values; move the values so that "
            f"the argument stays within about ±20",
        )


#: the argument beyond which a smooth op whose derivative underflows (the op table's Op.underflows) counts
_SATURATION_ARG = 30.0


def _underflow(program: Program, trace: Any) -> tuple[str, str, str] | None:
    """Where an input's delta underflows to exactly 0: (node, its input, the node's line), or None.

    Only smooth saturating ops count (a relu's 0 is real, and the linter warns about it); the node
    named is the one nearest the output whose local derivative underflowed.
    """
    reach = program.reaching_output()
    dead = {n for n in (*program.inputs, *program.nodes) if n in reach and not np.any(trace.grads[n])}
    if not any(n in dead for n in program.inputs):
        return None
    for a in reversed(program.assignments):
        if a.name not in reach or a.name in dead:
            continue
        for u in a.inputs:
            if u not in dead:
                continue
            env = {n: leaf(trace.values[n]) for n in a.inputs}
            saturated = any(
                np.max(np.abs(build(app.operands[0], env).value)) > _SATURATION_ARG
                for app in map(op_of, walk(a.expr))
                if app is not None and app.op.underflows
            )
            if saturated:
                return a.name, u, a.text
    return None


def _read_steps(
    r: _Reader, doc: Located, raw: Any, program: Program, values: dict[str, np.ndarray]
) -> tuple[list[Step], bool]:
    if raw is None:
        return default_steps(program), True
    if not isinstance(raw, list) or not raw:
        r.err(("steps",), "'steps' must be a list, e.g. - grad: x  (or leave it out for the default walk)")
        return [], False
    if len(raw) > MAX_STEPS:
        r.err(("steps",), f"{len(raw)} steps, more than {MAX_STEPS}")
        return [], False
    steps: list[Step] = []
    seen: dict[str, int] = {}
    jacobian_total = 0
    for i, item in enumerate(raw):
        p = ("steps", i)
        if not isinstance(item, dict):
            r.err(p, "each step is a mapping such as 'grad: x'")
            continue
        r.check_keys(item, p, STEP_KEYS, "a step")
        kinds = [k for k in STEP_KINDS if k in item]
        if len(kinds) != 1:
            r.err(
                p,
                "a step has exactly one of value:, local:, grad:, jacobian:"
                + (f" (found {', '.join(kinds)})" if kinds else ""),
            )
            continue
        kind = kinds[0]
        target = item[kind]
        if not isinstance(target, str) or not target.strip():
            r.err((*p, kind), f"{kind}: names a node, e.g. '{kind}: y'")
            continue
        target = target.strip()
        node, wrt = ([*target.split("/", 1), None])[:2] if kind in ("local", "jacobian") else (target, None)
        node = (node or "").strip()
        wrt = wrt.strip() if wrt else wrt
        step_id = f"{kind}:{node}/{wrt}" if wrt else f"{kind}:{node}"
        problem = _step_problem(kind, node, wrt, program, values)
        if problem:
            r.err((*p, kind), problem, step=step_id)
            continue
        if step_id in seen:
            r.err((*p, kind), f"step {step_id} is asked twice (first at line {seen[step_id]})", step=step_id)
            continue
        seen[step_id] = doc.mark(p).line
        if kind == "jacobian" and jacobian_total <= MAX_JACOBIANS_WORK:  # once over, reported once
            jacobian_total += jacobian_work(program, values, node, wrt or "")
            if jacobian_total > MAX_JACOBIANS_WORK:
                r.err(
                    (*p, kind),
                    f"the Jacobian steps up to this one take {jacobian_total} work units in all, more than the "
                    f"{MAX_JACOBIANS_WORK} a lesson may use: ask for fewer or smaller Jacobians",
                    step=step_id,
                )
                continue
        hints_raw = item.get("hint", [])
        if isinstance(hints_raw, str):
            hints: tuple[str, ...] = (hints_raw,)
        elif isinstance(hints_raw, list) and all(
            isinstance(h, str | int | float) and not isinstance(h, bool) for h in hints_raw
        ):
            hints = tuple(str(h) for h in hints_raw)
        else:
            r.err((*p, "hint"), "hint must be text or a list of texts", step=step_id)
            hints = ()
        mistakes = _read_mistakes(r, item.get("mistakes"), (*p, "mistakes"), step_id)
        steps.append(
            Step(
                kind=kind,
                node=node,
                wrt=wrt,
                hints=hints,
                explain=r.text(item, "explain", p),
                prompt=r.text(item, "prompt", p),
                tolerance=r.tolerance(item, p),
                mistakes=mistakes,
                line=doc.mark(p).line,
                col=doc.mark(p).col,
            )
        )
    return steps, False


def _read_mistakes(r: _Reader, raw: Any, path: tuple[Any, ...], step_id: str) -> tuple[Mistake, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        r.err(path, "mistakes: is a list of {answer: formula, message: text}", step=step_id)
        return ()
    if len(raw) > MAX_MISTAKES:
        # every wrong answer is compared with each of them: keep grading quick
        r.err(path, f"{len(raw)} mistakes, more than {MAX_MISTAKES} a step may have", step=step_id)
        return ()
    out = []
    for i, m in enumerate(raw):
        p = (*path, i)
        if not isinstance(m, dict) or "answer" not in m or "message" not in m:
            r.err(p, "each mistake needs 'answer' (a formula) and 'message'", step=step_id)
            continue
        r.check_keys(m, p, MISTAKE_KEYS, "a mistake")
        answer = str(m["answer"])
        try:
            expr = parse(answer)
        except ParseError as e:
            line, col = _expr_col(r.doc, (*p, "answer"), e.pos)
            r.err_at(line, col, f"mistake answer: {e.message}", step=step_id)
            continue
        out.append(Mistake(answer, expr, str(m["message"])))
    return tuple(out)


def _step_problem(kind: str, node: str, wrt: str | None, program: Program, values: dict[str, np.ndarray]) -> str | None:
    names = (*program.inputs, *program.constants, *program.nodes)
    if kind in ("local", "jacobian"):
        if not wrt:
            return f"{kind}: takes NODE/INPUT, e.g. '{kind}: L/y'"
        if node not in program.nodes:
            return f"{kind}: {node!r} is not a node of the graph" + _did_you_mean(node, program.nodes, "the nodes")
        if wrt not in names:
            return f"{kind}: {wrt!r} is not a name of the lesson" + _did_you_mean(wrt, names, "the names")
        if kind == "local":
            return local_problem(program, values, node, wrt)
        return jacobian_problem(program, values, node, wrt)
    if node not in names:
        return f"{kind}: {node!r} is not a name of the lesson" + _did_you_mean(node, names, "the names")
    if kind == "value" and node not in program.nodes:
        given = "input" if node in program.inputs else "constant"
        return f"value: {node!r} is a given {given}; ask for the value of a node"
    if kind == "grad" and node in program.constants:
        return f"grad: {node!r} is a constant and gets no gradient; make it an input to ask for its gradient"
    return None


def default_steps(program: Program) -> list[Step]:
    """The walk used when a lesson gives no steps (see :func:`tutor.course.index.default_step_ids`)."""
    return [Step(kind, name) for kind, name in default_step_ids(program.nodes, program.inputs)]


def load_lesson(path: str | Path) -> Lesson:
    """Load and validate a lesson file; raise LessonError with located problems."""
    p = Path(path)
    return parse_lesson(read_lesson_text(p), str(path), p)
