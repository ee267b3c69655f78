"""Skills: what the learner knows, rule by rule, read from the first tries the progress store records.

:data:`SKILLS` is the one table. A skill names the steps that exercise it by the step's kind (the step-kind
registry's names: ``value``, ``local``, ``grad`` ...), the ops on the step's line from the op table (``sigmoid``,
``matmul``), and, for a few, a shape of the graph (a value that fans out, a bias added to every row); never by
lesson id, so a new lesson's steps count at once. It also names the grader's diagnosis ids that count against it,
wherever they happen ("transposed" is a slip of the matmul rule in any step).

A step's first try is a success for every skill the step exercises. A wrong first try is a miss for the skills
that claim its diagnosis (those the step exercises, if any does; else every skill that claims it), and for every
skill the step exercises when no skill claims the diagnosis (or there is none). A skill's rate is over its
:data:`RECENT` latest first tries. No Textual and no torch here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tutor.course import Lesson, Step
from tutor.engine import EvalError, op_of
from tutor.engine.program import Program
from tutor.engine.shapes import expr_shape
from tutor.lang import names_in
from tutor.lang.syntax import Expr
from tutor.progress import LessonProgress, ProgressStore, when

RECENT = 10  # first tries a skill's rate is taken over, the latest
#: the kinds whose steps differentiate (a local, a delta, a Jacobian, one line's backward)
DIFFERENTIATE = frozenset({"local", "grad", "jacobian", "backward"})
#: the shapes of the graph a skill may ask for, by name (see :func:`facts`)
SHAPES = ("fan-out", "row-broadcast")


@dataclass(frozen=True)
class Skill:
    """One rule the learner should know, the steps that exercise it, and the diagnoses that count against it."""

    id: str
    name: str  # as the home screen shows it
    kinds: frozenset[str]  # step kinds that exercise it
    ops: frozenset[str] = frozenset()  # ops of the op table on the step's line; empty: any step of those kinds
    shape: str = ""  # one of SHAPES, or "": no condition on the graph
    diagnoses: frozenset[str] = frozenset()  # the grader's diagnosis ids that count against it
    plain: bool = False  # counted only when no other skill of ops claims the step (+ and · sit on most lines)

    def exercised_by(self, kind: str, ops: frozenset[str], shapes: frozenset[str]) -> bool:
        """Whether a step of this kind, with these ops on its line and these shapes, exercises the skill."""
        if kind not in self.kinds:
            return False
        if self.ops and not self.ops & ops:
            return False
        return not self.shape or self.shape in shapes


def _skill(
    id: str,
    name: str,
    kinds: Iterable[str],
    ops: Iterable[str] = (),
    shape: str = "",
    diagnoses: Iterable[str] = (),
    plain: bool = False,
) -> Skill:
    """A table row."""
    return Skill(id, name, frozenset(kinds), frozenset(ops), shape, frozenset(diagnoses), plain)


SKILLS: tuple[Skill, ...] = (
    _skill("forward", "forward values", ["value"], diagnoses=["before-op", "forgotten", "wrong-input"]),
    _skill(
        "chain",
        "chain rule: delta = upstream × local",
        ["grad", "backward"],
        diagnoses=["upstream-forgotten", "local-forgotten", "backward-whole-delta", "backward-local-only"],
    ),
    _skill(
        "sums-products",
        "locals of +, −, ·, ÷ and sums",
        DIFFERENTIATE,
        ["add", "sub", "neg", "mul", "div", "sum", "prod", "identity", "squeeze"],
        diagnoses=["swapped-factor", "one-for-one", "delta-for-local"],
        plain=True,
    ),
    _skill(
        "power",
        "power rule",
        DIFFERENTIATE,
        ["pow", "sqrt"],
        diagnoses=["power", "forgotten-power", "slope-not-evaluated"],
    ),
    _skill("exp-log", "exp, log, sin and cos", DIFFERENTIATE, ["exp", "log", "sin", "cos", "softplus"]),
    _skill("sigmoid", "σ′ = σ(1 − σ)", DIFFERENTIATE, ["sigmoid"], diagnoses=["from-input", "sigmoid-twice"]),
    _skill("tanh", "tanh′ = 1 − tanh²", DIFFERENTIATE, ["tanh"], diagnoses=["from-input"]),
    _skill("relu", "ReLU′ and other kinks: 0 or 1", DIFFERENTIATE, ["relu", "abs", "maximum", "minimum", "where"]),
    _skill("fan-out", "fan-out: add the paths", ["grad"], shape="fan-out", diagnoses=["fan-out", "fan-out-product"]),
    _skill(
        "matmul",
        "matmul rule: which transpose",
        DIFFERENTIATE,
        ["matmul", "dot", "transpose", "diag"],
        diagnoses=["transposed"],
    ),
    _skill(
        "bias-sum", "a bias's delta sums the rows", ["grad", "backward"], shape="row-broadcast", diagnoses=["unsummed"]
    ),
    _skill(
        "batch-mean",
        "batch mean: 1/N, once",
        [*DIFFERENTIATE, "value"],
        ["mean", "bce", "mse", "cross_entropy"],
        diagnoses=["factor-n", "n-twice"],
    ),
    _skill("loss", "BCE and MSE derivatives", DIFFERENTIATE, ["bce", "mse"], diagnoses=["bce-branch", "mse-for-bce"]),
    _skill("softmax-ce", "softmax with cross-entropy", DIFFERENTIATE, ["softmax", "log_softmax", "cross_entropy"]),
    _skill(
        "update",
        "a gradient-descent step",
        ["update", "after_update"],
        diagnoses=[
            "update-ascent",
            "update-change-only",
            "update-gradient",
            "update-no-rate",
            "update-unchanged",
            "after-update-before",
            "after-update-estimate",
        ],
    ),
    _skill(
        "autograd",
        "PyTorch's .grad and grad_fn",
        ["autograd"],
        diagnoses=[
            "autograd-accumulates",
            "autograd-first-call",
            "autograd-last-call",
            "autograd-reset",
            "autograd-reset-ignored",
        ],
    ),
)
BY_ID = {s.id: s for s in SKILLS}
#: steps no skill counts, on purpose: a given step is shown worked, never asked
SKILL_LESS = "given steps (shown worked, not asked)"


# ---------------------------------------------------------------- which skills a step exercises


def path_ops(expr: Expr, wrt: str | None) -> set[str]:
    """The op-table names of the ops in ``expr`` (all of them, or those on the way down to the name ``wrt``)."""
    app = op_of(expr)
    if app is None:
        return set()
    below = [a for a in app.operands if wrt is None or wrt in names_in(a)]
    found = {app.op.name} if below else set()
    for operand in below:
        found |= path_ops(operand, wrt)
    return found


def _shapes(program: Program, leaf_shapes: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """Every name's shape, from the leaves' (no numbers computed)."""
    shapes = dict(leaf_shapes)
    for a in program.assignments:
        try:
            shapes[a.name] = expr_shape(a.expr, shapes)[0]
        except EvalError:
            shapes[a.name] = ()
    return shapes


def facts(lesson: Lesson, step: Step, shapes: dict[str, tuple[int, ...]]) -> tuple[frozenset[str], frozenset[str]]:
    """The ops a step works with and the shapes of the graph it meets: for a delta, the lines its node feeds, down
    to the node; for a line's value, local, Jacobian or backward, that line (down to the input, if it names one)."""
    program = lesson.program
    kind = step.kind.name
    if kind == "grad":
        users = program.consumers(step.node)
        found = {"fan-out"} if len(users) > 1 else set()
        mine = shapes.get(step.node, ())
        for u in users:
            theirs = shapes.get(u, ())
            if "add" in path_ops(program.assignment(u).expr, step.node) and _row_broadcast(mine, theirs):
                found.add("row-broadcast")
        return frozenset(_ops_up_to_known(lesson, step)), frozenset(found)
    if step.node in program.nodes and kind in ("value", "local", "jacobian", "backward"):
        wrt = step.wrt if kind != "value" else None
        return frozenset(path_ops(program.assignment(step.node).expr, wrt)), frozenset()
    return frozenset(), frozenset()


