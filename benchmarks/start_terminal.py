"""Start-up as a learner sees it: from launch until the first lesson title is on a real terminal's screen.

    python benchmarks/start_terminal.py [--repeat 9] [--size 100x30] [--cold | --both] [--no-bytecode]

Each run starts a fresh tmux session of the given size running the command, and polls
``tmux capture-pane`` every few milliseconds until the expected text is on the screen; the time is from
just before ``tmux new-session`` to the first capture that shows it. The tutor (``backprop-tutor``, in a
fresh progress folder, until the first lesson's title shows) and a bare Textual app showing one line (until
that line shows) are run alternately, so that both see the same load; the result is the median of each.

A learner starts the tutor with the lesson list's outline cache filled by the start before
(:mod:`tutor.course.outline_cache`): each run's fresh folder gets the cache that indexing the course wrote once
before the runs. ``--cold`` measures the first start instead (no cache: every lesson file is parsed), and
``--both`` both kinds of start in the same rounds (first start, later start, bare app, in turn).

Both apps run with Python's bytecode cache, as an installed app does (pip compiles a package when it installs
it; an editable install compiles at its first start): ``PYTHONPYCACHEPREFIX`` names a folder of the benchmark's
own, filled by the first pair of runs, which is not counted, and ``PYTHONDONTWRITEBYTECODE`` is cleared. On a
machine that sets ``PYTHONDONTWRITEBYTECODE=1`` every start would otherwise compile the tutor's own modules,
which the bare app (all of it compiled in site-packages) never does; ``--no-bytecode`` measures that case.

The 1-minute load average is printed before and after: under load, compare ratios, not times. Needs tmux.
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
FILL_CACHE = "from tutor.course.index import index_course; index_course()"


def first_title() -> str:
    """The first lesson's title as the lesson list shows it (the course's order decides which lesson that is)."""
    sys.path.insert(0, str(ROOT))
    from tutor.course.index import index_course

    try:
        from tutor.course.outline_cache import OutlineCache
    except ImportError:  # a tutor from before the outline cache (to compare with)
        return index_course([]).entries[0].title
    return index_course([], cache=OutlineCache(None)).entries[0].title


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


def measure(repeat: int, size: str, starts: tuple[str, ...], bytecode: bool = True) -> dict[str, list[float]]:
    """The times of each kind of tutor start (``cold``: no outline cache, ``warm``: the cache of a start before)
    and of the bare app (``bare``), ``repeat`` runs each, in turn."""
    _tmux("new-session", "-d", "-s", "keeper", "sleep 3600")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
            return _runs(Path(tmp), repeat, size, starts, bytecode)
    finally:
        _tmux("kill-server")


def run_env(tmp: Path, bytecode: bool) -> dict[str, str]:
    """The environment both apps get: the terminal's, and the same bytecode cache (or none)."""
    env = {"TERM": os.environ.get("TERM", "xterm-256color"), "LANG": os.environ.get("LANG", "C.UTF-8")}
    if bytecode:
        return env | {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
    return env | {"PYTHONDONTWRITEBYTECODE": "1"}


def warm_cache(tmp: Path, env: dict[str, str]) -> Path | None:
    """The outline cache an earlier start leaves (indexing the course fills it), or None if none was written."""
    home = tmp / "warm-home"
    home.mkdir()
    run = {**os.environ, **env, "BACKPROP_TUTOR_HOME": str(home)}
    subprocess.run([sys.executable, "-c", FILL_CACHE], env=run, capture_output=True, check=True, timeout=LIMIT)
    cache = home / "cache"
    return cache if cache.is_dir() else None


def _runs(tmp: Path, repeat: int, size: str, starts: tuple[str, ...], bytecode: bool) -> dict[str, list[float]]:
    """The runs in turn (in the benchmark's own tmux server)."""
    bare_script = tmp / "bare_app.py"
    bare_script.write_text(BARE_APP, encoding="utf-8")
    env = run_env(tmp, bytecode)
    title = first_title()
    cache = warm_cache(tmp, env) if "warm" in starts else None
    times: dict[str, list[float]] = {kind: [] for kind in (*starts, "bare")}
    for i in range(repeat + 1):  # the first round warms the disk and bytecode caches and is not counted
        for kind in starts:
            home = tmp / f"home-{kind}{i}"
            home.mkdir()
            if kind == "warm" and cache is not None:
                shutil.copytree(cache, home / "cache")
            run_tutor = {**env, "BACKPROP_TUTOR_HOME": str(home)}
            t = time_to_screen([str(BIN / "backprop-tutor")], title, size, run_tutor)
            if i:
                times[kind].append(t)
        b = time_to_screen([sys.executable, str(bare_script)], BARE_LINE, size, env)
        if i:
            times["bare"].append(b)
    return times


def main(argv: list[str] | None = None) -> int:
    """Measure, print the conditions, the medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--size", default="100x30")
    parser.add_argument("--cold", action="store_true", help="the first start: no lesson outline cache")
    parser.add_argument("--both", action="store_true", help="first and later starts, in the same rounds")
    parser.add_argument("--no-bytecode", action="store_true", help="no .pyc files: every start compiles the tutor")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed: this benchmark needs a real terminal", file=sys.stderr)
        return 2
    load_before = os.getloadavg()[0]
    starts = ("cold", "warm") if args.both else ("cold",) if args.cold else ("warm",)
    times = measure(args.repeat, args.size, starts, not args.no_bytecode)
    pyc = "none" if args.no_bytecode else "compiled"
    print(f"{args.size}, bytecode {pyc}, load {load_before:.1f} → {os.getloadavg()[0]:.1f}")
    b = statistics.median(times["bare"])
    for kind, label in (
        ("cold", "tutor, first start (no outline cache)"),
        ("warm", "tutor, later start"),
        ("bare", "bare"),
    ):
        if kind in times:
            t = statistics.median(times[kind])
            runs = ", ".join(f"{x * 1000:.0f}" for x in times[kind])
            ratio = "" if kind == "bare" else f"  ratio {t / b:.2f}x"
            print(f"{label}: median {t * 1000:.0f} ms{ratio}  (runs: {runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
