"""Run a lesson's PyTorch script in a subprocess and compare PyTorch's numbers with the engine's.

torch is imported only by the child process (``sys.executable``), so neither the app nor the CLI
ever loads it; a missing torch comes back as a result that says so and how to install it. The child
runs isolated (``-I``: no user site-packages, no ``PYTHON*`` variables, no script folder on ``sys.path``)
with a minimal environment, in a temporary folder of its own.

Two ways to run: :func:`run_script` starts a fresh Python for one script (the ``torch`` command), and
:class:`TorchWorker` keeps one running for the app's session (the PyTorch panel): started isolated in the
same way, it imports torch once and then, for each script the app writes into its folder and names over a
pipe, forks a child that runs it (so scripts never share state, and importing torch is paid once: later
reveals take a few tens of milliseconds instead of seconds). What torch imports lazily on first use and the
course's scripts reach, the worker imports once, after its first script (:data:`WARM_MODULES`). Each script
has a time limit, enforced by the worker (it kills the child) and by the app (it kills the worker); a worker
that crashed, hung or stopped is replaced by a new one at the next run. Where ``os.fork`` does not exist,
each script runs in a fresh Python.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from tutor.course import Lesson, Solution, solve
from tutor.engine.autograd import Fact
from tutor.reveal.codegen import REPORT_MARKER, lesson_script

T = TypeVar("T")

TOLERANCE = 1e-9  # PyTorch and the engine agree when |torch − engine| ≤ TOLERANCE · max(1, |engine|)
TIMEOUT = 180.0  # seconds; importing torch on a busy machine can take a while
SCRIPT_TIMEOUT = 60.0  # seconds one script may run in the worker (torch already imported)
MAX_OUTPUT = 4 * 1024 * 1024  # bytes of a script's printed output that are read back
INSTALL_HINT = (
    'PyTorch is not installed. Install the extra: pip install "backprop-tutor[torch]" '
    "(or pip install torch==2.13.0 where a local CPU wheel exists)."
)
_NO_TORCH = "@@backprop-tutor-no-torch@@"
#: The Python that runs the script: this one (where torch, if installed, sits beside the tutor).
INTERPRETER: tuple[str, ...] = (sys.executable,)
#: Its options: isolated mode, no .pyc files, UTF-8 for its output whatever the locale, and no warnings
#: mixed into what it prints. (Options, not variables: ``-I`` ignores every ``PYTHON*`` variable.)
CHILD_OPTIONS = ("-I", "-B", "-X", "utf8", "-W", "ignore")
#: The only variables the child inherits (Windows needs SYSTEMROOT); HOME and TMPDIR are its own folder.
KEPT_VARIABLES = ("PATH", "SYSTEMROOT")
# The child imports torch first, so a missing torch is told apart from a failing script.
_RUNNER = f"""
import runpy, sys
try:
    import torch  # noqa: F401
except ImportError as e:
    print({_NO_TORCH!r}, e)
    sys.exit(3)
runpy.run_path(sys.argv[1], run_name="__main__")
"""


#: Modules torch imports lazily, on a script's first use of something, that the course's scripts reach: each
#: forked child would import them again (``torch.autograd.grad`` with ``grad_outputs`` imports
#: ``torch.fx.experimental.symbolic_shapes`` and with it SymPy, ~0.3 s in every reveal of relu-layer,
#: chained-functions, custom-function and course-review). The worker imports them once, after its first
#: script has run (tests/reveal/test_reveal_worker.py checks that no lesson's script imports anything more).
WARM_MODULES = ("torch.fx.experimental.symbolic_shapes", "torch._subclasses.schema_check_mode")

# The worker: imports torch once, says so on its protocol line (a copy of stdout taken before any script
# runs), then for each request "<n>" runs <n>.py from its folder in a forked child whose stdout and stderr
# go to <n>.out and <n>.err, and answers {"n", "rc"} (rc null when the time limit killed it). After its first
# answer it imports the modules named in argv[2:] (pure imports: no thread is started, so forking stays safe)
# and says {"warm": seconds}; a request sent meanwhile waits for it.
_WORKER = """
import importlib, json, os, runpy, signal, sys, time, traceback
reply = os.fdopen(os.dup(1), "w", encoding="utf-8")
def say(data):
    reply.write(json.dumps(data) + "\\n")
    reply.flush()
def warm(names):
    start = time.perf_counter()
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    say({"warm": time.perf_counter() - start})
try:
    import torch