def _ops_up_to_known(lesson: Lesson, step: Step) -> set[str]:
    """The ops a delta's step goes through: from its node up each line it feeds, on to the lines above while their
    delta is not known yet (not asked or given before this step), stopping at the output."""
    program = lesson.program
    before = lesson.steps[: lesson.steps.index(step)]
    known = {s.node for s in before if s.kind.name == "grad"} | {program.output}
    ops: set[str] = set()
    todo, seen = [step.node], {step.node}
    while todo:
        name = todo.pop()
        for user in program.consumers(name):
            ops |= path_ops(program.assignment(user).expr, name)
            if user not in known and user not in seen:
                seen.add(user)
                todo.append(user)
    return ops


def _row_broadcast(mine: tuple[int, ...], theirs: tuple[int, ...]) -> bool:
    """Whether a value of shape ``mine`` is repeated over the rows of one of shape ``theirs`` (a bias, 1×K or K,
    added to an N×K batch)."""
    if len(theirs) != 2 or theirs[0] < 2:
        return False
    return mine in ((theirs[1],), (1, theirs[1]))


def skill_map(lesson: Lesson) -> dict[str, tuple[str, ...]]:
    """Each asked step's skills (ids, in table order); a given step maps to none (:data:`SKILL_LESS`)."""
    leaves = {k: tuple(v.shape) for k, v in lesson.leaf_values().items()}
    shapes = _shapes(lesson.program, leaves)
    out: dict[str, tuple[str, ...]] = {}
    for step in lesson.steps:
        if step.given:
            out[step.id] = ()
            continue
        ops, met = facts(lesson, step, shapes)
        out[step.id] = exercised(step.kind.name, ops, met)
    return out


