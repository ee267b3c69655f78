"""What a finished (or stopped) training run says, in words and as JSON: the curves side by side, where the
learner's leaves the engine's and which step to fix, and whether PyTorch reached the same loss."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.lang.pretty import format_number
from tutor.train.loop import Training, as_ratio
from tutor.train.plot import sampled
from tutor.train.torch_side import TorchTraining

#: PyTorch and the learner's run agree when their losses are this close, relative (at least 1)
TORCH_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Verdict:
    """The outcome in one word (``same``, ``parted``) and the sentences that explain it."""

    same: bool
    lines: tuple[str, ...]


def describe_settings(t: Training) -> str:
    """``two-layer-batch on xor: 200 points, 8 hidden units, learning rate 2, 1000 epochs``."""
    s = t.setup
    hidden = f", {s.hidden} hidden units" if s.hidden is not None else ""
    return (
        f"{t.lesson.id} on {s.data.name}: {s.data.points} points{hidden}, learning rate "
        f"{format_number(t.settings.lr)}, {t.settings.epochs} epochs"
    )


def largest_gap(a: list[float], b: list[float]) -> float:
    """The largest difference of two loss curves over the epochs both have (inf where one is not finite)."""
    n = min(len(a), len(b))
    if n == 0:
        return float("inf")
    x, y = np.asarray(a[:n]), np.asarray(b[:n])
    with np.errstate(invalid="ignore"):
        gap = np.where(np.isfinite(x) & np.isfinite(y), np.abs(x - y), np.inf)
    return float(np.max(gap))


def torch_agrees(t: Training, torch: TorchTraining | None) -> bool | None:
    """Whether PyTorch's curve is the learner's to 1e-9 (None when PyTorch did not run)."""
    if torch is None or not torch.ok_losses:
        return None
    scale = max(1.0, max((abs(v) for v in t.curves.learner if np.isfinite(v)), default=1.0))
    return largest_gap(t.curves.learner, torch.losses) <= TORCH_TOLERANCE * scale


def verdict(t: Training, torch: TorchTraining | None = None) -> Verdict:
    """What the run shows, in sentences: the same curve as the engine's (and PyTorch's), or where they part and why."""
    c = t.curves
    lines = []
    if t.parted_at is None and t.gradients_differ_at is None:
        lines.append(
            f"Your backward pass trains the network exactly as the engine's gradients do: after {t.epoch} epochs "
            f"the loss is {_loss(c.learner[-1])}, the engine's {_loss(c.engine[-1])} (largest difference "
            f"{largest_gap(c.learner, c.engine):.1e})."
        )
    else:
        where = t.parted_at if t.parted_at is not None else t.gradients_differ_at
        at = min(where or 0, len(c.learner) - 1)
        lines.append(
            f"Your curve leaves the engine's at epoch {where}: loss {_loss(c.learner[at])} against "
            f"{_loss(c.engine[at])}."
        )
        for fix in t.fixes:
            lines.append(f"The step to fix: {fix.step}: {fix.line}: {fix.message}.")
        k = t.scaled_by
        if k is not None and k > 0:
            lines.append(
                f"Every one of your parameter deltas is {as_ratio(k)} times the engine's, so your run is the engine's "
                f"at a learning rate of {format_number(t.settings.lr * k)} instead of {format_number(t.settings.lr)}: "
                "a curve that falls faster is not a better formula, and a learning rate chosen for one is wrong "
                "for the other."
            )
        if "learner" in t.stopped:
            lines.append(
                f"With your formulas the loss stopped being a number at epoch {t.stopped['learner']} (the steps "
                "grew too large)."
            )
    if "engine" in t.stopped:
        lines.append(f"The engine's run itself blew up at epoch {t.stopped['engine']}: lower the learning rate.")
    agrees = torch_agrees(t, torch)
    if torch is not None and agrees is not None:
        gap = largest_gap(c.learner, torch.losses)
        lines.append(
            f"PyTorch (nn.Sequential + SGD, float64, the same data and initial weights) ends at "
            f"{_loss(torch.losses[-1])}: "
            + (f"the same curve as yours (largest difference {gap:.1e})." if agrees else _torch_apart(t, torch))
        )
    elif torch is not None:
        lines.append(f"PyTorch: {torch.message}")
    same = t.parted_at is None and t.gradients_differ_at is None and agrees is not False
    return Verdict(same, tuple(lines))


def _torch_apart(t: Training, torch: TorchTraining) -> str:
    """How PyTorch's curve stands when it is not the learner's: the engine's curve, or apart from both."""
    c = t.curves
    scale = max(1.0, max((abs(v) for v in c.engine if np.isfinite(v)), default=1.0))
    if largest_gap(c.engine, torch.losses) <= TORCH_TOLERANCE * scale:
        return "the engine's curve, not yours."
    gap = largest_gap(c.learner, torch.losses)
    return f"{gap:.2g} away from yours." if np.isfinite(gap) else "yours stopped being a number."


def _loss(x: float) -> str:
    """A loss for a sentence: six significant digits, or what it is when not finite."""
    return f"{x:.6g}" if np.isfinite(x) else "not a number"


def to_json(t: Training, torch: TorchTraining | None, every: int) -> dict:
    """The run as JSON data: settings, the formulas, sampled curves, where they part, the steps to fix."""
    c = t.curves
    v = verdict(t, torch)

    def curve(values: list[float]) -> list[list[float | None]]:
        return [[e, x if np.isfinite(x) else None] for e, x in sampled(values, every)]

    return {
        "lesson": t.lesson.id,
        "dataset": t.setup.data.name,
        "points": t.setup.data.points,
        "hidden": t.setup.hidden,
        "epochs": t.settings.epochs,
        "lr": t.settings.lr,
        "formulas": [{"step": f.step, "formula": f.line} for f in t.backward.formulas],
        "loss": {
            "learner": curve(c.learner),
            "engine": curve(c.engine),
            "torch": curve(torch.losses) if torch is not None and torch.ok_losses else None,
        },
        "final": {
            "learner": c.learner[-1] if np.isfinite(c.learner[-1]) else None,
            "engine": c.engine[-1] if np.isfinite(c.engine[-1]) else None,
            "torch": torch.losses[-1] if torch is not None and torch.ok_losses else None,
        },
        "torch": None if torch is None else {"status": torch.status, "message": torch.message},
        "parted_at": t.parted_at,
        "gradients_differ_at": t.gradients_differ_at,
        "fix": [{"step": f.step, "formula": f.line, "message": f.message} for f in t.fixes],
        "same": v.same,
        "verdict": list(v.lines),
    }
