"""The lesson file format (format 1), described once: its keys, the step kinds, names, ids and limits, and the reader
of its structure.

:func:`read_outline` checks everything a lesson file must be before any maths: the keys, their types, the names and
ids, the sizes, each step's kind and target; it returns the file's :class:`Outline` (plain data) and the problems
found, each located ``file:line:col``. The loader (:mod:`tutor.course.load`) builds the lesson from an outline; the
lesson-list index (:mod:`tutor.course.index`) reads one too; the JSON Schema (:mod:`tutor.authoring.schema`) is
generated from the constants here and the step-kind registry (:mod:`tutor.course.steps`), and a test checks that
the three accept and reject the same files. Imports neither NumPy nor the engine.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from tutor.course.lintcodes import find_code, suggest_code
from tutor.course.problems import LessonError, Problem
from tutor.course.steps import NAME_PATTERN, SETTINGS, STEP_KINDS, StepKind, did_you_mean, step_id
from tutor.course.tolerance import DEFAULT, Tolerance, from_parts
from tutor.course.tolerance import KEYS as TOLERANCE_KEYS
from tutor.course.vary import LeafRule, read_vary
from tutor.course.yamlpos import Located

FORMAT = 1
#: a lesson id: a slug, also the default file name
ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,63}"
#: a graph line: a name, then ``=`` (not ``==``); the expression is read by the language's parser
ASSIGNMENT_PATTERN = r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)"
#: a number written as text (YAML 1.1 reads ``1e-3`` as text): digits, a point, an exponent
NUMBER_TEXT_PATTERN = r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*"
ID_RE = re.compile(rf"\A{ID_PATTERN}\Z")
NAME_RE = re.compile(rf"\A{NAME_PATTERN}\Z")
ASSIGNMENT_RE = re.compile(rf"\A{ASSIGNMENT_PATTERN}")
NUMBER_TEXT_RE = re.compile(rf"\A{NUMBER_TEXT_PATTERN}\Z")

MAX_VALUE = 1_000_000  # every number of a lesson is within ±MAX_VALUE (±1e6)
MAX_ENTRIES = 4096  # per input or constant
MAX_DIM = 64  # rows, and columns, of a matrix
MAX_GRAPH_LINES = 200
MAX_STEPS = 300
MAX_MISTAKES = 30  # per step: every wrong answer is compared with each of them
DEFAULT_TOLERANCE = DEFAULT  # rel 0.01: 3 significant digits pass, 5% off does not; abs 1e-6: float noise at 0
TOLERANCE_DOC = (
    "How close an answer must be: |a − b| ≤ abs + rel·|b| entry by entry. A number is rel (0.001); "
    "{rel: 1e-6, abs: 1e-9} gives both (a part left out keeps its default). Default: rel 0.01 (three significant "
    "digits pass, 5% off does not), abs 1e-6 (float noise around an exact 0 passes)."
)
LINT_KEYS = ("allow",)
LINT_DOC = (
    "The linter's warnings this lesson (or step) means to keep, by code or name: {allow: [W103, always-zero]}. "
    "validate counts them as allowed, and warns about an allowed code that never fires."
)

#: the lesson's keys, in the order the format lists them, with what each holds
LESSON_DOCS: dict[str, str] = {
    "format": "The file format version; this version reads 1.",
    "id": "Unique slug of the lesson, also the default file name: lowercase letters, digits and dashes.",
    "title": "The lesson's title, shown in the list.",
    "summary": "One line for the lesson list (default: empty).",
    "intro": "Markdown shown before the first step (default: empty).",
    "outro": "Markdown shown after the last step (default: empty).",
    "torch_note": "Markdown shown in the PyTorch panel (F4) on every step: the autograd idea the lesson shows "
    "(default: empty).",
    "inputs": "Leaves that get gradients: name -> a number, a vector [..] or a matrix [[..], [..]].",
    "constants": "Leaves that get no gradient (data, targets): name -> a number, a vector or a matrix (default: none).",
    "graph": "One assignment an item, in order, e.g. 'y = 2 * x'; each name is assigned once; the last line is the "
    "output (a scalar loss).",
    "steps": "What the learner computes, in order. Leave it out for the default walk: every value forwards, every "
    "delta backwards, then the inputs' gradients.",
    "tolerance": TOLERANCE_DOC,
    "lint": LINT_DOC,
    "vary": "How inputs and constants vary in the lesson's variants (practice with new numbers): name -> a rule "
    "such as {range: [-2, 2], step: 0.5}, {one_of: [0, 1]}, {labels: true}. Variant 0 is the lesson as written.",
    **{s.name: s.doc for s in SETTINGS.values()},
}
LESSON_KEYS = tuple(LESSON_DOCS)
REQUIRED_KEYS = ("format", "id", "title", "graph", "inputs")
TEXT_KEYS = ("title", "summary", "intro", "outro", "torch_note")
#: a step's keys beside its kind, with what each holds
STEP_DOCS: dict[str, str] = {
    "hint": "A hint, or a list of hints revealed one at a time.",
    "explain": "Markdown shown once the step is answered.",
    "prompt": "Replaces the generated question text.",
    "tolerance": TOLERANCE_DOC,
    "lint": LINT_DOC,
    "mistakes": "Anticipated wrong answers: a formula (names, d<name> for deltas) and the message shown when the "
    "learner's answer matches it.",
    "given": "true: the step is shown worked (its question, answer and explain) and not asked; the learner reads it "
    "and presses Enter (worked examples before faded ones). It takes no hint or mistakes.",
}
STEP_KEYS = (*STEP_KINDS, *STEP_DOCS)
MISTAKE_DOCS = {"answer": "A formula, e.g. 'dy' or '-2*(y - t)'.", "message": "What to tell the learner."}
MISTAKE_KEYS = tuple(MISTAKE_DOCS)

Path_ = tuple[Any, ...]


# ---------------------------------------------------------------- what an outline holds


@dataclass(frozen=True)
class GraphItem:
    """One line of ``graph:`` as text: its index in the list, the name it assigns and its text."""

    index: int
    name: str
    text: str


@dataclass(frozen=True)
class AllowItem:
    """A warning code a lesson or step allows (``lint: {allow: [W103]}``), and where it is written."""

    code: str
    line: int
    col: int


@dataclass(frozen=True)
class MistakeItem:
    """One of a step's ``mistakes:``: the formula as written, the message, and where the answer stands."""

    answer: str
    message: str
    path: Path_


