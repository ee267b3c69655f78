"""The training screen: the learner's backward pass trains a network on a small data set, live.

The loss falls epoch by epoch, the learner's curve beside the engine's (and PyTorch's when it has run), with the
decision boundary of the learner's network beside it. Training runs off the UI thread in short chunks
(:meth:`TutorApp.in_background`), so pausing, stepping one epoch and stopping take effect between epochs; every
setting is checked against its bound before a run starts. Formulas, step ids and messages are shown as plain
text on one line each, never as markup.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from tutor.course.model import Lesson
from tutor.progress import ProgressStore
from tutor.safetext import one_line
from tutor.train.boundary import extent
from tutor.train.data import MAKERS, TARGET_COLUMNS
from tutor.train.loop import Settings, Training
from tutor.train.network import MAX_HIDDEN, TrainError
from tutor.train.plot import Picture, boundary_picture
from tutor.train.report import verdict
from tutor.train.sources import from_progress
from tutor.train.torch_side import TorchTraining, train_in_torch
from tutor.ui.widgets.footer import KeysFooter
from tutor.ui.widgets.titlebar import TitleBar
from tutor.ui.widgets.trainplots import BoundaryPlot, LossPlot

if TYPE_CHECKING:
    from tutor.ui.app import TutorApp

CHUNK_SECONDS = 0.1  # the longest a chunk of epochs runs before the screen is redrawn
EPOCH_CHOICES = (200, 500, 1000, 2000, 5000)
DEFAULTS = Settings(epochs=1000, lr=2.0, hidden=8)
RUNNING = (
    "Training with your formulas, the engine's gradients beside them. Keys between epochs: space pauses, n runs "
    "one epoch, s stops; + and - double and halve the learning rate, h and H add and remove a hidden unit, e "
    "changes the epochs, d the data set."
)
BLOWN_UP = "(no decision boundary: with your formulas the network's outputs stopped being numbers)"
NO_BOUNDARY = "(no decision boundary to draw: the data is not 2-D, or the last line is no loss of the output and Y)"


@dataclass(frozen=True)
class Snapshot:
    """What one chunk of epochs leaves to show: the curves so far, the boundary, where the run is."""

    learner: tuple[float, ...]
    engine: tuple[float, ...]
    boundary: Picture | None
    epoch: int
    done: bool
    note: str = ""  # why there is no boundary


class TrainScreen(Screen[None]):
    """Train the lesson's network with the learner's formulas; keys change the settings and control the run."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "pause", "Pause"),
        Binding("n", "step", "Step"),
        Binding("s", "stop", "Stop"),
        Binding("r", "restart", "Again"),
        Binding("d", "dataset", "Data"),
        Binding("plus,equals_sign", "lr(2)", "lr×2", key_display="+"),
        Binding("minus", "lr(0.5)", "lr÷2", key_display="-"),
        Binding("h", "hidden(1)", "Hidden+"),
        Binding("shift+h", "hidden(-1)", "Hidden−", key_display="H", show=False),
        Binding("e", "epochs", "Epochs"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(
        self,
        lesson: Lesson,
        store: ProgressStore,
        texts: dict[str, str] | None = None,
        settings: Settings = DEFAULTS,
    ) -> None:
        """Train ``lesson`` with the formulas ``texts`` (step id -> answer), by default the learner's progress."""
        super().__init__()
        self.lesson = lesson
        self.texts = texts if texts is not None else from_progress(store, lesson)
        self.settings = settings
        self.training: Training | None = None
        self.paused = False
        self.torch: TorchTraining | None = None
        self._run_id = 0  # a new run makes the chunks of older runs stale
        self._stop_event = threading.Event()
        self._chunk_running = False  # a chunk is under way

    def compose(self) -> ComposeResult:
        """The settings line, the two pictures, what the run shows, the keys."""
        yield TitleBar()
        yield Static(id="train-settings", markup=False)
        with Horizontal(id="train-body"):
            with Vertical(id="train-loss-pane"):
                yield LossPlot(id="train-loss")
                yield Static(id="train-legend")
            yield BoundaryPlot(id="train-boundary")
        yield Static(id="train-verdict", markup=False)
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Start training at once."""
        self.title = one_line(f"Train: {self.lesson.title}")
        self.sub_title = "your backward pass, on a data set"
        self.query_one("#train-legend", Static).update(self._legend())
        self.start()

    # --- the run ----------------------------------------------------------------------------

    def start(self) -> None:
        """A new run with the current settings (checked and compiled before its first epoch)."""
        self._run_id += 1
        self._stop_event.set()  # a chunk of the old run ends at its next epoch
        self._stop_event = threading.Event()
        self.training, self.torch, self._chunk_running = None, None, False
        generation, lesson, texts, settings = self._run_id, self.lesson, self.texts, self.settings
        self._say(f"Checking your formulas on the data set: {self._settings_text()}")
        self.tutor.in_background(
            "compiling your formulas",
            lambda: Training(lesson, texts, settings),
            lambda t: self._started(generation, t),
            lambda e: self._refused(generation, e),
        )

    @property
    def tutor(self) -> TutorApp:
        """The app, for its background work."""
        return self.app  # type: ignore[return-value]

    def _started(self, generation: int, training: Training) -> None:
        """The formulas compiled: remember the run and go."""
        if generation != self._run_id:
            return
        self.training = training
        self.settings = training.settings
        self._show_settings()
        self._say(RUNNING)
        if not self.paused:
            self._next_chunk()

    def _refused(self, generation: int, error: Exception) -> None:
        """The run cannot start: say why (a TrainError names the step to fix)."""
        if generation != self._run_id:
            return
        if not isinstance(error, TrainError):
            self.tutor.work_failed("training", error)
            return
        self._say("Cannot train yet: " + error.message, error=True)

    def _next_chunk(self, epochs: int | None = None) -> None:
        """Run epochs off the UI thread for about CHUNK_SECONDS (or exactly ``epochs``), then show them."""
        t = self.training
        if t is None or t.done or self._chunk_running:
            return
        self._chunk_running = True
        generation, stop = self._run_id, self._stop_event
        size = self._boundary_size()
        self.tutor.in_background(
            "training", lambda: _chunk(t, stop, size, epochs), lambda s: self._chunk_done(generation, s), quiet=True
        )

    def _chunk_done(self, generation: int, snapshot: Snapshot) -> None:
        """Show a chunk's curves and boundary; go on unless paused, stopped or finished."""
        if generation != self._run_id:
            return
        self._chunk_running = False
        self.query_one("#train-loss", LossPlot).show(self._curves(snapshot), self.settings.epochs)
        boundary = self.query_one("#train-boundary", BoundaryPlot)
        boundary.note = snapshot.note or boundary.note
        boundary.picture = snapshot.boundary
        self._show_settings()
        t = self.training
        assert t is not None
        if snapshot.done:
            self._finished(t)
        elif not self.paused and not self._stop_event.is_set():
            self._next_chunk()
        else:
            self._say(self._paused_text(t))

    def _curves(self, snapshot: Snapshot) -> list[tuple[float, ...]]:
        """The curves to draw: yours, the engine's, and PyTorch's once it has run."""
        curves = [snapshot.learner, snapshot.engine]
        if self.torch is not None and self.torch.ok_losses:
            curves.append(tuple(self.torch.losses))
        return curves

    def _finished(self, t: Training) -> None:
        """Every epoch done: say what the run shows, then run it in PyTorch."""
        self._say("\n".join(verdict(t).lines))
        generation, settings = self._run_id, self.settings
        self.tutor.in_background(
            "running the same training in PyTorch",
            lambda: train_in_torch(t.setup, t.initial, settings.epochs, settings.lr),
            lambda r: self._torch_done(generation, t, r),
        )

    def _torch_done(self, generation: int, t: Training, result: TorchTraining) -> None:
        """PyTorch's curve beside the others, and the verdict with it."""
        if generation != self._run_id:
            return
        self.torch = result
        snapshot = Snapshot(tuple(t.curves.learner), tuple(t.curves.engine), None, t.epoch, True)
        self.query_one("#train-loss", LossPlot).show(self._curves(snapshot), self.settings.epochs)
        self._say("\n".join(verdict(t, result).lines))

    # --- what the screen says ---------------------------------------------------------------

    def _settings_text(self) -> str:
        """``xor · 200 points · 8 hidden · lr 2 · 1000 epochs``."""
        s = self.settings
        data = s.dataset or (self.training.data.name if self.training else "…")
        hidden = f"{s.hidden} hidden" if s.hidden else "hidden as the lesson"
        return f"{data} · {s.points} points · {hidden} · lr {s.lr:g} · {s.epochs} epochs"

    def _show_settings(self) -> None:
        """The settings line with where the run is."""
        t = self.training
        where = ""
        if t is not None:
            stopped = self._stop_event.is_set()
            state = "done" if t.done else "paused" if self.paused else "stopped" if stopped else "running"
            where = f"   epoch {t.epoch}/{t.settings.epochs} ({state})"
        self.query_one("#train-settings", Static).update(one_line(self._settings_text() + where))

    def _legend(self) -> Text:
        """Which colour is which curve."""
        v = self.app.get_css_variables()
        text = Text("loss (log scale): ")
        for label, colour in (("yours", "accent"), ("engine", "success"), ("PyTorch", "warning"), ("same", "primary")):
            text.append("⣿ ", style=v.get(colour, ""))
            text.append(label + "  ")
        return text

    def _paused_text(self, t: Training) -> str:
        """What to do while paused or stopped."""
        state = "Stopped" if self._stop_event.is_set() else "Paused"
        return f"{state} at epoch {t.epoch}: n runs one epoch, space goes on, r starts again."

    def _say(self, text: str, error: bool = False) -> None:
        """The verdict pane: plain text, each line on one line."""
        pane = self.query_one("#train-verdict", Static)
        pane.update("\n".join(one_line(line) for line in text.splitlines()))
        pane.set_class(error, "-error")

    def _boundary_size(self) -> tuple[int, int]:
        """The boundary's grid: one cell per character of its widget."""
        region = self.query_one("#train-boundary", BoundaryPlot).size
        return max(region.width, 4), max(region.height, 4)

    # --- keys -------------------------------------------------------------------------------

    def action_pause(self) -> None:
        """Pause, or go on."""
        self.paused = not self.paused
        if not self.paused:
            self._stop_event = threading.Event() if self._stop_event.is_set() else self._stop_event
            self._next_chunk()
        self._show_settings()

    def action_step(self) -> None:
        """One epoch, then paused."""
        self.paused = True
        if self._stop_event.is_set():
            self._stop_event = threading.Event()
        self._next_chunk(epochs=1)

    def action_stop(self) -> None:
        """Stop the run between two epochs (r starts again, space goes on)."""
        self._stop_event.set()
        self._show_settings()

    def action_restart(self) -> None:
        """Start again from the first epoch with the same settings."""
        self.paused = False
        self.start()

    def _change(self, settings: Settings) -> None:
        """Restart with other settings, unless they are out of bounds (then say so)."""
        from tutor.train.loop import check_settings

        try:
            check_settings(settings)
        except TrainError as e:
            self.app.notify(e.message, severity="warning", markup=False)
            return
        self.settings = settings
        self.paused = False
        self.start()

    def action_dataset(self) -> None:
        """The next data set that fits the network."""
        t = self.training
        k = t.setup.network.targets_width if t is not None else 1
        names = [n for n in MAKERS if TARGET_COLUMNS[n] == k] or list(MAKERS)
        current = self.settings.dataset or (t.data.name if t is not None else names[0])
        nxt = names[(names.index(current) + 1) % len(names)] if current in names else names[0]
        self._change(replace(self.settings, dataset=nxt))

    def action_lr(self, factor: float) -> None:
        """Double or halve the learning rate."""
        self._change(replace(self.settings, lr=self.settings.lr * factor))

    def action_hidden(self, by: int) -> None:
        """One hidden unit more or fewer."""
        now = self.settings.hidden or (self.training.setup.hidden if self.training else None) or 1
        self._change(replace(self.settings, hidden=min(max(now + by, 1), MAX_HIDDEN)))

    def action_epochs(self) -> None:
        """The next number of epochs of EPOCH_CHOICES."""
        after = [e for e in EPOCH_CHOICES if e > self.settings.epochs]
        self._change(replace(self.settings, epochs=after[0] if after else EPOCH_CHOICES[0]))

    def action_back(self) -> None:
        """Stop the run and go back to the lesson."""
        self._run_id += 1
        self._stop_event.set()
        self.app.pop_screen()


def _chunk(t: Training, stop: threading.Event, size: tuple[int, int], epochs: int | None) -> Snapshot:
    """Off the UI thread: run epochs (``epochs`` of them, or for about CHUNK_SECONDS), then draw the boundary."""
    if epochs is not None:
        t.run_epochs(epochs, stop)
    else:
        deadline = time.perf_counter() + CHUNK_SECONDS
        while not t.done and not stop.is_set() and time.perf_counter() < deadline:
            t.run_epochs(5, stop)
    blown_up = "learner" in t.stopped
    grid = None if blown_up else t.grid(size)
    picture = None if grid is None else boundary_picture(grid, t.data.X, t.data.labels(), extent(t))
    note = BLOWN_UP if blown_up else NO_BOUNDARY if picture is None else ""
    return Snapshot(tuple(t.curves.learner), tuple(t.curves.engine), picture, t.epoch, t.done, note)
