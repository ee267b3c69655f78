"""Shared fixtures: the shipped lessons, an isolated user-data directory for every test; the ``slow`` marks."""

from __future__ import annotations

import gc
import inspect
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

#: Keep the compiled tests (pytest's assertion rewriting, ~2 CPU-s per test process) and the tutor's modules in
#: __pycache__ even where PYTHONDONTWRITEBYTECODE is set: every xdist worker compiled all of them again at each run.
#: Both folders are git-ignored; the scripts the tutor runs for a learner keep ``-B`` (tutor/reveal/run.py).
sys.dont_write_bytecode = False

import textual._wait  # noqa: E402

from tutor.course import Course, load_course, shipped_lessons_dir  # noqa: E402 - after the line above
from tutor.course.index import lesson_dirs  # noqa: E402

#: Pilot's press() and pause() wait for the app to be idle (textual._wait.wait_for_idle): they sleep in steps of
#: SLEEP_GRANULARITY (20 ms) until a step used less than SLEEP_IDLE (a twentieth of it) in CPU, so every key a test
#: typed waited at least 40 ms, and the Pilot tests waited for the app ~70% of their wall time. In steps of 5 ms,
#: with the same share of a step for "idle", test_lessons_ui alone took 27 s instead of 53 (the same CPU); the app
#: does the same work between keys (tests/ui/test_pilot_waits.py holds Textual to these names).
IDLE_STEP = 0.005
textual._wait.SLEEP_GRANULARITY = IDLE_STEP
textual._wait.SLEEP_IDLE = IDLE_STEP / 20

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
#: Every test in these folders is slow: Pilot drives the app, the robustness tests fuzz, kill and resize
#: it, the reveal tests start PyTorch in a subprocess. test_wheel builds and installs the wheel.
SLOW_FOLDERS = {"ui", "robust", "reveal"}
SLOW_FILES = {"test_wheel.py"}
CPU_START_KEY = pytest.StashKey[float]()
WALL_START_KEY = pytest.StashKey[float]()
SESSION_START_KEY = pytest.StashKey[float]()
SHIPPED = sorted(p for p in shipped_lessons_dir().glob("*.yaml") if p.name != "course.yaml")
_COURSES: dict[tuple[tuple[str, int, int], ...], Course] = {}


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress and user lessons go to a fresh directory, never the real user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BACKPROP_TUTOR_HOME", str(home))
    monkeypatch.delenv("BACKPROP_TUTOR_LESSONS", raising=False)


@pytest.fixture(scope="session")
def course():
    c = shipped_course()
    assert not c.problems, c.problems
    return c


def shipped_course() -> Course:
    """What ``load_course()`` returns, loaded once per test process while the lesson files stay the same (a load
    parses all shipped lessons, ~80 ms, and most Pilot tests start from one). A test that wrote lessons of its own
    (a user lessons folder, BACKPROP_TUTOR_LESSONS) gets a fresh load; each test gets its own lists."""
    key = _shipped_files()
    if key is None:
        return load_course()
    if key not in _COURSES:
        _COURSES[key] = load_course()
    course = _COURSES[key]
    return Course(list(course.lessons), list(course.problems), dict(course.origins))


def _shipped_files() -> tuple[tuple[str, int, int], ...] | None:
    """The shipped lesson files' names, times and sizes, or None when load_course() would read other folders too."""
    dirs = lesson_dirs()
    if [origin for _, origin in dirs] != ["shipped"]:
        return None
    return tuple((p.name, (st := p.stat()).st_mtime_ns, st.st_size) for p in sorted(dirs[0][0].iterdir()))


@pytest.fixture(scope="session")
def torch_worker():
    """This test process's PyTorch worker: the app's own (tutor.reveal.run.shared_worker, stopped when the process
    exits), so the process starts one Python with torch (~1.2 CPU-s) for the tests and the app's panel together.
    Each script runs in a fork of it (~25 ms) instead of a fresh Python that imports torch (~1 s of CPU). The fresh
    runner (run_lesson, run_script) keeps tests of its own."""
    from tutor.reveal.run import shared_worker

    return shared_worker()


