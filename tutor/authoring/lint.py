"""The lesson linter: warnings, computed with the engine, about numbers that would let a learner's mistake pass.

Each check works on a loaded :class:`~tutor.course.Lesson` and returns :class:`~tutor.course.Problem` s with
severity ``"warning"``, located at the step (or the graph line, or the input) they are about:

* a step whose right answer coincides with one of the grader's candidate mistakes
  (:func:`tutor.grading.mistakes.candidates_of`: a sign slip, a transposed matrix, a forgotten local factor or
  upstream delta, one path of a fan-out, a forgotten term or factor of a forward value ...), naming each: the
  linter warns about exactly the mistakes the grader can name;
* inputs at a kink (relu or abs of 0, the op table's ``Op.kink``), all-zero or all-equal weights, an op
  saturated so far that its derivative is below 1e-6 (sigmoid, tanh ...: the table's ``Op.saturation``);
* a node or input that does not reach the output, a derivative that is identically zero;
* every derivative answer cross-checked by central differences (one random direction a step, two runs of the
  graph or of the node's line, so that ``validate`` stays cheap), unless the gradient is stopped on purpose
  there (detach: the op table's ``Op.differentiable``).

The linter's engine runs are budgeted (:data:`LINT_BUDGET` work units, see :mod:`tutor.engine.shapes`): each
step's cost is worked out from the shapes before it is checked, and when the budget is spent the remaining
steps are skipped with one warning that names them, so that validating any lesson that loads stays quick.

Every warning has a stable code (:mod:`tutor.course.lintcodes`, ``W103 symmetric-operand``). A lesson or a step may
allow codes it means (``lint: {allow: [W208]}``): :func:`lint_report` keeps those back and counts them, and reports an
allowed code that never fires there (W501).

"Coincides" means what the grader does: a candidate whose value the grader would accept as the answer (same
shape, the step's tolerance) cannot be told from it. A coincidence that holds whatever the values (the local
derivative of ``a + b`` is always 1) is not a weakness of the numbers and is not reported: every candidate is
computed again at jittered values, and only one that stops coinciding there is a warning.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from tutor.course.format import AllowItem
from tutor.course.lintcodes import BY_CODE, LintCode, code_of_candidate
from tutor.course.model import Lesson, Step
from tutor.course.problems import Problem
from tutor.course.solution import Solution
from tutor.engine import (
    Application,
    EvalError,
    Node,
    Program,
    Trace,
    backward,
    build,
    forward,
    leaf,
    line_graph,
    op_of,
    run,
)
from tutor.engine.autograd import Fact
from tutor.engine.ops import OPS
from tutor.engine.shapes import program_shapes
from tutor.grading.compare import all_close
from tutor.grading.mistakes import candidates_of
from tutor.lang.pretty import format_number, to_text
from tutor.lang.syntax import Expr, Name, Transpose, names_in, walk

#: work units (tutor.engine.shapes) the linter may spend on engine runs: about a second
LINT_BUDGET = 300_000_000
#: rebuilds and pulls of a line the grader's candidate mistakes of a step take, at most (paths, factors, slips)
CANDIDATE_PULLS = 8
SATURATION = 1e-6  # a local derivative (sigmoid, tanh ...) below this makes every delta through it vanish
KINK = 1e-12  # an argument this close to an op's kink (relu or abs of 0 ...) counts as sitting on it
FD_TOLERANCE = 1e-5  # relative agreement required between the engine and central differences
#: the grader's diagnoses that are slips of an op's derivative from the op table: they share one code (W109)
OP_SLIPS = frozenset(slip.diagnosis for op in OPS.values() for slip in op.slips)
#: ... and the slips of an op's forward value (the value before the power): they share W122
OP_MISVALUES = frozenset(m.diagnosis for op in OPS.values() for m in op.misvalues)


@dataclass
class LintReport:
    """A lesson's warnings as ``validate`` shows them, and the ones its ``lint: allow`` lists kept back."""

    warnings: list[Problem] = field(default_factory=list)
    allowed: list[Problem] = field(default_factory=list)


