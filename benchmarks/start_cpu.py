"""Start-up in CPU time, the measure a shared machine's load disturbs least: user+system time until the first frame.

    python benchmarks/start_cpu.py [--repeat 9]

Each run is a fresh interpreter that starts the app headless (100×30) and reads ``resource.getrusage`` when Textual
writes the first frame of its first screen: the tutor's lesson list as the command line starts it
(``tutor.cli.main([])``), on a first start (no lesson outline cache) and on a later one (the cache of a start before),
and a bare Textual app showing one line. The three are run in turn, ``--repeat`` rounds after one that fills the
bytecode cache, and the medians and the ratios to the bare app printed. Wall time under load is
``benchmarks/start_terminal.py``'s job; this one says how much work each start does before the learner sees it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 60.0  # seconds: a start that shows nothing by then has failed

#: the first frame written: the moment both apps' CPU time is read
_AT_FIRST_FRAME = """
import json, resource
from textual.app import App
_display = App._display


def display(self, screen, update):
    if update is not None and not getattr(App, "_probed", False):
        App._probed = True
        r = resource.getrusage(resource.RUSAGE_SELF)
        print("@@cpu", json.dumps((r.ru_utime + r.ru_stime) * 1000), flush=True)
        self.exit(0)
    return _display(self, screen, update)


App._display = display
"""
TUTOR = (
    _AT_FIRST_FRAME
    + """
from tutor.ui.app import TutorApp
_run = TutorApp.run
TutorApp.run = lambda self, **kw: _run(self, headless=True, size=(100, 30), **kw)
from tutor.cli import main
main([])
"""
)
BARE = (
    _AT_FIRST_FRAME
    + """
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static("bare textual app: hello")


Bare().run(headless=True, size=(100, 30))
"""
)


def cpu_ms(script: str, env: dict[str, str]) -> float:
    """Milliseconds of CPU a fresh interpreter running ``script`` used until its first frame."""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=LIMIT, cwd=ROOT, check=True
    )
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("@@cpu "))
    return float(json.loads(line.split(" ", 1)[1]))


def measure(repeat: int) -> dict[str, list[float]]:
    """CPU to the first frame of each kind of start, ``repeat`` runs each, in turn."""
    times: dict[str, list[float]] = {"cold": [], "warm": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="bench-cpu-") as tmp:
        base = {**os.environ, "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        filled = Path(tmp) / "filled"
        cpu_ms(TUTOR, {**base, "BACKPROP_TUTOR_HOME": str(filled)})  # a start before: writes the outline cache
        for i in range(repeat + 1):  # the first round fills the bytecode cache and is not counted
            cold, warm = Path(tmp) / f"cold{i}", Path(tmp) / f"warm{i}"
            shutil.copytree(filled / "cache", warm / "cache")
            row = {
                "cold": cpu_ms(TUTOR, {**base, "BACKPROP_TUTOR_HOME": str(cold)}),
                "warm": cpu_ms(TUTOR, {**base, "BACKPROP_TUTOR_HOME": str(warm)}),
                "bare": cpu_ms(BARE, base),
            }
            if i:
                for kind, ms in row.items():
                    times[kind].append(ms)
    return times


def main(argv: list[str] | None = None) -> int:
    """Measure and print the medians and the ratios to the bare app."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    times = measure(args.repeat)
    print(f"CPU (user+sys) to the first frame, headless 100x30, load {load_before:.1f} → {os.getloadavg()[0]:.1f}")
    bare = statistics.median(times["bare"])
    labels = {"cold": "tutor, first start (no outline cache)", "warm": "tutor, later start", "bare": "bare app"}
    for kind, label in labels.items():
        m = statistics.median(times[kind])
        ratio = "" if kind == "bare" else f"  ratio {m / bare:.2f}x"
        print(f"{label}: median {m:.0f} ms{ratio}  (runs: {', '.join(f'{x:.0f}' for x in times[kind])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