@dataclass(frozen=True)
class StepItem:
    """One item of ``steps:``, read: its kind and target, texts and tolerance, and where it stands."""

    index: int
    kind: StepKind
    node: str
    wrt: str | None
    hints: tuple[str, ...] = ()
    explain: str = ""
    prompt: str = ""
    tolerance: Tolerance | None = None
    mistakes: tuple[MistakeItem, ...] = ()
    given: bool = False
    lint_allow: tuple[AllowItem, ...] = ()

    @property
    def id(self) -> str:
        """The step id, ``grad:x``."""
        return step_id(self.kind, self.node, self.wrt)

    @property
    def path(self) -> Path_:
        """Where the step stands in the file."""
        return ("steps", self.index)


@dataclass
class Outline:
    """A lesson file's structure, checked: texts, leaves as numbers and nested lists, graph lines, steps.

    ``steps`` is None when the file gives none (the default walk); ``broken`` holds the names whose value or line
    was refused, so that later uses of them are not reported again.
    """

    id: str = ""
    title: str = ""
    summary: str = ""
    intro: str = ""
    outro: str = ""
    torch_note: str = ""
    tolerance: Tolerance = DEFAULT_TOLERANCE
    lint_allow: tuple[AllowItem, ...] = ()
    settings: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    graph: list[GraphItem] = field(default_factory=list)
    steps: list[StepItem] | None = None
    broken: set[str] = field(default_factory=set)
    vary: dict[str, LeafRule] = field(default_factory=dict)


# ---------------------------------------------------------------- reading


def type_name(v: Any) -> str:
    """What a YAML value is, in words: ``a mapping``, ``text``, ``nothing``."""
    if v is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean"}.get(type(v), type(v).__name__)


