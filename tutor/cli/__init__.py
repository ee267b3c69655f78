"""The ``backprop-tutor`` command: headless subcommands, or the terminal app when none is given.

Each subcommand lives in a module that defines ``add_<name>_arguments(parser)`` and
``run_<name>(args) -> int``; modules are imported only when their command runs, so the app's start
never pays for them (and never imports torch).

Output never crashes on a terminal that cannot show a character (``LANG=C``, ``PYTHONIOENCODING=ascii``):
such a character is written as an escape (``\u2202``). An error nobody expected (a bug) ends the command,
or the app, with exit status 70, one line saying what happened and where, and the traceback in a log file.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from tutor import __version__

#: command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("tutor.cli.lessons_cmd", "list the lessons in course order"),
    "validate": ("tutor.cli.lessons_cmd", "check lesson files; one line per problem, file:line:col"),
    "solve": ("tutor.cli.lessons_cmd", "print the engine's answer to every step of a lesson"),
    "check": ("tutor.cli.lessons_cmd", "grade a file of answers (step id: answer) against a lesson"),
    "torch": ("tutor.cli.torch_cmd", "print the lesson as a PyTorch script; --run runs it and compares"),
    "new": ("tutor.cli.authoring_cmd", "write a commented starter lesson to edit"),
    "schema": ("tutor.cli.authoring_cmd", "print the lesson file's JSON Schema (for editors)"),
    "train": ("tutor.cli.train_cmd", "train a network with your own delta formulas, beside the engine and PyTorch"),
    "report": ("tutor.cli.report_cmd", "learners' progress for a teacher, from progress files (--json, --csv)"),
    "review": ("tutor.cli.review_cmd", "your review cards, made from your diagnosed mistakes (--list, --json)"),
    "drill": ("tutor.cli.drill_cmd", "a fresh small graph to work through (--level 1-4, --seed S, --print)"),
    "skills": ("tutor.cli.skills_cmd", "how reliably you get each rule right, from your first tries (--json)"),
}

EXIT_USAGE = 2
EXIT_CRASH = 70  # sysexits.h EX_SOFTWARE: an internal error (1 is "an answer is wrong", 2 a usage error)


def _find_command(argv: list[str]) -> int | None:
    """The index of the subcommand in argv, skipping options and their values."""
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return None
        if a.startswith("-"):
            if a in ("--lessons", "--watch") and "=" not in a:
                i += 2
                continue
            i += 1
            continue
        return i if a in COMMANDS else None
    return None


def add_lessons_option(parser: argparse.ArgumentParser) -> None:
    """The ``--lessons DIR`` option every command shares."""
    parser.add_argument(
        "--lessons",
        metavar="DIR",
        action="append",
        default=[],
        help="also load the lessons of this directory (may be repeated)",
    )


def _app_parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:<10} {helptext}" for name, (_, helptext) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="backprop-tutor",
        description="Learn backpropagation by computing every value, local gradient and delta yourself.",
        epilog=f"commands (backprop-tutor COMMAND --help for more):\n{commands}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("lesson", nargs="?", metavar="LESSON", help="open this lesson directly (an id or a .yaml path)")
    add_lessons_option(parser)
    parser.add_argument("--watch", metavar="PATH", help="open a lesson file and reload it whenever it is saved")
    parser.add_argument("--version", action="version", version=f"backprop-tutor {__version__}")
    return parser


def tolerant_output() -> None:
    """Let stdout and stderr write any character: one their encoding lacks becomes an escape, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # a closed or unusual stream: leave it as it is
            continue


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    tolerant_output()
    try:
        return _run(list(sys.argv[1:] if argv is None else argv))
    except Exception as e:  # a bug: one line and a log file, never a screenful of traceback
        from tutor.crashlog import report

        print(report(e), file=sys.stderr)
        return EXIT_CRASH


def _run(args_list: list[str]) -> int:
    """Run a subcommand, or the app when none is given; returns the exit status."""
    index = _find_command(args_list)
    if index is not None:
        name = args_list.pop(index)
        module_name, helptext = COMMANDS[name]
        module = importlib.import_module(module_name)
        parser = argparse.ArgumentParser(prog=f"backprop-tutor {name}", description=helptext)
        add_lessons_option(parser)
        getattr(module, f"add_{name}_arguments")(parser)
        args = parser.parse_args(args_list)
        try:
            return int(getattr(module, f"run_{name}")(args))
        except BrokenPipeError:
            return 0
        except KeyboardInterrupt:
            return 130
    args = _app_parser().parse_args(args_list)
    from tutor.ui.app import run_app

    return run_app(lesson=args.lesson, lesson_dirs=args.lessons, watch=args.watch)
