"""``backprop-tutor train``: gradient descent with the learner's own delta formulas as the backward pass, beside
the engine's gradients and PyTorch (when installed), printing the loss per epoch (sampled) and what it shows.

Exit status: 0 when the learner's run is the engine's (and PyTorch's, when it ran), 1 when it is not or a formula
is refused before training (the step is named), 2 for a usage or input error.
"""

from __future__ import annotations

import argparse
import json

from tutor.cli.lessons_cmd import EXIT_FAIL, EXIT_OK, EXIT_USAGE, _err, _load, say
from tutor.course import LessonError
from tutor.train.data import DEFAULT_POINTS, MAKERS
from tutor.train.loop import Settings, Training
from tutor.train.network import TrainError
from tutor.train.plot import sampled
from tutor.train.report import describe_settings, to_json, verdict
from tutor.train.sources import from_file, from_progress

ROWS = 10  # epochs printed: about this many, evenly spaced, and the last


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``train``."""
    parser.add_argument("lesson", metavar="LESSON", help="a lesson id or a path to a .yaml file")
    parser.add_argument(
        "--answers", metavar="FILE", help="YAML: step id -> formula as typed (default: your progress in the tutor)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--dataset", choices=list(MAKERS), help="the data set (default: the first that fits)")
    parser.add_argument("--epochs", type=int, default=1000, metavar="N", help="epochs of gradient descent")
    parser.add_argument("--lr", type=float, default=1.0, metavar="X", help="the learning rate")
    parser.add_argument("--hidden", type=int, metavar="H", help="hidden units (default: the lesson's)")
    parser.add_argument("--points", type=int, default=DEFAULT_POINTS, metavar="N", help="samples in the data set")
    parser.add_argument("--no-torch", action="store_true", help="do not run the same training in PyTorch")


def run_train(args: argparse.Namespace) -> int:
    """Train, print the curves and the verdict; see the module for the exit status."""
    lesson = _load(args.lesson, args.lessons)
    if lesson is None:
        return EXIT_USAGE
    try:
        texts = from_file(args.answers) if args.answers else _progress(lesson)
    except LessonError as e:
        for p in e.problems:
            say(p, err=True)
        return EXIT_USAGE
    settings = Settings(args.dataset, args.points, args.epochs, args.lr, args.hidden)
    try:
        training = Training(lesson, texts, settings)
    except TrainError as e:
        _err(e.message)
        return EXIT_FAIL if e.step else EXIT_USAGE
    training.run_epochs(settings.epochs)
    torch = None
    if not args.no_torch:
        from tutor.train.torch_side import train_in_torch

        torch = train_in_torch(training.setup, training.initial, settings.epochs, settings.lr)
    every = max(settings.epochs // ROWS, 1)
    if args.json:
        print(json.dumps(to_json(training, torch, every), indent=2, ensure_ascii=False))
    else:
        _print(training, torch, every)
    return EXIT_OK if verdict(training, torch).same else EXIT_FAIL


def _progress(lesson):  # noqa: ANN001, ANN202 - Lesson -> dict[str, str]
    """The learner's formulas from this machine's progress."""
    from tutor.progress import ProgressStore

    return from_progress(ProgressStore(), lesson)


def _print(t: Training, torch, every: int) -> None:  # noqa: ANN001 - TorchTraining | None
    """The run for a person: settings, formulas, the loss table, the verdict."""
    say(f"Training {describe_settings(t)}")
    say("Your backward pass:")
    for f in t.backward.formulas:
        say(f"  {f.line:<32} ({f.step})")
    has_torch = torch is not None and torch.ok_losses
    say(f"{'epoch':>7}  {'yours':>14}  {'engine':>14}" + (f"  {'PyTorch':>14}" if has_torch else ""))
    for e, mine in sampled(t.curves.learner, every):
        row = f"{e:>7}  {_cell(mine)}  {_cell(t.curves.engine[e])}"
        if has_torch:
            row += f"  {_cell(torch.losses[e]) if e < len(torch.losses) else '':>14}"
        say(row)
    for line in verdict(t, torch).lines:
        say(line)


def _cell(x: float) -> str:
    """A loss in the table, 14 wide."""
    return f"{x:>14.10f}" if x == x and abs(x) != float("inf") else f"{'—':>14}"
