"""Run a lesson's PyTorch script in a subprocess and compare PyTorch's numbers with the engine's.

torch is imported only by the child process (``sys.executable``), so neither the app nor the CLI
ever loads it; a missing torch comes back as a result that says so and how to install it. The child
runs isolated (``-I``: no user site-packages, no ``PYTHON*`` variables, no script folder on ``sys.path``)
with a minimal environment, in a temporary folder of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from tutor.course import Lesson, solve
from tutor.engine.autograd import Fact
from tutor.reveal.codegen import REPORT_MARKER, lesson_script

T = TypeVar("T")

TOLERANCE = 1e-9  # PyTorch and the engine agree when |torch − engine| ≤ TOLERANCE · max(1, |engine|)
TIMEOUT = 180.0  # seconds; importing torch on a busy machine can take a while
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
    report_line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(REPORT_MARKER)), None)
    if proc.returncode != 0 or report_line is None:
        tail = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        return TorchRun("failed", f"the PyTorch script failed: {tail}", output=proc.stdout, seconds=seconds)
    printed = proc.stdout.replace(report_line, "").rstrip() + "\n"
    try:
        return read(report_line[len(REPORT_MARKER) :], printed, seconds)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        return TorchRun("failed", f"the PyTorch script's report could not be read: {e}", output=printed)


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


def compare(lesson: Lesson, result: TorchRun) -> Comparison:
    """Compare PyTorch's run with the engine: every value, every gradient, every step's answer."""
    sol = solve(lesson)
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
