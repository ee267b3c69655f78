"""Plots in lesson prose: a ```` ```plot ```` block draws ops of the op table over a range, in Braille characters.

A plot block in a Markdown prose field (intro, outro, prompt, explanation) holds ``key: value`` lines::

    ```plot
    curves: sigmoid, sigmoid'
    x: [-6, 6]
    mark: z
    ```

``curves`` names one to :data:`MAX_CURVES` one-operand elementwise ops of the op table (``sigmoid``, ``tanh``,
``relu``, ``exp`` ...), a trailing ``'`` for the op's derivative (from its VJP in the table); ``x`` is the
range; ``mark`` (optional) is an expression of the answer language in the lesson's names, as in a live
number, whose entries are marked on every curve and named under the plot; ``height`` and ``width``
(optional) size it in characters.

Instead of ``curves``, ``step: L`` draws a node of the lesson (one number, the loss) along a step of gradient
descent: every input ``θ`` moved to ``θ − η·dθ`` (the deltas of the lesson's run), the graph run again by the
engine, for each step size ``η`` of the ``x`` range. Its ``mark`` is a step size: ``lr`` (the lesson's
``learning_rate``, marked by default when the lesson has one) or an expression.

The block is data: it is parsed here, never evaluated as code, and every size is bounded before any work.
:func:`plot_blocks` finds the blocks, :func:`check_plot` says what is wrong with one (where, and what to write
instead), :func:`render_plot` draws it at a trace's numbers.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tutor.course.live import LiveProblem, Numbers, evaluate, show_number
from tutor.engine import EvalError, Program, Trace, forward
from tutor.engine.ops import OPS, Op
from tutor.engine.shapes import MAX_RUN_WORK, program_shapes
from tutor.safetext import one_line

MAX_CURVES = 4
MAX_MARKS = 16
MAX_BLOCK = 2000  # characters in one plot block
MAX_PLOTS = 20  # plot blocks in one prose field
MAX_RANGE = 1e6  # |x| at either end of the range
WIDTH = (20, 72, 56)  # least, most, default columns of the drawing (the y labels and names come on top)
HEIGHT = (3, 16, 8)  # least, most, default rows
KEYS = ("curves", "step", "x", "mark", "height", "width")
#: work units the runs of one step plot may take together (one forward run of the graph per step size drawn)
MAX_STEP_WORK = 2 * MAX_RUN_WORK
#: the name a step plot's mark gives the lesson's learning rate
RATE = "lr"
RATE_SETTING = "learning_rate"

_BLOCK = re.compile(r"^([ ]{0,3})(`{3,}|~{3,})[ \t]*plot[ \t]*\n(.*?)^\1?\2[ \t]*$", re.M | re.S)
_NAME = re.compile(r"\A[A-Za-z_][A-Za-z_0-9]{0,63}\Z")
_RANGE = re.compile(r"\A\[\s*([^,\]]+?)\s*,\s*([^,\]]+?)\s*\]\Z")
#: Braille dot bits by (column, row) within a cell of 2 × 4 dots
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass(frozen=True)
class PlotBlock:
    """One plot block in a prose text: where it stands (offsets of the whole block and of its body) and its body."""

    start: int
    end: int
    body_start: int
    body: str


@dataclass(frozen=True)
class Curve:
    """One curve: an op, or its derivative."""

    op: Op
    derivative: bool

    @property
    def name(self) -> str:
        """How the plot names it: ``σ``, ``σ′``, ``tanh′``."""
        return (self.op.display or self.op.name).strip() + ("′" if self.derivative else "")

    def at(self, x: np.ndarray) -> np.ndarray:
        """Its values at ``x`` (NaN where the op is not defined)."""
        with np.errstate(all="ignore"):
            y = self.op.forward(x)
            if self.derivative:
                y = self.op.vjp(np.ones_like(x), y, x)[0]
        return np.asarray(y, dtype=float)


@dataclass(frozen=True)
class AlongStep:
    """A node of the lesson along a step of gradient descent: its value when every input θ is θ − η·dθ."""

    trace: Trace
    node: str

    @property
    def name(self) -> str:
        """How the plot names it: the node's name."""
        return one_line(self.node)

    def at(self, etas: np.ndarray) -> np.ndarray:
        """Its values at the step sizes ``etas``, from the engine (NaN where the run is not finite)."""
        program, values, grads = self.trace.program, self.trace.values, self.trace.grads
        out = np.full(len(etas), np.nan)
        for k, eta in enumerate(etas):
            leaves = {n: values[n] for n in (*program.inputs, *program.constants)}
            leaves.update({n: values[n] - float(eta) * grads[n] for n in program.inputs})
            with np.errstate(all="ignore"):
                value = forward(program, leaves)[self.node].value
            out[k] = float(np.reshape(value, -1)[0])
        return out

    def caption(self, width: int) -> str:
        """What is drawn, in one line: ``L at W − η·dW, b − η·db``."""
        inputs = [one_line(n) for n in self.trace.program.inputs]
        steps = ", ".join(f"{n} − η·d{n}" for n in inputs)
        if len(steps) > width:
            steps = "every input θ − η·dθ"
        return f"{self.name} at {steps}   (η →)"


