"""How long the circuit takes to lay out a lesson, and to redraw when the learner moves between steps.

    python benchmarks/circuit.py            # every shipped lesson at 100×30 and 80×24

For each lesson: the first layout (once per lesson and width), then every move from step to step in a
Textual app that shows only the picture (a headless Pilot): the session's graph, the picture's rows and
Textual's redraw of the widget, until the screen has been refreshed. The goal is ≤ 50 ms per move, for the
slowest move of every lesson, each move's time the median of three passes (the machine is shared and
noisy). The floor is a one-line app changing its text per move: what any redraw costs in a headless Pilot.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Static  # noqa: E402

from tutor.course import load_course, solve  # noqa: E402
from tutor.progress import ProgressStore  # noqa: E402
from tutor.ui.layout import circuit_rows, earned_locals, lesson_circuit  # noqa: E402
from tutor.ui.session import LessonSession  # noqa: E402
from tutor.ui.widgets.circuit import CircuitPanel  # noqa: E402

GOAL = 0.050  # seconds per move
PASSES = 3


class PictureApp(App[None]):
    """Only the circuit."""

    def compose(self) -> ComposeResult:
        """The picture."""
        yield CircuitPanel()


class FloorApp(App[None]):
    """The floor: one line of text that changes with each move (what any redraw costs in a headless Pilot)."""

    def compose(self) -> ComposeResult:
        """The line."""
        yield Static()


async def floor(steps: int, size: tuple[int, int]) -> list[float]:
    """Seconds per move of the floor app."""
    app = FloorApp()
    out: list[float] = []
    async with app.run_test(size=size) as pilot:
        line = app.query_one(Static)
        for _ in range(PASSES):
            for position in range(steps + 2):
                t0 = time.perf_counter()
                line.update(f"step {position}")
                await pilot.pause()
                out.append(time.perf_counter() - t0)
    return out


def drawing(session: LessonSession, width: int) -> list[float]:
    """Seconds per move for the core's part alone: the session's graph and the picture's rows."""
    circuit = lesson_circuit(session.lesson, session.solution, width)
    out = []
    for _ in range(PASSES):
        for position in range(-1, len(session.steps) + 1):
            t0 = time.perf_counter()
            session.go(position)
            circuit_rows(circuit, session.graph(), earned_locals(session))
            out.append(time.perf_counter() - t0)
    return out


def slowest(times: list[float], moves: int) -> float:
    """The slowest move, each move's time being its median over the passes (one pass's hiccup is the machine's)."""
    return max(statistics.median(times[i::moves]) for i in range(moves))


async def moves(session: LessonSession, size: tuple[int, int]) -> list[float]:
    """Seconds per move, for every move from the intro through every step to the summary, PASSES times."""
    app = PictureApp()
    out: list[float] = []
    async with app.run_test(size=size) as pilot:
        panel = app.query_one(CircuitPanel)
        panel.show(session.lesson, session.solution, session.graph(), earned_locals(session))
        await pilot.pause()
        for _ in range(PASSES):
            for position in range(-1, len(session.steps) + 1):
                t0 = time.perf_counter()
                session.go(position)
                panel.show(session.lesson, session.solution, session.graph(), earned_locals(session))
                await pilot.pause()
                out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    """Print one line per lesson and size: layout time, median and slowest move, and whether the goal holds."""
    course = load_course()
    home = Path(tempfile.mkdtemp(prefix="circuit-bench-"))
    worst = 0.0
    print("lesson             size    layout  slowest move: core  picture   floor  goal ≤ 50 ms")
    for lesson in course.lessons:
        solution = solve(lesson)
        for size in ((100, 30), (80, 24)):
            t0 = time.perf_counter()
            lesson_circuit(lesson, solution, size[0] - 2)
            layout = time.perf_counter() - t0
            session = LessonSession(lesson, ProgressStore(home / "progress.json"), solution)
            n = len(session.steps) + 2
            core = slowest(drawing(session, size[0] - 2), n)
            picture = slowest(asyncio.run(moves(session, size)), n)
            base = slowest(asyncio.run(floor(len(session.steps), size)), n)
            worst = max(worst, picture)
            print(
                f"{lesson.id:<18} {size[0]:>3}×{size[1]:<2} {ms(layout)}       {ms(core)} {ms(picture)} {ms(base)}"
                f"  {'yes' if picture <= GOAL else 'NO'}"
            )
    print(f"slowest move of all: {worst * 1000:.1f} ms ({'met' if worst <= GOAL else 'not met'})")


def ms(seconds: float) -> str:
    """A time in milliseconds, right-aligned."""
    return f"{seconds * 1000:>8.1f}ms"


if __name__ == "__main__":
    main()
