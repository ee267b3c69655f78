"""Load YAML safely and remember where every value stood, so problems can be reported ``file:line:col``.

Only the safe subset is accepted: no anchors or aliases (which also rules out "billion laughs"
bombs), no duplicate keys, no custom tags, and a size cap. Scalars are resolved as ``yaml.safe_load``
resolves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from tutor.course.problems import LessonError, Problem

MAX_FILE_BYTES = 256 * 1024
#: libyaml's parser where PyYAML has it (marks, styles and errors are the same, and it is many times
#: faster); the pure-Python one otherwise. Scalars are always resolved by PyYAML's SafeLoader rules.
_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 40
#: the only explicit tags accepted: the plain types (``!!str 1.0`` and friends)
PLAIN_TAGS = {"!"} | {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column, and for a string scalar how far its text is from the column."""

    line: int
    col: int
    quoted: bool = False
    plain_single_line: bool = True


@dataclass
class Located:
    """A loaded document: plain Python data and the mark of every key and value by path."""

    data: Any
    marks: dict[Path_, Mark]
    key_marks: dict[Path_, Mark]
    file: str

    def mark(self, path: Path_) -> Mark:
        """The mark of the value at ``path``, or of its closest ancestor."""
        p = tuple(path)
        while p not in self.marks and p:
            p = p[:-1]
        return self.marks.get(p, Mark(1, 1))

    def key_mark(self, path: Path_) -> Mark:
        """The mark of the key that holds ``path`` (falls back to the value's mark)."""
        return self.key_marks.get(tuple(path)) or self.mark(path)

    def problem(self, path: Path_, message: str, *, key: bool = False, step: str | None = None) -> Problem:
        """A problem located at ``path``."""
        m = self.key_mark(path) if key else self.mark(path)
        return Problem(self.file, m.line, m.col, message, step=step)


def _mark(node: yaml.Node) -> Mark:
    sm = node.start_mark
    quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
    # a plain scalar's style is None in PyYAML's parser and "" in libyaml's
    single = isinstance(node, yaml.ScalarNode) and node.style in (None, "", "'", '"') and node.end_mark.line == sm.line
    return Mark(sm.line + 1, sm.column + 1, quoted, single)


def _scan(text: str, file: str, loader: type) -> yaml.Node | None:
    """Check the event stream (depth, anchors, aliases, tags), then compose the node tree."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:  # stop early: PyYAML slows down badly on deep nesting
                m = event.start_mark
                too_deep = f"nested more than {MAX_DEPTH} levels deep"
                raise LessonError([Problem(file, m.line + 1, m.column + 1, too_deep)])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            m = event.start_mark
            message = "YAML anchors and aliases (&name, *name) are not allowed in lessons: write the value out"
            raise LessonError([Problem(file, m.line + 1, m.column + 1, message)])
        tag = getattr(event, "tag", None)
        if tag and tag not in PLAIN_TAGS:
            if tag.startswith("tag:yaml.org,2002:"):
                tag = "!!" + tag.removeprefix("tag:yaml.org,2002:")
            m = event.start_mark
            raise LessonError(
                [Problem(file, m.line + 1, m.column + 1, f"YAML tag {tag!r} is not allowed: write plain values")]
            )
    return yaml.compose(text, Loader=loader)


def _yaml_problem(e: yaml.YAMLError, file: str) -> LessonError:
    """A YAML syntax error as a located problem."""
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return LessonError([Problem(file, line, col, f"invalid YAML: {e.problem or e.context or 'invalid YAML'}")])
    return LessonError([Problem(file, 1, 1, f"invalid YAML: {e}")])


def load_located(text: str, file: str) -> Located:
    """Parse YAML text into data with marks; raise LessonError with located problems."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise LessonError(
            [Problem(file, 1, 1, f"file is {size} bytes, over the cap of {MAX_FILE_BYTES}: lessons are small")]
        )
    try:
        root = _scan(text, file, _FastLoader)
    except yaml.YAMLError as fast_error:
        # report with PyYAML's own parser, so that the message reads the same with or without libyaml
        try:
            root = _scan(text, file, yaml.SafeLoader)
        except yaml.YAMLError as e:
            raise _yaml_problem(e, file) from None
        except RecursionError:
            raise LessonError([Problem(file, 1, 1, "invalid YAML: nested too deeply")]) from None
        raise _yaml_problem(fast_error, file) from None
    except RecursionError:
        raise LessonError([Problem(file, 1, 1, "invalid YAML: nested too deeply")]) from None
    marks: dict[Path_, Mark] = {}
    key_marks: dict[Path_, Mark] = {}
    if root is None:
        return Located(None, marks, key_marks, file)
    constructor = yaml.SafeLoader("")
    problems: list[Problem] = []

    def convert(node: yaml.Node, path: Path_, depth: int) -> Any:
        marks[path] = _mark(node)
        if depth > MAX_DEPTH:
            m = marks[path]
            raise LessonError([Problem(file, m.line, m.col, f"nested more than {MAX_DEPTH} levels deep")])
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for k_node, v_node in node.value:
                if not isinstance(k_node, yaml.ScalarNode):
                    m = _mark(k_node)
                    problems.append(Problem(file, m.line, m.col, "a key must be a plain word"))
                    continue
                key = constructor.construct_object(k_node)
                if not isinstance(key, str | int | float | bool) or key is None:
                    key = str(key)
                if key in out:
                    m = _mark(k_node)
                    first = key_marks[(*path, key)]
                    problems.append(Problem(file, m.line, m.col, f"duplicate key {key!r} (first at line {first.line})"))
                    continue
                key_marks[(*path, key)] = _mark(k_node)
                out[key] = convert(v_node, (*path, key), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [convert(v, (*path, i), depth + 1) for i, v in enumerate(node.value)]
        try:
            return constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as e:
            m = marks[path]
            problems.append(Problem(file, m.line, m.col, f"cannot read value: {e}"))
            return None

    data = convert(root, (), 0)
    if problems:
        raise LessonError(problems)
    return Located(data, marks, key_marks, file)
