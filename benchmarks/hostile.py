"""Time and memory of `validate`, `list` and app start on each hostile corpus file, under `/usr/bin/time -v`.

    python benchmarks/hostile.py              # a table: wall time and max RSS per file and command
    python benchmarks/hostile.py --markdown   # the same table as Markdown, for benchmarks/RESULTS.md

For each file in ``tests/robust/hostile/`` it runs ``backprop-tutor validate FILE``, ``backprop-tutor list
--lessons DIR`` (DIR a fresh folder holding just that file) and the app started on DIR (``benchmarks/app_probe.py``:
the lesson list, the background check, then the lesson opened), each in a fresh process, and checks each against the
bound the security review set: at most 5 s and 500 MB. The exit status is 1 when any run is over a bound (or
did not finish within a minute), so the script can gate a release; the figures are measurements, not tests.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "robust" / "hostile"
TIME = "/usr/bin/time"
MAX_SECONDS = 5.0
MAX_MB = 500.0
HANG = 60  # seconds: a run still going after this is killed and reported


@dataclass
class Run:
    """One command on one file: wall time, peak resident memory, exit status."""

    file: str
    command: str
    seconds: float
    mb: float
    status: int | str

    @property
    def ok(self) -> bool:
        """Within both bounds."""
        return isinstance(self.status, int) and self.seconds <= MAX_SECONDS and self.mb <= MAX_MB


def measure(args: list[str], home: Path) -> tuple[float, float, int | str]:
    """Run ``backprop-tutor ARGS`` (or, for ``app DIR``, the headless app probe) under ``/usr/bin/time -v``:
    (wall seconds, max RSS in MB, exit status)."""
    env = {**os.environ, "BACKPROP_TUTOR_HOME": str(home)}
    env.pop("BACKPROP_TUTOR_LESSONS", None)
    program = [str(ROOT / "benchmarks" / "app_probe.py")] if args[0] == "app" else ["-m", "tutor"]
    cmd = [TIME, "-v", sys.executable, *program, *(args[1:] if args[0] == "app" else args)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=HANG, check=False)
    except subprocess.TimeoutExpired:
        return float(HANG), float("nan"), "hang"
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if not wall or not rss:
        return float("nan"), float("nan"), f"no figures (exit {done.returncode})"
    hours, minutes, seconds = int(wall.group(1) or 0), int(wall.group(2)), float(wall.group(3))
    return hours * 3600 + minutes * 60 + seconds, int(rss.group(1)) / 1024, done.returncode


def run_all() -> list[Run]:
    """Both commands on every corpus file, each in a fresh process and a fresh data folder."""
    runs: list[Run] = []
    for path in sorted(CORPUS.glob("*.yaml")):
        with tempfile.TemporaryDirectory() as tmp:
            home, folder = Path(tmp) / "home", Path(tmp) / "lessons"
            home.mkdir()
            folder.mkdir()
            shutil.copyfile(path, folder / path.name)
            commands = (
                ("validate", ["validate", str(path)]),
                ("list", ["list", "--lessons", str(folder)]),
                ("app", ["app", str(folder)]),
            )
            for name, args in commands:
                seconds, mb, status = measure(args, home)
                runs.append(Run(path.name, name, seconds, mb, status))
                print(f"  {path.name:<40} {name:<9} {seconds:6.2f} s {mb:7.1f} MB", file=sys.stderr)
    return runs


def table(runs: list[Run], markdown: bool) -> str:
    """The figures, one row per file: validate and list side by side."""
    by_file: dict[str, dict[str, Run]] = {}
    for r in runs:
        by_file.setdefault(r.file, {})[r.command] = r
    if markdown:
        lines = [
            "| corpus file | validate | list | app start | within 5 s, 500 MB |",
            "|---|---|---|---|---|",
        ]
        for file, row in by_file.items():
            v, li, a = row["validate"], row["list"], row["app"]
            ok = "yes" if v.ok and li.ok and a.ok else "**no**"
            cells = " | ".join(f"{r.seconds:.2f} s, {r.mb:.0f} MB" for r in (v, li, a))
            lines.append(f"| `{file}` | {cells} | {ok} |")
        return "\n".join(lines)
    lines = [f"{'corpus file':<42} {'validate':>18} {'list':>18} {'app start':>18}  ok"]
    for file, row in by_file.items():
        runs = [row["validate"], row["list"], row["app"]]
        ok = "yes" if all(r.ok for r in runs) else "NO"
        cells = " ".join(f"{r.seconds:6.2f} s {r.mb:6.0f} MB" for r in runs)
        lines.append(f"{file:<42} {cells}  {ok}")
    return "\n".join(lines)


def main() -> int:
    """Measure, print the table, and fail when any run is over a bound."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    if not Path(TIME).exists():
        print(f"{TIME} is needed (GNU time, package 'time')", file=sys.stderr)
        return 2
    runs = run_all()
    print(table(runs, args.markdown))
    worst_s = max(runs, key=lambda r: r.seconds)
    worst_mb = max(runs, key=lambda r: r.mb if r.mb == r.mb else 0.0)
    print(
        f"\nslowest: {worst_s.command} {worst_s.file} {worst_s.seconds:.2f} s; "
        f"largest: {worst_mb.command} {worst_mb.file} {worst_mb.mb:.0f} MB; "
        f"bounds: {MAX_SECONDS:g} s, {MAX_MB:g} MB"
    )
    over = [r for r in runs if not r.ok]
    for r in over:
        print(f"over a bound: {r.command} {r.file}: {r.seconds:.2f} s, {r.mb:.0f} MB, status {r.status}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