def lint(lesson: Lesson, here: Solution | None = None) -> list[Problem]:
    """Every warning about a lesson that it does not allow, in file order (its prose's warnings too); ``here``: the
    lesson already solved at its own values, when the caller has it."""
    return lint_report(lesson, here=here).warnings


def lint_report(
    lesson: Lesson, more: Iterable[Problem] = (), linted: list[Problem] | None = None, here: Solution | None = None
) -> LintReport:
    """The linter's warnings, the lesson's own (prose) and ``more`` (the course's), sorted by position, with the
    ones the lesson or a step allows kept back, and an allowed code that never fires reported (W501).

    ``linted``: the linter's own findings (:func:`linter_warnings`) when the caller has them already, so that
    ``validate`` lints a lesson once for its report and for its variants' baseline."""
    found = [*lesson.warnings, *more, *(linter_warnings(lesson, here) if linted is None else linted)]
    return allow_warnings(lesson, found)


def linter_warnings(lesson: Lesson, here: Solution | None = None) -> list[Problem]:
    """The linter's own findings about a lesson, sorted by position, before any ``lint: allow``; ``here``: the lesson
    solved at its own values, when the caller has it (one engine run shared with the mistakes' check)."""
    return _Linter(lesson, here).run()


#: where warnings may be allowed: the lesson (None) and each step with its own list, with the codes listed there
AllowScopes = list[tuple[str | None, tuple[AllowItem, ...]]]


def allow_scopes(lesson: Lesson) -> AllowScopes:
    """The lesson's ``lint: allow`` list and each step's own, in file order."""
    return [(None, lesson.lint_allow)] + [(s.id, s.lint_allow) for s in lesson.steps if s.lint_allow]


def allow_warnings(lesson: Lesson, found: list[Problem], report_unused: bool = True) -> LintReport:
    """Split warnings into those shown and those the lesson (any warning) or their step allows; with
    ``report_unused``, an allowed code that matched nothing is a warning itself (W501), at the code."""
    file = str(lesson.path) if lesson.path else "<lesson>"
    return allow_in_scopes(allow_scopes(lesson), file, found, report_unused)


def allow_in_scopes(scopes: AllowScopes, file: str, found: list[Problem], report_unused: bool = True) -> LintReport:
    """:func:`allow_warnings` from the allow-lists alone (``validate`` keeps them in its cache with a file's
    findings, and allows the course's warnings, found afresh, the same way)."""
    used: set[tuple[str | None, str]] = set()
    report = LintReport()
    for p in found:
        scope = next(
            (
                (step, p.code)
                for step, codes in reversed(scopes)  # a step's own allow-list first
                if p.severity == "warning" and (step is None or step == p.step) and any(a.code == p.code for a in codes)
            ),
            None,
        )
        if scope is None:
            report.warnings.append(p)
        else:
            used.add(scope)
            report.allowed.append(p)
    if report_unused:
        for step, codes in scopes:
            for a in codes:
                if (step, a.code) not in used:
                    where = f"step {step}" if step else "this lesson"
                    message = (
                        f"lint: allow lists {BY_CODE[a.code].label}, but {where} has no such warning: remove it from "
                        "the list (it would hide a new one)"
                    )
                    report.warnings.append(Problem(file, a.line, a.col, message, "warning", step, "W501"))
    report.warnings.sort(key=lambda p: (p.line, p.col))
    return report


def _in_scenarios(lesson: Lesson) -> set[str]:
    """The names the autograd steps' questions use, and every name those are computed from."""
    from tutor.course.steps import AUTOGRAD
    from tutor.lang.questions import parse_question

    used: set[str] = set()
    for step in lesson.steps:
        if step.kind is AUTOGRAD:
            used.update(parse_question(step.target).names)
    for a in reversed(lesson.program.assignments):
        if a.name in used:
            used.update(a.inputs)
    return used


