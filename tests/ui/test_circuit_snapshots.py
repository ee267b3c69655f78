"""Snapshots of the circuit (100×30, looked at before accepting) at a point of each pilot lesson, and of a plot.

Each test first checks with assertions that the picture shows what its name says (the numbers earned, the
question mark, the locals on their wires), so that a picture of the wrong moment fails here.
"""

from __future__ import annotations

from pathlib import Path

from circuit_harness import CircuitApp, NetworkApp, session_at
from helpers import screen_text, shipped_course
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tutor.course import solve
from tutor.course.prose import show_lesson
from tutor.ui.plain import LessonMarkdown

SIZE = (100, 30)


def circuit_snapshot(snap_compare, tmp_path: Path, lesson_id: str, solved: int, shows: list[str]) -> None:
    """Snapshot one lesson's circuit with its first ``solved`` steps solved, after checking what it shows."""

    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        text = screen_text(pilot)
        for expected in shows:
            assert expected in text, f"{expected!r} is not in the picture:\n{text}"

    app = CircuitApp(session_at(lesson_id, tmp_path, solved))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_chain_rule_circuit_with_locals_on_its_wires(snap_compare, tmp_path: Path):
    # both locals earned (∂L/∂y = 2(y − t) = −2.5, ∂y/∂x = 2), dy earned, dx asked
    circuit_snapshot(snap_compare, tmp_path, "chain-rule", 5, ["×2▶", "×−2.5▶", "← −2.5", "← ?", "→ 1.56"])


def test_fan_out_circuit_with_both_paths_of_x(snap_compare, tmp_path: Path):
    # x feeds q and s: both its locals are earned (∂q/∂x = y, ∂s/∂x = 1), its delta is asked
    circuit_snapshot(snap_compare, tmp_path, "fan-out", 7, ["×−2.5▶", "×1▶", "← −3.6", "← ?"])


def test_sigmoid_neuron_circuit_at_dz(snap_compare, tmp_path: Path):
    circuit_snapshot(snap_compare, tmp_path, "sigmoid-neuron", 5, ["×0.217▶", "← −1.36", "← ?", "w 3"])


def test_two_layer_net_circuit_at_dw2(snap_compare, tmp_path: Path):
    circuit_snapshot(snap_compare, tmp_path, "two-layer-net", 7, ["W2 3×1", "Z1 1×3", "← ?", "→ 0.582"])


def test_two_layer_net_network_with_its_weights_on_the_wires(snap_compare, tmp_path: Path):
    # at grad:W2: W2's layer lit, every weight of W1 and W2 written on its connection
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        text = screen_text(pilot)
        for expected in ("◉ A2₁", "W1 on the wires", "W2 on the wires", " −1.2 ", " −0.6 ", " 1.2 ", " −0.8 "):
            assert expected in text, f"{expected!r} is not in the picture:\n{text}"

    app = NetworkApp(session_at("two-layer-net", tmp_path, 7))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


class ProseApp(App[None]):
    """One prose text as the lesson screen shows it."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        """The Markdown."""
        yield LessonMarkdown(self.text, id="text")


def test_a_plot_in_the_sigmoid_neurons_explanation(snap_compare):
    lesson = shipped_course().get("sigmoid-neuron")
    explain = next(s.explain for s in show_lesson(lesson, solve(lesson).trace).steps if s.id == "local:q/z")

    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        text = screen_text(pilot)
        assert "● z = −0.76:   σ = 0.319   σ′ = 0.217" in text and "⠉⠉⠉  σ" in text

    assert snap_compare(ProseApp(explain), terminal_size=SIZE, run_before=run_before)


def test_the_loss_along_a_step_in_the_training_steps_explanation(snap_compare):
    lesson = shipped_course().get("torch-training-step")
    explain = next(s.explain for s in lesson.steps if s.id.startswith("after_update"))

    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        text = screen_text(pilot)
        assert "L at W − η·dW, b − η·db" in text and "● η = lr = 0.5:   L = 0.377" in text and "⣀⣀  L" in text

    assert snap_compare(ProseApp(explain), terminal_size=SIZE, run_before=run_before)
