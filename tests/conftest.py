"""Shared fixtures: the shipped lessons, an isolated user-data directory for every test; the ``slow`` marks."""

from __future__ import annotations

import gc
import resource
import time
from pathlib import Path
from types import ModuleType

import pytest

from tutor.course import load_course, shipped_lessons_dir

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
#: Every test in these folders is slow: Pilot drives the app, the robustness tests fuzz, kill and resize
#: it, the reveal tests start PyTorch in a subprocess. test_wheel builds and installs the wheel.
SLOW_FOLDERS = {"ui", "robust", "reveal"}
SLOW_FILES = {"test_wheel.py"}
CPU_START_KEY = pytest.StashKey[float]()
SHIPPED = sorted(p for p in shipped_lessons_dir().glob("*.yaml") if p.name != "course.yaml")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Progress and user lessons go to a fresh directory, never the real user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BACKPROP_TUTOR_HOME", str(home))
    monkeypatch.delenv("BACKPROP_TUTOR_LESSONS", raising=False)


@pytest.fixture(scope="session")
def course():
    c = load_course()
    assert not c.problems, c.problems
    return c


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow tests (see is_slow), so that ``pytest -m "not slow"`` is the quick inner loop; run them first
    (in their own order), so that the parallel workers end on quick tests instead of one waiting for the other's
    last long test."""
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the garbage collector off what collection loaded (NumPy, torch, Textual, the tests): it lives
    to the end anyway. Each collection then scans only what tests make; this matters at the end of an
    xdist worker, where pytest collects 5 times and execnet interrupts a worker still busy after 5 s."""
    gc.freeze()


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
    """After its teardown, a test's CPU time since its setup goes with its report (xdist sends it to the
    controller)."""
    if call.when == "teardown":
        item.user_properties.append(("cpu", cpu_seconds() - item.config.stash.get(CPU_START_KEY, 0.0)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Note the CPU time when a test starts (for pytest_runtest_makereport)."""
    item.config.stash[CPU_START_KEY] = cpu_seconds()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Print the ``--cpu-durations`` table: the tests that used the most CPU, and the total."""
    wanted = config.getoption("--cpu-durations")
    if not wanted:
        return
    used = [
        (value, report.nodeid)
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "teardown"
        for key, value in getattr(report, "user_properties", ())
        if key == "cpu"
    ]
    used.sort(reverse=True)
    terminalreporter.write_sep("=", f"most CPU time ({len(used)} tests, {sum(v for v, _ in used):.1f} s in all)")
    for value, nodeid in used[:wanted]:
        terminalreporter.write_line(f"{value:8.2f}s cpu  {nodeid}")
    by_file: dict[str, float] = {}
    for value, nodeid in used:
        by_file[nodeid.split("::")[0]] = by_file.get(nodeid.split("::")[0], 0.0) + value
    terminalreporter.write_sep("-", "by file")
    for name, value in sorted(by_file.items(), key=lambda kv: -kv[1])[:wanted]:
        terminalreporter.write_line(f"{value:8.2f}s cpu  {name}")
