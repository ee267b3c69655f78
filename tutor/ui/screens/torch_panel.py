"""The PyTorch panel: how PyTorch computes the current step, and its numbers beside the engine's and the learner's.

PyTorch runs in the session's worker process (:class:`tutor.reveal.run.TorchWorker`, started when the panel
first opens), driven from a thread, so the panel opens at once and the app never imports torch; without torch
the panel shows the code and how to install the extra, and looks again every few seconds, running as soon as
torch is there. On a step the learner has not answered yet, the panel shows the code and PyTorch's graph but
not this step's numbers: a key shows them, and the step then counts as shown. Lesson text (the title, step
ids, names) is shown as plain text, never markup, with control characters escaped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np
from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea
from textual.widgets.text_area import LanguageDoesNotExist

from tutor.course import Lesson, Solution, Step, solve
from tutor.course.steps import BACKWARD, GRAD
from tutor.engine.autograd import Fact
from tutor.grading import show_array
from tutor.reveal.codegen import lesson_script, step_code, step_snippet
from tutor.reveal.function import FunctionError, check_function, function_script
from tutor.reveal.idiomatic import idiomatic_script
from tutor.reveal.paths import backward_path, path_text
from tutor.reveal.run import TOLERANCE, Comparison, TorchRun, compare, grad_fn_text, run_in_worker, torch_installed
from tutor.safetext import one_line, printable
from tutor.ui.plain import LessonMarkdown
from tutor.ui.widgets.footer import KeysFooter

#: PyTorch's runs by script text, so reopening the panel on the same lesson is instant (only runs that worked:
#: a missing torch or a failure is tried again).
_RUNS: dict[str, TorchRun] = {}

RUNNING = "running PyTorch…"
HIDDEN = "hidden until you answer this step (v shows it; the step then counts as shown)"
RETRY_EVERY = 3.0  # seconds between two looks for a newly installed torch while the panel says it is missing


def script_file_name(lesson_id: str) -> str:
    """The file name the save box offers: ``<lesson id>_torch.py``, in letters, digits, ``-`` and ``_`` only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", lesson_id, flags=re.ASCII)[:64] + "_torch.py"


def write_script(path: Path, script: str, overwrite: bool = False) -> None:
    """Write the script to a new file; an existing one only with ``overwrite``, and only a regular file.

    Raises FileExistsError when the file exists and ``overwrite`` is false; OSError when it cannot be written.
    """
    if overwrite and path.exists() and not path.is_file():
        raise OSError(0, "it exists and is not a regular file")
    with open(path, "w" if overwrite else "x", encoding="utf-8", newline="\n") as f:
        f.write(script)


def _syntax(code: str) -> Syntax:
    """Python code, highlighted with the terminal's own colours."""
    return Syntax(code, "python", theme="ansi_dark", background_color="default", word_wrap=True)


