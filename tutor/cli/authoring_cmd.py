"""The authoring commands: ``new`` writes a starter lesson, ``schema`` prints the lesson file's JSON Schema."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tutor.authoring.scaffold import SCHEMA_PATH, TEMPLATES, load_schema, new_lesson

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def add_new_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``new``."""
    parser.add_argument("id", metavar="ID", help="the lesson id, a slug such as 'softmax-layer' (also the file name)")
    parser.add_argument("--dir", metavar="DIR", default=".", help="where to write ID.yaml (default: here)")
    parser.add_argument(
        "--template",
        choices=list(TEMPLATES),
        default="chain",
        help="; ".join(f"{k}: {v}" for k, v in TEMPLATES.items()),
    )


def run_new(args: argparse.Namespace) -> int:
    """Write a commented starter lesson and say what to do next; never overwrite a file, nor reuse an id."""
    folder = Path(args.dir)
    from tutor.cli import COMMANDS

    if args.id in COMMANDS:
        print(
            f"backprop-tutor: {args.id!r} is the name of a command (`backprop-tutor {args.id}` would run it, not "
            "the lesson): choose another id",
            file=sys.stderr,
        )
        return EXIT_FAIL
    clash = _clashing_lesson(args.id, folder)
    if clash is not None:
        print(
            f"backprop-tutor: lesson id {args.id!r} is already used by {clash}; the tutor would skip one of the two: "
            "choose another id",
            file=sys.stderr,
        )
        return EXIT_FAIL
    existed = _exists(folder)
    try:
        path = new_lesson(args.id, folder, args.template)
    except FileExistsError:
        target = Path(args.dir) / f"{args.id}.yaml"
        print(
            f"backprop-tutor: {target} already exists; not overwriting it (choose another id or --dir)", file=sys.stderr
        )
        return EXIT_FAIL
    except ValueError as e:
        print(f"backprop-tutor: {e}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:
        print(
            f"backprop-tutor: cannot write {Path(args.dir) / (args.id + '.yaml')}: {e.strerror or e}", file=sys.stderr
        )
        return EXIT_FAIL
    if not existed:
        print(f"created the folder {folder}")
    print(f"wrote {path} (template: {args.template} - {TEMPLATES[args.template]})")
    print("next:")
    print(f"  $EDITOR {path}                      # the first line points your editor at the schema")
    print(f"  backprop-tutor validate {path}      # every problem as file:line:col; --strict fails on warnings")
    print(f"  backprop-tutor solve {path}         # the engine's answer to every step")
    print(f"  backprop-tutor --watch {path}       # try it in the app; it reloads when you save")
    return EXIT_OK


def _exists(folder: Path) -> bool:
    """Whether the folder is there already (a problem looking counts as there: new_lesson reports it)."""
    try:
        folder.stat()
    except FileNotFoundError:
        return False
    except (OSError, ValueError):
        return True
    return True


def _clashing_lesson(lesson_id: str, folder: Path) -> str | None:
    """Where a lesson with this id already is (path and origin), on the search path or in ``folder``, or None."""
    from tutor.course.index import folder_problem, index_course

    extra = [folder] if folder_problem(folder, "--lessons") is None else []
    target = folder / f"{lesson_id}.yaml"
    for e in index_course(extra).all_entries:
        if e.id == lesson_id and e.path != target:
            return f"{e.path} ({e.origin})"
    return None


def add_schema_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``schema``."""
    parser.add_argument("--path", action="store_true", help="print where the schema file is installed instead")


def run_schema(args: argparse.Namespace) -> int:
    """Print the lesson file's JSON Schema (draft-7), or its installed path."""
    if args.path:
        print(SCHEMA_PATH)
    else:
        print(json.dumps(load_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK
