"""The backward path: the chain of ``grad_fn`` nodes PyTorch walks from the loss down to one tensor, predicted
from the lesson's graph and the op table (no torch needed), and where a leaf's ``AccumulateGrad`` is reached by
more than one edge (a fan-out: PyTorch sums what comes down the edges, then writes ``.grad`` once).

A path is a list of :class:`Segment`: one graph line, from the tensor it makes down to the name it uses, with the
backward node of every op on the way (the line's own ``grad_fn`` first, then the inner ops' ones).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from tutor.course import Lesson, solve
from tutor.engine import IDENTITY, Program, op_of
from tutor.engine.autograd import as_computed, backward_name, requiring_grad
from tutor.lang import Expr, Name

#: at most this many paths are listed (their number is still counted)
MAX_PATHS = 6


@dataclass(frozen=True)
class Segment:
    """One line walked backward: from ``top`` (the tensor the line makes) through these backward nodes to
    ``bottom`` (a name it uses)."""

    top: str
    functions: tuple[str, ...]
    bottom: str


@dataclass(frozen=True)
class BackwardPath:
    """The paths from the output down to ``name`` (at most :data:`MAX_PATHS`), how many there are in all, the
    edges that arrive at ``name`` (the segments ending there, with the line they come from), and the end of the
    walk: ``AccumulateGrad`` for a leaf, or the node's own ``grad_fn``."""

    output: str
    name: str
    paths: tuple[tuple[Segment, ...], ...]
    count: int
    edges: tuple[Segment, ...]
    end: str


def _edges(expr: Expr, shapes: Mapping[str, tuple[int, ...]]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every use of a name in a line that a gradient passes through, with the backward nodes from the line's
    root down to it (an op PyTorch does not apply at these shapes, a vector's ``.T``, is left out)."""
    computed = as_computed(expr, shapes)
    if isinstance(computed, Name):
        yield (), computed.id
        return
    app = op_of(computed)
    if app is None:
        return
    here = backward_name(computed, shapes)
    for i, operand in enumerate(app.operands):
        if i in app.op.stops:
            continue
        for functions, name in _edges(operand, shapes):
            yield (here, *functions), name


def _segments(program: Program, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, list[Segment]]:
    """For every node that requires grad, the segments of its line down to the names that require grad."""
    need = requiring_grad(program)
    out: dict[str, list[Segment]] = {}
    for a in program.assignments:
        if a.name not in need:
            continue
        computed = as_computed(a.expr, shapes)
        if isinstance(computed, Name):  # a line that names another value: the script clones it
            out[a.name] = [Segment(a.name, (IDENTITY.torch.grad_fn,), computed.id)] if computed.id in need else []
            continue
        out[a.name] = [Segment(a.name, f, n) for f, n in _edges(a.expr, shapes) if n in need]
    return out


def backward_path(lesson: Lesson, name: str) -> BackwardPath | None:
    """The walk from the lesson's output down to ``name``, or None when ``output.backward()`` never reaches it."""
    program = lesson.program
    values = solve(lesson).trace.values
    shapes = {n: np.shape(v) for n, v in values.items()}
    segments = _segments(program, shapes)
    order = [a.name for a in program.assignments]
    # how many paths lead from each name down to `name` (counted, not listed: they can be many)
    count: dict[str, int] = {name: 1}
    for node in order:  # a line uses only names made before it
        if node != name and node in segments:
            count[node] = sum(count.get(s.bottom, 0) for s in segments[node])
    total = count.get(program.output, 0) if program.output != name else 1
    if total == 0 or name not in requiring_grad(program):
        return None
    paths: list[tuple[Segment, ...]] = []

    def walk(at: str, so_far: tuple[Segment, ...]) -> None:
        if len(paths) >= MAX_PATHS:
            return
        if at == name:
            paths.append(so_far)
            return
        for s in segments.get(at, []):
            if count.get(s.bottom, 0):
                walk(s.bottom, (*so_far, s))

    walk(program.output, ())
    walked = _on_a_path(count, program.output, segments)
    edges = tuple(s for n in order if n in walked for s in segments.get(n, []) if s.bottom == name)
    end = _own(program, shapes, name) if name in program.nodes else "AccumulateGrad"
    return BackwardPath(program.output, name, tuple(paths), total, edges, end)


def _on_a_path(count: Mapping[str, int], output: str, segments: Mapping[str, list[Segment]]) -> set[str]:
    """The nodes the output's backward walks through on its way to the name (those with a path below)."""
    seen: set[str] = set()
    stack = [output]
    while stack:
        at = stack.pop()
        if at in seen or not count.get(at, 0):
            continue
        seen.add(at)
        stack.extend(s.bottom for s in segments.get(at, []))
    return seen


def _own(program: Program, shapes: Mapping[str, tuple[int, ...]], name: str) -> str:
    """A node's own grad_fn, where the walk to it ends."""
    return backward_name(program.assignment(name).expr, shapes)


def path_text(path: BackwardPath) -> str:
    """The walk as lines a learner reads: one line per path, the fan-out said where there is one."""
    lines = [
        f"{path.output}.backward() walks these grad_fns down to {path.name} ([n] marks the tensor whose grad_fn "
        "follows):"
    ]
    for p in path.paths:
        parts = [f"[{s.top}] {' → '.join(s.functions) or '(a copy)'}" for s in p]
        tail = f"[{path.name}] AccumulateGrad → {path.name}.grad" if path.end == "AccumulateGrad" else f"[{path.name}]"
        lines.append("  " + " → ".join([*parts, tail]) if parts else f"  {tail}")
    if path.count > len(path.paths):
        lines.append(f"  … {path.count - len(path.paths)} more paths")
    if len(path.edges) > 1:
        sources = ", ".join(f"{s.top}'s {s.functions[-1] if s.functions else 'copy'}" for s in path.edges)
        target = f"{path.name}'s AccumulateGrad" if path.end == "AccumulateGrad" else f"{path.name}'s grad_fn"
        lines.append(
            f"{target} is reached by {len(path.edges)} edges (from {sources}): within one backward() PyTorch adds "
            f"what comes down them" + (f", then writes {path.name}.grad once." if path.end == "AccumulateGrad" else ".")
        )
    if path.name == path.output:
        lines[1:] = [f"  [{path.name}] {path.end}: the walk starts here, with {path.name}'s gradient 1 (the seed)"]
    elif path.end != "AccumulateGrad":
        lines.append(
            f"{path.name} is not a leaf: the walk goes on through its own grad_fn, {path.end}; "
            f"{path.name}.retain_grad() keeps what arrives in {path.name}.grad."
        )
    return "\n".join(lines)


__all__ = ["MAX_PATHS", "BackwardPath", "Segment", "backward_path", "path_text"]
