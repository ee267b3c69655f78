"""Which picture of the graph the lesson screen shows: the circuit, the network (layer lessons) or the table.

The circuit is the default; ctrl+g goes on to the network where the lesson has layers, then to the table, then
back. A graph too large to draw shows the table and says so. The pictures' widgets are imported and mounted
after the screen's first paint, so they cost the start nothing. Which view is shown is a class on
``#lesson-body`` (``-circuit``, ``-network``, ``-table``) that ``app.tcss`` turns into what is displayed; only
the three pictures' rules read it (``PICTURE_RULES``), so a switch restyles them, not the whole body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widget import Widget

from tutor.progress import SHOWN, SOLVED
from tutor.ui.layout import asked_local, earned_locals

# the rows outside the pictures and the step pane, and the rows the step pane keeps (as under the table): on a
# short screen the gap over the question goes (app.tcss, ``LessonScreen.-short``)
from tutor.ui.widgets.graph import OTHER_ROWS, STEP_PANE_ROWS

if TYPE_CHECKING:
    from tutor.ui.session import LessonSession
    from tutor.ui.widgets.circuit import CircuitPanel
    from tutor.ui.widgets.network import NetworkPanel

VIEWS = ("circuit", "network", "table")
#: the widgets whose app.tcss rules read the view classes on #lesson-body (tests/ui/test_restyle.py holds app.tcss
#: to it): the table is #graph
PICTURE_RULES = ("#circuit", "#network", "#graph")
#: the share of the rows between the title bar and the answer box that the circuit takes while that is enough
PREFERRED_SHARE = 0.55


def circuit_room(screen_rows: int) -> tuple[int, int]:
    """The rows the circuit takes on a screen this tall: the share it prefers, and the most it may grow to so that
    the boxes the current step needs are in view (the step pane keeps :data:`STEP_PANE_ROWS`)."""
    between = max(0, screen_rows - OTHER_ROWS)
    most = max(3, between - STEP_PANE_ROWS)
    return min(most, int(between * PREFERRED_SHARE)), most


TITLES = {
    "circuit": "→ values, ← deltas · F8 or click a box: all its numbers · ctrl+g: {next}",
    "network": "network: units and weights · ctrl+g: {next}",
    "table": "ctrl+g: {next}",
}


class PictureSwitch:
    """The lesson screen's pictures: mounted once after the first paint, redrawn at every step, switched by key."""

    #: the view a new lesson screen starts with: the learner's last choice in this run of the app
    chosen = "circuit"

    def __init__(self, body: Widget, table: Widget) -> None:
        self.body = body
        self.table = table
        self.circuit: CircuitPanel | None = None
        self.network: NetworkPanel | None = None
        self.session: LessonSession | None = None

    async def mount(self) -> None:
        """Import and mount the pictures beside the table, then draw them."""
        from tutor.ui.widgets.circuit import CircuitPanel
        from tutor.ui.widgets.network import NetworkPanel

        self.circuit = CircuitPanel(id="circuit")
        self.circuit.room = circuit_room
        self.network = NetworkPanel(id="network")
        await self.body.mount(self.circuit, self.network, after=self.table)
        if self.session is not None:
            self.draw(self.session)

    def draw(self, session: LessonSession) -> None:
        """Draw what the learner has earned (once mounted), and show the chosen view if it can be shown."""
        self.session = session
        if self.circuit is None or self.network is None:
            return
        graph = session.graph()
        self.circuit.answered = session.stage in (SOLVED, SHOWN)
        self.circuit.show(session.lesson, session.solution, graph, earned_locals(session), asked_local(session))
        self.network.show(session.lesson, session.solution, graph)
        self.apply(PictureSwitch.chosen)

    def available(self) -> list[str]:
        """The views this lesson has: the circuit unless too large, the network if it has layers, the table."""
        out = []
        if self.circuit is not None and self.circuit.too_large is None:
            out.append("circuit")
        if self.network is not None and self.network.drawn_layers:
            out.append("network")
        return [*out, "table"]

    def apply(self, view: str) -> str:
        """Show a view (the next one this lesson has, if it has not that one); return the one shown."""
        views = self.available()
        if view not in views:
            view = views[0]
        before = set(self.body.classes)
        self.body.update_classes({f"-{name}": name == view for name in VIEWS}, update=False)
        if set(self.body.classes) != before:  # only the pictures' own rules read these classes (app.tcss)
            for widget in (self.circuit, self.network, self.table):
                if widget is not None:
                    widget.update_node_styles()
        later = views[(views.index(view) + 1) % len(views)]
        shown = {"circuit": self.circuit, "network": self.network, "table": self.table}[view]
        if shown is not None:
            shown.border_title = TITLES[view].format(next=later)
        return view

    def cycle(self) -> str:
        """Go on to the next view this lesson has; it becomes the choice for the next lessons too."""
        views = self.available()
        current = next((v for v in VIEWS if self.body.has_class(f"-{v}")), views[0])
        view = views[(views.index(current) + 1) % len(views)] if current in views else views[0]
        PictureSwitch.chosen = view
        return self.apply(view)

    def expand(self, expanded: bool) -> None:
        """F7: the circuit takes as much room as the step pane leaves (or only what the step needs)."""
        if self.circuit is not None:
            self.circuit.expanded = expanded

    def too_large(self) -> str | None:
        """Why the circuit cannot be drawn for this lesson (None when it can)."""
        return self.circuit.too_large if self.circuit is not None else None

    def flow_back(self, node: str) -> None:
        """Animate a delta just earned travelling back along the circuit's wires (if the circuit shows)."""
        if self.circuit is not None and self.body.has_class("-circuit"):
            self.circuit.flow_back(node)