@dataclass(frozen=True)
class PlotSpec:
    """A plot block, read: the curves (or the node drawn along a step), the range, the mark's expression (or
    none), the size."""

    curves: tuple[Curve, ...]
    low: float
    high: float
    mark: str | None
    width: int
    height: int
    step: str | None = None


@dataclass(frozen=True)
class PlotProblem:
    """What is wrong with a plot block: ``offset`` in the prose text, the ``snippet`` there, the message."""

    offset: int
    snippet: str
    message: str


def plottable() -> list[str]:
    """The ops a plot may draw: one operand, elementwise, with a derivative."""
    return [
        op.name
        for op in OPS.values()
        if op.elementwise and op.operands == 1 and op.syntax == "call" and op.differentiable and not op.stops
    ]


def plot_blocks(text: str) -> Iterator[PlotBlock]:
    """The plot blocks of a Markdown text, in order."""
    if "plot" not in text:
        return
    for m in _BLOCK.finditer(text):
        yield PlotBlock(m.start(), m.end(), m.start(3), m.group(3))


def read_plot(block: PlotBlock) -> PlotSpec | PlotProblem:
    """A plot block's spec, or its first problem (located in the prose text)."""
    if len(block.body) > MAX_BLOCK:
        return PlotProblem(block.start, "```", f"a plot block of more than {MAX_BLOCK} characters: keep it short")
    fields: dict[str, tuple[str, int]] = {}
    offset = block.body_start
    for line in block.body.split("\n"):
        here, offset = offset, offset + len(line) + 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        key = key.strip()
        if not colon:
            return PlotProblem(here, line.strip()[:20], f"plot: write 'key: value' lines ({', '.join(KEYS)})")
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f": the keys are {', '.join(KEYS)}"
            return PlotProblem(here, key, f"plot: unknown key '{one_line(key)[:30]}'{hint}")
        if key in fields:
            return PlotProblem(here, key, f"plot: '{key}' is given twice")
        fields[key] = (value.strip(), here + line.index(":") + 1 + (len(value) - len(value.lstrip())))
    if "curves" in fields and "step" in fields:
        return PlotProblem(
            fields["step"][1], fields["step"][0][:20] or ":", "plot: 'curves' or 'step', not both: one plot each"
        )
    if "curves" not in fields and "step" not in fields:
        return PlotProblem(
            block.start,
            "```",
            "plot: 'curves' is missing: add a line like 'curves: sigmoid, sigmoid'' (or 'step: L' for the loss "
            "along a step of gradient descent)",
        )
    if "x" not in fields:
        return PlotProblem(block.start, "```", "plot: 'x' is missing: add a line like 'x: [-6, 6]'")
    step = fields["step"][0] if "step" in fields else None
    if step is not None and not _NAME.match(step):
        return PlotProblem(fields["step"][1], step[:20] or ":", "plot: step: name one node of the graph, e.g. step: L")
    curves = _curves(*fields["curves"]) if step is None else ()
    if isinstance(curves, PlotProblem):
        return curves
    bounds = _range(*fields["x"])
    if isinstance(bounds, PlotProblem):
        return bounds
    sizes = []
    for key, (least, most, default) in (("width", WIDTH), ("height", HEIGHT)):
        size = _size(key, fields.get(key), least, most, default)
        if isinstance(size, PlotProblem):
            return size
        sizes.append(size)
    mark = fields["mark"][0] if "mark" in fields else None
    return PlotSpec(curves, bounds[0], bounds[1], mark or None, sizes[0], sizes[1], step)