def exercised(kind: str, ops: frozenset[str], shapes: frozenset[str]) -> tuple[str, ...]:
    """The skills (ids, in table order) a step of this kind exercises, with these ops on its line and these shapes;
    a plain skill only when no other skill of ops does."""
    found = [s for s in SKILLS if s.exercised_by(kind, ops, shapes)]
    if any(s.ops and not s.plain for s in found):
        found = [s for s in found if not s.plain]
    return tuple(s.id for s in found)


# ---------------------------------------------------------------- rates from the progress store


@dataclass(frozen=True)
class FirstTry:
    """The first graded answer at one step of one record: when, right or not, and the diagnosis if wrong."""

    at: datetime
    correct: bool
    diagnosis: str | None
    lesson_id: str
    step_id: str


@dataclass(frozen=True)
class SkillRate:
    """How reliably the learner gets a skill right: of the latest first tries (at most RECENT), how many were right."""

    skill: Skill
    right: int
    tried: int
    total: int  # first tries ever counted for it

    @property
    def rate(self) -> float | None:
        """The first-try rate, or None when the skill was never tried."""
        return self.right / self.tried if self.tried else None

    def said(self) -> str:
        """``7/10 right first time``, or that it has no attempts yet."""
        if not self.tried:
            return "no attempts yet"
        return f"{self.right}/{self.tried} right first time"

    def to_json(self) -> dict[str, object]:
        """The skill for ``skills --json``."""
        return {
            "id": self.skill.id,
            "name": self.skill.name,
            "right": self.right,
            "tried": self.tried,
            "rate": None if self.rate is None else round(self.rate, 4),
            "first_tries": self.total,
        }


def first_tries(record: LessonProgress) -> list[FirstTry]:
    """The first graded answer of each step of a record that has one (and a recorded time)."""
    found = []
    for step_id, step in record.steps.items():
        if not step.attempts:
            continue
        first = step.attempts[0]
        at = when(first.at)
        if at.year < 2:
            continue
        found.append(FirstTry(at, first.correct, first.diagnosis, record.lesson_id, step_id))
    return found