class Reader:
    """Collects problems, each located at a path of the document, while the sections are read."""

    def __init__(self, doc: Located) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def err(self, path: Path_, message: str, *, key: bool = False, step: str | None = None) -> None:
        """A problem at the value (or with ``key``, the key) at ``path``."""
        self.problems.append(self.doc.problem(path, message, key=key, step=step))

    def err_at(self, line: int, col: int, message: str, step: str | None = None) -> None:
        """A problem at a line and column."""
        self.problems.append(Problem(self.doc.file, line, col, message, step=step))

    def check_keys(
        self, data: dict[Any, Any], path: Path_, allowed: tuple[str, ...], what: str, step: str | None = None
    ) -> None:
        """A problem for every key that is not allowed, with the nearest allowed one."""
        for k in data:
            if k not in allowed:
                self.err((*path, k), f"unknown key {k!r} in {what}{did_you_mean(k, allowed)}", key=True, step=step)

    def text(self, data: dict[Any, Any], key: str, path: Path_ = (), step: str | None = None) -> str:
        """A text value (a number is taken as its text, nothing as empty); a problem for anything else."""
        v = data.get(key)
        if v is None:
            return ""
        if isinstance(v, bool):
            self.err(
                (*path, key),
                f"{key!r} must be text, got a boolean: YAML reads yes, no, on, off, true and false "
                "as booleans; put the text in quotes",
                step=step,
            )
            return ""
        if not isinstance(v, str | int | float):
            self.err((*path, key), f"{key!r} must be text, got {type_name(v)}", step=step)
            return ""
        return str(v)

    def tolerance(self, data: dict[Any, Any], path: Path_, step: str | None = None) -> Tolerance | None:
        """``tolerance:``, a relative tolerance or ``{rel, abs}``, each positive; None when not given (or refused)."""
        if "tolerance" not in data:
            return None
        v, at = data["tolerance"], (*path, "tolerance")
        example = "e.g. 0.001, or {rel: 0.001, abs: 1e-9}"
        if isinstance(v, dict):
            self.check_keys(v, at, TOLERANCE_KEYS, "the tolerance", step=step)
            if not any(k in v for k in TOLERANCE_KEYS):
                self.err(at, f"tolerance: give rel, abs or both, {example}", step=step)
                return None
            parts = {
                k: self.positive(v[k], (*at, k), f"tolerance {k}", example, step) for k in TOLERANCE_KEYS if k in v
            }
            if any(p is None for p in parts.values()):
                return None
            return from_parts({k: x for k, x in parts.items() if x is not None})
        if isinstance(v, list) or v is None:
            self.err(at, f"tolerance must be a positive number or {{rel, abs}}, {example}", step=step)
            return None
        rel = self.positive(v, at, "tolerance", example, step)
        return None if rel is None else Tolerance(rel)

    def positive(self, v: Any, path: Path_, name: str, example: str, step: str | None) -> float | None:
        """A positive number (text that spells one too, as YAML 1.1 reads ``1e-3``); None with a problem."""
        x = self.number(v, path, name, step)
        if x is None:
            return None
        if x <= 0:
            self.err(path, f"{name} must be positive, {example}; got {v}", step=step)
            return None
        return x

    def allow(self, data: dict[Any, Any], path: Path_, step: str | None = None) -> tuple[AllowItem, ...]:
        """``lint: {allow: [W103, always-zero]}``: the warning codes allowed, each where it is written."""
        if "lint" not in data:
            return ()
        v, at = data["lint"], (*path, "lint")
        if not isinstance(v, dict):
            self.err(at, "lint: is a mapping such as {allow: [W103]}", step=step)
            return ()
        self.check_keys(v, at, LINT_KEYS, "lint", step=step)
        raw = v.get("allow")
        if raw is None:
            return ()
        entries = raw if isinstance(raw, list) else [raw]
        paths = [(*at, "allow", i) for i in range(len(entries))] if isinstance(raw, list) else [(*at, "allow")]
        out: list[AllowItem] = []
        for entry, p in zip(entries, paths, strict=True):
            if not isinstance(entry, str) or isinstance(entry, bool):
                message = "lint: allow lists warning codes such as W103 (or names such as symmetric-operand)"
                self.err(p, message, step=step)
                continue
            code = find_code(entry)
            if code is None:
                self.err(p, f"lint: allow: unknown warning code {entry!r}{suggest_code(entry)}", step=step)
                continue
            if code.code == "W501":
                message = "lint: allow: W501 allow-unused cannot be allowed; remove the codes that never fire"
                self.err(p, message, step=step)
                continue
            if any(a.code == code.code for a in out):
                self.err(p, f"lint: allow lists {code.label} twice", step=step)
                continue
            m = self.doc.mark(p)
            out.append(AllowItem(code.code, m.line, m.col))
        return tuple(out)

    def number(self, x: Any, path: Path_, name: str, step: str | None = None) -> float | None:
        """One finite number within ±MAX_VALUE (a number, or text that spells one); None with a problem."""
        if isinstance(x, bool):
            self.err(path, f"{name}: expected a number, got a boolean", step=step)
            return None
        if isinstance(x, int | float):
            f = float(x)
        elif isinstance(x, str) and NUMBER_TEXT_RE.match(x):
            f = float(x)
        elif isinstance(x, str):
            self.err(path, f"{name}: expected a number, got text {x[:40]!r}", step=step)
            return None
        else:
            self.err(path, f"{name}: expected a number or a list of numbers, got {type_name(x)}", step=step)
            return None
        if not math.isfinite(f):
            self.err(path, f"{name}: {x} is not a finite number", step=step)
            return None
        if abs(f) > MAX_VALUE:
            self.err(path, f"{name}: {x} is too large for a lesson (keep values within ±1e6)", step=step)
            return None
        return f

    def array(self, value: Any, path: Path_, name: str) -> float | list[Any] | None:
        """A number, a vector or a matrix as nested lists of floats; None (with a problem) when it is not one."""
        if not isinstance(value, list):
            return self.number(value, path, name)
        if not value:
            self.err(path, f"{name}: an empty list has no values")
            return None
        if all(isinstance(r, list) for r in value):
            return self.matrix(value, path, name)
        if any(isinstance(r, list) for r in value):
            self.err(path, f"{name}: mix of numbers and lists; write a vector [1, 2] or a matrix [[1, 2], [3, 4]]")
            return None
        if len(value) > MAX_ENTRIES:
            self.err(path, f"{name}: a vector of {len(value)} entries is too large")
            return None
        entries = [self.number(x, (*path, j), name) for j, x in enumerate(value)]
        return None if any(x is None for x in entries) else entries

    def matrix(self, value: list[list[Any]], path: Path_, name: str) -> list[Any] | None:
        """Rows of equal, non-zero length, at most MAX_DIM a side and MAX_ENTRIES in all."""
        widths = {len(r) for r in value}
        if len(widths) != 1 or 0 in widths:
            self.err(path, f"{name}: every row of a matrix must have the same, non-zero length")
            return None
        if len(value) > MAX_DIM or max(widths) > MAX_DIM or len(value) * max(widths) > MAX_ENTRIES:
            self.err(path, f"{name}: a {len(value)}×{max(widths)} matrix is too large (at most {MAX_DIM} a side)")
            return None
        rows = []
        for i, r in enumerate(value):
            if any(isinstance(x, list) for x in r):
                self.err((*path, i), f"{name}: at most two levels of lists (a matrix)")
                return None
            rows.append([self.number(x, (*path, i, j), name) for j, x in enumerate(r)])
        return None if any(x is None for r in rows for x in r) else rows


