"""The computation graph drawn as a circuit: boxes left to right, values forward (→), deltas backward (←).

The picture is laid out by :mod:`tutor.ui.layout` (pure, from the lesson and the engine's numbers) and shows
what the session says the learner has earned (a :class:`~tutor.ui.session.GraphView`); this widget only
maps the picture's roles to theme colours and scrolls it so the current step's box stays in view.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tutor.course import Lesson, Solution
from tutor.ui.layout import (
    Circuit,
    Row,
    TooLarge,
    circuit_rows,
    flow_back,
    focus_region,
    lesson_circuit,
    snap_scroll,
)
from tutor.ui.session import GraphView

#: the gradient's animation: the character that travels, how long it takes, in how many frames
PULSE = "◀"
FLOW_SECONDS = 0.6
FLOW_FRAMES = 15


def motion_wanted(animation_level: str) -> bool:
    """Whether animations are wanted: not under reduced motion (Textual's ``none``) nor with
    ``BACKPROP_TUTOR_MOTION=off``."""
    return animation_level != "none" and os.environ.get("BACKPROP_TUTOR_MOTION", "").lower() not in ("off", "0", "no")


#: the picture's roles, each styled by a component class of the same name (see DEFAULT_CSS)
ROLES = (
    "wire",
    "wire-current",
    "arrow",
    "local",
    "value",
    "grad",
    "asked",
    "unknown",
    "box",
    "current",
    "needed",
    "title",
    "title-current",
)


class PicturePanel(ScrollView, can_focus=False):
    """A picture drawn as rows of (text, role) runs, scrolled both ways, each role in its theme colour."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"circuit--{role}" for role in ROLES}
    DEFAULT_CSS = """
    PicturePanel { height: auto; }
    PicturePanel > .circuit--wire { color: $foreground-muted; }
    PicturePanel > .circuit--arrow { color: $foreground-muted; }
    PicturePanel > .circuit--wire-current { color: $accent; text-style: bold; }
    PicturePanel > .circuit--local { color: $text-accent; text-style: bold; }
    PicturePanel > .circuit--value { color: $text-success; }
    PicturePanel > .circuit--grad { color: $text-warning; }
    PicturePanel > .circuit--asked { color: $text; text-style: bold reverse; }
    PicturePanel > .circuit--unknown { color: $foreground-muted; }
    PicturePanel > .circuit--box { color: $foreground-muted; }
    PicturePanel > .circuit--needed { color: $text-primary; }
    PicturePanel > .circuit--current { color: $accent; text-style: bold; }
    PicturePanel > .circuit--title { color: $text; text-style: bold; }
    PicturePanel > .circuit--title-current { color: $accent; text-style: bold reverse; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[Row] = []
        self._marks: dict[tuple[int, int], tuple[str, str]] = {}  # cells drawn over the picture (an animation)

    def draw_rows(self, rows: list[Row], width: int, focus: Region | None = None) -> None:
        """Show these rows (a picture ``width`` columns wide), and scroll ``focus`` into view."""
        self._rows = rows
        self.virtual_size = Size(width, len(rows))
        self.refresh()
        if focus is not None:
            self.call_after_refresh(self.scroll_to_region, focus, animate=False, immediate=True)

    def bring_into_view(self, focus: Region, x_edges: list[int], y_edges: list[int]) -> None:
        """Scroll (after the next refresh) so that ``focus`` is in view, moving as little as it can and then onto
        the nearest of these edges (the boxes' left sides and tops) so that no box's title is cut at the view's
        left or top edge."""

        def scroll() -> None:
            view = self.scrollable_content_region
            size = self.virtual_size
            x = snap_scroll(round(self.scroll_x), focus.x, focus.width, view.width, size.width, x_edges, True)
            y = snap_scroll(round(self.scroll_y), focus.y, focus.height, view.height, size.height, y_edges)
            if x + view.width > size.width:  # landing on a box's edge takes a few blank columns after the picture
                self.virtual_size = Size(x + view.width, size.height)
            self.scroll_to(x, y, animate=False, immediate=True)

        self.call_after_refresh(scroll)

    @property
    def text(self) -> str:
        """The whole picture as plain text (for tests and the SVG pictures' checks)."""
        return "\n".join("".join(run for run, _ in row).rstrip() for row in self._rows)

    def render_line(self, y: int) -> Strip:
        """One row of the picture, scrolled and in theme colours."""
        scroll_x, scroll_y = self.scroll_offset
        row_index = y + scroll_y
        width = self.scrollable_content_region.width
        if row_index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        base = self.rich_style
        runs = self._rows[row_index]
        if self._marks:
            runs = _overlay(runs, {x: mark for (x, y), mark in self._marks.items() if y == row_index})
        segments = [Segment(text, base + self._style(role)) for text, role in runs]
        strip = Strip(segments).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, base)

    def _style(self, role: str) -> Style:
        """The style of a role (plain text for none)."""
        if not role:
            return Style()
        return self.get_component_rich_style(f"circuit--{role}", partial=True)


def _overlay(runs: list[tuple[str, str]], marks: dict[int, tuple[str, str]]) -> list[tuple[str, str]]:
    """A row with some cells replaced."""
    if not marks:
        return runs
    out: list[tuple[str, str]] = []
    x = 0
    for text, role in runs:
        for ch in text:
            out.append(marks.get(x, (ch, role)))
            x += 1
    return out


class CircuitPanel(PicturePanel):
    """The lesson's graph as a circuit that fills in as the learner earns values, locals and deltas; a click on a box
    asks for its numbers in full (the screen opens them, as F8 does for the current step)."""

    @dataclass
    class BoxChosen(Message):
        """The learner clicked the box of ``name``."""

        name: str

    #: what to show; every assignment redraws the picture
    graph: var[GraphView | None] = var(None, always_update=True, init=False)
    #: show as much of the picture as the step pane leaves room for (F7), not only what the step needs
    expanded: var[bool] = var(False, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._source: tuple[Lesson, Solution] | None = None
        self._circuit: Circuit | None = None
        self._planned_for: tuple[int, int] | None = None  # (lesson identity, width) the circuit was laid out for
        self.too_large: str | None = None  # why the lesson cannot be drawn (the screen shows the table then)
        self._earned: set[tuple[str, str]] = set()
        self._asked: tuple[str, str] | None = None
        #: the rows of the screen the panel may take at most, as a function of the screen's height (set by the lesson
        #: screen; None: the stylesheet decides alone)
        self.room: Callable[[int], tuple[int, int]] | None = None
        #: the learner has answered the current step (solved or shown): its explanation needs the room more
        self.answered = False

    def show(
        self,
        lesson: Lesson,
        solution: Solution,
        graph: GraphView,
        earned: set[tuple[str, str]],
        asked: tuple[str, str] | None = None,
    ) -> None:
        """Draw this lesson's graph as the learner has earned it (``earned``: the wires whose local derivative
        the learner has found; ``asked``: the wire whose local the current step asks)."""
        self._source = (lesson, solution)
        self._earned = earned
        self._asked = asked
        self.graph = graph

    def watch_graph(self, graph: GraphView | None) -> None:
        """Lay out (once per lesson and width), draw, make room for the boxes the current step needs (as much as
        the screen leaves) and bring them into view."""
        circuit = self._planned() if graph is not None and self._source is not None else None
        if graph is None or circuit is None:
            self.draw_rows([], 0)
            return
        layout = circuit.layout
        self.draw_rows(circuit_rows(circuit, graph, self._earned, self._asked), layout.width)
        width = self.scrollable_content_region.width or self.app.size.width - 2
        current = [r.name for r in graph.rows if r.current]
        needed = [r.name for r in graph.rows if r.needed]
        lines = 2 if any(r.grad_asked for r in graph.rows) else 1  # a delta needs the deltas downstream
        chrome = 2 + (1 if layout.width > width else 0)  # the border, and the scroll bar under a wide picture
        if self.room is None:
            focus = focus_region(layout, current, needed, lines, width, self.scrollable_content_region.height)
        else:
            preferred, most = self.room(self.app.size.height)
            focus = focus_region(layout, current, needed, lines, width, max(1, most - chrome))
            # an open or worked step gets the room its boxes need; once answered, the explanation gets it back
            needs = chrome + focus[3] if focus is not None and not self.answered else 0
            wanted = most if self.expanded else max(preferred, needs)
            self.styles.max_height = max(chrome + 1, min(wanted, most))
        if focus is not None:
            edges = layout.boxes.values()
            self.bring_into_view(Region(*focus), [b.x for b in edges], [b.y for b in edges])

    def watch_expanded(self) -> None:
        """Make room for more of the picture, or only what the step needs."""
        if self.graph is not None:
            self.graph = self.graph

    def _planned(self) -> Circuit | None:
        """The circuit for the current lesson, laid out for the width the panel has (None if too large)."""
        assert self._source is not None
        lesson, solution = self._source
        width = self.scrollable_content_region.width or self.app.size.width - 2
        key = (id(lesson), width)
        if key != self._planned_for:
            self._planned_for = key
            try:
                self._circuit = lesson_circuit(lesson, solution, width)
                self.too_large = None
            except TooLarge as e:
                self._circuit = None
                self.too_large = str(e)
        return self._circuit

    def flow_back(self, node: str) -> None:
        """A short animation: the delta just earned travels back along each wire out of ``node`` (nothing under
        reduced motion, TEXTUAL_ANIMATIONS=none, or with BACKPROP_TUTOR_MOTION=off)."""
        if self._circuit is None or not motion_wanted(self.app.animation_level):
            return
        paths = flow_back(self._circuit.layout, node)
        if not paths:
            return
        steps = max(len(p) for p in paths)
        tick = {"n": 0}

        def advance() -> None:
            n = tick["n"]
            self._marks = {p[min(n, len(p) - 1)]: (PULSE, "grad") for p in paths} if n < steps else {}
            self.refresh()
            tick["n"] = n + max(1, steps // FLOW_FRAMES)
            if n >= steps:
                timer.stop()

        timer = self.set_interval(FLOW_SECONDS / FLOW_FRAMES, advance)

    def on_click(self, event: events.Click) -> None:
        """A click on a box chooses it (its numbers in full); elsewhere nothing."""
        offset = event.get_content_offset(self)
        if self._circuit is None or offset is None:
            return
        name = self._circuit.layout.box_at(offset.x + self.scroll_offset.x, offset.y + self.scroll_offset.y)
        if name is not None:
            self.post_message(self.BoxChosen(name))

    def on_resize(self) -> None:
        """Lay out again for the new width."""
        if self.graph is not None:
            self.graph = self.graph
