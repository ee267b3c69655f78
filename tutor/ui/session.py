"""One learner working through one lesson: where they are, what they earned, every answer graded and saved.

The screens call this and show what it says; it imports no textual, so the flow is testable on its own.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field

import numpy as np

from tutor.course import Lesson, Prompt, Solution, Step, prompt, solve
from tutor.course.steps import JACOBIAN, LOCAL, VALUE
from tutor.grading import AnswerContext, Verdict, grade, show_array
from tutor.lang import to_text
from tutor.lang.syntax import Binary, Unary, names_in
from tutor.progress import SHOWN, SOLVED, Attempt, LessonProgress, ProgressStore, StepProgress, lesson_source, now

INTRO = "intro"
SUMMARY = "summary"
GIVEN = "given"  # a step shown worked: read, then Enter; neither solved nor open
#: how the place the learner is at stands: the intro, a step still open, solved, shown or given, the summary
STAGES = (INTRO, "open", SOLVED, SHOWN, GIVEN, SUMMARY)


@dataclass(frozen=True, eq=False)
class Local:
    """A local derivative (or a Jacobian) the learner has earned: ``∂y/∂u`` and its value."""

    label: str  # "∂y/∂u", or "J ∂a/∂z" for a Jacobian
    value: np.ndarray
    jacobian: bool = False


@dataclass(frozen=True, eq=False)
class GraphRow:
    """One leaf or node of the lesson's graph, with what the learner has earned of it so far."""

    name: str
    inputs: tuple[str, ...]  # the names it is computed from (none for a leaf)
    computes: str  # its formula in maths; "input" or "constant" for a leaf
    value: np.ndarray | None  # its forward value, None while not earned
    grad: np.ndarray | None  # its delta, None while not earned (and always for a constant)
    value_asked: bool = False  # the current step asks for its value (not earned yet)
    grad_asked: bool = False  # the current step asks for its delta (not earned yet)
    current: bool = False  # the current step is about it (its node, or the input of a local derivative)
    needed: bool = False  # the current step needs what it shows (an operand, a consumer and its delta)
    locals: tuple[Local, ...] = ()  # its local derivatives (and Jacobians) the learner has earned

    @property
    def leaf(self) -> bool:
        """An input or a constant."""
        return self.computes in ("input", "constant")


@dataclass(frozen=True, eq=False)
class GraphView:
    """The graph panel's content: every row, the output's name (for the delta column), the current node."""

    output: str
    rows: tuple[GraphRow, ...]
    current: str | None  # the node of the current step (None on the intro and the summary)
    has_locals: bool = False  # the lesson asks for local derivatives or Jacobians (the panel has their column)

    @property
    def needed(self) -> tuple[GraphRow, ...]:
        """The rows the current step needs, in graph order."""
        return tuple(r for r in self.rows if r.needed)


@dataclass(frozen=True)
class Summary:
    """How a finished (or abandoned) lesson went, as lists of step ids."""

    first_try: list[str]
    after_attempts: list[str]
    shown: list[str]
    open: list[str]
    given: list[str] = field(default_factory=list)  # shown worked: neither solved nor open


