"""The headless lesson commands: ``list``, ``validate``, ``solve`` and ``check``.

Lesson text and file names are untrusted: every human-readable line goes through :func:`say`, which prints
it on one line with control characters escaped (``\x1b``), so a lesson cannot clear the screen or rewrite a
line. ``--json`` output is ``json.dumps`` as it is: exact JSON, which escapes control characters itself.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.course import Lesson, LessonError, Problem, find_lesson, load_course, load_lesson, prompt, solve, to_plain
from tutor.course.answers import read_answers
from tutor.course.catalog import id_problems_at
from tutor.course.index import CourseIndex, index_course, read_lesson_text
from tutor.course.load import parse_lesson
from tutor.grading import grade, show_array
from tutor.safetext import one_line

if TYPE_CHECKING:
    from tutor.authoring.validate_cache import Findings, ValidationCache
    from tutor.progress import ProgressStore

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def say(line: object, *, err: bool = False) -> None:
    """Print one human-readable line (stdout, or stderr with ``err``), control characters escaped."""
    print(one_line(str(line)), file=sys.stderr if err else sys.stdout)


def _err(message: str) -> None:
    """An error message on stderr."""
    say(f"backprop-tutor: {message}", err=True)


def quoted(text: str) -> str:
    """``'text'`` with control characters escaped once (``repr`` would also double every backslash)."""
    return f"'{one_line(text)}'"


# ---------------------------------------------------------------- list


def add_list_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``list``."""
    parser.add_argument("--json", action="store_true", help="print a JSON array of lessons")


def lesson_progress(store: ProgressStore, lesson: Lesson) -> dict[str, int | bool]:
    """The learner's progress in a lesson (this version of it): steps solved, shown, open, and whether started."""
    from tutor.progress import SHOWN, SOLVED, lesson_source

    record = store.peek(lesson.id, lesson.content_hash, lesson_source(lesson.path))
    statuses = [record.steps[s.id].status if record and s.id in record.steps else None for s in lesson.steps]
    solved, shown = statuses.count(SOLVED), statuses.count(SHOWN)
    started = record is not None and record.started
    return {"solved": solved, "shown": shown, "open": len(statuses) - solved - shown, "started": started}


def progress_text(progress: dict[str, int | bool]) -> str:
    """``4/6 solved, 1 shown``, ``done``, or ``not started``."""
    total = int(progress["solved"]) + int(progress["shown"]) + int(progress["open"])
    if not progress["started"]:
        return "not started"
    if not progress["open"] and not progress["shown"]:
        return f"done ({total}/{total} solved)"
    return f"{progress['solved']}/{total} solved" + (f", {progress['shown']} shown" if progress["shown"] else "")


def run_list(args: argparse.Namespace) -> int:
    """Print the lessons in course order, with the learner's progress in each."""
    from tutor.progress import ProgressStore

    course = load_course(args.lessons)
    for p in course.problems:
        say(p, err=True)
    store = ProgressStore()
    if store.warning:
        say(f"backprop-tutor: {store.warning}", err=True)
    progress = {lesson.id: lesson_progress(store, lesson) for lesson in course.lessons}
    if args.json:
        rows = [
            {
                "id": lesson.id,
                "title": lesson.title,
                "summary": lesson.summary,
                "steps": len(lesson.steps),
                "path": str(lesson.path),
                "source": course.origins.get(lesson.id, "shipped"),
                "progress": progress[lesson.id],
            }
            for lesson in course.lessons
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max((len(lesson.id) for lesson in course.lessons), default=10)
    for i, lesson in enumerate(course.lessons, 1):
        origin = course.origins.get(lesson.id, "shipped")
        where = "" if origin == "shipped" else f"  [{origin}: {lesson.path}]"
        steps = f"({len(lesson.steps)} steps)"
        say(f"{i:>2}. {lesson.id:<{width}}  {lesson.title}  {steps}  {progress_text(progress[lesson.id])}{where}")
    if not course.lessons:
        say("no lessons found")
    return EXIT_OK


# ---------------------------------------------------------------- validate


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``validate``."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="lesson files or directories of them")
    parser.add_argument(
        "--strict", action="store_true", help="treat the linter's warnings as errors (exit 1 when there are any)"
    )
    parser.add_argument("--no-lint", action="store_true", help="check the file and the graph only, not the numbers")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="check every file afresh: neither read nor write the validation cache (the findings of unchanged files "
        "kept from earlier runs)",
    )