class TorchPanel(ModalScreen[None]):
    """A modal over the lesson screen for one step: its PyTorch code, PyTorch's answer and the engine's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # short labels in a compact footer: every key stays readable in the panel at 80×24 (72 columns)
        Binding("escape", "close", "Close"),
        Binding("v", "reveal", "Show the numbers"),
        Binding("s", "toggle_script", "Script", tooltip="The whole lesson as one script, or back to the step"),
        Binding("w", "save", "Save", tooltip="Save the whole script to a file"),
        Binding("r", "rerun", "Rerun", tooltip="Run PyTorch again (after installing it, say)"),
        Binding("i", "idiomatic", "Idiomatic", tooltip="The script as you would write it: nn layers, an optimizer"),
    ]

    def __init__(
        self,
        lesson: Lesson,
        step: Step,
        learner_answer: np.ndarray | None = None,
        learner_text: str = "",
        *,
        solution: Solution | None = None,
        answered: bool = True,
        on_reveal: Callable[[], None] | None = None,
    ) -> None:
        """Show ``step`` of ``lesson``; ``learner_answer`` is the learner's last graded value and ``learner_text``
        what they typed, if anything (a backward step's formula becomes a custom Function, checked by gradcheck).

        ``solution`` is the engine's (solved once for the lesson screen; solved here if not given). Unless the
        step is ``answered`` (the default; the lesson screen says), its numbers stay hidden until ``v``, which
        calls ``on_reveal`` (the lesson screen counts the step as shown).
        """
        super().__init__()
        self.learner_text = learner_text
        self.snippet = step_snippet(lesson, step)
        self.path = backward_path(lesson, step.node) if step.kind is GRAD else None
        self.lesson = lesson
        self.step = step
        self.learner_answer = None if learner_answer is None else np.asarray(learner_answer, dtype=float)
        self.code = step_code(lesson, step)
        self.script = lesson_script(lesson)
        self.idiomatic = idiomatic_script(lesson)  # None unless the graph is a layered network
        self.shown_script = self.script  # what the whole-script view shows and 'w' saves
        self.solution = solution if solution is not None else solve(lesson)
        self.engine_answer = self.solution.answer(step)
        self.answered = answered
        self.on_reveal = on_reveal
        self.result: TorchRun | None = None
        self.comparison: Comparison | None = None
        self.overwrite: Path | None = None  # the existing file the learner was asked about
        self._retry: Timer | None = None  # while torch is missing: the look for it every RETRY_EVERY seconds

    def compose(self) -> ComposeResult:
        """Title, the step's code, the grad_fn tree, the numbers; the whole script and the save box hidden."""
        with Vertical(id="torch-panel"):
            yield Static(Text(one_line(f"PyTorch · {self.lesson.title} · {self.step.id}")), id="torch-title")
            with VerticalScroll(id="torch-body"):
                if self.lesson.torch_note:
                    yield LessonMarkdown(self.lesson.torch_note, id="torch-lesson-note")
                yield Static(Text(one_line(f"# {self.code.note}")), id="torch-note")
                yield Static(_syntax(self.snippet), id="torch-code")
                if self.path is not None:
                    yield Static(
                        Text(one_line(f"the backward path from {self.path.output} to {self.step.node}")),
                        classes="torch-heading",
                    )
                    yield Static(Text(printable(path_text(self.path))), id="torch-path")
                if self.step.kind is BACKWARD:
                    yield Static("your backward as a torch.autograd.Function", classes="torch-heading")
                    yield Static(self._function_intro(), id="torch-function")
                heading = f"{self.step.node}.grad_fn, as PyTorch builds it"
                if self.path is not None and self.step.node in self.lesson.program.nodes:  # the tree consumes dnode
                    heading += f" (where the walk goes on from {self.step.node}; d{self.step.node} came down the path)"
                yield Static(Text(one_line(heading)), classes="torch-heading")
                yield Static(RUNNING, id="torch-grad-fn")
                yield Static("answers", classes="torch-heading")
                yield Static(self._numbers(), id="torch-numbers")
                yield Static(RUNNING, id="torch-status")
            yield TextArea(
                self.script,
                read_only=True,
                show_line_numbers=True,
                id="torch-script",
                soft_wrap=False,
                tab_behavior="focus",
            )
            with Horizontal(id="torch-save"):
                yield Static("save as", id="torch-save-label")
                yield Input(value=script_file_name(self.lesson.id), id="torch-save-input")
            yield Static("", id="torch-saved")
            yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Highlight the script where the editor can, then start PyTorch (or reuse its last run)."""
        area = self.query_one("#torch-script", TextArea)
        try:
            area.language = "python"
        except LanguageDoesNotExist:  # tree-sitter without its Python grammar: the script shows as plain text
            pass
        self.set_class(not self.answered, "-hidden")
        self._run()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``v`` is there only while this step's numbers are hidden."""
        if action == "reveal":
            return not self.answered
        return True

    @work(thread=True, exclusive=True, group="torch-function")
    def _function_worker(self) -> None:
        """The Function's gradcheck alone (the lesson's run came from the cache)."""
        self._check_function()

    # ------------------------------------------------------------ running PyTorch

    @work(thread=True, exclusive=True, group="torch")
    def _run(self) -> None:
        """Run the lesson's script under PyTorch in the worker (or take the last run), and compare it with the
        engine; show both on the UI thread."""
        result = _RUNS.get(self.script)
        if result is None:
            result = run_in_worker(lesson_script(self.lesson, report=True))
            if result.ok:
                _RUNS[self.script] = result
        comparison = compare(self.lesson, result, self.solution) if result.ok else None
        try:
            self.app.call_from_thread(self._show, result, comparison)
        except RuntimeError:
            return  # the app has quit meanwhile
        self._check_function()

    def _function_intro(self) -> Text:
        """What the Function section will show: the learner's formula, or how to get one."""
        if not self.learner_text:
            d = "d" + self.step.node
            return Text(
                one_line(
                    f"Answer with a formula, {d} times the local derivative (e.g. {d} * ...), and press F4 again: "
                    "the tutor makes it the backward of a torch.autograd.Function and runs gradcheck on it."
                )
            )
        return Text(printable(f"backward = {one_line(self.learner_text)}\n{RUNNING}"))

    def _check_function(self) -> None:
        """A backward step with a typed formula: its Function, checked by gradcheck (in this worker thread)."""
        if self.step.kind is not BACKWARD or not self.learner_text:
            return
        try:
            script = function_script(self.lesson, self.step, self.learner_text)
            check = check_function(self.lesson, self.step, self.learner_text)
        except FunctionError as e:
            self.app.call_from_thread(self._show_function, f"That formula cannot be a backward: {e}", "")
            return
        if check.status != "ok":
            self.app.call_from_thread(self._show_function, check.message, script)
            return
        verdict = "passed" if check.passed else "FAILED"
        text = (
            f"gradcheck {verdict}: the largest difference between your backward's Jacobian and central "
            f"differences is {check.largest_error:.3g}."
        )
        self.app.call_from_thread(self._show_function, text, script)

    def _show_function(self, text: str, script: str) -> None:
        """The Function's verdict, and its code."""
        if not self.is_attached:
            return
        body = Text(printable(text))
        widget = self.query_one("#torch-function", Static)
        widget.update(Group(body, _syntax(script)) if script else body)

    @work(thread=True, exclusive=True, group="torch-look")
    def _look_for_torch(self) -> None:
        """Without torch: look again now and then, and run as soon as it is installed."""
        if torch_installed():
            try:
                self.app.call_from_thread(self._torch_found)
            except RuntimeError:
                pass

    def _torch_found(self) -> None:
        """Run once torch is there, unless an earlier look already did: two looks a timer tick apart can both find it
        before the first one's run stops the timer (a test saw the script run twice)."""
        if self._retry is not None:
            self.action_rerun()

    def _show(self, result: TorchRun, comparison: Comparison | None = None) -> None:
        """Fill in PyTorch's numbers, the grad_fn tree and the verdict."""
        if not self.is_attached:  # closed before PyTorch finished
            return
        self.result = result
        self.comparison = comparison
        status = self.query_one("#torch-status", Static)
        status.remove_class("-missing", "-failed", "-agree")
        tree = self.query_one("#torch-grad-fn", Static)
        self.query_one("#torch-numbers", Static).update(self._numbers())
        if result.status == "missing":
            tree.update("(needs PyTorch)")
            status.add_class("-missing")
            status.update(
                Text(
                    printable(result.message) + "\nThe code above runs as it is once PyTorch is installed; "
                    "this panel runs it by itself as soon as it is (r runs it now)."
                )
            )
            if self._retry is None:
                self._retry = self.set_interval(RETRY_EVERY, self._look_for_torch, name="look for torch")
            return
        if self._retry is not None:
            self._retry.stop()
            self._retry = None
        if not result.ok:
            tree.update("(PyTorch did not run)")
            status.add_class("-failed")
            status.update(Text(printable(result.message)))
            return
        if self.step.node in self.lesson.program.nodes:
            tree.update(Text(printable(grad_fn_text(result, self.step.node))))
        else:
            tree.update(Text(one_line(f"{self.step.node} is a leaf: PyTorch gives it no grad_fn, only .grad")))
        comparison = comparison if comparison is not None else compare(self.lesson, result, self.solution)
        mine = comparison.step(self.step.id)
        bad = comparison.disagreements()
        largest = comparison.largest
        lines = [f"PyTorch {result.torch_version} ran the whole lesson in {result.seconds:.1f} s."]
        if mine is not None:
            lines.append(f"This step: PyTorch and the engine differ by at most {mine.diff:.3g}.")
        where = f" ({largest.label})" if largest and largest.diff > 0 else ""
        lines.append(
            f"Whole lesson, {len(comparison.differences)} numbers: largest difference "
            f"{comparison.largest_diff:.3g}{where}; "
            + (f"{len(bad)} beyond {TOLERANCE:g}: {', '.join(d.label for d in bad[:3])}" if bad else "all agree.")
        )
        status.add_class("-failed" if bad else "-agree")
        status.update(Text(printable("\n".join(lines))))

    def _numbers(self) -> Table:
        """PyTorch's answer, the engine's and the learner's, side by side."""
        table = Table(show_header=True, box=None, padding=(0, 2))
        table.add_column("")
        table.add_column("answer", overflow="fold")
        table.add_column("difference from the engine", justify="right")
        row = self._row
        if not self.answered:
            row(table, "engine", HIDDEN, "")
            row(table, "PyTorch", "hidden" if self.result is None or self.result.ok else "—", "")
            return table
        row(table, "engine", show_array(self.engine_answer, 8), "")
        r = self.result
        if r is None:
            row(table, "PyTorch", RUNNING, "")
        elif r.ok and self.step.id in r.steps:
            theirs = r.steps[self.step.id]
            row(table, "PyTorch", show_array(theirs, 8), self._gap(theirs))
        else:
            row(table, "PyTorch", "—", "")
        if self.learner_answer is not None:
            row(table, "yours", show_array(self.learner_answer, 8), self._gap(self.learner_answer))
        return table

    @staticmethod
    def _row(table: Table, *cells: str) -> None:
        """A row of plain-text cells (a string cell would be read as markup)."""
        table.add_row(*(Text(printable(c)) for c in cells))

    def _gap(self, x: np.ndarray | Fact) -> str:
        """The largest difference from the engine's answer, or why there is none (words: the same or not)."""
        if isinstance(x, Fact) or isinstance(self.engine_answer, Fact):
            return "the same" if x == self.engine_answer else "differs"
        if np.shape(x) != np.shape(self.engine_answer):
            return f"shape {np.shape(x)} ≠ {np.shape(self.engine_answer)}"
        return f"{float(np.max(np.abs(x - self.engine_answer), initial=0.0)):.3g}"

    # ------------------------------------------------------------ actions

    def action_close(self) -> None:
        """Escape: close the save box if it is open, else the panel."""
        if self.has_class("-saving"):
            self.remove_class("-saving")
            return
        self.dismiss(None)

    def action_reveal(self) -> None:
        """Show this step's numbers; the step then counts as shown (the lesson screen records it)."""
        if self.answered:
            return
        self.answered = True
        self.remove_class("-hidden")
        if self.on_reveal is not None:
            self.on_reveal()
        self.query_one("#torch-numbers", Static).update(self._numbers())
        self.refresh_bindings()

    def action_toggle_script(self) -> None:
        """Show the whole-lesson script in a read-only code view, or go back to the step."""
        self.toggle_class("-script")
        if self.has_class("-script"):
            self.query_one("#torch-script", TextArea).focus()

    def action_idiomatic(self) -> None:
        """Show the script as you would write it (nn.Sequential, an nn loss, an optimizer step), or the lesson's."""
        if self.idiomatic is None:
            self.notify(
                "This lesson's graph is not a layered network (Z = X @ W + b, A = act(Z) ..., a loss): "
                "the idiomatic script needs one.",
                timeout=4,
            )
            return
        self.shown_script = self.script if self.shown_script == self.idiomatic else self.idiomatic
        area = self.query_one("#torch-script", TextArea)
        area.load_text(self.shown_script)
        self.add_class("-script")
        area.focus()

    def action_save(self) -> None:
        """Ask for a file name to write the whole-lesson script to."""
        self.overwrite = None
        self.add_class("-saving")
        box = self.query_one("#torch-save-input", Input)
        box.focus()
        box.action_end()

    def action_rerun(self) -> None:
        """Run PyTorch again (e.g. after installing it)."""
        _RUNS.pop(self.script, None)
        if self._retry is not None:
            self._retry.stop()
            self._retry = None
        self.result = None
        self.query_one("#torch-numbers", Static).update(self._numbers())
        self.query_one("#torch-status", Static).update(RUNNING)
        self._run()

    @on(Input.Changed, "#torch-save-input")
    def _name_changed(self) -> None:
        """Another name: an earlier "press Enter again to overwrite" no longer holds."""
        self.overwrite = None

    @on(Input.Submitted, "#torch-save-input")
    def _save(self, event: Input.Submitted) -> None:
        """Write the script to the named file (relative to the working directory; ``~`` allowed).

        An existing file is overwritten only when Enter is pressed a second time on the same name.
        """
        saved = self.query_one("#torch-saved", Static)
        name = event.value.strip()
        if not name:
            saved.update(Text("type a file name, e.g. lesson.py"))
            return
        try:
            path = Path(name).expanduser()
        except RuntimeError:
            saved.update(Text(one_line(f"cannot tell which home folder {name} means: type the full path")))
            return
        shown = one_line(str(path))
        if path.is_dir():
            saved.update(Text(f"{shown} is a folder: type a file name, e.g. {one_line(str(path / 'lesson.py'))}"))
            return
        try:
            write_script(path, self.shown_script, overwrite=self.overwrite == path)
        except FileExistsError:
            self.overwrite = path
            saved.update(Text(f"{shown} already exists: press Enter again to overwrite it, or type another name"))
            return
        except OSError as e:
            self.overwrite = None
            why = one_line(e.strerror or str(e))
            saved.update(Text(f"could not save to {shown}: {why}; type another name or folder"))
            return
        self.overwrite = None
        self.remove_class("-saving")
        saved.update(Text(f"saved to {one_line(os.path.abspath(path))}: run it with python {shown}"))
        self.set_focus(None)
