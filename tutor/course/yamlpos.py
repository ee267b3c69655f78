"""Load YAML safely and remember where every value stood, so problems can be reported ``file:line:col``.

Only the safe subset is accepted: no anchors or aliases (which also rules out "billion laughs"
bombs), no merge keys, no duplicate keys, no custom tags, at most 40 levels of nesting, numbers of at most
100 characters, and a size cap. Scalars are resolved as ``yaml.safe_load`` resolves them. The data is built
from the parser's events in one pass, so each check happens before anything behind it is built; the lesson
loader, the lesson-list index, the course order and answers files all read YAML through :func:`load_located`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml

from tutor.course.problems import LessonError, Problem

MAX_FILE_BYTES = 256 * 1024
#: libyaml's parser where PyYAML has it (marks, styles and errors are the same, and it is many times
#: faster); the pure-Python one otherwise. Scalars are always resolved by PyYAML's SafeLoader rules.
_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 40
#: numbers longer than this are refused before Python converts them (a 5000-digit int cannot even be printed)
MAX_NUMBER_CHARS = 100
NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
#: the only explicit tags accepted: the plain types (``!!str 1.0`` and friends)
PLAIN_TAGS = {"!"} | {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}

Path_ = tuple[Any, ...]


class Mark(NamedTuple):
    """A 1-based line and column, and for a string scalar how far its text is from the column (a tuple: one is
    made for every value of a file, and a frozen dataclass took longer to make than libyaml took to parse)."""

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


def _mark(event: yaml.Event) -> Mark:
    """The mark of a scalar or the start of a collection, as a 1-based line and column."""
    sm, em = event.start_mark, event.end_mark
    assert sm is not None and em is not None  # the parser marks every event
    if not isinstance(event, yaml.ScalarEvent):
        return Mark(sm.line + 1, sm.column + 1, False, False)
    quoted = event.style in ("'", '"')
    # a plain scalar's style is None in PyYAML's parser and "" in libyaml's
    single = event.style in (None, "", "'", '"') and em.line == sm.line
    return Mark(sm.line + 1, sm.column + 1, quoted, single)


def _yaml_problem(e: yaml.YAMLError, file: str, text: str = "") -> LessonError:
    """A YAML syntax error as a located problem, in a teacher's terms with the fix where it is a common trap."""
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        said = e.problem or e.context or "invalid YAML"
        known = _common_trap(said, text.splitlines(), line, col)
        if known is not None:
            return LessonError([Problem(file, *known)])
        return LessonError([Problem(file, line, col, f"invalid YAML: {said}")])
    return LessonError([Problem(file, 1, 1, f"invalid YAML: {e}")])


