"""The ``torch`` command: print a lesson as a PyTorch script; ``--run`` runs it and compares with the engine.

Lesson text in the text output (title, id, step ids, names) has its control characters escaped;
``--json`` stays exact JSON, and the script escapes its own text.
"""

from __future__ import annotations

import argparse
import json
import sys

from tutor.course import LessonError, find_lesson, to_plain
from tutor.grading import show_array
from tutor.reveal.codegen import lesson_script, steps_code
from tutor.reveal.idiomatic import idiomatic_script, run_idiomatic
from tutor.reveal.run import TOLERANCE, TorchRun, compare, grad_fn_text, run_lesson
from tutor.safetext import one_line, printable

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def add_torch_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``torch``."""
    parser.add_argument("lesson", metavar="LESSON", help="a lesson id or a path to a .yaml file")
    parser.add_argument(
        "--run",
        action="store_true",
        help=f"run the script under PyTorch and compare every value, gradient and step with the engine "
        f"(exit 1 if any differs by more than {TOLERANCE:g})",
    )
    parser.add_argument("--steps", action="store_true", help="print each step's PyTorch expression instead")
    parser.add_argument(
        "--flavour",
        choices=("lesson", "idiomatic"),
        default="lesson",
        help="lesson: one PyTorch line per graph line (default); idiomatic: as you would write it, nn.Sequential, "
        "an nn loss and an optimizer step (layered networks: Z = X @ W + b, A = act(Z) ... loss)",
    )
    parser.add_argument("--json", action="store_true", help="with --run: print the comparison as one JSON object")


def _print_steps(lesson) -> None:  # noqa: ANN001 - a Lesson
    for c in steps_code(lesson):
        print(one_line(f"# {c.step_id}: {c.note}"))
        print(printable(c.text))
        print()


def run_torch(args: argparse.Namespace) -> int:
    """Print the script, the steps' expressions, or run and compare; see ``backprop-tutor torch --help``."""
    try:
        lesson = find_lesson(args.lesson, args.lessons)
    except LessonError as e:
        for p in e.problems:
            print(printable(str(p)), file=sys.stderr)
        return EXIT_USAGE
    if args.flavour == "idiomatic":
        return _run_idiomatic(lesson, args)
    if args.json and not args.run:
        print("backprop-tutor torch: --json goes with --run", file=sys.stderr)
        return EXIT_USAGE
    if not args.run:
        if args.steps:
            _print_steps(lesson)
        else:
            sys.stdout.write(lesson_script(lesson))
        return EXIT_OK
    print(f"running {one_line(lesson.id)} under PyTorch…", file=sys.stderr)
    result = run_lesson(lesson)
    if result.status == "missing":
        print(f"backprop-tutor torch: {printable(result.message)}", file=sys.stderr)
        return EXIT_USAGE
    if not result.ok:
        print(f"backprop-tutor torch: {one_line(lesson.id)}: {printable(result.message)}", file=sys.stderr)
        return EXIT_FAIL
    comparison = compare(lesson, result)
    bad = comparison.disagreements()
    largest = comparison.largest
    if args.json:
        out = {
            "id": lesson.id,
            "torch": result.torch_version,
            "agree": not bad,
            "tolerance": TOLERANCE,
            "largest_difference": comparison.largest_diff,
            "largest": largest.label if largest else None,
            "compared": [
                {
                    "kind": d.kind,
                    "name": d.name,
                    "engine": to_plain(d.engine),
                    "torch": None if d.torch is None else to_plain(d.torch),
                    "difference": d.diff if d.diff != float("inf") else None,
                    "agree": d.agrees(),
                }
                for d in comparison.differences
            ],
            "grad_fn": {k: [text for _, text in v] for k, v in result.grad_fn.items()},
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return EXIT_FAIL if bad else EXIT_OK
    counts = {k: sum(d.kind == k for d in comparison.differences) for k in ("value", "grad", "step")}
    print(one_line(f"{lesson.title}  ({lesson.id})  PyTorch {result.torch_version}, {result.seconds:.1f} s"))
    for node in lesson.program.nodes:
        print(f"  {one_line(node)}.grad_fn:")
        for line in grad_fn_text(result, node).splitlines():
            print(f"      {one_line(line)}")
    for d in bad:
        theirs = "missing" if d.torch is None else show_array(d.torch, 10)
        label = one_line(d.label)
        print(f"✗ {label}: engine {show_array(d.engine, 10)}, PyTorch {theirs} (difference {d.diff:.3g})")
    where = f" ({one_line(largest.label)})" if largest and largest.diff > 0 else ""
    print(
        f"{'✗' if bad else '✓'} {counts['value']} values, {counts['grad']} gradients, {counts['step']} steps compared: "
        f"largest difference {comparison.largest_diff:.3g}{where}; "
        + (f"{len(bad)} beyond {TOLERANCE:g}" if bad else f"all within {TOLERANCE:g}")
    )
    return EXIT_FAIL if bad else EXIT_OK


def _run_idiomatic(lesson, args: argparse.Namespace) -> int:  # noqa: ANN001 - a Lesson
    """``--flavour idiomatic``: print the nn.Sequential script, or run it and compare with the engine."""
    script = idiomatic_script(lesson)
    if script is None:
        print(
            f"backprop-tutor torch: {one_line(lesson.id)} is not a layered network (lines Z = X @ W + b, "
            "A = sigmoid/tanh/relu(Z) ..., then bce/mse/cross_entropy against a constant): use --flavour lesson",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.steps or args.json:
        print("backprop-tutor torch: --steps and --json go with --flavour lesson", file=sys.stderr)
        return EXIT_USAGE
    if not args.run:
        sys.stdout.write(script)
        return EXIT_OK
    print(f"running {one_line(lesson.id)} (idiomatic) under PyTorch…", file=sys.stderr)
    result = run_idiomatic(lesson)
    if isinstance(result, TorchRun):
        print(f"backprop-tutor torch: {printable(result.message)}", file=sys.stderr)
        return EXIT_USAGE if result.status == "missing" else EXIT_FAIL
    bad = result.largest > TOLERANCE
    print(one_line(f"{lesson.title}  ({lesson.id})  as nn.Sequential, PyTorch {result.torch_version}"))
    print(f"  loss {result.loss:.10g}, after one optimizer step {result.after:.10g}")
    print(
        f"{'✗' if bad else '✓'} the loss, {len(result.grads)} parameter gradients and the loss after the step "
        f"compared with the engine: largest difference {result.largest:.3g}"
    )
    return EXIT_FAIL if bad else EXIT_OK