def _curves(text: str, at: int) -> tuple[Curve, ...] | PlotProblem:
    """The curves of ``curves: a, b'``."""
    names = [n.strip() for n in text.split(",")]
    if not text or not all(names):
        return PlotProblem(at, text[:20] or ":", "plot: curves: name ops, separated by commas, e.g. sigmoid, sigmoid'")
    if len(names) > MAX_CURVES:
        return PlotProblem(at, text[:20], f"plot: at most {MAX_CURVES} curves in one plot")
    out = []
    ops = plottable()
    for name in names:
        base = name.removesuffix("'").removesuffix("′").strip()
        op = OPS.get(base) or next((OPS[n] for n in ops if base in OPS[n].aliases), None)
        if op is None or op.name not in ops:
            close = difflib.get_close_matches(base, ops, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f": a plot draws {', '.join(ops)}"
            return PlotProblem(at + text.find(name), name, f"plot: cannot draw '{one_line(base)[:30]}'{hint}")
        out.append(Curve(op, base != name))
    return tuple(out)


def _range(text: str, at: int) -> tuple[float, float] | PlotProblem:
    """The range of ``x: [a, b]``: finite numbers, a < b, both within ±MAX_RANGE."""
    m = _RANGE.match(text)
    problem = PlotProblem(at, text[:20] or ":", "plot: x: write the range as [from, to], e.g. x: [-6, 6]")
    if m is None:
        return problem
    try:
        low, high = (float(g.replace("−", "-")) for g in m.groups())
    except ValueError:
        return problem
    if not (math.isfinite(low) and math.isfinite(high)) or max(abs(low), abs(high)) > MAX_RANGE:
        return PlotProblem(at, text[:20], f"plot: x: the range must lie within ±{MAX_RANGE:g}")
    if not low < high:
        return PlotProblem(at, text[:20], "plot: x: the range must go from a smaller number to a larger one")
    return low, high


def _size(key: str, field: tuple[str, int] | None, least: int, most: int, default: int) -> int | PlotProblem:
    """A width or height: a whole number within bounds, or the default."""
    if field is None:
        return default
    text, at = field
    if not text.isdigit() or not least <= int(text) <= most:
        return PlotProblem(at, text[:20] or ":", f"plot: {key}: a whole number from {least} to {most}")
    return int(text)


def check_plot(block: PlotBlock, numbers: Numbers) -> PlotProblem | None:
    """What is wrong with a plot block at a trace's numbers (None if it draws)."""
    ready = _prepared(block, numbers)
    return ready if isinstance(ready, PlotProblem) else None


@dataclass(frozen=True)
class _Prepared:
    """A plot block ready to draw: its spec, what it draws, the marked x, and each curve's values at the samples."""

    spec: PlotSpec
    drawn: tuple[Curve | AlongStep, ...]
    marks: np.ndarray
    ys: list[np.ndarray]


def _prepared(block: PlotBlock, numbers: Numbers) -> _Prepared | PlotProblem:
    """A plot block read, checked and computed once (a step plot runs the graph once per sample), or its problem."""
    spec = read_plot(block)
    if isinstance(spec, PlotProblem):
        return spec
    drawn = _drawn(spec, numbers.trace)
    if isinstance(drawn, str):
        at = block.body_start + block.body.find("step")
        return PlotProblem(at, "step", f"plot: step: {drawn}")
    marks = _marks(spec, numbers)
    if isinstance(marks, LiveProblem):
        at = block.body_start + block.body.find("mark")
        return PlotProblem(at, "mark", f"plot: mark: {marks.message}")
    xs = np.linspace(spec.low, spec.high, 2 * spec.width)
    ys = [c.at(xs) for c in drawn]
    for c, y in zip(drawn, ys, strict=True):
        if not np.any(np.isfinite(y)):
            key = "step" if spec.step else "curves"
            at = block.body_start + block.body.find(key)
            return PlotProblem(at, key, f"plot: {c.name} is not defined anywhere on [{spec.low:g}, {spec.high:g}]")
    return _Prepared(spec, drawn, marks, ys)


def _drawn(spec: PlotSpec, trace: Trace) -> tuple[Curve | AlongStep, ...] | str:
    """What the plot draws: its op curves, or its node along a step once the node and the work are checked."""
    if spec.step is None:
        return spec.curves
    program = trace.program
    node = spec.step
    if node not in program.nodes:
        close = difflib.get_close_matches(node, program.nodes, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f": the graph's nodes are {', '.join(program.nodes)}"
        return f"'{one_line(node)[:30]}' is not a node of the graph{hint}"
    size = np.size(trace.values[node])
    if size != 1:
        return f"{node} holds {size} numbers: a step plot draws one, e.g. the loss, step: {program.output}"
    work = _run_work(program, trace) * 2 * spec.width
    if work > MAX_STEP_WORK:
        return (
            f"running the graph at {2 * spec.width} step sizes takes {work} work units, more than the "
            f"{MAX_STEP_WORK} a plot may use: make the plot narrower (width) or the graph smaller"
        )
    return (AlongStep(trace, node),)


def _run_work(program: Program, trace: Trace) -> int:
    """The work units of one forward run of the graph at the trace's leaf shapes."""
    leaves = {n: np.shape(trace.values[n]) for n in (*program.inputs, *program.constants)}
    try:
        return program_shapes(program, leaves).work
    except EvalError:  # the lesson's own run passed this check; a trace that did not is not drawn
        return MAX_STEP_WORK + 1


def check_plots(text: str, numbers: Numbers) -> list[PlotProblem]:
    """What is wrong with each plot block of a prose text, and too many blocks."""
    found = []
    for n, block in enumerate(plot_blocks(text)):
        if n >= MAX_PLOTS:
            found.append(PlotProblem(block.start, "```", f"plot: more than {MAX_PLOTS} plots in one text"))
            break
        problem = check_plot(block, numbers)
        if problem is not None:
            found.append(problem)
    return found


def _mark_text(spec: PlotSpec, numbers: Numbers) -> str | None:
    """The mark as written; for a step plot without one, the lesson's learning rate (``lr``) if it has one."""
    if spec.mark is None and spec.step is not None and RATE_SETTING in numbers.settings:
        return RATE
    return spec.mark


def _marks(spec: PlotSpec, numbers: Numbers) -> np.ndarray | LiveProblem:
    """The x of every marked point (none without a mark), within bounds."""
    mark = _mark_text(spec, numbers)
    if mark is None:
        return np.zeros(0)
    if spec.step is not None and mark.strip() == RATE and RATE not in numbers.names():
        if RATE_SETTING not in numbers.settings:
            return LiveProblem(
                0, f"'{RATE}' is the lesson's {RATE_SETTING}, and this lesson has none: add one, or mark a number"
            )
        return np.array([float(numbers.settings[RATE_SETTING])])
    value = evaluate(mark, numbers)
    if isinstance(value, LiveProblem):
        return value
    flat = np.asarray(value, dtype=float).reshape(-1)
    if flat.size > MAX_MARKS:
        return LiveProblem(0, f"{flat.size} points to mark: at most {MAX_MARKS}")
    return flat


def render_plot(block: PlotBlock, numbers: Numbers) -> str:
    """The plot drawn in text (Braille curves, ● marks, the y range on the left, the x range below, names
    on the right, the marked points under it); a plot that cannot be drawn says why instead."""
    ready = _prepared(block, numbers)
    if isinstance(ready, PlotProblem):
        return f"(plot not drawn: {ready.message})"
    spec, drawn, marks, ys = ready.spec, ready.drawn, ready.marks, ready.ys
    finite = np.concatenate([y[np.isfinite(y)] for y in ys])
    top, bottom = float(finite.max()), float(finite.min())
    if top - bottom < 1e-12:
        top, bottom = top + 1, bottom - 1
    dots = [[0] * spec.width for _ in range(spec.height)]
    rows = 4 * spec.height

    def dot_row(y: float) -> int:
        return min(rows - 1, max(0, round((top - y) / (top - bottom) * (rows - 1))))

    for y in ys:
        previous: int | None = None
        for i, v in enumerate(y):
            if not math.isfinite(v):
                previous = None
                continue
            r = dot_row(float(v))
            span = range(min(r, previous), max(r, previous) + 1) if previous is not None else (r,)
            for rr in span:  # a steep stretch is drawn as a line, not as scattered dots
                dots[rr // 4][i // 2] |= _DOTS[i % 2][rr % 4]
            previous = r
    cells = [[chr(0x2800 + d) for d in row] for row in dots]
    at_marks = [c.at(marks) for c in drawn]
    for k, x in enumerate(marks):
        if not spec.low <= x <= spec.high:
            continue
        col = min(spec.width - 1, int((x - spec.low) / (spec.high - spec.low) * spec.width))
        for values in at_marks:
            v = float(values[k])
            if math.isfinite(v):
                cells[dot_row(v) // 4][col] = "●"
    names: dict[int, list[str]] = {}
    for c, y in zip(drawn, ys, strict=True):
        last = next((float(v) for v in y[::-1] if math.isfinite(v)), None)
        if last is not None:
            names.setdefault(dot_row(last) // 4, []).append(c.name)
    caption = [c.caption(spec.width) for c in drawn if isinstance(c, AlongStep)]
    marked = _marked(_mark_text(spec, numbers), marks, [c.name for c in drawn], at_marks, spec.step is not None)
    return "\n".join(caption + _framed(spec, cells, names, (top, bottom)) + marked)


def _framed(spec: PlotSpec, cells: list[list[str]], names: dict[int, list[str]], ys: tuple[float, float]) -> list[str]:
    """The drawing with the y range on the left, each curve's name right of its end, the x range below."""
    labels = [show_number(ys[0], ".3g"), show_number(ys[1], ".3g")]
    pad = max(len(s) for s in labels)
    lines = []
    for r, row in enumerate(cells):
        label = labels[0] if r == 0 else labels[1] if r == len(cells) - 1 else ""
        tail = ("  " + ", ".join(names[r])) if r in names else ""
        lines.append(f"{label:>{pad}} ┤{''.join(row)}{tail}")
    lines.append(" " * pad + " └" + "─" * spec.width)
    low, high = show_number(spec.low, ".3g"), show_number(spec.high, ".3g")
    lines.append(" " * (pad + 2) + low + " " * max(1, spec.width - len(low) - len(high)) + high)
    return lines


def _marked(mark: str | None, marks: np.ndarray, names: list[str], at_marks: list[np.ndarray], step: bool) -> list[str]:
    """The line under the plot naming the marked points and each curve's value there (none without marks); a step
    plot's mark is a step size, ``η = lr = 0.5``."""
    if mark is None or not len(marks):
        return []
    one = len(marks) == 1
    at = show_number(marks[0] if one else marks, ".3g")
    values = "   ".join(
        f"{name} = {show_number(v[0] if one else v, '.3g')}" for name, v in zip(names, at_marks, strict=True)
    )
    label = one_line(mark)[:30]
    label = ("η" if label == at else f"η = {label}") if step else label
    return [f"● {label} = {at}:   {values}"]


def render_plots(text: str, numbers: Numbers) -> str:
    """A Markdown text with each plot block replaced by its drawing, in a plain code block."""
    out = []
    i = 0
    for n, block in enumerate(plot_blocks(text)):
        if n >= MAX_PLOTS:
            break
        out.append(text[i : block.start])
        drawing = render_plot(block, numbers)
        fence = "~~~~" if "```" in drawing else "````"
        out.append(f"{fence}text\n{drawing}\n{fence}")
        i = block.end
    out.append(text[i:])
    return "".join(out)
