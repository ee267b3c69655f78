"""Gradient descent with the learner's own backward pass, beside the same run with the engine's gradients.

Both runs start from the same weights on the same data set and take the same steps ``W ← W − lr·dW``; the
learner's takes its deltas from their compiled formulas (:mod:`tutor.train.formulas`), the engine's from a
full forward and backward run of the lesson's graph (:func:`tutor.engine.run`). They go epoch by epoch in
lockstep, so the first epoch at which the learner's gradients leave the engine's is known exactly, and there
every formula is checked on its own, with the engine's deltas in place of the ones it uses: the step to fix is
the one whose formula is wrong when everything it is given is right.

Every amount of work is bounded before the run starts (:func:`check_settings`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tutor.course.model import Lesson
from tutor.engine import run
from tutor.lang.pretty import format_number
from tutor.lang.syntax import Num, walk
from tutor.train.compiled import Compiled, compile_expr
from tutor.train.data import DEFAULT_POINTS, MAKERS, MAX_POINTS, MIN_POINTS, SEED, TARGET_COLUMNS, DataSet, make
from tutor.train.formulas import BATCH, Backward, Formula, compile_backward
from tutor.train.network import DATA, MAX_HIDDEN, Setup, TrainError, initial_weights, network_of, set_up

MAX_EPOCHS = 20_000
#: epochs × points × hidden width: about a minute of the learner's and the engine's runs together
MAX_WORK = 100_000_000
#: epochs × the work units of an epoch (tutor.engine.shapes: one run of the graph and of the learner's formulas):
#: no two-layer run within MAX_WORK with the right formulas goes above it (4.1e9 at most); a deeper graph, or
#: formulas with more operations than a delta needs, get fewer epochs
MAX_TOTAL_WORK = 4_500_000_000
MAX_LEARNING_RATE = 100.0
#: gradients agree when every entry is within this much of the engine's, relative to the largest (at least 1)
GRADIENT_TOLERANCE = 1e-7
#: two loss curves have parted where they differ by more than this, relative (at least 1)
LOSS_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Settings:
    """What a run trains on and how: the data set and its size, epochs, learning rate, hidden width, seed."""

    dataset: str | None = None  # None: the first set that fits the network
    points: int = DEFAULT_POINTS
    epochs: int = 1000
    lr: float = 1.0
    hidden: int | None = None  # None: the lesson's own
    seed: int = SEED


def check_settings(s: Settings) -> None:
    """TrainError when a setting is out of bounds, before any work: epochs, points, hidden width, their product."""
    if s.dataset is not None and s.dataset not in MAKERS:
        raise TrainError(f"no data set {s.dataset!r}: choose one of {', '.join(MAKERS)}")
    if not 1 <= s.epochs <= MAX_EPOCHS:
        raise TrainError(f"epochs must be 1 to {MAX_EPOCHS}, not {s.epochs}")
    if not MIN_POINTS <= s.points <= MAX_POINTS:
        raise TrainError(f"a data set has {MIN_POINTS} to {MAX_POINTS} points, not {s.points}")
    if s.hidden is not None and not 1 <= s.hidden <= MAX_HIDDEN:
        raise TrainError(f"the hidden width must be 1 to {MAX_HIDDEN}, not {s.hidden}")
    if not (np.isfinite(s.lr) and 0 < s.lr <= MAX_LEARNING_RATE):
        raise TrainError(f"the learning rate must be above 0 and at most {format_number(MAX_LEARNING_RATE)}")
    work = s.epochs * s.points * (s.hidden or MAX_HIDDEN // 8)
    if work > MAX_WORK:
        raise TrainError(
            f"{s.epochs} epochs × {s.points} points × {s.hidden or MAX_HIDDEN // 8} hidden units is {work}, more "
            f"than the {MAX_WORK} a run may take: use fewer epochs, points or units"
        )


def check_total_work(setup: Setup, epochs: int, backward: Backward | None = None) -> None:
    """TrainError when the work of an epoch (the graph's, and the learner's formulas' once compiled) times the
    epochs is above MAX_TOTAL_WORK, before any epoch."""
    per_epoch = setup.graph.work + (backward.work if backward is not None else 0)
    if epochs * per_epoch > MAX_TOTAL_WORK:
        most = max(MAX_TOTAL_WORK // max(per_epoch, 1), 1)
        whose = " with your formulas" if backward is not None else ""
        raise TrainError(
            f"one epoch of lesson {setup.network.lesson.id}{whose} on {setup.data.points} points is {per_epoch} "
            f"work units; {epochs} epochs are more than the {MAX_TOTAL_WORK} a run may take: use at most {most} "
            "epochs, or fewer points or hidden units"
        )


def default_dataset(targets_width: int) -> str:
    """The first data set whose targets fit a network with this many target columns."""
    fit = [name for name, k in TARGET_COLUMNS.items() if k == targets_width]
    if not fit:
        raise TrainError(f"no data set has {targets_width} target columns: a network to train ends in 1 or 3 outputs")
    return fit[0]


@dataclass(frozen=True)
class Fix:
    """A formula that is wrong on the data set: its step, its line, and what is wrong with it."""

    step: str
    line: str
    message: str


@dataclass
class Curves:
    """The loss before each epoch's step and after the last: ``loss[e]`` is the loss after ``e`` steps."""

    learner: list[float] = field(default_factory=list)
    engine: list[float] = field(default_factory=list)


class CompiledGraph:
    """The lesson's graph compiled once: each line a function of the values."""

    def __init__(self, setup: Setup) -> None:
        program = setup.network.lesson.program
        self.lines: tuple[tuple[str, Compiled], ...] = tuple(
            (a.name, compile_expr(a.expr)) for a in program.assignments
        )
        self.output = program.output

    def run(self, env: dict[str, np.ndarray]) -> float:
        """Every node's value into ``env``; the loss."""
        for name, f in self.lines:
            env[name] = f(env)
        return float(env[self.output])


class Training:
    """One run of gradient descent with the learner's formulas and one with the engine's gradients, in lockstep."""

    def __init__(self, lesson: Lesson, texts: dict[str, str], settings: Settings) -> None:
        """Everything checked and compiled before the first epoch: TrainError naming the step when it cannot be."""
        check_settings(settings)
        network = network_of(lesson)
        name = settings.dataset or default_dataset(network.targets_width)
        self.settings = settings
        self.data: DataSet = make(name, settings.points, settings.seed)
        self.setup: Setup = set_up(network, self.data, settings.hidden)
        check_total_work(self.setup, settings.epochs)
        self.backward: Backward = compile_backward(self.setup, texts)
        check_total_work(self.setup, settings.epochs, self.backward)
        self.forward = CompiledGraph(self.setup)
        self.initial = initial_weights(self.setup)
        self.learner_weights = {k: v.copy() for k, v in self.initial.items()}
        self.engine_weights = {k: v.copy() for k, v in self.initial.items()}
        self.env: dict[str, np.ndarray] = self.setup.leaves(self.learner_weights)
        self.curves = Curves()
        self.epoch = 0  # steps taken
        self.gradients_differ_at: int | None = None
        #: where they first differ, the one factor between every parameter's delta and the engine's, if there is one
        self.scaled_by: float | None = None
        self.parted_at: int | None = None
        self.fixes: list[Fix] = []
        self.stopped: dict[str, int] = {}  # "learner"/"engine" -> epoch its loss stopped being finite

    @property
    def lesson(self) -> Lesson:
        """The lesson whose network this is."""
        return self.setup.network.lesson

    @property
    def done(self) -> bool:
        """Whether every epoch has run."""
        return self.epoch >= self.settings.epochs

    def run_epochs(self, count: int, stop: object | None = None) -> None:
        """Up to ``count`` more epochs (fewer at the end, or when ``stop``, a threading.Event, is set)."""
        with np.errstate(all="ignore"):
            for _ in range(count):
                if self.done or (stop is not None and stop.is_set()):  # type: ignore[attr-defined]
                    return
                self._epoch()
            if self.done and len(self.curves.learner) == self.epoch:
                self._record(self.forward.run(self.env), self._engine_loss())

    def _epoch(self) -> None:
        """One step of both runs, the losses before it recorded, the gradients compared while they agree."""
        lr = self.settings.lr
        env = self.env
        learner_loss = self.forward.run(env) if "learner" not in self.stopped else float("nan")
        trace = (
            run(self.lesson.program, self.setup.leaves(self.engine_weights)) if "engine" not in self.stopped else None
        )
        engine_loss = float(trace.values[self.lesson.output]) if trace is not None else float("nan")
        self._record(learner_loss, engine_loss)
        if "learner" not in self.stopped:
            self.backward.run(env)
            if self.gradients_differ_at is None and trace is not None and self._gradients_differ(trace.grads):
                self.gradients_differ_at = self.epoch
                self.fixes = diagnose(self.setup, self.backward, trace)
                self.scaled_by = self._common_factor(trace.grads)
            self._update(lr)
        if trace is not None:
            for p in self.engine_weights:
                self.engine_weights[p] -= lr * trace.grads[p]
        self.epoch += 1

    def _update(self, lr: float) -> None:
        """One step of gradient descent on the learner's weights, with the deltas their formulas left in ``env``."""
        env = self.env
        for p, d in self.backward.of_parameter.items():
            self.learner_weights[p] -= lr * env[d]

    def learner_epoch(self) -> float:
        """One epoch of the learner's run alone (forward, their formulas, the step), nothing recorded: the loss
        before the step. For measuring the compiled loop (benchmarks/train.py)."""
        loss = self.forward.run(self.env)
        self.backward.run(self.env)
        self._update(self.settings.lr)
        return loss

    def _engine_loss(self) -> float:
        """The engine's loss at its current weights (forward only)."""
        if "engine" in self.stopped:
            return float("nan")
        return float(run(self.lesson.program, self.setup.leaves(self.engine_weights)).values[self.lesson.output])

    def _record(self, learner: float, engine: float) -> None:
        """Keep both losses of this epoch; note where a curve stops being finite and where the two part."""
        e = len(self.curves.learner)
        self.curves.learner.append(learner)
        self.curves.engine.append(engine)
        for who, loss in (("learner", learner), ("engine", engine)):
            if who not in self.stopped and not np.isfinite(loss):
                self.stopped[who] = e
        if self.parted_at is None and not _same_loss(learner, engine):
            self.parted_at = e

    def _gradients_differ(self, grads: dict[str, np.ndarray]) -> bool:
        """Whether the learner's parameter deltas (in ``env``) differ from the engine's."""
        return any(not agree(self.env[d], grads[p]) for p, d in self.backward.of_parameter.items())

    def _common_factor(self, grads: dict[str, np.ndarray]) -> float | None:
        """The factor k with every parameter delta of the learner's k times the engine's, when there is one."""
        factors = [
            _factor(np.asarray(self.env[d], dtype=float), grads[p]) for p, d in self.backward.of_parameter.items()
        ]
        k = factors[0] if factors else None
        if k is None or any(f is None or abs(f - k) > 1e-6 * abs(k) for f in factors):
            return None
        return k

    def grid(self, size: tuple[int, int], weights: str = "learner") -> np.ndarray | None:
        """The class the network predicts on a grid over the data (rows from the top), or None if it cannot say."""
        from tutor.train.boundary import predict_grid

        return predict_grid(self, size, self.learner_weights if weights == "learner" else self.engine_weights)


def _same_loss(a: float, b: float) -> bool:
    """Whether two losses are the same number for the curves (both not finite counts as the same)."""
    if not (np.isfinite(a) and np.isfinite(b)):
        return not np.isfinite(a) and not np.isfinite(b)
    return abs(a - b) <= LOSS_TOLERANCE * max(1.0, abs(b))


def agree(mine: np.ndarray, engine: np.ndarray, tolerance: float = GRADIENT_TOLERANCE) -> bool:
    """Whether a delta agrees with the engine's, entry by entry, relative to the engine's largest entry (at least 1)."""
    mine = np.asarray(mine, dtype=float)
    if mine.shape != np.shape(engine) or not np.all(np.isfinite(mine)):
        return False
    scale = max(1.0, float(np.max(np.abs(engine), initial=0.0)))
    return bool(np.max(np.abs(mine - engine), initial=0.0) <= tolerance * scale)


def diagnose(setup: Setup, backward: Backward, trace) -> list[Fix]:  # noqa: ANN001 - tutor.engine.Trace
    """Each formula checked alone at one run of the engine, given the engine's values and deltas: the wrong ones."""
    lesson = setup.network.lesson
    env: dict[str, np.ndarray] = dict(trace.values)
    for f in backward.formulas:
        env[f.delta] = trace.grads[f.node]
    fixes = []
    for f in backward.formulas:
        fixed = {BATCH: np.asarray(backward.batch)} if BATCH not in trace.values else {}
        mine = compile_expr(f.tree, {**fixed, **_seed(lesson, trace)})(env)
        want = trace.grads[f.node]
        mine = np.reshape(mine, want.shape) if np.size(mine) == np.size(want) else mine
        if not agree(mine, want):
            fixes.append(Fix(f.step, f.line, _what_is_wrong(setup, f, mine, want)))
    return fixes


def _seed(lesson: Lesson, trace) -> dict[str, np.ndarray]:  # noqa: ANN001
    """``dL`` (the output's delta, 1) for a formula that uses it."""
    return {"d" + lesson.output: np.ones_like(trace.values[lesson.output])}


def _what_is_wrong(setup: Setup, f: Formula, mine: np.ndarray, want: np.ndarray) -> str:
    """Why a formula's delta is not the engine's: a factor (the 1/N above all), or simply how far off."""
    n = setup.data.points
    k = _factor(mine, want)
    lesson_n = int(setup.network.lesson.constants[DATA].shape[0])
    typed = sorted({e.value for e in walk(f.tree) if isinstance(e, Num) and e.value == lesson_n and lesson_n != n})
    if typed:
        return (
            f"{f.delta} is {as_ratio(k)} times the engine's delta here: the number {lesson_n} in it is the lesson's "
            f"number of samples, and this data set has N = {n}; write the mean's 1/N with N, as in NumPy "
            "(N = X.shape[0])"
        )
    if k is not None and abs(k - n) <= 1e-6 * n:
        return (
            f"{f.delta} is N = {n} times the engine's delta: the loss is a mean over the {n} samples, so the first "
            f"delta below it carries the mean's 1/N (with one sample, N = 1 hid it); divide by N"
        )
    if k is not None and abs(k * n - 1) <= 1e-6:
        return f"{f.delta} is the engine's delta divided by N = {n}: the mean's 1/N is counted twice"
    if k is not None:
        return f"{f.delta} is {as_ratio(k)} times the engine's delta on this data set"
    gap = float(np.max(np.abs(mine - want), initial=0.0)) if np.shape(mine) == np.shape(want) else float("inf")
    return f"{f.delta} is not the engine's delta on this data set (off by up to {gap:.3g})"


def _factor(mine: np.ndarray, want: np.ndarray) -> float | None:
    """The constant factor between a delta and the engine's, when there is one."""
    if np.shape(mine) != np.shape(want):
        return None
    big = np.abs(want) > 1e-9 * max(float(np.max(np.abs(want), initial=0.0)), 1e-300)
    if not big.any():
        return None
    k = float(np.median(mine[big] / want[big]))
    if not np.isfinite(k) or not np.allclose(mine, k * want, rtol=1e-6, atol=1e-12):
        return None
    return k


def as_ratio(k: float | None) -> str:
    """A factor as a learner reads it: ``50``, ``1/50``, ``0.37``."""
    if k is None:
        return "some"
    if abs(k - round(k)) < 1e-6 * max(1.0, abs(k)) and round(k) != 0:
        return format_number(round(k))
    if k != 0 and abs(1 / k - round(1 / k)) < 1e-6 * abs(1 / k):
        return f"1/{format_number(round(1 / k))}"
    return f"{k:.3g}"