_KEY_ON_LINE = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w-]*):[ \t]+(?=\S)")
_BLOCK_START = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][\w-]*):[ \t]*[|>][-+]?[ \t]*(?:#.*)?$")


def _common_trap(said: str, lines: list[str], line: int, col: int) -> tuple[int, int, str] | None:
    """(line, col, message) for the YAML mistakes teachers make (an unquoted ': ', a tab, a block scalar whose
    first line is indented more than the rest), or None for any other error."""
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "mapping values are not allowed" in said:
        m = _KEY_ON_LINE.match(here)
        if m is not None:
            key, start = m[2], m.end() + 1
            return (
                line,
                start,
                (
                    f"invalid YAML: quote this {key}: it contains ': ' (a colon and a space), which YAML reads as a "
                    f'new key; write {key}: "..." with the whole text in double quotes (or use '
                    f"{key}: | and the text on the lines below)"
                ),
            )
    if "'\\t'" in said or "\t" in said:
        return (
            line,
            col,
            (
                "invalid YAML: a tab is used for indentation here; YAML indents with spaces only: replace the tab with "
                "spaces (set your editor to insert spaces)"
            ),
        )
    if "expected <block end>" in said or "could not find expected ':'" in said:
        block = _block_above(lines, line)
        if block is not None:
            at, key, extra = block
            return (
                at,
                1 + len(lines[at - 1]) - len(lines[at - 1].lstrip()),
                (
                    f"invalid YAML: the first line of {key}: | is indented {extra} spaces more than the lines after "
                    f"it, so YAML ends the text there; write {key}: |2 (the indentation of the text, set "
                    "explicitly), or indent the first line like the others and put code in a fenced block (```)"
                ),
            )
    return None


def _block_above(lines: list[str], line: int) -> tuple[int, str, int] | None:
    """The block scalar (``intro: |``) just above ``line`` whose first text line is indented more than a later
    one: (its line, its key, how many spaces more), or None."""
    for i in range(line - 2, -1, -1):
        m = _BLOCK_START.match(lines[i])
        if m is None:
            continue
        body = [x for x in lines[i + 1 : line] if x.strip()]
        if len(body) < 2:
            return None
        indents = [len(x) - len(x.lstrip(" ")) for x in body]
        if indents[0] > min(indents[1:]) > len(m[1]):
            return i + 1, m[2], indents[0] - min(indents[1:])
        return None
    return None


_STR = "tag:yaml.org,2002:str"
_NO_KEY = object()  # a mapping waiting for its next key
_SKIP = object()  # a key already reported: its value is read but dropped
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.SafeLoader("")  # its scalar constructors only read the node: safe to share between threads
_CONSTRUCTORS = yaml.SafeLoader.yaml_constructors


@dataclass
class _Open:
    """A mapping or a list being read: its data, its path (None inside a dropped value) and its pending key."""

    data: dict[Any, Any] | list[Any]
    path: Path_ | None
    key: Any = _NO_KEY


class _Builder:
    """Turns the event stream into plain data and marks in one pass, refusing what lessons must not hold."""

    def __init__(self, file: str, what: str) -> None:
        self.file = file
        self.what = what
        self.marks: dict[Path_, Mark] = {}
        self.key_marks: dict[Path_, Mark] = {}
        self.problems: list[Problem] = []
        self.stack: list[_Open] = []
        self.root: Any = None
        self.documents = 0

    def refuse(self, event: yaml.Event, message: str) -> LessonError:
        """A LessonError located at an event."""
        m = event.start_mark
        assert m is not None  # the parser marks every event
        return LessonError([Problem(self.file, m.line + 1, m.column + 1, message)])

    def feed(self, event: yaml.Event) -> None:
        """Take one event: check it, then place the value it starts or ends."""
        if (
            isinstance(event, yaml.ScalarEvent)
            and event.anchor is None
            and (event.tag is None or event.tag in PLAIN_TAGS)
        ):
            self.scalar(event)  # most events: a plain value, checked here as below
            return
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise self.refuse(
                event, f"YAML anchors and aliases (&name, *name) are not allowed in {self.what}s: write the value out"
            )
        tag = getattr(event, "tag", None)
        if tag and tag not in PLAIN_TAGS:
            if tag.startswith("tag:yaml.org,2002:"):
                tag = "!!" + tag.removeprefix("tag:yaml.org,2002:")
            raise self.refuse(event, f"YAML tag {tag!r} is not allowed: write plain values")
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.refuse(event, f"invalid YAML: a {self.what} holds one document; remove the second '---'")
        elif isinstance(event, yaml.ScalarEvent):
            self.scalar(event)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(self.stack) >= MAX_DEPTH:  # stop early: deep nesting is never a lesson
                raise self.refuse(event, f"nested more than {MAX_DEPTH} levels deep")
            data: dict[Any, Any] | list[Any] = {} if isinstance(event, yaml.MappingStartEvent) else []
            path = self.place(data, event)
            self.stack.append(_Open(data, path))
        elif isinstance(event, yaml.CollectionEndEvent):
            self.stack.pop()

    def scalar(self, event: yaml.ScalarEvent) -> None:
        """Resolve and construct a scalar as ``yaml.safe_load`` would, refusing merge keys and huge numbers."""
        tag = event.tag
        if tag is None or tag == "!":
            tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == "tag:yaml.org,2002:merge":
            raise self.refuse(event, f"YAML merge keys (<<) are not allowed in {self.what}s: write the keys out")
        value: Any
        if tag == _STR or tag == "tag:yaml.org,2002:value":
            value = event.value  # text; YAML 1.1's "=" value key is plain text here too
        elif tag in NUMBER_TAGS and len(event.value) > MAX_NUMBER_CHARS:
            m = _mark(event)
            self.problems.append(
                Problem(
                    self.file,
                    m.line,
                    m.col,
                    f"a number of {len(event.value)} characters is too long (at most {MAX_NUMBER_CHARS}); "
                    "put it in quotes if it is text",
                )
            )
            value = None
        else:
            node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)  # type: ignore[arg-type] # libyaml's Mark
            construct = _CONSTRUCTORS.get(tag, yaml.SafeLoader.construct_undefined)
            try:
                value = construct(_CONSTRUCTOR, node)
            except (yaml.YAMLError, ValueError, OverflowError) as e:
                m = _mark(event)
                self.problems.append(Problem(self.file, m.line, m.col, f"cannot read value: {e}"))
                value = None
        self.place(value, event)

    def place(self, value: Any, event: yaml.Event) -> Path_ | None:
        """Put a value where the open collection expects it; the path it got (None when it is dropped)."""
        mark = _mark(event)
        if not self.stack:
            self.root = value
            self.marks[()] = mark
            return ()
        top = self.stack[-1]
        if isinstance(top.data, list):
            path = None if top.path is None else (*top.path, len(top.data))
            top.data.append(value)
        elif top.key is _NO_KEY:
            top.key = self.key(value, event, top, mark)
            return None
        else:
            key, top.key = top.key, _NO_KEY
            if key is _SKIP or top.path is None:
                return None
            path = (*top.path, key)
            top.data[key] = value
        if path is not None:
            self.marks[path] = mark
        return path

    def key(self, value: Any, event: yaml.Event, top: _Open, mark: Mark) -> Any:
        """A mapping's key as data, or _SKIP (with a problem) for a collection or a repeated key (at ``mark``)."""
        if not isinstance(event, yaml.ScalarEvent):
            self.problems.append(Problem(self.file, mark.line, mark.col, "a key must be a plain word"))
            return _SKIP
        if not isinstance(value, str | int | float | bool) or value is None:
            value = str(value)
        if top.path is None:
            return value
        if (*top.path, value) in self.key_marks:
            first = self.key_marks[(*top.path, value)]
            self.problems.append(
                Problem(self.file, mark.line, mark.col, f"duplicate key {value!r} (first at line {first.line})")
            )
            return _SKIP
        self.key_marks[(*top.path, value)] = mark
        return value


def _read(text: str, file: str, what: str, loader: type) -> _Builder:
    """One pass of ``loader``'s parser over the text, building the data as the events come."""
    builder = _Builder(file, what)
    for event in yaml.parse(text, Loader=loader):
        builder.feed(event)
    return builder


def load_located(text: str, file: str, what: str = "lesson file", max_bytes: int = MAX_FILE_BYTES) -> Located:
    """Parse YAML text into data with marks; raise LessonError with located problems.

    ``what`` names the file in messages ("lesson file", "answers file", "course order file").
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise LessonError([Problem(file, 1, 1, f"the {what} is {size} bytes, over the limit of {max_bytes} bytes")])
    try:
        built = _read(text, file, what, _FastLoader)
    except yaml.YAMLError as fast_error:
        # report with PyYAML's own parser, so that the message reads the same with or without libyaml
        try:
            _read(text, file, what, yaml.SafeLoader)
        except yaml.YAMLError as e:
            raise _yaml_problem(e, file, text) from None
        raise _yaml_problem(fast_error, file, text) from None
    if built.problems:
        raise LessonError(built.problems)
    if built.root is None:
        return Located(None, {}, {}, file)
    return Located(built.root, built.marks, built.key_marks, file)