class _Linter:
    """One lesson's trace, a second trace at jittered values, and the warnings found so far."""

    def __init__(self, lesson: Lesson, here: Solution | None = None) -> None:
        """The lesson's run (``here``, or a new one) and what the checks share."""
        self.lesson = lesson
        self.program = lesson.program
        self.file = str(lesson.path) if lesson.path else "<lesson>"
        self.here = (
            here
            if here is not None and here.lesson is lesson
            else Solution(lesson, run(self.program, lesson.leaf_values()))
        )
        self.trace = self.here.trace
        self.jitter_values = _jittered(lesson.leaf_values())
        self._jitter_trace: Trace | None = None
        self._there: Solution | None = None
        #: each graph line: whether every op of it passes back the derivative of its value (worked out once)
        self.smooth = {a.name: _differentiable(Program((), (), (a,))) for a in self.program.assignments}
        self.reaching = self.program.reaching_output()
        self.used = self.reaching | _in_scenarios(lesson)  # an autograd step's backward() roots are used too
        self.found: list[Problem] = []
        self.cost = program_shapes(self.program, {n: v.shape for n, v in lesson.leaf_values().items()})
        self.budget = LINT_BUDGET - 2 * self.cost.work  # the run above and the one at jittered values
        self.tail_work: dict[str, int] = {}  # a node -> the work of the lines after it (its delta's program)
        after = 0
        for a in reversed(self.program.assignments):
            self.tail_work[a.name] = after
            after += self.cost.line_work[a.name]

    @property
    def jitter_trace(self) -> Trace | None:
        """A run at jittered leaf values (None when the graph cannot be computed there)."""
        if self._jitter_trace is None:
            try:
                with np.errstate(all="ignore"):
                    self._jitter_trace = run(self.program, self.jitter_values)
            except EvalError:
                return None
        return self._jitter_trace

    def warn(self, where: tuple[int, int], code: str, message: str, step: str | None = None) -> None:
        """Record a warning with its code (``W103``) at (line, col)."""
        assert code in BY_CODE, code
        self.found.append(Problem(self.file, where[0], where[1], message, "warning", step, code))

    def at(self, key: str) -> tuple[int, int]:
        """The location of ``id``, ``input:x``, ``constant:t`` or ``node:y`` (1:1 when unknown)."""
        return self.lesson.locations.get(key, (1, 1))

    def step_at(self, step: Step) -> tuple[int, int]:
        """Where a step stands; a default-walk step stands at its node's graph line."""
        if step.line:
            return step.line, step.col or 1
        return self.at(f"node:{step.node}") if step.node in self.program.nodes else self.at(f"input:{step.node}")

    def run(self) -> list[Problem]:
        """All checks; warnings sorted by position."""
        self.check_leaves()
        self.check_nodes()
        self.check_operands()
        steps = self.lesson.steps
        for i, step in enumerate(steps):
            cost = self.step_cost(step)
            if cost > self.budget:
                self.skip(steps[i:])
                break
            self.budget -= cost
            try:
                with np.errstate(all="ignore"):
                    self.check_step(step)
            except (EvalError, ValueError, FloatingPointError) as e:  # the loader has already vetted the steps
                self.warn(self.step_at(step), "W211", f"the linter could not check this step: {e}", step.id)
        return sorted(self.found, key=lambda p: (p.line, p.col))

    def step_cost(self, step: Step) -> int:
        """A bound on the work units :meth:`check_step` spends on a step: its answer and the grader's candidate
        mistakes here and at jittered values, and the two runs of central differences."""
        program, kind = self.program, step.kind
        run_work = self.cost.work
        lines = sum(self.cost.line_work[c] for c in program.consumers(step.node))
        lines += self.cost.line_work.get(step.node, 0)
        candidates = 2 * CANDIDATE_PULLS * lines
        if kind.derivative == "output":
            return 2 * self.tail_work.get(step.node, run_work) + candidates
        line = self.cost.line_work.get(step.node, run_work)
        answer = line if kind.derivative == "line" else 0
        if kind.work is not None:
            answer = kind.work(program, self.trace.values, step.node, step.wrt or "")
        return 2 * answer + 4 * line + candidates

    def skip(self, steps: tuple[Step, ...]) -> None:
        """One warning, at the first step left out, naming the steps the budget did not cover."""
        names = ", ".join(s.id for s in steps[:8]) + (f" and {len(steps) - 8} more" if len(steps) > 8 else "")
        self.warn(
            self.step_at(steps[0]),
            "W210",
            f"the linter stopped here: its budget of {LINT_BUDGET} work units is spent (one run of this graph takes "
            f"{self.cost.work}), so {len(steps)} step{'s were' if len(steps) > 1 else ' was'} not checked for "
            f"coincidences or by central differences: {names}; a smaller graph or fewer steps gets them all checked",
            steps[0].id,
        )

    # ------------------------------------------------------------ leaves and graph lines

    def check_leaves(self) -> None:
        """All-zero or all-equal weights; inputs that do not reach the output."""
        weights = _factor_names(self.program)
        for name in self.program.inputs:
            v = self.trace.values[name]
            if name not in self.used:
                self.warn(
                    self.at(f"input:{name}"),
                    "W205",
                    f"input {name} does not reach the output {self.program.output}: its gradient is 0 whatever "
                    "the values; use it in the graph or remove it",
                )
                continue
            if name not in weights or v.size < 2:
                continue
            if np.all(v == 0):
                self.warn(
                    self.at(f"input:{name}"),
                    "W204",
                    f"{name} is all zeros: every product with it is 0, so the deltas that flow through it vanish "
                    "and a learner's wrong factors go unnoticed; use small distinct values",
                )
            elif np.all(v == v.reshape(-1)[0]):
                self.warn(
                    self.at(f"input:{name}"),
                    "W203",
                    f"every entry of {name} is {format_number(float(v.reshape(-1)[0]))}: equal weights make rows and "
                    "columns interchangeable, so a learner who mixes them up (or transposes) is marked right; "
                    "use distinct values",
                )

    def check_nodes(self) -> None:
        """Nodes unused by the output; ops at their kink; saturated ops."""
        env = {n: leaf(v, n) for n, v in self.trace.values.items()}
        for a in self.program.assignments:
            where = self.at(f"node:{a.name}")
            if a.name not in self.used:
                self.warn(
                    where,
                    "W206",
                    f"{a.name} does not reach the output {self.program.output}: its delta is 0 and nothing "
                    "depends on it; remove the line or use it",
                )
            for app in _applications(a.expr):
                if app.op.kink is None and app.op.saturation is None:
                    continue
                try:
                    with np.errstate(all="ignore"):
                        args = [build(x, env).value for x in app.operands]
                except EvalError:
                    continue
                kink = self.kink(app, args)
                if kink:
                    self.warn(where, "W201", kink)
                    continue
                saturated = self.saturation(app, args)
                if saturated:
                    self.warn(where, "W202", saturated)

    def check_operands(self) -> None:
        """A square matrix operand of a matmul that lets a forgotten ᵀ pass: symmetric (W103), or square with the
        forgotten ᵀ giving the right delta at these values only (W104). Only where a delta flows through the other
        operand (it depends on an input) and the product reaches the output."""
        with_grad = _depends_on_inputs(self.program)
        for a in self.program.assignments:
            if a.name not in self.reaching:
                continue
            for node, expr, upstream in _products(self.program, self.trace, a.name):
                for side in (0, 1):
                    operand, other = node.parents[side].value, node.parents[1 - side].value
                    m = operand.shape
                    if len(m) != 2 or m[0] != m[1] or m[0] < 2 or other.ndim != 2:
                        continue
                    app = op_of(expr)
                    assert app is not None
                    if not set(names_in(app.operands[1 - side])) & with_grad:
                        continue
                    self.check_operand(a.name, expr, side, operand, upstream)

    def check_operand(self, line: str, expr: Expr, side: int, operand: np.ndarray, upstream: np.ndarray) -> None:
        """W103 or W104 for one square operand of one matmul (``side`` 0: A of A @ B, 1: B)."""
        app = op_of(expr)
        assert app is not None
        assignment = self.program.assignment(line)
        m_text, o_text = to_text(app.operands[side]), to_text(app.operands[1 - side])
        leaf_name = _leaf_name(app.operands[side], self.program)
        if leaf_name is None:
            where = self.at(f"node:{line}")
        else:
            where = self.at(f"input:{leaf_name}" if leaf_name in self.program.inputs else f"constant:{leaf_name}")
        d_out = f"d{line}" if expr is assignment.expr else f"the delta of {to_text(expr)}"
        if side == 0:
            right, wrong = f"{m_text}ᵀ @ {d_out}", f"{m_text} @ {d_out}"
        else:
            right, wrong = f"{d_out} @ {m_text}ᵀ", f"{d_out} @ {m_text}"
        tolerance = self.lesson.tolerance
        if leaf_name in self.program.inputs and np.all(operand == operand.reshape(-1)[0]):
            return  # every entry equal: W203 says so
        if all_close(operand.T, operand, tolerance):
            self.warn(
                where,
                "W103",
                f"{m_text} is symmetric at these values ({m_text} = {m_text}ᵀ): in {assignment.text}, a learner who "
                f"forgets the ᵀ in the delta of {o_text}, writing {wrong} for {right}, is marked right; use values of "
                f"{m_text} that are not symmetric",
            )
            return
        got, want = _transpose_slip(side, operand, upstream)
        if got.shape != want.shape or not all_close(got, want, tolerance) or np.all(np.abs(want) <= tolerance.abs):
            return
        if self._still_coincides(line, expr, side):
            return  # a fact of the graph, not of these numbers
        n = operand.shape[0]
        self.warn(
            where,
            "W104",
            f"{m_text} is square ({n}×{n}), and at these values {wrong} gives the same as {right}, the delta of "
            f"{o_text}: a learner who forgets the ᵀ is marked right; change the values of {m_text} or of {d_out}",
        )

    def _still_coincides(self, line: str, expr: Expr, side: int) -> bool:
        """Whether the forgotten ᵀ of a matmul operand still gives the right delta at jittered values."""
        tr = self.jitter_trace
        if tr is None:
            return False
        for node, e, upstream in _products(self.program, tr, line):
            if e is expr:
                got, want = _transpose_slip(side, node.parents[side].value, upstream)
                return bool(got.shape == want.shape and _identical(got, want))
        return False

    @staticmethod
    def kink(app: Application, args: list[np.ndarray]) -> str | None:
        """The warning for an op sitting on its kink (the op table's ``Op.kink``), or None."""
        kink = app.op.kink
        if kink is None:
            return None
        with np.errstate(all="ignore"):
            at_kink = np.broadcast_to(np.abs(kink.at(*args)) < KINK, np.broadcast_shapes(*(a.shape for a in args)))
        if not np.any(at_kink):
            return None
        entry = _entry_text(at_kink)(np.argmax(at_kink))
        return f"{_call(app)} is at its {kink.word}: {kink.what}{entry}, {kink.convention}; {kink.fix}"

    @staticmethod
    def saturation(app: Application, args: list[np.ndarray]) -> str | None:
        """The warning for an op whose local derivative is below SATURATION (the table's ``Op.saturation``)."""
        saturation = app.op.saturation
        if saturation is None:
            return None
        arg = args[0]
        with np.errstate(all="ignore"):
            d = saturation.size(arg, axis=app.axis) if app.op.takes_axis else saturation.size(arg)
        low = d < SATURATION
        if not np.any(low):
            return None
        i = int(np.argmax(low))
        return (
            f"{_call(app)} saturates: its argument is {format_number(float(arg.reshape(-1)[i]))}"
            f"{_entry_text(arg)(i)}, its derivative {float(d.reshape(-1)[i]):.1e} is below {SATURATION:g}, so every "
            f"delta through it is about 0 and 0 is accepted; {saturation.advice}"
        )

    # ------------------------------------------------------------ steps

    def check_step(self, step: Step) -> None:
        """A step that cannot tell the learner's work from a mistake, and the central-difference cross-check."""
        answer = self.here.answer(step)
        if isinstance(answer, Fact):
            return  # a word PyTorch prints (autograd): nothing to coincide with, nothing to differentiate
        where = self.step_at(step)
        if step.kind.derivative == "output" and step.node not in self.reaching:
            self.warn(
                where,
                "W207",
                f"{step.node} does not reach the output {self.program.output}: its {step.kind.noun} is 0 whatever "
                "the learner does; ask for a node on a path to the output",
                step.id,
            )
            return
        if step.kind.derivative == "output" and step.node == self.program.output:
            return  # ∂L/∂L = 1 by definition: nothing to coincide with
        zero = bool(np.all(np.abs(answer) <= 1e-12))
        if zero and step.kind.derivative:
            again = self.again(step)
            if again is not None and np.all(np.abs(again) <= 1e-12):
                self.warn(
                    where,
                    "W208",
                    f"the {step.kind.noun} is 0 here and at nearby values too (a saturated or dead unit, or paths "
                    "that cancel?): whatever the learner does, 0 is right; ask for something else",
                    step.id,
                )
                return
        if not step.given:  # a given step is shown, not asked: no mistake can pass on it
            for code, slips in self.coincidences(step, answer).items():
                self.warn(where, code.code, _coincidence(slips, zero), step.id)
        if step.kind.derivative:
            self.cross_check(step, answer, where)

    @property
    def there(self) -> Solution | None:
        """The lesson solved at jittered values (None when the graph cannot be computed there): one Solution, so
        that its answers and the grader's shared work are computed once for every step."""
        tr = self.jitter_trace
        if tr is None:
            return None
        if self._there is None or self._there.trace is not tr:
            self._there = Solution(self.lesson, tr)
        return self._there

    def again(self, step: Step) -> np.ndarray | None:
        """The step's answer at the jittered values (None when it cannot be computed there)."""
        there = self.there
        if there is None:
            return None
        try:
            with np.errstate(all="ignore"):
                return there.answer(step)
        except EvalError:
            return None

    def coincidences(self, step: Step, answer: np.ndarray) -> dict[LintCode, list[str]]:
        """The mistakes the grader would accept as right here (the grader's own candidates, with the step's
        tolerance) that are not the answer at jittered values too: a coincidence of the numbers, not a fact of the
        graph (the local derivative of a sum is 1 whatever the values). Each slip named, by its warning's code."""
        tolerance = self.lesson.tolerance_for(step)
        values = candidates_of(self.here, step, texts=False)  # values only: the few that coincide are named below
        found = [i for i, c in enumerate(values) if _accepted(c.value, answer, tolerance)]
        if not found:
            return {}
        there, again = self.there, self.again(step)
        if there is not None and again is not None:
            try:
                elsewhere = {c.key: c.value for c in candidates_of(there, step, texts=False)}
            except (EvalError, ValueError):
                elsewhere = {}
            found = [
                i for i in found if not (values[i].key in elsewhere and _identical(elsewhere[values[i].key], again))
            ]
        if not found:
            return {}
        named = candidates_of(self.here, step)  # the same candidates in the same order, with their slips named
        by_code: dict[LintCode, list[str]] = {}
        for c in (named[i] for i in found):
            slips = by_code.setdefault(code_of_candidate(c.id, OP_SLIPS, OP_MISVALUES), [])
            if c.slip not in slips:
                slips.append(c.slip)
        return by_code

    # ------------------------------------------------------------ central differences

    def differentiable(self, part: Program) -> bool:
        """:func:`_differentiable` for a part of the lesson's graph (its lines' answers worked out once)."""
        return all(self.smooth[a.name] for a in part.assignments)

    def cross_check(self, step: Step, answer: np.ndarray, where: tuple[int, int]) -> None:
        """The engine's answer against central differences along one random direction."""
        rng = np.random.default_rng(zlib.crc32(step.id.encode()))
        values = self.trace.values
        engine: float | np.ndarray  # a number, or a Jacobian's column of directional derivatives
        if step.kind.derivative == "output":
            if step.node == self.program.output:
                return
            sub, wrt = _tail_program(self.program, step.node), step.node
            if not self.differentiable(sub):
                return
            direction = rng.standard_normal(np.shape(values[wrt]))
            numeric = _directional(sub, values, wrt, direction, lambda env: env[sub.output].value)
            engine = float(np.sum(answer * direction))
        else:
            assert step.wrt is not None
            a = self.program.assignment(step.node)
            line = Program((step.wrt,), tuple(x for x in a.inputs if x != step.wrt), (a,))
            if not self.differentiable(line):
                return
            wrt = step.wrt
            direction = rng.standard_normal(np.shape(values[wrt]))
            if step.kind.derivative == "line":
                numeric = _directional(line, values, wrt, direction, lambda env: np.sum(env[a.name].value))
                engine = float(np.sum(answer * direction))
            else:
                numeric = _directional(line, values, wrt, direction, lambda env: env[a.name].value.reshape(-1))
                engine = answer @ direction.reshape(-1)
        scale = 1.0 + float(np.max(np.abs(answer))) * float(np.sum(np.abs(direction)))
        if numeric is None or not np.all(np.abs(np.asarray(numeric) - engine) <= FD_TOLERANCE * scale):
            got = "could not be computed" if numeric is None else f"gives {_short(numeric)}"
            self.warn(
                where,
                "W209",
                f"central differences disagree with the engine's answer (along a random direction the engine "
                f"gives {_short(engine)}, the numerical derivative {got}): a kink or a discontinuity near these "
                "values? move them",
                step.id,
            )