def charged(tried: FirstTry, exercised: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The skills a first try counts as right for, and those it counts as wrong for."""
    if tried.correct:
        return exercised, ()
    claim = tuple(s.id for s in SKILLS if tried.diagnosis is not None and tried.diagnosis in s.diagnoses)
    if not claim:
        return (), exercised
    mine = tuple(s for s in claim if s in exercised)
    return (), mine or claim


StepSkills = dict[str, tuple[str, ...]]
#: a record's steps and their skills (None when its lesson can no longer be loaded)
SkillFinder = Callable[[LessonProgress], "StepSkills | None"]


def skill_rates(store: ProgressStore, find: SkillFinder, recent: int = RECENT) -> list[SkillRate]:
    """Every skill's rate over its latest first tries, in table order; ``find`` gives a record's steps' skills (None
    when its lesson can no longer be loaded: its first tries are left out)."""
    events: dict[str, list[tuple[datetime, bool]]] = {s.id: [] for s in SKILLS}
    for record in store.records():
        tries = first_tries(record)
        mapping = find(record) if tries else None
        if mapping is None:
            continue
        for t in tries:
            right, wrong = charged(t, mapping.get(t.step_id, ()))
            for skill_id in right:
                events[skill_id].append((t.at, True))
            for skill_id in wrong:
                events[skill_id].append((t.at, False))
    out = []
    for s in SKILLS:
        latest = sorted(events[s.id], key=lambda e: e[0])[-recent:]
        out.append(SkillRate(s, sum(ok for _, ok in latest), len(latest), len(events[s.id])))
    return out


_MAPS: dict[tuple[str, int, int], StepSkills | None] = {}  # by file, modification time and size
_MAX_MAPS = 2000


def course_finder(lessons: dict[str, Path]) -> SkillFinder:
    """A finder that maps a record's steps from its lesson: the course's file with its id from the same place, else
    the file the record came from (a drill, a lesson opened by path) while it is there. A file is loaded once per
    version (kept by its modification time and size, so that coming back to the home screen costs no loading)."""
    from tutor.progress import lesson_source

    def find(record: LessonProgress) -> StepSkills | None:
        path = lessons.get(record.lesson_id)
        if path is None or lesson_source(path) != record.source:
            path = Path(record.source) if record.source else None
        try:
            stat = path.stat() if path is not None else None
        except (OSError, ValueError):  # gone, unreadable, or a name no file can have (a NUL in a damaged record)
            return None
        if path is None or stat is None:
            return None
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key not in _MAPS:
            if len(_MAPS) >= _MAX_MAPS:
                _MAPS.clear()
            _MAPS[key] = _map_file(path)
        return _MAPS[key]

    return find


def _map_file(path: Path) -> StepSkills | None:
    """The skills of a lesson file's steps, or None when it does not load."""
    from tutor.course import load_lesson
    from tutor.course.problems import LessonError

    try:
        return skill_map(load_lesson(path))
    except (LessonError, OSError):
        return None


def weakest(rates: list[SkillRate]) -> SkillRate | None:
    """The tried skill with the lowest rate (the most tries breaks a tie), or None when none was tried."""
    tried = [r for r in rates if r.tried]
    return min(tried, key=lambda r: (r.rate, -r.tried)) if tried else None


BAR = 10  # the bar's width in squares


def bar(rate: SkillRate, width: int = BAR) -> str:
    """``■■■■■■■□□□`` for 7 of 10 right; blank for a skill not tried yet."""
    if not rate.tried:
        return " " * width
    filled = (rate.right * width) // rate.tried
    return "■" * filled + "□" * (width - filled)


def headline(rates: list[SkillRate]) -> str:
    """What the listing is: the latest first tries of each skill, and how many skills were tried."""
    tried = sum(1 for r in rates if r.tried)
    return f"Skills: first tries, the latest {RECENT} of each ({tried} of {len(rates)} skills tried so far)."


def skill_line(rate: SkillRate, width: int) -> str:
    """One skill: its name padded to ``width``, its bar, and how many of its latest first tries were right."""
    return f"{rate.skill.name:<{width}}  {bar(rate)}  {rate.said()}"


def as_text(rates: list[SkillRate]) -> list[str]:
    """The listing: a headline, then one line per skill (at most 80 columns)."""
    width = max(len(r.skill.name) for r in rates)
    return [headline(rates), *(f"  {skill_line(r, width)}" for r in rates)]


def summary(rates: list[SkillRate]) -> str:
    """One line for the home screen: how many skills were tried and the one least sure."""
    low = weakest(rates)
    tried = sum(1 for r in rates if r.tried)
    if low is None:
        return "Skills: no first tries yet (each answer you give counts for the rules it needs)."
    return f"Skills: {tried} of {len(rates)} tried; least sure: {low.skill.name}, {low.right}/{low.tried}."
