"""Draw the pictures in docs/pictures/ from the real widgets (Textual's SVG screenshots of a headless app).

    .venv/bin/python docs/pictures/make.py

Each picture is a shipped lesson at a fixed point (some steps solved), so the SVGs show real lessons as a
learner sees them mid-lesson: values forward, locals on the wires, deltas backward.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from textual.app import App, ComposeResult  # noqa: E402

from tutor.course import load_course, solve  # noqa: E402
from tutor.course.prose import show_lesson  # noqa: E402
from tutor.progress import SOLVED, ProgressStore  # noqa: E402
from tutor.ui.layout import earned_locals  # noqa: E402
from tutor.ui.plain import LessonMarkdown  # noqa: E402
from tutor.ui.session import LessonSession  # noqa: E402
from tutor.ui.widgets.circuit import CircuitPanel  # noqa: E402
from tutor.ui.widgets.network import NetworkPanel  # noqa: E402

#: file name, lesson, steps solved, what to draw (a plot: the step whose explanation holds it), terminal size
PICTURES = [
    ("chain-rule-circuit", "chain-rule", 5, "circuit", (60, 10)),
    ("fan-out-circuit", "fan-out", 7, "circuit", (70, 11)),
    ("sigmoid-neuron-circuit", "sigmoid-neuron", 5, "circuit", (80, 16)),
    ("two-layer-net-circuit", "two-layer-net", 7, "circuit", (100, 16)),
    ("two-layer-net-network", "two-layer-net", 7, "network", (90, 12)),
    ("sigmoid-neuron-plot", "sigmoid-neuron", 5, "plot local:q/z", (80, 14)),
    ("torch-training-step-plot", "torch-training-step", 10, "plot after_update:L", (80, 13)),
]


class Picture(App[None]):
    """One picture of one session."""

    def __init__(self, session: LessonSession, kind: str) -> None:
        super().__init__()
        self.session = session
        self.kind = kind

    def compose(self) -> ComposeResult:
        """The widget that draws it."""
        if self.kind.startswith("plot "):
            lesson = self.session.lesson
            shown = show_lesson(lesson, self.session.solution.trace)
            text = next(s.explain for s in shown.steps if s.id == self.kind.removeprefix("plot "))
            yield LessonMarkdown(text[text.index("````") :])
        else:
            yield CircuitPanel() if self.kind == "circuit" else NetworkPanel()

    def on_mount(self) -> None:
        """Draw the session's graph."""
        s = self.session
        if self.kind == "circuit":
            self.query_one(CircuitPanel).show(s.lesson, s.solution, s.graph(), earned_locals(s))
        elif self.kind == "network":
            self.query_one(NetworkPanel).show(s.lesson, s.solution, s.graph())


async def draw(name: str, lesson_id: str, solved: int, kind: str, size: tuple[int, int], home: Path) -> None:
    """Save one picture as docs/pictures/NAME.svg."""
    lesson = load_course().get(lesson_id)
    session = LessonSession(lesson, ProgressStore(home / f"{name}.json"), solve(lesson))
    for step in lesson.steps[:solved]:
        session.progress(step).status = SOLVED
    session.go(solved)
    app = Picture(session, kind)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.pause()
        app.save_screenshot(f"{name}.svg", str(HERE))


def main() -> None:
    """Every picture."""
    home = Path(tempfile.mkdtemp(prefix="pictures-"))
    for name, lesson_id, solved, kind, size in PICTURES:
        asyncio.run(draw(name, lesson_id, solved, kind, size, home))
        print(f"docs/pictures/{name}.svg")


if __name__ == "__main__":
    main()