# ---------------------------------------------------------------- helpers


def _accepted(value: np.ndarray, answer: np.ndarray, tolerance: float) -> bool:
    """Whether the grader would take ``value`` for the answer, as it compares a candidate mistake with it."""
    return value.shape == answer.shape and all_close(value, answer, tolerance)


def _identical(value: np.ndarray, answer: np.ndarray) -> bool:
    """Whether a candidate equals the answer up to rounding: a fact of the graph, not of the numbers."""
    return value.shape == answer.shape and bool(np.allclose(value, answer, rtol=1e-6, atol=1e-9))


def _coincidence(slips: list[str], zero: bool) -> str:
    """The warning for mistakes the grader would mark right at the lesson's values."""
    one = len(slips) == 1
    return (
        ("the answer is 0 here, so " if zero else "")
        + f"a learner who {', or who '.join(slips)} is marked right: at these values "
        + ("that mistake gives" if one else "these mistakes give")
        + " the right answer (not at nearby values); change the values"
    )


def _jittered(values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The leaves moved by a few percent (deterministically), to tell structural facts from coincidences."""
    rng = np.random.default_rng(20240601)
    out = {}
    for k, v in values.items():
        v = np.asarray(v, dtype=float)
        out[k] = v * (1 + 0.07 * rng.uniform(0.5, 1.0, v.shape)) + 0.031 * rng.uniform(0.5, 1.0, v.shape)
    return out


def _factor_names(program: Program) -> set[str]:
    """Names used directly (or transposed) as an operand of a product, ``*``, ``@``, ``dot`` (weights, in a
    lesson's terms)."""
    out: set[str] = set()
    for a in program.assignments:
        for app in _applications(a.expr):
            if app.op.product:
                for side in app.operands:
                    inner = side.operand if isinstance(side, Transpose) else side
                    if isinstance(inner, Name):
                        out.add(inner.id)
    return out


def _depends_on_inputs(program: Program) -> set[str]:
    """The inputs and the nodes computed from one: the names a delta flows back from."""
    found = set(program.inputs)
    for a in program.assignments:
        if found & set(a.inputs):
            found.add(a.name)
    return found


def _products(program: Program, trace: Trace, name: str) -> list[tuple[Node, Expr, np.ndarray]]:
    """Every matrix product in a graph line (a product op that is not elementwise): its node (rebuilt alone at the
    trace's values), its syntax and the delta that reaches it from the output."""
    if not any(app.op.product and not app.op.elementwise for app in _applications(program.assignment(name).expr)):
        return []  # no matrix product in the line: nothing to rebuild and pull back
    try:
        with np.errstate(all="ignore"):
            line = line_graph(program, trace.values, name)
            grads = backward(line.root, trace.grads[name])
    except EvalError:
        return []
    return [
        (node, expr, grads[id(node)])
        for node, expr in line.applications
        if node.op is not None and node.op.product and not node.op.elementwise and id(node) in grads
    ]


def _transpose_slip(side: int, operand: np.ndarray, upstream: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The other operand's delta with the square operand's ᵀ forgotten, and the right one (as 2-D arrays)."""
    g = upstream if upstream.ndim == 2 else upstream.reshape(-1, 1) if side == 0 else upstream.reshape(1, -1)
    with np.errstate(all="ignore"):
        if side == 0:
            return operand @ g, operand.T @ g
        return g @ operand, g @ operand.T


def _leaf_name(e: Expr, program: Program) -> str | None:
    """The input or constant an operand is (``X`` or ``X.T``), or None for a computed one."""
    inner = e.operand if isinstance(e, Transpose) else e
    if isinstance(inner, Name) and inner.id in (*program.inputs, *program.constants):
        return inner.id
    return None


def _differentiable(program: Program) -> bool:
    """Whether every op of the program passes back the derivative of its value (not detach, whose gradient is
    stopped by design, so central differences cannot check what flows through it)."""
    return all(app.op.differentiable for a in program.assignments for app in _applications(a.expr))


def _applications(expr: Expr) -> list[Application]:
    """Every op applied inside an expression, outermost first."""
    return [app for app in map(op_of, walk(expr)) if app is not None]


def _call(app: Application) -> str:
    """An op with its operands as the linter names it: ``sigmoid(w·2)``, ``maximum(a, b)``."""
    operands = [to_text(x) for x in app.operands]
    return f"{app.op.name}({', '.join([*operands, *([] if app.axis is None else [str(app.axis)])])})"


def _entry_text(arr: np.ndarray):  # noqa: ANN202 - a small formatter
    def text(flat_index: int | np.integer) -> str:
        if arr.size == 1:
            return ""
        idx = np.unravel_index(int(flat_index), arr.shape)
        return f" at entry [{', '.join(str(int(i)) for i in idx)}]"

    return text


def _tail_program(program: Program, name: str) -> Program:
    """The part of the program after ``name``, with ``name`` as its only input (for a node's delta)."""
    if name in program.inputs:
        return Program(
            (name,), tuple(n for n in (*program.inputs, *program.constants) if n != name), program.assignments
        )
    k = program.nodes.index(name)
    before = (*program.inputs, *program.constants, *program.nodes[:k])
    return Program((name,), before, program.assignments[k + 1 :])


def _directional(
    program: Program,
    values: Mapping[str, np.ndarray],
    wrt: str,
    direction: np.ndarray,
    read: Callable[[dict[str, Node]], np.ndarray],
) -> np.ndarray | float | None:
    """(f(x + εv) − f(x − εv)) / 2ε for ``read`` of the forward run; None when a run fails."""
    x = np.asarray(values[wrt], dtype=float)
    eps = 1e-6 * max(1.0, float(np.max(np.abs(x))))
    base = {n: values[n] for n in (*program.inputs, *program.constants)}
    try:
        with np.errstate(all="ignore"):
            hi = np.asarray(read(forward(program, {**base, wrt: x + eps * direction})), dtype=float)
            lo = np.asarray(read(forward(program, {**base, wrt: x - eps * direction})), dtype=float)
    except EvalError:
        return None
    if not (np.all(np.isfinite(hi)) and np.all(np.isfinite(lo))):
        return None
    d = (hi - lo) / (2 * eps)
    return float(d) if d.ndim == 0 else d


def _short(x: object) -> str:
    a = np.asarray(x, dtype=float).reshape(-1)
    text = ", ".join(f"{v:.6g}" for v in a[:4])
    return text if a.size == 1 else f"[{text}{', …' if a.size > 4 else ''}]"