def read_header(r: Reader, data: dict[Any, Any], out: Outline) -> None:
    """The lesson's keys, format, id, texts, tolerance and settings."""
    r.check_keys(data, (), LESSON_KEYS, "the lesson")
    for k in REQUIRED_KEYS:
        if k not in data:
            r.err((), f"missing required key {k!r}")
    if "format" in data and (isinstance(data["format"], bool) or data["format"] != FORMAT):
        r.err(("format",), f"unsupported format {data['format']!r}: this version reads format {FORMAT}")
    if "id" in data and not isinstance(data["id"], str):
        r.err(("id",), f"id must be text, a slug such as 'chain-rule'; got {type_name(data['id'])}: put it in quotes")
    out.id = r.text(data, "id") if isinstance(data.get("id"), str) else ""
    if isinstance(data.get("id"), str) and not ID_RE.match(out.id):
        r.err(("id",), f"id {out.id!r} must be a slug: lowercase letters, digits and dashes, e.g. 'chain-rule'")
    out.title, out.summary, out.intro, out.outro, out.torch_note = (r.text(data, k) for k in TEXT_KEYS)
    out.tolerance = r.tolerance(data, ()) or DEFAULT_TOLERANCE
    out.lint_allow = r.allow(data, ())
    for name, setting in SETTINGS.items():
        if name not in data:
            continue
        v = data[name]
        if isinstance(v, bool) or not isinstance(v, int | float) or not (setting.above < float(v) < setting.below):
            r.err(
                (name,),
                f"{name} must be a number between {setting.above:g} and {setting.below:g}, e.g. {setting.example}",
            )
            continue
        out.settings[name] = float(v)


