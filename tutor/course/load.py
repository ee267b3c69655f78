"""Read a lesson file into a :class:`Lesson`, reporting every problem ``file:line:col``.

The file's structure is read section by section by :mod:`tutor.course.format` (the one description of the format,
which the lesson-list index and the JSON Schema share); here the graph's lines and the mistakes' formulas are parsed,
the graph is run once (:mod:`tutor.course.checks`: unknown names, shapes, NaN or infinite values, located at the
offending line), and each step is checked by its kind (:mod:`tutor.course.steps`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tutor.course.checks import Report, run_checked
from tutor.course.format import (
    ID_RE,
    LESSON_KEYS,
    MISTAKE_KEYS,
    NAME_RE,
    REQUIRED_KEYS,
    STEP_KEYS,
    GraphItem,
    Outline,
    Reader,
    StepItem,
    lesson_data,
    read_graph,
    read_header,
    read_leaves,
    read_steps,
)
from tutor.course.index import content_hash, read_lesson_text
from tutor.course.model import Lesson, Mistake, Step
from tutor.course.problems import LessonError
from tutor.course.prose import check_prose, show_lesson
from tutor.course.steps import StepContext, default_walk, did_you_mean
from tutor.course.vary import read_vary
from tutor.course.yamlpos import Located, load_located
from tutor.engine import Assignment, Program
from tutor.engine.program import MAX_JACOBIAN_WORK
from tutor.lang import FUNCTIONS, ParseError, names_in, parse, parse_assignment
from tutor.lang.syntax import Expr, Name, walk

__all__ = [
    "ID_RE",
    "LESSON_KEYS",
    "MISTAKE_KEYS",
    "REQUIRED_KEYS",
    "STEP_KEYS",
    "default_steps",
    "load_lesson",
    "parse_lesson",
]

#: work units of all the steps of a lesson together beyond its run (Jacobians; each is bounded by
#: MAX_JACOBIAN_WORK): solving, grading and linting compute them, so together they must stay cheap (about a third
#: of a second)
MAX_JACOBIANS_WORK = 3 * MAX_JACOBIAN_WORK
RESERVED = set(FUNCTIONS)  # `T` is a fine name: `.T` only follows a dot


@dataclass
class Graph:
    """The graph's lines, parsed: the assignments in order, and for each node its item in ``graph:`` and the column
    its expression starts at in that text (to point at a column of the expression)."""

    assignments: list[Assignment] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    offset: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def _parse_line(text: str) -> tuple[str, Expr, int]:
    """A graph line parsed once per distinct text: many lessons share lines (trees are immutable)."""
    return parse_assignment(text)


@lru_cache(maxsize=4096)
def _parse(text: str) -> Expr:
    """A formula (a mistake's answer) parsed once per distinct text."""
    return parse(text)


def at_column(doc: Located, path: tuple[Any, ...], pos: int) -> tuple[int, int]:
    """The file line and column of column ``pos`` inside the string at ``path``."""
    m = doc.mark(path)
    if m.plain_single_line:
        return m.line, m.col + pos + (1 if m.quoted else 0)
    return m.line, m.col


def parse_lesson(text: str, file: str = "<lesson>", path: Path | None = None) -> Lesson:
    """Build a Lesson from YAML text; raise LessonError listing every problem found."""
    doc = load_located(text, file)
    data = lesson_data(doc)
    r = Reader(doc)
    outline = Outline()
    read_header(r, data, outline)
    read_leaves(r, data, outline)
    _refuse_reserved(r, outline)
    read_vary(r, data, outline)
    read_graph(r, data, outline)
    graph = _read_graph(r, outline)
    read_steps(r, data, outline)
    mistakes = {s.index: _read_mistakes(r, s) for s in outline.steps or ()}
    if r.problems or not graph.assignments:
        if not r.problems:
            r.err(("graph",), "the graph has no assignments")
        raise LessonError(r.problems)

    inputs = {n: np.array(v, dtype=float) for n, v in outline.inputs.items()}
    constants = {n: np.array(v, dtype=float) for n, v in outline.constants.items()}
    program = Program(tuple(inputs), tuple(constants), tuple(graph.assignments))
    trace = run_checked(program, {**inputs, **constants}, _reporter(r, graph, program))
    if r.problems or trace is None:
        raise LessonError(r.problems)

    steps, derived = _steps(r, outline, StepContext(program, trace.values, outline.settings, trace.grads), mistakes)
    live: dict[str, Any] = {}  # the live numbers at the lesson's values, computed once for the check and the display
    # live numbers {{ }} that cannot be shown; maths that will not read; plots that cannot be drawn
    prose = check_prose(doc, text, trace, live, outline.settings)
    r.problems += prose.errors
    if r.problems:
        raise LessonError(r.problems)
    lesson = Lesson(
        id=outline.id,
        title=outline.title,
        summary=outline.summary,
        intro=outline.intro,
        outro=outline.outro,
        torch_note=outline.torch_note,
        inputs=inputs,
        constants=constants,
        program=program,
        steps=tuple(steps),
        tolerance=outline.tolerance,
        path=path,
        content_hash=content_hash(text),
        steps_derived=derived,
        graph_lines={name: doc.mark(("graph", i)).line for name, i in graph.index.items()},
        locations=_locations(doc, outline, graph),
        settings=dict(outline.settings),
        warnings=tuple(prose.warnings),
        lint_allow=outline.lint_allow,
        vary=tuple(outline.vary.values()),
    )
    return show_lesson(lesson, trace, live)


def _refuse_reserved(r: Reader, outline: Outline) -> None:
    """A leaf named like a function of the language is refused (and dropped, so that nothing cascades)."""
    for section, leaves in (("inputs", outline.inputs), ("constants", outline.constants)):
        for name in [n for n in leaves if n in RESERVED]:
            r.err((section, name), f"{name!r} is a function of the language; choose another name", key=True)
            del leaves[name]


def _read_graph(r: Reader, outline: Outline) -> Graph:
    """Each graph line parsed, in order: a name assigned once, from names already defined."""
    graph = Graph()
    defined = set(outline.inputs) | set(outline.constants)
    broken = set(outline.broken)  # leaves and lines already reported: later uses of them are not reported again
    lines: dict[str, list[GraphItem]] = {}  # the lines of each name, for "used before" and cycles
    for item in outline.graph:
        lines.setdefault(item.name, []).append(item)
    for item in outline.graph:
        p = ("graph", item.index)
        try:
            name, expr, offset = _parse_line(item.text)
        except ParseError as e:
            r.err_at(*at_column(r.doc, p, e.pos), f"graph: {e.message} in {item.text.strip()!r}")
            broken.add(item.name)
            continue
        if not NAME_RE.match(name) or name in RESERVED:
            r.err(p, f"{name!r} cannot name a node")
            continue
        if name in defined:
            where = "an input or constant" if name in outline.inputs or name in outline.constants else "a node"
            r.err(p, f"{name!r} is assigned twice: it is already {where}; each name is assigned once")
            continue
        reason, used = _undefined(name, expr, defined, broken, lines, item.index)
        if reason:
            at = offset + _first_pos(expr, used)
            if used is not None and _called(item.text, at, used):
                reason = f"unknown function {used!r}" + did_you_mean(used, tuple(FUNCTIONS), "the functions")
            r.err_at(*at_column(r.doc, p, at), f"graph: {reason}")
        elif used is None:
            graph.assignments.append(Assignment.of(name, expr))
            graph.index[name] = item.index
            graph.offset[name] = offset
        defined.add(name)
    return graph


def _undefined(
    name: str, expr: Expr, defined: set[str], broken: set[str], lines: dict[str, list[GraphItem]], index: int
) -> tuple[str, str | None]:
    """Why a line cannot use its inputs yet, and the name at fault: ("", None) when all are defined, ("", name)
    when one was already reported (a broken leaf or line)."""
    for used in names_in(expr):
        if used in defined:
            continue
        if used in broken:
            return "", used
        line = next((g for g in lines.get(used, ()) if g.index >= index), None)
        if line is not None:
            return _cycle_or_order(name, used, line.text), used
        return f"unknown name {used!r}" + did_you_mean(used, tuple(sorted(defined)), "names defined so far"), used
    return "", None


def _cycle_or_order(name: str, used: str, later_line: str) -> str:
    """The message for a name used before its line: a cycle when that line uses this node back."""
    try:
        _, later_expr, _ = _parse_line(later_line)
        back = name in names_in(later_expr)
    except ParseError:
        back = False
    if back:
        return f"a cycle: {name} uses {used} and {used} uses {name}; a graph has no cycles"
    return f"{used!r} is used before it is assigned: graph lines run in order; move the line of {used} up"


def _called(text: str, at: int, name: str) -> bool:
    """Whether the name at column ``at`` of a line is written as a call, ``foo(x)`` (read as foo·x)."""
    return text[at + len(name) :].lstrip().startswith("(")


def _first_pos(expr: Expr, name: str | None) -> int:
    """The column of the first use of ``name`` in an expression."""
    return min((e.pos for e in walk(expr) if isinstance(e, Name) and e.id == name), default=0)


def _reporter(r: Reader, graph: Graph, program: Program) -> Report:
    """How :func:`~tutor.course.checks.run_checked` reports: at a node's line (and column), an input, or the graph."""

    def report(name: str | None, message: str, pos: int | None) -> None:
        if name in graph.index:
            path = ("graph", graph.index[name])
            if pos is not None:
                r.err_at(*at_column(r.doc, path, graph.offset[name] + pos), message)
            else:
                r.err(path, message)
        elif name in program.inputs:
            r.err(("inputs", name), message)
        else:
            r.err(("graph",), message)

    return report


def _read_mistakes(r: Reader, step: StepItem) -> tuple[Mistake, ...]:
    """A step's mistakes with their formulas parsed (a formula that does not parse is located at its column)."""
    out = []
    for m in step.mistakes:
        try:
            expr = _parse(m.answer)
        except ParseError as e:
            r.err_at(*at_column(r.doc, (*m.path, "answer"), e.pos), f"mistake answer: {e.message}", step=step.id)
            continue
        line, col = at_column(r.doc, (*m.path, "answer"), 0)
        out.append(Mistake(m.answer, expr, m.message, line, col))
    return tuple(out)


def _steps(
    r: Reader, outline: Outline, ctx: StepContext, mistakes: dict[int, tuple[Mistake, ...]]
) -> tuple[list[Step], bool]:
    """The steps, each checked by its kind against the run, within the lesson's work budget; or the default walk."""
    if outline.steps is None:
        return default_steps(ctx.program), True
    steps: list[Step] = []
    work = 0
    for item in outline.steps:
        kind, at = item.kind, (*item.path, item.kind.name)
        problem = kind.problem(ctx, item.node, item.wrt)
        if problem:
            r.err(at, problem, step=item.id)
            continue
        if kind.work is not None and work <= MAX_JACOBIANS_WORK:  # once over, reported once
            work += kind.work(ctx.program, ctx.values, item.node, item.wrt or "")
            if work > MAX_JACOBIANS_WORK:
                r.err(
                    at,
                    f"the {kind.noun} steps up to this one take {work} work units in all, more than the "
                    f"{MAX_JACOBIANS_WORK} a lesson may use: ask for fewer or smaller {kind.noun}s",
                    step=item.id,
                )
                continue
        mark = r.doc.mark(item.path)
        steps.append(
            Step(
                kind=kind,
                node=item.node,
                wrt=item.wrt,
                hints=item.hints,
                explain=item.explain,
                prompt=item.prompt,
                tolerance=item.tolerance,
                mistakes=mistakes.get(item.index, ()),
                line=mark.line,
                col=mark.col,
                given=item.given,
                lint_allow=item.lint_allow,
            )
        )
    return steps, False


def _locations(doc: Located, outline: Outline, graph: Graph) -> dict[str, tuple[int, int]]:
    """Where things stand in the file: ``id``, ``input:x``, ``constant:t``, ``node:y``."""
    out: dict[str, tuple[int, int]] = {}
    if "id" in doc.data:
        m = doc.mark(("id",))
        out["id"] = (m.line, m.col)
    for section, kind, leaves in (("inputs", "input", outline.inputs), ("constants", "constant", outline.constants)):
        for name in leaves:
            m = doc.key_mark((section, name))
            out[f"{kind}:{name}"] = (m.line, m.col)
    for name, i in graph.index.items():
        m = doc.mark(("graph", i))
        out[f"node:{name}"] = (m.line, m.col)
    return out


def default_steps(program: Program) -> list[Step]:
    """The walk used when a lesson gives no steps (:func:`tutor.course.steps.default_walk`)."""
    return [Step(kind, name) for kind, name in default_walk(program.nodes, program.inputs)]


def load_lesson(path: str | Path) -> Lesson:
    """Load and validate a lesson file; raise LessonError with located problems."""
    p = Path(path)
    return parse_lesson(read_lesson_text(p), str(path), p)