except ImportError as e:
    say({"ready": False, "missing": str(e)})
    sys.exit(3)
say({"ready": True, "torch": torch.__version__})
limit = float(sys.argv[1])
to_warm = sys.argv[2:]
for line in sys.stdin:
    n = int(line)
    pid = os.fork()
    if pid == 0:
        try:
            for fd, suffix in ((1, ".out"), (2, ".err")):
                os.dup2(os.open(str(n) + suffix, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
            sys.argv = [str(n) + ".py"]
            runpy.run_path(str(n) + ".py", run_name="__main__")
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    deadline = time.monotonic() + limit
    status = None
    while status is None:
        done, waited = os.waitpid(pid, os.WNOHANG)
        if done:
            status = waited
        elif time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        else:
            time.sleep(0.002)
    say({"n": n, "rc": None if status is None else os.waitstatus_to_exitcode(status)})
    if to_warm is not None:
        warm(to_warm)
        to_warm = None
"""


@dataclass
class TorchRun:
    """What PyTorch computed for a lesson, or why it could not."""

    status: str  # "ok", "missing" (no torch), "failed" (the script raised or timed out)
    message: str = ""
    torch_version: str = ""
    values: dict[str, np.ndarray] = field(default_factory=dict)
    grads: dict[str, np.ndarray | None] = field(default_factory=dict)
    steps: dict[str, np.ndarray | Fact] = field(default_factory=dict)
    grad_fn: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    output: str = ""  # what the script printed for a person, without the report line
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether PyTorch ran and reported its numbers."""
        return self.status == "ok"


def child_command(script: Path) -> list[str]:
    """The command line that runs a script file: the interpreter, isolated, then the runner."""
    return [*INTERPRETER, *CHILD_OPTIONS, "-c", _RUNNER, str(script)]


def child_environment(home: Path) -> dict[str, str]:
    """The child's whole environment: the program search path, and a home and temp folder of its own."""
    env = {k: os.environ[k] for k in KEPT_VARIABLES if k in os.environ}
    env.setdefault("PATH", os.defpath)
    env.update(HOME=str(home), TMPDIR=str(home))
    return env


def _result(
    returncode: int, stdout: str, stderr: str, seconds: float, read: Callable[[str, str, float], T]
) -> T | TorchRun:
    """What a finished script printed, read by ``read`` (its report line after the marker, the rest it printed,
    the seconds it took), or a TorchRun that says why there is none."""
    report_line = next((ln for ln in stdout.splitlines() if ln.startswith(REPORT_MARKER)), None)
    if returncode != 0 or report_line is None:
        tail = (stderr.strip().splitlines() or ["(no message)"])[-1]
        return TorchRun("failed", f"the PyTorch script failed: {tail}", output=stdout, seconds=seconds)
    printed = stdout.replace(report_line, "").rstrip() + "\n"
    try:
        return read(report_line[len(REPORT_MARKER) :], printed, seconds)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        return TorchRun("failed", f"the PyTorch script's report could not be read: {e}", output=printed)


def run_script(code: str, timeout: float = TIMEOUT) -> TorchRun:
    """Run a generated script (with its report footer) in a fresh, isolated Python and read its report."""
    return run_child(code, _read_report, timeout)


def run_child(code: str, read: Callable[[str, str, float], T], timeout: float = TIMEOUT) -> T | TorchRun:
    """Run a script in a fresh, isolated Python; ``read`` turns its report line (after the marker), what else it
    printed and the seconds it took into the result; a TorchRun says why there is none (missing, failed)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="backprop-tutor-") as tmp:
        path = Path(tmp) / "lesson_torch.py"
        path.write_text(code, encoding="utf-8")
        try:
            proc = subprocess.run(
                child_command(path),
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                env=child_environment(Path(tmp)),
                cwd=tmp,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return TorchRun("failed", f"PyTorch did not finish within {timeout:.0f} s", seconds=timeout)
        except OSError as e:
            return TorchRun("failed", f"could not start {INTERPRETER[0]}: {e.strerror or e}")
    seconds = time.perf_counter() - start
    if proc.returncode == 3 and _NO_TORCH in proc.stdout:
        return TorchRun("missing", INSTALL_HINT, seconds=seconds)
    return _result(proc.returncode, proc.stdout, proc.stderr, seconds, read)


def _read_report(line: str, printed: str, seconds: float) -> TorchRun:
    """The numbers of the script's JSON report line."""
    report = json.loads(line)

    def arrays(d: dict) -> dict:
        return {str(k): None if v is None else np.asarray(v, dtype=float) for k, v in d.items()}

    def answers(d: dict) -> dict:
        """Numbers as arrays; what PyTorch printed as a word (None, True, a grad_fn's name) as a Fact."""
        return {
            str(k): Fact(v) if v is None or isinstance(v, bool | str) else np.asarray(v, dtype=float)
            for k, v in d.items()
        }

    return TorchRun(
        "ok",
        torch_version=str(report.get("torch", "")),
        values=arrays(report["values"]),
        grads=arrays(report["grads"]),
        steps=answers(report["steps"]),
        grad_fn={str(k): [(int(d), str(t)) for d, t in v] for k, v in report["grad_fn"].items()},
        output=printed,
        seconds=seconds,
    )


class WorkerGone(Exception):
    """The worker stopped answering: it exited, crashed, or ran past its time limit (it was killed)."""


class TorchWorker:
    """A long-lived, isolated Python that has imported torch and runs one generated script at a time.

    Thread-safe: runs from several threads wait for each other. A worker that cannot start says why in the
    :class:`TorchRun` it returns (``missing`` without torch); one that dies is started again by the next run.
    """

    def __init__(self, start_timeout: float = TIMEOUT, script_timeout: float = SCRIPT_TIMEOUT) -> None:
        self.start_timeout = start_timeout
        self.script_timeout = script_timeout
        self.torch_version = ""
        self.started_with: tuple[str, ...] = ()  # the interpreter it was started with
        self._proc: subprocess.Popen[bytes] | None = None
        self._folder: Path | None = None
        self._pending = b""
        self._count = 0
        self._warming = False  # it has answered its first script and is importing WARM_MODULES
        self.warm_seconds: float | None = None  # how long that took, once it has said so
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        """Whether the worker process is running (and has said it is ready)."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> TorchRun | None:
        """Start the worker if it is not running; None once it is ready, else why it cannot run scripts."""
        with self._lock:
            return self._start()

    def _start(self) -> TorchRun | None:
        """Start the worker (the lock held): spawn it, wait for its first line."""
        if self.alive and self.started_with == INTERPRETER:
            return None
        self._stop()
        self._folder = Path(tempfile.mkdtemp(prefix="backprop-tutor-worker-"))
        command = [*INTERPRETER, *CHILD_OPTIONS, "-c", _WORKER, str(self.script_timeout), *WARM_MODULES]
        start = time.perf_counter()
        try:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=child_environment(self._folder),
                cwd=self._folder,
                start_new_session=True,  # its own process group: killing it kills a child it forked
            )
        except OSError as e:
            self._stop()
            return TorchRun("failed", f"could not start {INTERPRETER[0]}: {e.strerror or e}")
        self.started_with = INTERPRETER
        try:
            hello = self._answer(time.monotonic() + self.start_timeout)
        except WorkerGone as e:
            self._stop()
            return TorchRun("failed", f"PyTorch did not start: {e}", seconds=time.perf_counter() - start)
        if not hello.get("ready"):
            self._stop()
            return TorchRun("missing", INSTALL_HINT, seconds=time.perf_counter() - start)
        self.torch_version = str(hello.get("torch", ""))
        return None

    def run(self, code: str) -> TorchRun:
        """Run a generated script (with its report footer) in the worker; start or replace the worker if needed."""
        return self.run_reading(code, _read_report)

    def run_reading(self, code: str, read: Callable[[str, str, float], T]) -> T | TorchRun:
        """Run a script in the worker; ``read`` turns its report line, what else it printed and the seconds it took
        into the result, as :func:`run_child`'s does; a TorchRun says why there is none."""
        ran = self.run_printing(code)
        if isinstance(ran, TorchRun):
            return ran
        return _result(*ran, read)

    def run_printing(self, code: str) -> tuple[int, str, str, float] | TorchRun:
        """Run a script in the worker: its exit status, what it printed (stdout, stderr) and the seconds it took,
        or a TorchRun that says why it did not finish."""
        with self._lock:
            start = time.perf_counter()
            problem = self._start()
            if problem is not None:
                return problem
            assert self._proc is not None and self._proc.stdin is not None and self._folder is not None
            try:
                self._settle()
            except WorkerGone as e:
                self._stop()
                return TorchRun("failed", f"the PyTorch worker stopped ({e}); press r to run again")
            self._count += 1
            n = self._count
            script = self._folder / f"{n}.py"
            script.write_text(code, encoding="utf-8")
            try:
                self._proc.stdin.write(f"{n}\n".encode())
                self._proc.stdin.flush()
                answer = self._answer(time.monotonic() + self.script_timeout + 5.0)
            except (OSError, WorkerGone) as e:
                self._stop()
                return TorchRun("failed", f"the PyTorch worker stopped ({e}); press r to run again")
            seconds = time.perf_counter() - start
            self._warming = self.warm_seconds is None  # after its first answer the worker warms up
            out, err = (self._read_back(self._folder / f"{n}{suffix}") for suffix in (".out", ".err"))
            for suffix in (".py", ".out", ".err"):
                (self._folder / f"{n}{suffix}").unlink(missing_ok=True)
            if answer.get("rc") is None:
                return TorchRun("failed", f"PyTorch did not finish within {self.script_timeout:.0f} s", seconds=seconds)
            return int(answer["rc"]), out, err, seconds

    def wait_warm(self) -> float | None:
        """Wait until the running worker has imported WARM_MODULES (it does after its first script, while the
        learner reads); the seconds that took, or None if it has not run a script yet or stopped."""
        with self._lock:
            try:
                self._settle()
            except WorkerGone:
                self._stop()
            return self.warm_seconds

    def _settle(self) -> None:
        """Read the worker's warm-up notice if one is due (the lock held), so the next answer is a script's."""
        if self._warming and self.alive:
            notice = self._answer(time.monotonic() + self.start_timeout)
            if not isinstance(notice.get("warm"), int | float):
                raise WorkerGone("it answered out of turn")
            self._warming = False
            self.warm_seconds = float(notice["warm"])

    @staticmethod
    def _read_back(path: Path) -> str:
        """A script's printed output (at most MAX_OUTPUT bytes), as text."""
        try:
            with open(path, "rb") as f:
                return f.read(MAX_OUTPUT).decode("utf-8", "replace")
        except OSError:
            return ""

    def _answer(self, deadline: float) -> dict:
        """The worker's next protocol line, as JSON; WorkerGone if it ends or the deadline passes."""
        assert self._proc is not None and self._proc.stdout is not None
        stream = self._proc.stdout
        with selectors.DefaultSelector() as sel:
            sel.register(stream, selectors.EVENT_READ)
            while b"\n" not in self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WorkerGone("it did not answer in time")
                if not sel.select(left):
                    continue
                chunk = os.read(stream.fileno(), 65536)
                if not chunk:
                    raise WorkerGone("it exited")
                self._pending += chunk
                if len(self._pending) > MAX_OUTPUT:
                    raise WorkerGone("it wrote more than expected")
        line, _, self._pending = self._pending.partition(b"\n")
        try:
            data = json.loads(line.decode("utf-8", "replace"))
        except ValueError as e:
            raise WorkerGone(f"it answered something unreadable: {e}") from None
        if not isinstance(data, dict):
            raise WorkerGone("it answered something unreadable")
        return data

    def stop(self) -> None:
        """End the worker (and any script it runs) and remove its folder."""
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        """End the worker (the lock held)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                os.killpg(proc.pid, 9)
            except (OSError, AttributeError):
                proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
        self._pending = b""
        self._warming, self.warm_seconds = False, None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


_worker: TorchWorker | None = None
_worker_lock = threading.Lock()


def shared_worker() -> TorchWorker:
    """The session's worker (created, not started, on first use; stopped when the program exits)."""
    global _worker
    with _worker_lock:
        if _worker is None:
            import atexit

            _worker = TorchWorker()
            atexit.register(_worker.stop)
        return _worker


def run_in_worker(code: str) -> TorchRun:
    """Run a generated script in the session's worker, or in a fresh Python where there is no ``fork``."""
    return run_in_worker_reading(code, _read_report)


def run_in_worker_reading(code: str, read: Callable[[str, str, float], T]) -> T | TorchRun:
    """Run a script in the session's worker and read its report with ``read`` (see :func:`run_child`), or in a fresh
    Python where there is no ``fork``."""
    if not hasattr(os, "fork"):
        return run_child(code, read)
    return shared_worker().run_reading(code, read)


def torch_installed() -> bool:
    """Whether the interpreter the scripts run in can import torch now (a quick look, without importing it)."""
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)"
    try:
        done = subprocess.run(
            [*INTERPRETER, *CHILD_OPTIONS, "-c", probe],
            capture_output=True,
            timeout=30,
            env=child_environment(Path(tempfile.gettempdir())),
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def run_lesson(lesson: Lesson, timeout: float = TIMEOUT) -> TorchRun:
    """Generate the lesson's script and run it under PyTorch."""
    return run_script(lesson_script(lesson, report=True), timeout)


@dataclass(frozen=True)
class Difference:
    """One number the engine and PyTorch both computed: what, both values, and how far apart."""

    kind: str  # "value", "grad" or "step"
    name: str  # a lesson name, or a step id
    engine: np.ndarray | Fact  # a Fact: a word PyTorch prints (an autograd step's None, True, grad_fn name)
    torch: np.ndarray | Fact | None
    diff: float  # the largest absolute difference of the entries; inf when the shapes differ or one is missing

    @property
    def label(self) -> str:
        """``value of y``, ``gradient of x``, ``step grad:x``."""
        return {"value": "value of", "grad": "gradient of", "step": "step"}[self.kind] + f" {self.name}"

    def agrees(self, tolerance: float = TOLERANCE) -> bool:
        """Whether the two agree within ``tolerance`` (relative above 1, absolute below)."""
        if isinstance(self.engine, Fact) or isinstance(self.torch, Fact):
            return self.diff == 0.0
        if self.torch is None or self.torch.shape != self.engine.shape:
            return False
        scale = max(1.0, float(np.max(np.abs(self.engine), initial=0.0)))
        return bool(self.diff <= tolerance * scale)


@dataclass
class Comparison:
    """Every value, gradient and step answer of a lesson, engine against PyTorch."""

    differences: list[Difference]

    @property
    def largest(self) -> Difference | None:
        """The pair that is furthest apart."""
        return max(self.differences, key=lambda d: d.diff, default=None)

    @property
    def largest_diff(self) -> float:
        """The largest absolute difference seen (0 when nothing was compared)."""
        return self.largest.diff if self.largest else 0.0

    def disagreements(self, tolerance: float = TOLERANCE) -> list[Difference]:
        """The pairs that do not agree within ``tolerance``."""
        return [d for d in self.differences if not d.agrees(tolerance)]

    def step(self, step_id: str) -> Difference | None:
        """The comparison of one step's answer."""
        return next((d for d in self.differences if d.kind == "step" and d.name == step_id), None)


def _difference(kind: str, name: str, engine: np.ndarray | Fact, theirs: np.ndarray | Fact | None) -> Difference:
    if isinstance(engine, Fact) or isinstance(theirs, Fact):  # words: equal or not (0 or infinitely far)
        same = isinstance(engine, Fact) and isinstance(theirs, Fact) and engine == theirs
        return Difference(kind, name, engine, theirs, 0.0 if same else float("inf"))
    e = np.asarray(engine, dtype=float)
    if theirs is None:
        if kind == "grad":  # PyTorch leaves .grad None where no gradient flowed: the engine's zeros
            theirs = np.zeros_like(e)
        else:
            return Difference(kind, name, e, None, float("inf"))
    t = np.asarray(theirs, dtype=float)
    if t.shape != e.shape:
        return Difference(kind, name, e, t, float("inf"))
    with np.errstate(invalid="ignore"):
        gap = np.where(np.isnan(t) & np.isnan(e), 0.0, np.abs(t - e))  # NaN on both sides agrees
    diff = float(np.max(np.nan_to_num(gap, nan=np.inf), initial=0.0))
    return Difference(kind, name, e, t, diff)


def compare(lesson: Lesson, result: TorchRun, solution: Solution | None = None) -> Comparison:
    """Compare PyTorch's run with the engine: every value, every gradient, every step's answer."""
    sol = solution if solution is not None else solve(lesson)
    tr = sol.trace
    diffs: list[Difference] = []
    for name in (*lesson.program.inputs, *lesson.program.constants, *lesson.program.nodes):
        diffs.append(_difference("value", name, tr.values[name], result.values.get(name)))
    for name in (*lesson.program.inputs, *lesson.program.nodes):
        diffs.append(_difference("grad", name, tr.grads[name], result.grads.get(name)))
    for s in lesson.steps:
        diffs.append(_difference("step", s.id, sol.answer(s), result.steps.get(s.id)))
    return Comparison(diffs)


def grad_fn_text(result: TorchRun, node: str) -> str:
    """A node's grad_fn tree as indented lines, as PyTorch named the functions at run time."""
    lines = result.grad_fn.get(node)
    if not lines:
        return f"{node} has no grad_fn: PyTorch treats it as a leaf (it depends on no input)"
    return "\n".join(("  " * depth + ("└ " if depth else "") + text) for depth, text in lines)