class LessonSession:
    """The state of one lesson for one learner, backed by the progress store."""

    def __init__(self, lesson: Lesson, store: ProgressStore, solution: Solution | None = None) -> None:
        self.lesson = lesson
        self.store = store
        self.solution = solution if solution is not None else solve(lesson)
        self.record: LessonProgress = store.lesson(lesson.id, lesson.content_hash, lesson_source(lesson.path))
        self.position = self._resume_position()
        self._value_steps = {s.node for s in lesson.steps if s.kind.marks == "value"}
        self._grad_steps = {s.node for s in lesson.steps if s.kind.marks == "grad"}

    # --- where the learner is -------------------------------------------------------------

    @property
    def steps(self) -> tuple[Step, ...]:
        """The lesson's steps."""
        return self.lesson.steps

    @property
    def step(self) -> Step | None:
        """The current step, or None on the intro or the summary."""
        return self.steps[self.position] if 0 <= self.position < len(self.steps) else None

    @property
    def on_intro(self) -> bool:
        """Whether the intro is showing."""
        return self.position < 0

    @property
    def on_summary(self) -> bool:
        """Whether the end-of-lesson summary is showing."""
        return self.position >= len(self.steps)

    @property
    def place(self) -> str:
        """Where the learner is, by name: the current step's id, or ``intro``/``summary``."""
        step = self.step
        return step.id if step is not None else INTRO if self.on_intro else SUMMARY

    @property
    def stage(self) -> str:
        """How the place stands (one of :data:`STAGES`): ``intro``, ``open``, ``solved``, ``shown``, ``summary``."""
        step = self.step
        if step is None:
            return self.place
        if step.given:
            return GIVEN
        return self.progress(step).status or "open"

    def reloaded(self, lesson: Lesson, solution: Solution | None = None) -> LessonSession:
        """A session on a new version of the lesson, at the same place: the same step if it still exists, else
        the same position (the intro and the summary stay where they are)."""
        session = LessonSession(lesson, self.store, solution)
        if lesson.id == self.lesson.id and lesson.content_hash != self.lesson.content_hash:
            session.keep_answers_from(self)
        place = self.place
        if place == INTRO:
            session.go(-1)
        elif place == SUMMARY:
            session.go(len(lesson.steps))
        elif not session.go_to_step(place):
            session.go(min(max(self.position, 0), len(lesson.steps)))
        return session

    def _resume_position(self) -> int:
        """Where to open: the saved place, else the intro for a fresh lesson, else the first open step."""
        current = self.record.current
        if current == INTRO:
            return -1
        if current == SUMMARY:
            return len(self.steps)
        ids = [s.id for s in self.steps]
        if current in ids:
            return ids.index(current)
        if not self.record.started:
            return -1
        return self.first_open()

    def first_open(self) -> int:
        """The index of the first step neither solved, shown nor given (the summary's index if none)."""
        for i, s in enumerate(self.steps):
            if not s.given and not self.progress(s).done:
                return i
        return len(self.steps)

    def go(self, position: int) -> None:
        """Move to a step (-1 is the intro, len(steps) the summary) and remember it."""
        self.position = max(-1, min(position, len(self.steps)))
        self.record.current = INTRO if self.on_intro else SUMMARY if self.on_summary else self.steps[self.position].id

    def go_to_step(self, step_id: str) -> bool:
        """Move to the step with this id; False if the lesson has no such step."""
        for i, s in enumerate(self.steps):
            if s.id == step_id:
                self.go(i)
                return True
        return False

    def advance(self) -> None:
        """To the next open (or given, to be read on the way) step after this one, else the first open step, else
        the summary."""
        start = self.position + 1
        for i in range(start, len(self.steps)):
            if self.steps[i].given or not self.progress(self.steps[i]).done:
                self.go(i)
                return
        self.go(len(self.steps) if self.first_open() == len(self.steps) else self.first_open())

    # --- the current step ------------------------------------------------------------------

    def progress(self, step: Step) -> StepProgress:
        """The learner's record of a step."""
        return self.record.step(step.id)

    def prompt(self, step: Step) -> Prompt:
        """The step's question in readable maths, with the shape expected."""
        return prompt(self.lesson, step, self.solution.trace.values)

    def answer_text(self, step: Step, digits: int = 6) -> str:
        """The engine's answer to a step, as a learner would type it."""
        return show_array(self.solution.answer(step), digits)

    def carried_line(self, step: Step) -> str:
        """The line carried over to the next step once a step is solved: ``✓ y = 3``."""
        return "✓ " + self.prompt(step).answered(self.answer_text(step, 4))

    def submit(self, text: str) -> Verdict:
        """Grade an answer to the current step; counted attempts are recorded and saved (OSError if not)."""
        step = self.step
        if step is None:
            raise RuntimeError("no step to answer")
        verdict = self.check(step, text)
        self.record_answer(step, text, verdict)
        return verdict

    def check(self, step: Step, text: str) -> Verdict:
        """Grade an answer to a step without recording it (reads only: safe off the UI thread)."""
        return grade(self.solution, step, text, self.answer_context(step))

    def answer_context(self, step: Step) -> AnswerContext:
        """What the grader needs to know of the learner at this step: the steps earned (solved or shown, whose
        deltas a formula may use), the wrong tries so far and the hints seen (the formula of a diagnosis comes
        from the second wrong try, or once every hint was seen)."""
        record = self.progress(step)
        earned = frozenset(s.id for s in self.steps if self.progress(s).done)
        return AnswerContext(earned, record.wrong_attempts, record.hints)

    def record_answer(self, step: Step, text: str, verdict: Verdict) -> None:
        """Record a graded answer to a step; counted attempts are kept and saved (OSError if not)."""
        if verdict.counts:
            record = self.progress(step)
            record.attempts.append(Attempt(text.strip(), verdict.correct, verdict.diagnosis, now()))
            if verdict.correct and record.status is None:
                record.status = SOLVED
            self.record.current = step.id
            self.save()

    def hints_seen(self, step: Step) -> tuple[str, ...]:
        """The hints of a step that the learner has asked for so far."""
        return step.hints[: self.progress(step).hints]

    def next_hint(self) -> str | None:
        """Reveal the current step's next hint; None when there are no more."""
        step = self.step
        if step is None:
            return None
        record = self.progress(step)
        if record.hints >= len(step.hints):
            return None
        record.hints += 1
        self.save()
        return step.hints[record.hints - 1]

    def reveal(self) -> str:
        """Show the current step's answer; the step counts as shown unless already solved."""
        step = self.step
        if step is None:
            raise RuntimeError("no step to reveal")
        record = self.progress(step)
        if record.status is None and not step.given:  # a given step is shown already, and counts as nothing
            record.status = SHOWN
            self.save()
        return self.answer_text(step)

    def save(self) -> None:
        """Write the progress file now (OSError if the disk refuses)."""
        self.store.save(self.record)

    def step_label(self, step_id: str) -> str:
        """A step as the learner met it, by its question (``dy = ∂L/∂y``), not its id."""
        try:
            return self.prompt(self.lesson.step(step_id)).asks
        except KeyError:
            return step_id

    def formula_tip(self, step: Step) -> str:
        """On the lesson's first step that a formula may answer (the first asked step that is neither a forward
        value nor answered in words), once: that formulas work, in this lesson's names. "" on every other step."""
        first = next((s for s in self.steps if s.kind is not VALUE and not s.kind.words and not s.given), None)
        if step is not first:
            return ""
        program = self.lesson.program
        name = (program.inputs or program.nodes)[0]
        return (
            f"Formulas work here too: a name stands for its value and d<name> for its delta ({name}, "
            f"d{name} = ∂{self.lesson.output}/∂{name}), with + - * / ** @ .T and functions such as exp, log, "
            "sigmoid, sum(M, 0). F1 lists every form."
        )

    # --- starting again ----------------------------------------------------------------------

    def reset_lesson(self) -> None:
        """Start the lesson afresh (the old record is kept in the progress file's history); back to the intro.
        OSError if it cannot be saved (the reset holds in memory)."""
        self.position = -1
        self.store.reset_lesson(self.record)

    def reset_step(self, step: Step) -> None:
        """Start one step afresh (its old record is kept in the history); OSError if it cannot be saved."""
        self.store.reset_step(self.record, step.id)

    # --- a reload keeps what did not change ----------------------------------------------------

    def answer_key(self, step: Step) -> str:
        """What a learner's record of a step depends on: the step, its question and the engine's answer."""
        answer = np.asarray(self.solution.answer(step), dtype=float)
        digest = hashlib.sha256()
        for part in (step.id, step.prompt, str(self.prompt(step)), str(answer.shape)):
            digest.update(part.encode("utf-8", "replace") + b"\0")
        digest.update(np.round(answer, 12).tobytes())
        return digest.hexdigest()

    def keep_answers_from(self, old: LessonSession) -> list[str]:
        """Take over the records of the steps whose question and answer did not change since ``old`` (a
        version of this lesson before an edit), where this version has none yet; their ids."""
        kept = []
        old_keys = {s.id: old.answer_key(s) for s in old.steps}
        for step in self.steps:
            theirs = old.record.steps.get(step.id)
            if theirs is None or step.id in self.record.steps or old_keys.get(step.id) != self.answer_key(step):
                continue
            self.record.steps[step.id] = copy.deepcopy(theirs)
            kept.append(step.id)
        return kept

    # --- what the graph shows ---------------------------------------------------------------

    def _done(self, column: str, node: str) -> bool:
        """Whether a step that earns ``node``'s value or delta (its kind's ``marks``) is done (or given and reached)."""
        return any(
            s.kind.marks == column and s.node == node and (self._given_reached(s) or self.progress(s).done)
            for s in self.steps
        )

    def _given_reached(self, step: Step) -> bool:
        """A given step shows its worked value once the learner is at it or past it (from the intro on, it would
        give away the steps before it: mlp-loop's dW2 = A1.T @ dZ2 shows dZ2)."""
        if not step.given:
            return False
        i = self.steps.index(step)
        return i <= self.position or any(self.progress(s).done for s in self.steps[i + 1 :])

    def value_known(self, name: str) -> bool:
        """A leaf's value from the start; a node's once its value step is done (or if the lesson never asks)."""
        if name not in self.lesson.program.nodes:
            return True
        return name not in self._value_steps or self._done("value", name)

    def grad_known(self, name: str) -> bool:
        """A delta once its grad step is done; an unasked one for the output at once, others at the end."""
        if name in self._grad_steps:
            return self._done("grad", name)
        return name == self.lesson.output or self.first_open() == len(self.steps)

    def value(self, name: str) -> np.ndarray:
        """The engine's forward value of a leaf or node."""
        return self.solution.trace.values[name]

    def grad(self, name: str) -> np.ndarray | None:
        """The engine's delta ∂output/∂name (None for constants, which get none)."""
        return self.solution.trace.grads.get(name)

    def graph(self) -> GraphView:
        """The graph as the learner has earned it: inputs, constants, then every node in order."""
        program = self.lesson.program
        leaves = [(n, "input", ()) for n in program.inputs] + [(n, "constant", ()) for n in program.constants]
        nodes = [(a.name, to_text(a.expr), tuple(a.inputs)) for a in program.assignments]
        step = self.step
        needed = set(self.needed_rows(step)) if step is not None else set()
        return GraphView(
            self.lesson.output,
            tuple(self._row(name, computes, inputs, step, needed) for name, computes, inputs in leaves + nodes),
            step.node if step is not None else None,
            has_locals=any(s.kind in (LOCAL, JACOBIAN) for s in self.steps),
        )

    def needed_rows(self, step: Step) -> tuple[str, ...]:
        """The rows a step needs to be worked out from the screen: a node and its operands; for a delta, the
        node, the nodes it feeds with their operands, on towards the output until a delta is known there."""
        program = self.lesson.program
        if step.kind is VALUE:
            return (step.node, *program.assignment(step.node).inputs)
        if step.wrt is not None and step.kind.pair:  # a local derivative, a Jacobian, one line's backward
            return (step.node, step.wrt, *self.partners(step.node, step.wrt))
        if step.wrt is not None:  # a question of the kind's own (autograd's "grad after L.backward()")
            return (step.node,)
        names = [step.node]
        frontier = [step.node]
        while frontier:
            through = frontier.pop()
            for user in program.consumers(through):
                if user in names:
                    continue
                names += [user, *(n for n in self.partners(user, through) if n not in names)]
                if not self.grad_known(user):
                    frontier.append(user)
        return tuple(names)

    def partners(self, node: str, operand: str) -> list[str]:
        """The names whose values the local derivative ∂node/∂operand depends on: the others in the additive
        terms of node's formula that hold ``operand`` (in ``X @ W1 + b1``, X for W1, none for b1)."""
        stack, terms = [self.lesson.program.assignment(node).expr], []
        while stack:
            e = stack.pop()
            if isinstance(e, Binary) and e.op in ("+", "-"):
                stack += [e.right, e.left]
            elif isinstance(e, Unary):
                stack.append(e.operand)
            else:
                terms.append(names_in(e))
        return [n for names in terms if operand in names for n in names if n != operand]

    def earned_local_steps(self) -> list[Step]:
        """The local-derivative and Jacobian steps the learner has done (solved or shown), in lesson order: what
        the table's locals column and the circuit's wires show."""
        return [s for s in self.steps if s.wrt is not None and s.kind in (LOCAL, JACOBIAN) and self.progress(s).done]

    def earned_locals(self, node: str) -> tuple[Local, ...]:
        """The local derivatives and Jacobians of ``node`` whose steps are done, in lesson order."""
        out = []
        for s in self.earned_local_steps():
            if s.node == node:
                label = f"∂{s.node}/∂{s.wrt}" if s.kind is LOCAL else f"J ∂{s.node}/∂{s.wrt}"
                out.append(Local(label, self.solution.answer(s), s.kind is JACOBIAN))
        return tuple(out)

    def _row(self, name: str, computes: str, inputs: tuple[str, ...], step: Step | None, needed: set[str]) -> GraphRow:
        """One row of the graph: what is known of ``name`` and whether the current step asks for it."""
        value_known = self.value_known(name)
        grad = self.grad(name) if computes != "constant" else None
        grad_known = grad is not None and self.grad_known(name)
        asked = step.kind.marks if step is not None and step.node == name else ""  # the column the step asks for
        return GraphRow(
            name,
            inputs,
            computes,
            self.value(name) if value_known else None,
            grad if grad_known else None,
            value_asked=asked == "value" and not value_known,
            grad_asked=asked == "grad" and not self.grad_known(name),
            current=step is not None and name in (step.node, step.wrt),
            needed=name in needed,
            locals=self.earned_locals(name),
        )

    # --- the end ---------------------------------------------------------------------------

    def summary(self) -> Summary:
        """Steps solved at the first try, solved after wrong attempts, shown, and still open."""
        first: list[str] = []
        after: list[str] = []
        shown: list[str] = []
        still: list[str] = []
        given: list[str] = []
        for s in self.steps:
            record = self.progress(s)
            if s.given:
                given.append(s.id)
            elif record.status == SOLVED:
                (after if record.wrong_attempts else first).append(s.id)
            elif record.status == SHOWN:
                shown.append(s.id)
            else:
                still.append(s.id)
        return Summary(first, after, shown, still, given)
