"""Plots in prose: a ```plot block is drawn from the op table at the lesson's numbers, and a bad one is located."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.course import load_course, solve
from tutor.course.live import Numbers
from tutor.course.plots import MAX_PLOTS, check_plots, plot_blocks, render_plots
from tutor.course.prose import show_lesson
from tutor.engine import run


def numbers(lesson_id: str = "sigmoid-neuron", **leaves: object) -> Numbers:
    """The live numbers of a shipped lesson, at its own values or at other ones."""
    lesson = load_course().get(lesson_id)
    values = lesson.leaf_values()
    values.update({k: np.asarray(v, dtype=float) for k, v in leaves.items()})
    return Numbers(solve(lesson, values).trace)


def block(body: str) -> str:
    """A prose text holding one plot block."""
    return f"Before.\n\n```plot\n{body}\n```\n\nAfter.\n"


def drawing_rows(text: str) -> list[str]:
    """The rows of the drawing (those with the y axis)."""
    return [line for line in text.split("\n") if "┤" in line]


def test_the_sigmoid_neuron_explains_its_slope_with_a_plot_of_sigma_and_its_derivative():
    lesson = load_course().get("sigmoid-neuron")
    shown = show_lesson(lesson, solve(lesson).trace)
    explain = next(s.explain for s in shown.steps if s.id == "local:q/z")
    assert "```plot" not in explain
    rows = drawing_rows(explain)
    assert len(rows) == 8
    assert rows[0].endswith("σ") and rows[-1].endswith("σ′")  # σ ends high, σ′ ends near 0
    assert "● z = −0.76:   σ = 0.319   σ′ = 0.217" in explain  # the learner's z, q and ∂q/∂z


def test_the_marked_point_sits_on_the_curve_and_moves_with_the_numbers():
    text = block("curves: sigmoid\nx: [-6, 6]\nmark: z")
    low = drawing_rows(render_plots(text, numbers(b=-5.0)))  # z = w·x + b far left: σ(z) near 0
    high = drawing_rows(render_plots(text, numbers(b=5.0)))  # far right: σ(z) near 1
    row_low = next(i for i, r in enumerate(low) if "●" in r)
    row_high = next(i for i, r in enumerate(high) if "●" in r)
    assert row_low == len(low) - 1 and row_high <= 1
    assert low[row_low].index("●") < high[row_high].index("●")


def test_the_derivative_comes_from_the_op_table_and_peaks_in_the_middle():
    rows = drawing_rows(render_plots(block("curves: sigmoid'\nx: [-6, 6]\nwidth: 40"), numbers()))
    top = rows[0].split("┤")[1]
    assert rows[0].lstrip().startswith("0.25 ┤")  # σ′(0) = 1/4, its largest value
    middle = [i for i, ch in enumerate(top) if ch not in "⠀ " and i < 40]
    assert middle and all(15 <= i <= 24 for i in middle)


def test_a_vector_is_marked_at_each_entry():
    text = render_plots(block("curves: relu, relu'\nx: [-2, 2]\nmark: x\nheight: 5\nwidth: 40"), numbers())
    assert "● x = [1.5, 2, −1.2]:   relu = [1.5, 2, 0]   relu′ = [1, 1, 0]" in text
    assert sum(r.count("●") for r in drawing_rows(text)) >= 5


@pytest.mark.parametrize(
    ("body", "snippet", "message"),
    [
        ("curves: sigmod\nx: [-6, 6]", "sigmod", "cannot draw 'sigmod'; did you mean 'sigmoid'?"),
        ("curves: bce\nx: [-6, 6]", "bce", "a plot draws exp, log"),
        ("curves: sigmoid", "```", "'x' is missing: add a line like 'x: [-6, 6]'"),
        ("curves: sigmoid\nx: [6, -6]", "[6, -6]", "from a smaller number to a larger one"),
        ("curves: sigmoid\nx: -6..6", "-6..6", "write the range as [from, to]"),
        ("curves: sigmoid\nx: [-6, 6]\nhieght: 4", "hieght", "unknown key 'hieght'; did you mean 'height'?"),
        ("curves: sigmoid\ncurves: tanh\nx: [-6, 6]", "curves", "'curves' is given twice"),
        ("curves: sigmoid\nx: [-6, 6]\nmark: zz", "mark", "mark: unknown name 'zz'"),
        ("curves: log\nx: [-6, -1]", "curves", "log is not defined anywhere on [-6, -1]"),
        ("curves: a, b, c, d, e\nx: [-6, 6]", "a, b, c, d, e", "at most 4 curves"),
    ],
)
def test_a_bad_plot_says_where_and_what_to_write(body: str, snippet: str, message: str):
    text = block(body)
    (problem,) = check_plots(text, numbers())
    assert message in problem.message
    assert text[problem.offset :].startswith(snippet)
    assert "plot not drawn" in render_plots(text, numbers())


def test_too_many_plots_in_one_text_are_refused():
    text = block("curves: sigmoid\nx: [-6, 6]") * (MAX_PLOTS + 1)
    assert len(list(plot_blocks(text))) == MAX_PLOTS + 1
    assert [p.message for p in check_plots(text, numbers())] == [f"plot: more than {MAX_PLOTS} plots in one text"]


def test_a_plot_shown_to_the_learner_is_plain_code_text():
    text = render_plots(block("curves: tanh, tanh'\nx: [-3, 3]"), numbers())
    assert text.startswith("Before.") and text.endswith("After.\n")
    assert "````text\n" in text and "tanh′" in text


# ---------------------------------------------------------------- the loss along a step of gradient descent


def braille_rows(drawing: list[str], width: int) -> list[set[int]]:
    """For each dot column of a Braille drawing, the dot rows that are set (● counts as every row of its cell)."""
    bits = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
    columns: list[set[int]] = [set() for _ in range(2 * width)]
    for r, line in enumerate(drawing):
        cells = line.split("┤", 1)[1][:width]
        for c, ch in enumerate(cells):
            for half in (0, 1):
                for k in range(4):
                    if ch == "●" or (0x2800 <= ord(ch) <= 0x28FF and (ord(ch) - 0x2800) & bits[half][k]):
                        columns[2 * c + half].add(4 * r + k)
    return columns


def stepped_losses(lesson_id: str, etas: list[float]) -> list[float]:
    """The lesson's loss after every input moved by −η times its delta, for each η: the graph run again by the
    engine (the course loaded and the lesson solved once, not once per η)."""
    lesson = load_course().get(lesson_id)
    trace = solve(lesson).trace
    program = lesson.program
    losses = []
    for eta in etas:
        leaves = {n: trace.values[n] for n in (*program.inputs, *program.constants)}
        leaves.update({n: trace.values[n] - eta * trace.grads[n] for n in program.inputs})
        losses.append(float(run(program, leaves).values[program.output].reshape(-1)[0]))
    return losses


def stepped_loss(lesson_id: str, eta: float) -> float:
    """The lesson's loss after one step of size η (see stepped_losses)."""
    return stepped_losses(lesson_id, [eta])[0]


