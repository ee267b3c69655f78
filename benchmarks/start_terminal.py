"""Start-up as a learner sees it: from launch until the first lesson title is on a real terminal's screen.

    python benchmarks/start_terminal.py [--repeat 9] [--size 100x30]

Each run starts a fresh tmux session of the given size running the command, and polls
``tmux capture-pane`` every few milliseconds until the expected text is on the screen; the time is from
just before ``tmux new-session`` to the first capture that shows it. The tutor (``backprop-tutor``, in a
fresh progress folder, until the first lesson's title shows) and a bare Textual app showing one line (until
that line shows) are run alternately, so that both see the same load; the result is the median of each.
Needs tmux.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POLL = 0.004  # seconds between two looks at the screen
SOCKET = f"bench-start-{os.getpid()}"  # a tmux server of its own, kept up by a keeper session during the runs
LIMIT = 30.0  # seconds: a run that shows nothing by then has failed
BARE_LINE = "bare textual app: hello"
BARE_APP = f"""
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static({BARE_LINE!r})


Bare().run()
"""


def first_title() -> str:
    """The first lesson's title as the lesson list shows it (the course's order decides which lesson that is)."""
    sys.path.insert(0, str(ROOT))
    from tutor.course.index import index_course

    return index_course([]).entries[0].title


def _tmux(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a tmux command, its output as text."""
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False)


def time_to_screen(command: list[str], want: str, size: str, env: dict[str, str]) -> float:
    """Seconds from starting ``command`` in a fresh terminal until ``want`` is on its screen."""
    session = "run"
    cols, rows = size.split("x")
    _tmux("kill-session", "-t", session)
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    shell = " ".join(shlex.quote(c) for c in command) + "; sleep 60"
    t0 = time.perf_counter()
    started = _tmux("new-session", "-d", "-s", session, "-x", cols, "-y", rows, *env_args, shell)
    if started.returncode != 0:
        raise RuntimeError(f"tmux could not start: {started.stderr.strip()}")
    try:
        while True:
            screen = _tmux("capture-pane", "-t", session, "-p").stdout
            elapsed = time.perf_counter() - t0
            if want in screen:
                return elapsed
            if elapsed > LIMIT:
                raise RuntimeError(f"{want!r} not on the screen after {LIMIT:.0f} s:\n{screen}")
            time.sleep(POLL)
    finally:
        _tmux("kill-session", "-t", session)


def measure(repeat: int, size: str) -> tuple[list[float], list[float]]:
    """The tutor's and the bare app's times, ``repeat`` runs each, alternated."""
    tutor, bare = [], []
    _tmux("new-session", "-d", "-s", "keeper", "sleep 3600")
    try:
        return _runs(repeat, size, tutor, bare)
    finally:
        _tmux("kill-server")


def _runs(repeat: int, size: str, tutor: list[float], bare: list[float]) -> tuple[list[float], list[float]]:
    """The alternated runs (in the benchmark's own tmux server)."""
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        bare_script = Path(tmp) / "bare_app.py"
        bare_script.write_text(BARE_APP, encoding="utf-8")
        env = {"TERM": os.environ.get("TERM", "xterm-256color"), "LANG": os.environ.get("LANG", "C.UTF-8")}
        title = first_title()
        for i in range(repeat + 1):  # the first pair warms the disk cache and is not counted
            home = Path(tmp) / f"home{i}"
            home.mkdir()
            tutor_env = {**env, "BACKPROP_TUTOR_HOME": str(home)}
            t = time_to_screen([str(BIN / "backprop-tutor")], title, size, tutor_env)
            b = time_to_screen([sys.executable, str(bare_script)], BARE_LINE, size, env)
            if i:
                tutor.append(t)
                bare.append(b)
    return tutor, bare


def main(argv: list[str] | None = None) -> int:
    """Measure, print the medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--size", default="100x30")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed: this benchmark needs a real terminal", file=sys.stderr)
        return 2
    tutor, bare = measure(args.repeat, args.size)
    t, b = statistics.median(tutor), statistics.median(bare)
    print(f"tutor: median {t * 1000:.0f} ms  (runs: {', '.join(f'{x * 1000:.0f}' for x in tutor)})")
    print(f"bare:  median {b * 1000:.0f} ms  (runs: {', '.join(f'{x * 1000:.0f}' for x in bare)})")
    print(f"ratio: {t / b:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