def _expand(paths: list[str]) -> tuple[list[Path], list[Problem]]:
    """The files to validate (a folder's lesson files, bounded, and its course order), and the folders that
    cannot be read."""
    from tutor.course.index import ORDER_FILE, folder_problem, list_lessons

    out: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        try:
            is_folder = p.is_dir()
        except OSError:  # a folder above it denies access
            is_folder = True
        if not is_folder:
            out.append(p)
            continue
        problem = folder_problem(p, "validate")
        if problem is not None:
            problems.append(problem)
            continue
        files, listed = list_lessons(p)
        problems += listed
        out += files
        if (p / ORDER_FILE).exists():
            out.append(p / ORDER_FILE)
    return out, problems


def validate_order_file(path: Path, index: CourseIndex | None = None) -> list[Problem]:
    """The problems of a folder's ``course.yaml``: its own, and (as warnings, W403) ids that name no lesson of
    its folder nor of the search path (a user folder's order may list shipped ids to place its lessons)."""
    from tutor.course.index import index_entry, lesson_files, read_order

    ids, missing, problems = read_order(path.parent)
    known = {e.id for e in (index or index_course()).all_entries}
    for f in lesson_files(path.parent):
        try:
            known.add(index_entry(f).id)
        except LessonError:
            continue  # reported when that file itself is validated
    return problems + [replace(missing[x], severity="warning", code="W403") for x in ids if x not in known]


@dataclass
class Checked:
    """What ``validate`` found in one file: its problems (errors, then warnings) and the warnings it allows."""

    problems: list[Problem] = field(default_factory=list)
    allowed: list[Problem] = field(default_factory=list)


def validate_file(path: Path, lint: bool = True) -> list[Problem]:
    """Every problem of one lesson file, errors then the warnings it does not allow (empty when it is clean).

    A folder's ``course.yaml`` is the course order, not a lesson, and is checked as such.
    """
    return check_file(path, lint).problems


def command_problems_at(lesson_id: str, path: Path, at: tuple[int, int]) -> list[Problem]:
    """W404: an id that is also a command's name cannot be opened by its id (``backprop-tutor review`` runs the
    review command); ``at``: where the id is written."""
    from tutor.cli import COMMANDS

    if lesson_id not in COMMANDS:
        return []
    message = (
        f"the id {lesson_id!r} is also a command: `backprop-tutor {lesson_id}` runs the command, not this lesson; "
        "choose another id (and rename the file to match)"
    )
    return [Problem(str(path), at[0], at[1], message, "warning", None, "W404")]


def check_file(
    path: Path, lint: bool = True, index: CourseIndex | None = None, cache: ValidationCache | None = None
) -> Checked:
    """One file's problems, and the warnings its ``lint: allow`` lists kept back; ``index`` is the search path's
    lessons (read once per run), for ids that clash; ``cache``: findings of earlier runs (the file's text, path and
    options unchanged), for all but what depends on other files."""
    if index is None:
        index = index_course()
    if path.name == "course.yaml" and path.is_file():
        return Checked(validate_order_file(path, index))
    if cache is None:
        return _with_course(path, own_findings(path, lint), lint, index)
    from tutor.authoring.validate_cache import entry_key

    try:
        text = read_lesson_text(path)
    except LessonError as e:  # unreadable now: nothing to look up or keep
        return Checked(e.problems)
    key = entry_key(path, text, (*cache.options, "lint" if lint else "no-lint"))
    findings = cache.get(key)
    if findings is None:
        findings = own_findings(path, lint, text)
        cache.put(key, findings)
    return _with_course(path, findings, lint, index)