def test_the_loss_along_a_step_is_drawn_where_the_engine_puts_it():
    lesson = load_course().get("torch-training-step")
    text = render_plots(block("step: L\nx: [0, 4]\nheight: 6\nwidth: 40"), lesson_numbers(lesson))
    rows = drawing_rows(text)
    etas = np.linspace(0, 4, 80)
    losses = np.array(stepped_losses("torch-training-step", list(etas)))
    top, bottom = losses.max(), losses.min()
    assert rows[0].lstrip().startswith(f"{top:.3g} ┤") and rows[-1].lstrip().startswith(f"{bottom:.3g} ┤")
    assert top == losses[0]  # η = 0 is the loss before the step, and every step downhill lowers it here
    columns = braille_rows(rows, 40)
    for i, loss in enumerate(losses):
        expected = round((top - loss) / (top - bottom) * (4 * 6 - 1))
        assert expected in columns[i], f"η = {etas[i]:.3g}: L = {loss:.4g} should be dot row {expected}"


def test_the_step_plot_marks_the_lessons_learning_rate_at_the_loss_after_the_update():
    lesson = load_course().get("torch-training-step")
    after = next(s for s in lesson.steps if s.id.startswith("after_update"))
    expected = float(np.reshape(solve(lesson).answer(after), -1)[0])
    assert expected == pytest.approx(stepped_loss("torch-training-step", 0.5))
    explain = after.explain  # the shipped lesson's explanation, as the learner reads it
    assert "L at W − η·dW, b − η·db" in explain
    assert f"● η = lr = 0.5:   L = {expected:.3g}" in explain
    assert sum(r.count("●") for r in drawing_rows(explain)) == 1


def test_a_step_plot_marks_a_step_size_the_author_gives():
    lesson = load_course().get("mlp-loop")  # no learning_rate: nothing marked unless asked
    numbers_ = lesson_numbers(lesson)
    assert "●" not in render_plots(block("step: L\nx: [0, 10]"), numbers_)
    text = render_plots(block("step: L\nx: [0, 10]\nmark: 2"), numbers_)
    assert f"● η = 2:   L = {stepped_loss('mlp-loop', 2.0):.3g}" in text
    assert "every input θ − η·dθ" in text  # six inputs do not fit in one caption line


@pytest.mark.parametrize(
    ("body", "snippet", "message"),
    [
        ("step: Z1\nx: [0, 1]", "step", "Z1 holds 3 numbers: a step plot draws one, e.g. the loss, step: L"),
        ("step: Q\nx: [0, 1]", "step", "'Q' is not a node of the graph"),
        ("step: W1\nx: [0, 1]", "step", "'W1' is not a node of the graph"),
        ("step: L + 1\nx: [0, 1]", "L + 1", "step: name one node of the graph, e.g. step: L"),
        ("step: L\ncurves: sigmoid\nx: [0, 1]", "L", "'curves' or 'step', not both"),
        ("step: L\nx: [0, 1]\nmark: lr", "mark", "'lr' is the lesson's learning_rate, and this lesson has none"),
        ("x: [0, 1]", "```", "or 'step: L' for the loss along a step of gradient descent"),
    ],
)
def test_a_bad_step_plot_says_where_and_what_to_write(body: str, snippet: str, message: str):
    text = block(body)
    (problem,) = check_plots(text, lesson_numbers(load_course().get("mlp-loop")))
    assert message in problem.message
    assert text[problem.offset :].startswith(snippet)


def lesson_numbers(lesson) -> Numbers:
    """The live numbers of a lesson at its own values, with its settings (the learning rate a step plot marks)."""
    return Numbers(solve(lesson).trace, settings=lesson.settings)
