"""Prove a speed-up changed nothing: what ``validate`` and ``solve --json`` print, file by file, in one text.

``python benchmarks/validate_same.py OUT`` writes, for every lesson file of the repository (``lessons/``, every
``tests/**/lessons``, the broken and the hostile corpus), the exit status and output of ``validate --strict FILE``
and ``validate --no-lint FILE``, and ``solve --json`` of every shipped lesson. Run it before and after a change and
compare the two files with ``cmp``: they must be byte-identical. ``--runs 2`` validates everything twice in the same
data folder (the second run from the validation cache) and fails unless both runs printed the same.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lesson_files() -> list[Path]:
    """Every lesson file the check covers, in a fixed order."""
    folders = [ROOT / "lessons", *sorted((ROOT / "tests").glob("**/lessons"))]
    folders += [ROOT / "tests/authoring/broken", ROOT / "tests/robust/hostile"]
    return [f for d in folders for f in sorted(d.iterdir()) if f.is_file() and f.suffix in (".yaml", ".yml")]


def run(argv: list[str]) -> str:
    """One command in this process: its exit status, standard output and standard error."""
    from tutor.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return f"$ {' '.join(argv)}\n[{status}]\n{out.getvalue()}{err.getvalue()}"


def everything() -> str:
    """The output of every command the check covers, as one text."""
    parts: list[str] = []
    for f in lesson_files():
        rel = str(f.relative_to(ROOT))
        parts.append(run(["validate", "--strict", rel]))
        parts.append(run(["validate", "--no-lint", rel]))
    for f in sorted((ROOT / "lessons").glob("*.yaml")):
        parts.append(run(["solve", "--json", str(f.relative_to(ROOT))]))
    return "".join(parts)


def main() -> int:
    """Write the outputs to OUT; with ``--runs 2``, check that a second (cached) run prints the same."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as home:
        os.environ["BACKPROP_TUTOR_HOME"] = home
        first = everything()
        for i in range(1, args.runs):
            if everything() != first:
                print(f"run {i + 1} printed something else than run 1", file=sys.stderr)
                return 1
    args.out.write_text(first, encoding="utf-8", errors="surrogateescape")
    print(f"{len(lesson_files())} files, {len(first)} characters written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