def own_findings(path: Path, lint: bool, text: str | None = None) -> Findings:
    """What validate finds from a lesson file's text alone (``text``: the file's, when the caller has read it)."""
    from tutor.authoring.check_mistakes import check_mistakes
    from tutor.authoring.lint import allow_scopes, lint_report, linter_warnings
    from tutor.authoring.validate_cache import Findings

    try:
        lesson = load_lesson(path) if text is None else parse_lesson(text, str(path), path)
    except LessonError as e:
        return Findings(True, tuple(e.problems))
    here = solve(lesson) if lint else None  # one engine run for the mistakes, the linter and the variants' baseline
    errors = check_mistakes(lesson, here)
    linted: list[Problem] = []
    if lint:
        from tutor.authoring.variants import check_variants

        linted = linter_warnings(lesson, here)  # once: the report's, and the baseline a variant is held to
        baseline = lint_report(lesson, (), linted).warnings if lesson.vary else None
        errors += check_variants(lesson, baseline, solution=here)
    at = lesson.locations.get("id", (1, 1))
    scopes = tuple(allow_scopes(lesson))
    return Findings(False, tuple(errors), tuple(lesson.warnings), tuple(linted), scopes, lesson.id, at)


def _with_course(path: Path, found: Findings, lint: bool, index: CourseIndex) -> Checked:
    """A file's findings with what the course makes of its id (other files: always worked out afresh), its
    warnings split by its ``lint: allow`` lists."""
    from tutor.authoring.lint import allow_in_scopes

    if found.failed:
        return Checked(list(found.errors))
    course = id_problems_at(found.lesson_id, path, found.id_at, index)
    course += command_problems_at(found.lesson_id, path, found.id_at)
    errors = [p for p in course if p.severity == "error"] + list(found.errors)
    more = [p for p in course if p.severity != "error"]
    report = allow_in_scopes(list(found.scopes), str(path), [*found.prose, *more, *found.linted], lint)
    return Checked([*errors, *report.warnings], report.allowed)


def run_validate(args: argparse.Namespace) -> int:
    """Validate lesson files; one line per problem; exit 1 if any has an error (or, with --strict, a warning)."""
    files, folder_problems = _expand(args.paths)
    for p in folder_problems:
        say(p)
    bad = warned = allowed = 0
    index = index_course()
    from tutor.authoring.validate_cache import ValidationCache

    cache = None if args.no_cache else ValidationCache.for_user(("strict",) if args.strict else ())
    for f in files:
        checked = check_file(f, lint=not args.no_lint, index=index, cache=cache)
        problems = checked.problems
        allowed += len(checked.allowed)
        if args.strict:
            problems = [replace(p, severity="error") for p in problems]
        for p in problems:
            say(p)
        if any(p.severity == "error" for p in problems):
            bad += 1
        elif problems:
            warned += 1
    if cache is not None:
        cache.save()
    good = len(files) - bad
    say(
        f"{len(files)} file{'s' if len(files) != 1 else ''} checked: {good} valid, {bad} with problems"
        + (f", {warned} with warnings" if warned else "")
        + (f"; {allowed} warning{'s' if allowed != 1 else ''} allowed by lint: allow" if allowed else ""),
        err=True,
    )
    return EXIT_FAIL if bad or folder_problems or not files else EXIT_OK


# ---------------------------------------------------------------- solve


