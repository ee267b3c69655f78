"""A layer lesson's network: units as circles, the connections between them, each weight on its connection.

Laid out by :mod:`tutor.ui.netlayout` (pure) for the panel's width: where the weights do not fit on their wires,
the lit layer's stand in a legend under the picture; the layer the current step is about is lit.
"""

from __future__ import annotations

from tutor.course import Lesson, Solution
from tutor.ui.netlayout import Layer, activation_of, draw_network, network_layers
from tutor.ui.session import GraphView
from tutor.ui.widgets.circuit import PicturePanel


class NetworkPanel(PicturePanel):
    """The network picture of a lesson with layers (nothing for a lesson without)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.drawn_layers: list[Layer] = []
        self._shown: tuple[Lesson, Solution, GraphView] | None = None

    def show(self, lesson: Lesson, solution: Solution, graph: GraphView) -> None:
        """Draw the lesson's network, lighting the layer of the current step."""
        values = solution.trace.values
        self.drawn_layers = network_layers(lesson.program, values)
        if not self.drawn_layers:
            self.draw_rows([], 0)
            return
        current = {r.name for r in graph.rows if r.current}
        lit = next(
            (
                layer.weights
                for layer in self.drawn_layers
                if current & {layer.weights, layer.node, activation_of(lesson.program, layer.node)}
            ),
            None,
        )
        # the room inside the border, less a vertical scrollbar's (there when the picture is taller than the
        # panel, and then the picture must still fit beside it)
        width = (self.content_region.width or self.app.size.width - 2) - self.styles.scrollbar_size_vertical
        rows = draw_network(self.drawn_layers, lesson.program, values, lit, width)
        self.draw_rows(rows, max((sum(len(run) for run, _ in row) for row in rows), default=0))
        self._shown = (lesson, solution, graph)

    def on_resize(self) -> None:
        """Draw again for the new width (the weights go on the wires where they fit)."""
        if self._shown is not None:
            self.show(*self._shown)
