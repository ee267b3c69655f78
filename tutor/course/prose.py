"""A lesson's prose as the learner reads it: live numbers filled in, maths as Unicode; and what is wrong with it.

Prose fields are the summary, intro, outro and torch_note, and each step's prompt, hints, explanation and mistakes'
messages. The intro, outro, torch_note, prompt and explanation are Markdown; the summary, hints and messages are
plain text. :func:`show_lesson` turns a loaded lesson into the one the learner sees, from the lesson's
text and a trace (another trace, other numbers); :func:`check_prose` finds, at ``file:line:col``, the
live numbers that cannot be shown (errors) and the maths and Markdown that will not read as meant
(warnings: unsupported LaTeX, unclosed ``$$``, Mermaid diagrams, admonitions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tutor.course.live import Numbers, substitute
from tutor.course.maths import render_prose
from tutor.course.model import Lesson
from tutor.course.plots import check_plots, render_plots
from tutor.course.problems import Problem
from tutor.course.steps import STEP_KINDS, step_id
from tutor.course.yamlpos import Located
from tutor.engine import Trace

#: Markdown the lesson screen does not render, with what to do instead
_MERMAID = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})[ \t]*mermaid\b", re.M)
_ADMONITION = re.compile(r"^[ ]{0,3}(!!!|\?\?\?\+?)[ \t]+\w", re.M)
#: the prose fields of a lesson and of a step that are Markdown
MARKDOWN_FIELDS = {"intro", "outro", "torch_note", "prompt", "explain"}


@dataclass(frozen=True)
class ProseField:
    """One prose text in a lesson file: where it is (a YAML path), what it is called, whether it is Markdown."""

    path: tuple[Any, ...]
    text: str
    label: str
    markdown: bool
    step: str | None = None


@dataclass
class ProseProblems:
    """What :func:`check_prose` found: errors (a live number that cannot be shown) and warnings."""

    errors: list[Problem]
    warnings: list[Problem]


def show_lesson(lesson: Lesson, trace: Trace, values: dict[str, Any] | None = None) -> Lesson:
    """The lesson as the learner reads it: each prose field with its live numbers at ``trace`` and maths as Unicode
    (``values``: the live numbers already computed at this trace, by :func:`check_prose`).

    ``lesson`` holds its prose as written (a variant: as written, at its own numbers); the result keeps it in
    ``as_written``, so that a variant is filled again from the text, never from text already filled.
    """
    numbers = Numbers(trace, values={} if values is None else values, settings=lesson.settings)

    def markdown(text: str) -> str:
        return show_text(text, numbers, markdown=True)

    def plain(text: str) -> str:
        return show_text(text, numbers, markdown=False)

    steps = tuple(
        replace(
            s,
            prompt=markdown(s.prompt),
            explain=markdown(s.explain),
            hints=tuple(plain(h) for h in s.hints),
            mistakes=tuple(replace(m, message=plain(m.message)) for m in s.mistakes),
        )
        for s in lesson.steps
    )
    return replace(
        lesson,
        summary=plain(lesson.summary),
        intro=markdown(lesson.intro),
        outro=markdown(lesson.outro),
        torch_note=markdown(lesson.torch_note),
        steps=steps,
        as_written=lesson,
    )


def show_text(text: str, numbers: Numbers, markdown: bool) -> str:
    """One prose text with its live numbers filled in and its maths rendered (for Markdown or plain text)."""
    if markdown and "plot" in text:
        text = render_plots(text, numbers)
    if not _has_markup(text):
        return text
    filled, _ = substitute(text, numbers)
    return render_prose(filled, markdown)[0]


def _has_markup(text: str) -> bool:
    """Whether the text may hold a live number or maths (most prose holds neither)."""
    return "{{" in text or "$" in text or "\\(" in text or "\\[" in text


def check_prose(
    doc: Located,
    source: str,
    trace: Trace,
    values: dict[str, Any] | None = None,
    settings: Mapping[str, float] | None = None,
) -> ProseProblems:
    """Every prose field's live numbers that cannot be shown, and its maths and Markdown that will not render
    (``values`` keeps the live numbers computed, for :func:`show_lesson` at the same trace; ``settings``: the
    lesson's ``learning_rate``, which a plot may mark)."""
    found = ProseProblems([], [])
    numbers = Numbers(trace, values={} if values is None else values, settings=settings or {})
    for f in prose_fields(doc.data):
        where = _locator(doc, source, f)
        if "{{" in f.text:
            for p in substitute(f.text, numbers)[1]:
                found.errors.append(Problem(doc.file, *where(p.offset, "{{"), f"{f.label}: {p.message}", step=f.step))
        if _has_markup(f.text):
            for note in render_prose(f.text, f.markdown)[1]:
                at = where(note.offset, note.snippet)
                problem = Problem(doc.file, *at, f"{f.label}: {note.message}", "warning", f.step, note.code)
                found.warnings.append(problem)
        if f.markdown:
            for bad in check_plots(f.text, numbers):
                found.errors.append(
                    Problem(doc.file, *where(bad.offset, bad.snippet), f"{f.label}: {bad.message}", step=f.step)
                )
            for m in _MERMAID.finditer(f.text):
                found.warnings.append(
                    Problem(
                        doc.file,
                        *where(m.start(1), m.group(1)),
                        f"{f.label}: Mermaid diagrams are not drawn: the block shows as code; describe the graph "
                        "in words or a table (the graph panel already draws the lesson's graph)",
                        "warning",
                        f.step,
                        "W303",
                    )
                )
            for m in _ADMONITION.finditer(f.text):
                found.warnings.append(
                    Problem(
                        doc.file,
                        *where(m.start(1), m.group(1)),
                        f"{f.label}: admonitions ('{m.group(1)} note') are not rendered and show as typed; "
                        "use a block quote ('> **Note:** ...') instead",
                        "warning",
                        f.step,
                        "W304",
                    )
                )
    return found


def prose_fields(data: Any) -> Iterator[ProseField]:
    """Every prose text of a lesson file's data, with its path, its name in messages and its step."""
    if not isinstance(data, dict):
        return
    for key in ("summary", "intro", "outro", "torch_note"):
        if isinstance(data.get(key), str):
            yield ProseField((key,), data[key], key, key in MARKDOWN_FIELDS)
    steps = data.get("steps")
    if not isinstance(steps, list):
        return
    for i, item in enumerate(steps):
        if not isinstance(item, dict):
            continue
        step = _step_id(item)
        for key in ("prompt", "explain"):
            if isinstance(item.get(key), str):
                yield ProseField(("steps", i, key), item[key], key, True, step)
        hints = item.get("hint")
        if isinstance(hints, str):
            yield ProseField(("steps", i, "hint"), hints, "hint", False, step)
        elif isinstance(hints, list):
            for j, h in enumerate(hints):
                if isinstance(h, str):
                    yield ProseField(("steps", i, "hint", j), h, f"hint {j + 1}", False, step)
        mistakes = item.get("mistakes")
        if isinstance(mistakes, list):
            for j, m in enumerate(mistakes):
                if isinstance(m, dict) and isinstance(m.get("message"), str):
                    path = ("steps", i, "mistakes", j, "message")
                    yield ProseField(path, m["message"], f"mistake {j + 1} message", False, step)


def _step_id(item: dict[str, Any]) -> str | None:
    """The id of a step as written (``grad:x``), for messages."""
    for kind in STEP_KINDS.values():
        if isinstance(item.get(kind.name), str):
            return step_id(kind, *kind.parse_target(item[kind.name]))
    return None


def _locator(doc: Located, source: str, f: ProseField) -> Callable[[int, str], tuple[int, int]]:
    """A function giving the file line and column of a snippet at an offset in the field's text."""

    def where(offset: int, snippet: str) -> tuple[int, int]:
        return locate(doc, source, f.path, f.text, offset, snippet)

    return where


def locate(doc: Located, source: str, path: tuple[Any, ...], text: str, offset: int, snippet: str) -> tuple[int, int]:
    """Where ``snippet``, at ``offset`` in the text of the value at ``path``, stands in the file.

    On one line the column is counted; otherwise (a block scalar, a folded or multi-line string) the same
    occurrence of the snippet is found in the file after the value's start. Where that fails (escapes in a
    double-quoted string), the value's own position.
    """
    m = doc.mark(path)
    if m.plain_single_line:
        return m.line, m.col + offset + (1 if m.quoted else 0)
    nth = text.count(snippet, 0, offset)
    lines = source.split("\n")
    start = sum(len(x) + 1 for x in lines[: m.line - 1]) + m.col - 1
    at = start
    for _ in range(nth + 1):
        found = source.find(snippet, at)
        if found < 0:
            return m.line, m.col
        at = found + len(snippet)
    line = source.count("\n", 0, found) + 1
    return line, found - source.rfind("\n", 0, found)