def read_leaves(r: Reader, data: dict[Any, Any], out: Outline) -> None:
    """``inputs`` and ``constants``: names and their numbers (a lesson needs an input)."""
    for section in ("inputs", "constants"):
        if section not in data:
            continue
        block = data[section]
        example = "x: 1.5" if section == "inputs" else "t: 4.25"
        if block is None:
            r.err((section,), f"{section!r} is empty: give it names and values, e.g. {example}, or leave it out")
            continue
        if not isinstance(block, dict):
            r.err((section,), f"{section!r} must map names to values, e.g. {example}")
            continue
        for name, value in block.items():
            if not isinstance(name, str) or not NAME_RE.match(name):
                r.err((section, name), f"{name!r} is not a valid name (letters, digits, _)", key=True)
                continue
            if name in out.inputs:
                r.err((section, name), f"{name!r} is already an input", key=True)
                continue
            arr = r.array(value, (section, name), name)
            if arr is not None:
                getattr(out, section)[name] = arr
            else:
                out.broken.add(name)
        if section == "inputs" and not block:
            r.err(("inputs",), "a lesson needs at least one input")


def read_graph(r: Reader, data: dict[Any, Any], out: Outline) -> None:
    """``graph``: a list of at most MAX_GRAPH_LINES assignments as text, ``NAME = expression``."""
    if "graph" not in data:
        return
    graph = data["graph"]
    if not isinstance(graph, list) or not graph:
        r.err(("graph",), "'graph' must be a list of assignments, e.g. - y = 2 * x")
        return
    if len(graph) > MAX_GRAPH_LINES:
        r.err(("graph",), f"the graph has {len(graph)} lines, more than {MAX_GRAPH_LINES}")
    for i, line in enumerate(graph[:MAX_GRAPH_LINES]):
        if not isinstance(line, str):
            r.err(("graph", i), f"each graph item is one assignment as text, e.g. 'y = 2 * x'; got {type_name(line)}")
            continue
        m = ASSIGNMENT_RE.match(line)
        if not m:
            r.err(
                ("graph", i),
                f"graph: {line.strip()[:60]!r} is not an assignment: write NAME = expression, e.g. 'y = 2 * x'",
            )
            continue
        out.graph.append(GraphItem(i, m.group(1), line))


def read_steps(r: Reader, data: dict[Any, Any], out: Outline) -> None:
    """``steps``: at most MAX_STEPS steps, each of one kind with its target, asked once."""
    if "steps" not in data:
        return
    raw = data["steps"]
    out.steps = []
    if not isinstance(raw, list) or not raw:
        r.err(("steps",), "'steps' must be a list, e.g. - grad: x  (or leave it out for the default walk)")
        return
    if len(raw) > MAX_STEPS:
        r.err(("steps",), f"{len(raw)} steps, more than {MAX_STEPS}")
        return
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        step = _read_step(r, item, i)
        if step is None:
            continue
        if step.id in seen:
            message = f"step {step.id} is asked twice (first at line {seen[step.id]})"
            r.err((*step.path, step.kind.name), message, step=step.id)
            continue
        seen[step.id] = r.doc.mark(step.path).line
        out.steps.append(step)


def _read_step(r: Reader, item: Any, i: int) -> StepItem | None:
    """One step: its keys, its one kind and target, hints, texts, tolerance and mistakes."""
    p = ("steps", i)
    if not isinstance(item, dict):
        r.err(p, "each step is a mapping such as 'grad: x'")
        return None
    kind = _kind_of(r, item, p)
    if kind is None:
        return None
    target = item[kind.name]
    if not isinstance(target, str) or not target.strip():
        r.err((*p, kind.name), f"{kind.name}: names a node, e.g. '{kind.example()}'")
        return None
    if kind.read is not None:
        try:
            node, rest = kind.read(target)
        except ValueError as e:
            r.err((*p, kind.name), f"{kind.name}: {e}")
            return None
        wrt: str | None = rest
    else:
        node, wrt = kind.parse_target(target)
    sid = step_id(kind, node, wrt)
    if kind.pair and not wrt:
        r.err((*p, kind.name), f"{kind.name}: takes NODE/INPUT, e.g. '{kind.example()}'", step=sid)
        return None
    for part in (node, wrt or "") if kind.pair else (node,):
        if not NAME_RE.match(part):
            r.err((*p, kind.name), f"{kind.name}: {part!r} is not a name (letters, digits, _)", step=sid)
            return None
    given = _given(r, item, p, sid)
    return StepItem(
        i,
        kind,
        node,
        wrt,
        _hints(r, item, p, sid),
        r.text(item, "explain", p, sid),
        r.text(item, "prompt", p, sid),
        r.tolerance(item, p, sid),
        _mistakes(r, item.get("mistakes"), (*p, "mistakes"), sid),
        given,
        r.allow(item, p, sid),
    )