@pytest.fixture
def scripts_without_torch(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Generated scripts run in a Python without site-packages (``-S``), so without torch, as on a machine without
    it, and the PyTorch panel remembers no earlier run (one with torch). The app's worker for the test is one of its
    own, stopped after it: the process's worker (with torch) is neither stopped by this test nor started again by
    the next one."""
    from tutor.reveal import run as run_module
    from tutor.ui.screens import torch_panel

    monkeypatch.setattr(run_module, "INTERPRETER", (sys.executable, "-S"))
    monkeypatch.setattr(run_module, "_worker", None)
    monkeypatch.setattr(torch_panel, "_RUNS", {})
    yield
    if run_module._worker is not None:
        run_module._worker.stop()


@pytest.fixture
def run_in_worker(torch_worker):
    """Run a lesson's generated PyTorch script (with its report) in the worker; its TorchRun, as run_lesson's."""
    from tutor.reveal.codegen import lesson_script

    return lambda lesson: torch_worker.run(lesson_script(lesson, report=True))


def uses_torch(module: ModuleType) -> bool:
    """The test module imported PyTorch or the tests' PyTorch reference (tests/torch_ref.py)."""
    for value in vars(module).values():
        name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        if name is not None and name.split(".")[0] in ("torch", "torch_ref"):
            return True
    return False


def is_slow(item: pytest.Item) -> bool:
    """Under tests/ui, tests/robust or tests/reveal, the wheel test, or a module that uses PyTorch."""
    path = Path(item.path)
    folder = path.relative_to(TESTS).parts[0] if path.is_relative_to(TESTS) else ""
    module = getattr(item, "module", None)
    return folder in SLOW_FOLDERS or path.name in SLOW_FILES or (module is not None and uses_torch(module))


#: a test that drives the app with Pilot (an async test) takes ~10 times the wall time of the others (~1.2 s
#: against ~0.1 s with four workers on two cores and 5 ms idle steps: 199 tests against 3,160), much of it waiting
PILOT_WEIGHT = 10


def expected_wall(item: pytest.Item) -> int:
    """The test's expected wall time in units of an ordinary test's: :data:`PILOT_WEIGHT` for an async test."""
    return PILOT_WEIGHT if inspect.iscoroutinefunction(getattr(item, "function", None)) else 1


def shares_fixtures_across_tests(item: pytest.Item) -> bool:
    """The test uses a fixture set up once for its class or module (kept until the next test is from elsewhere)."""
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    return any(d.scope in ("class", "module", "package") for defs in definitions.values() for d in defs)


def spread_the_waiting(items: list[pytest.Item]) -> list[pytest.Item]:
    """The tests in an order that keeps the Pilot tests (mostly waiting for the app) spread evenly, one by one, among
    the others by their expected wall time; each file's tests keep their order among themselves, and a file whose
    tests share a class or module fixture stays together (moving to another file's test tears that fixture down).
    xdist's worksteal gives each worker a quarter of this list and lets one that is done take half of another's
    queue: spread, each worker goes from a Pilot test to a few others and back, so the two cores stay busy while
    Pilot tests wait. With the Pilot tests together, the last 40 s of a run left a third of the cores idle; spread
    file by file, the long stretches of one kind still left a tenth idle."""
    files: dict[Path, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(Path(item.path), []).append(item)
    units: dict[bool, list[list[pytest.Item]]] = {True: [], False: []}
    for tests in files.values():
        if any(map(shares_fixtures_across_tests, tests)):
            units[sum(map(expected_wall, tests)) >= 2 * len(tests)].append(tests)
        else:
            for test in tests:
                units[expected_wall(test) > 1].append([test])
    placed: list[tuple[float, int, list[pytest.Item]]] = []
    for kind in units.values():
        weights = [sum(map(expected_wall, unit)) for unit in kind]
        total, done = sum(weights) or 1, 0
        for weight, unit in zip(weights, kind, strict=True):
            placed.append(((done + weight / 2) / total, len(placed), unit))
            done += weight
    placed.sort(key=lambda p: (p[0], p[1]))
    return [item for _, _, unit in placed for item in unit]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow tests (see is_slow), so that ``pytest -m "not slow"`` is the quick inner loop; order the tests
    so that the Pilot tests are spread over the run (see spread_the_waiting)."""
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
    items[:] = spread_the_waiting(items)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: two workers more than there are cores. The Pilot tests spend more than half their wall time
    waiting for the app to be idle (Pilot sleeps in steps until the process is quiet; see IDLE_STEP), so with one
    worker per core the cores were idle about half the time (the lead's quiet run: 370 CPU-s in 332 s on 2 cores). A
    worker that waits leaves its core to the extra ones. Quiet machine, 2 cores, the same tree one run after the
    other: 3 workers 174 s wall, 4 workers 149 s, 5 workers 160 s; with 5 ms idle steps, 3 workers 144.5 s and 4
    workers 145-146 s (fewer CPU-s, more idle). PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores + 2


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the garbage collector off what collection loaded (NumPy, torch, Textual, the tests): it lives
    to the end anyway. Each collection then scans only what tests make; this matters at the end of an
    xdist worker, where pytest collects 5 times and execnet interrupts a worker still busy after 5 s. Then collect
    less often: each Pilot test makes hundreds of thousands of short-lived objects (widgets, styles, strips), and
    at Python's default threshold (700) the collector ran ~4,400 times in two Pilot test files, 2.3 of their 16
    CPU-s; at 50,000 it runs ~290 times (0.7 CPU-s; peak memory 137 -> 166 MB). Nothing is left uncollected."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    collect_once_at_the_end(session.config)


def collect_once_at_the_end(config: pytest.Config) -> None:
    """Before it reports the exceptions raised where Python could not raise them (in ``__del__``, say), pytest runs
    the collector 5 times in a row at the end of each test process, a full collection of all the Pilot tests left
    behind: 2 s at the end of the run in the worker that finishes last, while the others wait. Once finds them too
    (the count is kept where pytest's own tests set it; a pytest without it collects 5 times as before)."""
    try:
        from _pytest.unraisableexception import gc_collect_iterations_key
    except ImportError:
        return
    config.stash[gc_collect_iterations_key] = 1


def pytest_sessionstart(session: pytest.Session) -> None:
    """Note when the session began (for the ``--cpu-durations`` workers' line)."""
    session.config.stash[SESSION_START_KEY] = time.time()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--cpu-durations=N``: the N tests that used the most CPU time (on a busy machine, wall time says little)."""
    parser.addoption(
        "--cpu-durations",
        type=int,
        default=0,
        metavar="N",
        help="show the N tests that used the most CPU time, their own process's and their subprocesses'",
    )


def cpu_seconds() -> float:
    """CPU time used so far by this process and the subprocesses it has waited for (user and system)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """After its teardown, a test's CPU time and wall time since its setup go with its report (xdist sends them
    to the controller)."""
    if call.when == "teardown":
        item.user_properties.append(("cpu", cpu_seconds() - item.config.stash.get(CPU_START_KEY, 0.0)))
        item.user_properties.append(("wall", time.perf_counter() - item.config.stash.get(WALL_START_KEY, 0.0)))
        item.user_properties.append(("worker", os.environ.get("PYTEST_XDIST_WORKER", "main")))
        item.user_properties.append(("ended", time.time()))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Note the CPU time and the wall time when a test starts (for pytest_runtest_makereport)."""
    item.config.stash[CPU_START_KEY] = cpu_seconds()
    item.config.stash[WALL_START_KEY] = time.perf_counter()


def timed_reports(terminalreporter: pytest.TerminalReporter) -> Iterator[tuple[str, dict[str, Any]]]:
    """(node id, the times it reported) of every test that reported its times at teardown."""
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) == "teardown":
                props = dict(getattr(report, "user_properties", ()))
                if "cpu" in props:
                    yield report.nodeid, props


def measured(terminalreporter: pytest.TerminalReporter) -> list[tuple[float, float, str]]:
    """(CPU seconds, wall seconds, node id) of every test that reported its times at teardown."""
    return [
        (props["cpu"], props.get("wall", props["cpu"]), nodeid) for nodeid, props in timed_reports(terminalreporter)
    ]


def write_table(terminalreporter: pytest.TerminalReporter, title: str, rows: list[tuple[float, float, str]]) -> None:
    """One section of the ``--cpu-durations`` report: CPU, wall and waiting (wall − CPU) per row."""
    terminalreporter.write_sep("-", title)
    for cpu, wall, name in rows:
        terminalreporter.write_line(f"{cpu:8.2f}s cpu {wall:8.2f}s wall {wall - cpu:8.2f}s waiting  {name}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Print the ``--cpu-durations`` tables: the tests that used the most CPU, those that waited longest
    (wall − CPU: sleeps, fixed waits, timeouts, another process's work), and both by file."""
    wanted = config.getoption("--cpu-durations")
    if not wanted:
        return
    used = measured(terminalreporter)
    cpu_all, wall_all = sum(c for c, _, _ in used), sum(w for _, w, _ in used)
    terminalreporter.write_sep(
        "=", f"{len(used)} tests: {cpu_all:.1f} s CPU, {wall_all:.1f} s wall, {wall_all - cpu_all:.1f} s waiting"
    )
    write_table(terminalreporter, "most CPU time", sorted(used, reverse=True)[:wanted])
    write_table(terminalreporter, "longest waiting (wall - CPU)", sorted(used, key=lambda r: r[0] - r[1])[:wanted])
    by_file: dict[str, tuple[float, float]] = {}
    for cpu, wall, nodeid in used:
        name = nodeid.split("::")[0]
        old_cpu, old_wall = by_file.get(name, (0.0, 0.0))
        by_file[name] = (old_cpu + cpu, old_wall + wall)
    files = [(cpu, wall, name) for name, (cpu, wall) in by_file.items()]
    write_table(terminalreporter, "by file, most CPU", sorted(files, reverse=True)[:wanted])
    write_table(terminalreporter, "by file, longest waiting", sorted(files, key=lambda r: r[0] - r[1])[:wanted])
    write_workers(terminalreporter, config)


def write_workers(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Per worker: when its first test ended and its last, and the wall its tests took; the rest is start-up,
    collection and the time it waited for the other at the end."""
    began = config.stash.get(SESSION_START_KEY, 0.0)
    workers: dict[str, list[float]] = {}
    for _, props in timed_reports(terminalreporter):
        first, last, wall = workers.get(props["worker"], [float("inf"), 0.0, 0.0])
        workers[props["worker"]] = [min(first, props["ended"]), max(last, props["ended"]), wall + props["wall"]]
    terminalreporter.write_sep("-", f"workers (the session ran {time.time() - began:.1f} s)")
    for name, (first, last, wall) in sorted(workers.items()):
        terminalreporter.write_line(
            f"{name}: first test done at {first - began:6.1f} s, last at {last - began:6.1f} s, "
            f"tests' wall {wall:6.1f} s"
        )