def add_solve_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``solve``."""
    parser.add_argument("lesson", metavar="LESSON", help="a lesson id or a path to a .yaml file")
    _add_variant_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _add_variant_argument(parser: argparse.ArgumentParser) -> None:
    """``--variant K``: the lesson with new numbers drawn from its ``vary:`` rules (0: as written)."""
    parser.add_argument(
        "--variant",
        type=_variant_number,
        default=0,
        metavar="K",
        help="variant K of the lesson: new numbers drawn from its vary: rules, the same for the same K "
        "(0, the default: the lesson as written)",
    )


def _variant_number(text: str) -> int:
    """A variant number from the command line: a whole number from 0 to MAX_VARIANT."""
    from tutor.course.variant import MAX_VARIANT

    if not text.strip().isdigit() or int(text) > MAX_VARIANT:
        raise argparse.ArgumentTypeError(
            f"{one_line(text)[:40]!r} is not a variant: give a whole number from 0 to {MAX_VARIANT}"
        )
    return int(text)


def _load(ref: str, dirs: list[str], k: int = 0):  # noqa: ANN202 - Lesson | None
    """The lesson (its variant ``k``), or None after printing its problems."""
    try:
        lesson = find_lesson(ref, dirs)
        if k == 0:
            return lesson
        from tutor.authoring.variants import variant

        return variant(lesson, k)
    except LessonError as e:
        for p in e.problems:
            say(p, err=True)
        return None


def run_solve(args: argparse.Namespace) -> int:
    """Print the engine's answers."""
    lesson = _load(args.lesson, args.lessons, args.variant)
    if lesson is None:
        return EXIT_USAGE
    sol = solve(lesson)
    tr = sol.trace
    if args.json:
        from tutor.course.variant import leaf_values

        out = {
            "id": lesson.id,
            "variant": lesson.variant,
            **leaf_values(lesson),
            "output": lesson.output,
            "values": {n: to_plain(v) for n, v in tr.values.items()},
            "grads": {n: to_plain(g) for n, g in tr.grads.items()},
            "steps": [{"id": s.id, "kind": s.kind.name, "answer": to_plain(sol.answer(s))} for s in lesson.steps],
        }
        print(json.dumps(out, indent=2))
        return EXIT_OK
    say(f"{lesson.title}  ({lesson.id}{f', variant {lesson.variant}' if lesson.variant else ''})")
    if lesson.variant:
        for name, v in lesson.leaf_values().items():
            say(f"  {name} = {show_array(v, 6)}")
    for a in lesson.program.assignments:
        say(f"  {a.text}")
    say("")
    for i, s in enumerate(lesson.steps, 1):
        q = prompt(lesson, s, tr.values)
        say(f"{i:>2}. {s.id:<18} {q.question}")
        say(f"    = {show_array(sol.answer(s), 6)}")
        for line in s.explain.strip().splitlines():  # with its live numbers and maths; Markdown escapes undone
            say("    " + _MARKDOWN_ESCAPE.sub(r"\1", line))
    return EXIT_OK


# ---------------------------------------------------------------- check


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``check``."""
    parser.add_argument("lesson", metavar="LESSON", help="a lesson id or a path to a .yaml file")
    parser.add_argument("--answers", required=True, metavar="FILE", help="YAML: step id -> answer as typed")
    _add_variant_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run_check(args: argparse.Namespace) -> int:
    """Grade answers; exit 0 if all are correct, 1 if any is not, 2 on a usage or input error."""
    lesson = _load(args.lesson, args.lessons, args.variant)
    if lesson is None:
        return EXIT_USAGE
    try:
        answers = read_answers(args.answers)
    except LessonError as e:
        for p in e.problems:
            say(p, err=True)
        return EXIT_USAGE
    ids = [s.id for s in lesson.steps]
    unknown = [k for k in answers if k not in ids]
    if unknown:
        _err(f"{args.answers}: no step {quoted(unknown[0])} in lesson {lesson.id}; its steps: {', '.join(ids)}")
        return EXIT_USAGE
    sol = solve(lesson)
    verdicts = [(s.id, grade(sol, s, answers[s.id])) for s in lesson.steps if s.id in answers]
    if args.json:
        results = [
            {"id": i, "correct": v.correct, "status": v.status, "feedback": v.message, "read_as": v.read_as}
            for i, v in verdicts
        ]
        print(json.dumps({"variant": lesson.variant, "results": results}, indent=2, ensure_ascii=False))
    else:
        for i, v in verdicts:
            mark = "✓" if v.correct else ("?" if v.status == "unreadable" else "✗")
            say(f"{mark} {i:<18} {v.message}")
            if v.read_as_shown:  # the grader decides whether the reading tells the learner something
                say(f"  {'':<18} (read as {v.read_as_shown})")
        right = sum(v.correct for _, v in verdicts)
        say(f"{right}/{len(verdicts)} correct")
    return EXIT_OK if all(v.correct for _, v in verdicts) else EXIT_FAIL