def _given(r: Reader, item: dict[Any, Any], p: Path_, sid: str) -> bool:
    """``given: true``: a step shown worked; it takes no hints or mistakes (nobody answers it)."""
    if "given" not in item:
        return False
    given = item["given"]
    if not isinstance(given, bool):
        r.err((*p, "given"), f"given is true or false, got {type_name(given)}", step=sid)
        return False
    for key in ("hint", "mistakes"):
        if given and item.get(key) is not None:
            r.err(
                (*p, key),
                f"a given step is shown worked, not asked: it takes no {key}; remove it, or drop 'given: true'",
                key=True,
                step=sid,
            )
    return given


def _kind_of(r: Reader, item: dict[Any, Any], p: Path_) -> StepKind | None:
    """The step's one kind; a problem for an unknown key, an unknown kind or none or several kinds."""
    kinds = [STEP_KINDS[k] for k in STEP_KINDS if k in item]
    unknown = [k for k in item if k not in STEP_KEYS]
    if not kinds and unknown:  # ``vjp: a/z``: a key where the kind should be is an unknown kind
        k = unknown[0]
        r.err((*p, k), f"unknown step kind {k!r}{did_you_mean(k, tuple(STEP_KINDS), 'the kinds')}", key=True)
        return None
    r.check_keys(item, p, STEP_KEYS, "a step")
    if len(kinds) != 1:
        found = f" (found {', '.join(k.name for k in kinds)})" if kinds else ""
        r.err(p, f"a step has exactly one of {', '.join(k + ':' for k in STEP_KINDS)}{found}")
        return None
    return kinds[0]


def _hints(r: Reader, item: dict[Any, Any], p: Path_, sid: str) -> tuple[str, ...]:
    """A hint or a list of hints, as texts."""
    raw = item.get("hint", [])
    if not isinstance(raw, list):
        raw = [raw]
    if all(isinstance(h, str | int | float) and not isinstance(h, bool) for h in raw):
        return tuple(str(h) for h in raw)
    r.err((*p, "hint"), "hint must be text or a list of texts", step=sid)
    return ()


def _mistakes(r: Reader, raw: Any, path: Path_, sid: str) -> tuple[MistakeItem, ...]:
    """At most MAX_MISTAKES ``{answer: formula, message: text}``; the formulas are read by the loader."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        r.err(path, "mistakes: is a list of {answer: formula, message: text}", step=sid)
        return ()
    if len(raw) > MAX_MISTAKES:
        r.err(path, f"{len(raw)} mistakes, more than {MAX_MISTAKES} a step may have", step=sid)
        return ()
    out = []
    for i, m in enumerate(raw):
        p = (*path, i)
        if not isinstance(m, dict) or "answer" not in m or "message" not in m:
            r.err(p, "each mistake needs 'answer' (a formula) and 'message'", step=sid)
            continue
        r.check_keys(m, p, MISTAKE_KEYS, "a mistake")
        answer = m["answer"]
        if isinstance(answer, bool) or not isinstance(answer, str | int | float):
            r.err((*p, "answer"), f"a mistake's answer is a formula as text, got {type_name(answer)}", step=sid)
            continue
        out.append(MistakeItem(str(answer), r.text(m, "message", p, sid), p))
    return tuple(out)


def lesson_data(doc: Located) -> dict[Any, Any]:
    """The document's mapping of keys; LessonError when a lesson file is anything else."""
    if not isinstance(doc.data, dict):
        raise LessonError(
            [Problem(doc.file, 1, 1, "a lesson file is a mapping of keys (format, id, title, graph, ...)")]
        )
    return doc.data


def read_outline(doc: Located) -> tuple[Outline, list[Problem]]:
    """The structure of a lesson file and the problems found in it (LessonError when it is not a mapping)."""
    data = lesson_data(doc)
    r = Reader(doc)
    out = Outline()
    read_header(r, data, out)
    read_leaves(r, data, out)
    read_vary(r, data, out)
    read_graph(r, data, out)
    read_steps(r, data, out)
    return out, r.problems
