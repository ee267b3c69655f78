"""Live numbers in prose: ``{{ EXPR }}`` and ``{{ EXPR :.3g }}`` show the engine's values, rounded for people."""

from __future__ import annotations

import numpy as np
import pytest

from tutor.course import parse_lesson, solve
from tutor.course.live import MAX_LIVE_NUMBERS, check, fill, show_number

LESSON = """\
format: 1
id: live
title: Live
inputs: {x: 1.5, w: -0.8, v: [1, -2, 3]}
constants: {t: 2.0, M: [[1, 2], [3, 4]]}
graph: [y = w * x, u = sum(v * v), L = (y - t) ** 2 + u]
"""


@pytest.fixture(scope="module")
def trace():
    """One run of the chain y = w·x, L = (y − t)² + Σv²."""
    return solve(parse_lesson(LESSON)).trace


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("y = {{ y }}", "y = −1.2"),
        ("{{dw}}", "−9.6"),  # ∂L/∂w = 2(y − t)·x
        ("{{ dy * x }}", "−9.6"),
        ("{{ 2*(y - t) }} and {{ dy }}", "−6.4 and −6.4"),
        ("{{ dL }}", "1"),
        ("{{ v }}", "[1, −2, 3]"),
        ("{{ dv }}", "[2, −4, 6]"),
        ("{{ M }}", "[[1, 2], [3, 4]]"),
        ("{{ M.T @ M }}", "[[10, 14], [14, 20]]"),
        ("{{ sigmoid(0) }}", "0.5"),
        ("{{ exp(1) }}", "2.718"),
        ("{{ exp(1) :.3g }}", "2.72"),
        ("{{ exp(1) :.6f }}", "2.718282"),
        ("{{ 12345.678 :.2e }}", "1.23e4"),
        ("{{ 0.00001234 }}", "1.234e−5"),
        ("{{ 1e-16 }}", "0"),  # float noise is 0
        ("{{ -0.0001 :.2f }}", "0.00"),  # never −0.00
        ("{{x}}{{x}}", "1.51.5"),
        ("no live numbers", "no live numbers"),
        ("literal \\{{ x }} braces", "literal {{ x }} braces"),
        ("a lone { or }} stays", "a lone { or }} stays"),
    ],
)
def test_a_live_number_shows_the_engines_value(trace, text, shown):
    assert fill(text, trace) == shown
    assert check(text, trace) == []


def test_float_noise_in_a_vector_is_zero_but_small_values_are_kept():
    assert show_number(np.array([0, 0, -3.3306690738754696e-16])) == "[0, 0, 0]"
    assert show_number(5.551115123125783e-17) == "0"
    assert show_number(9.4e-14) == "9.4e−14"  # sigmoid′(30): small, but not noise
    assert show_number(np.array([1e6, 1e-9])) == "[1e6, 0]"  # noise next to a million


def test_long_vectors_and_matrices_are_compact():
    assert show_number(np.arange(20.0)) == "[0, 1, 2, 3, 4, 5, …, 19]"
    big = show_number(np.ones((12, 12)))
    assert big.count("…") == 1 + 7  # the elided rows, and the middle of each row shown
    assert len(big) < 300


def test_the_substitution_follows_the_trace(trace):
    """The same text at other values shows other numbers: a function of (text, trace)."""
    lesson = parse_lesson(LESSON)
    other = solve(lesson, {**lesson.leaf_values(), "x": np.asarray(2.0)}).trace
    assert fill("dw = {{ dw }}", trace) == "dw = −9.6"
    assert fill("dw = {{ dw }}", other) == "dw = −14.4"


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("a {{ dww }}", 2, "{{ dww }}: unknown name 'dww'; did you mean 'dw'?"),
        (
            "{{ q }}",
            0,
            "{{ q }}: unknown name 'q': the lesson's names are x, w, v, t, M, y, u, L, and d<name> for a delta",
        ),
        ("{{ y + }}", 0, "{{ y + }}: unexpected end: an operand is missing"),
        (
            "{{ y :.3q }}",
            0,
            "{{ y :.3q }}: unknown format ':.3q': write :.Ng (significant digits), :.Nf (decimals) or "
            ":.Ne (scientific) with N from 0 to 15, e.g. :.3g",
        ),
        (
            "{{ y :.20f }}",
            0,
            "{{ y :.20f }}: unknown format ':.20f': write :.Ng (significant digits), :.Nf (decimals) "
            "or :.Ne (scientific) with N from 0 to 15, e.g. :.3g",
        ),
        (
            "{{ y :>10 }}",
            0,
            "{{ y :>10 }}: unknown format ':>10': write :.Ng (significant digits), :.Nf (decimals) or "
            ":.Ne (scientific) with N from 0 to 15, e.g. :.3g",
        ),
        ("{{  }}", 0, "{{  }}: no expression: write one between '{{' and '}}', e.g. {{ dx }}"),
        ("x {{ y", 2, "'{{' is not closed: end the live number with '}}', or write '\\{{' for braces"),
        ("{{ log(-1) }}", 0, "{{ log(-1) }}: is not finite at the lesson's values (NaN or infinite)"),
        (
            "{{ __import__('os') }}",
            0,
            "{{ __import__('os') }}: unexpected character \"'\" (the language has no strings)",
        ),
        ("{{ x.__class__ }}", 0, "{{ x.__class__ }}: '__class__' is Python, not part of the answer language"),
    ],
)
def test_a_live_number_that_cannot_be_shown_is_reported_where_it_stands(trace, text, offset, message):
    problems = check(text, trace)
    assert [(p.offset, p.message) for p in problems] == [(offset, message)]
    assert "{{" in fill(text, trace)  # shown as typed, never half-filled


def test_shapes_that_do_not_fit_are_reported_with_the_engines_reason(trace):
    (problem,) = check("see {{ M @ v }}", trace)
    assert problem.offset == 4
    assert problem.message.startswith("{{ M @ v }}: cannot be computed: ")
    assert "2×2" in problem.message


def test_live_numbers_are_bounded_per_lesson(trace):
    text = "{{ x }} " * (MAX_LIVE_NUMBERS + 1)
    problems = check(text, trace)
    assert len(problems) == 1
    assert problems[0].message == f"{{{{ x }}}}: more than {MAX_LIVE_NUMBERS} live numbers in one lesson"


def test_work_is_bounded_before_it_is_done():
    """A few live numbers that each ask for a large matrix product stop at the lesson's budget."""
    big = "[" + ", ".join("[" + ", ".join(["1"] * 64) + "]" for _ in range(64)) + "]"
    lesson = parse_lesson(f"format: 1\nid: b\ntitle: B\ninputs: {{A: {big}}}\ngraph: [L = sum(A @ A @ A @ A)]\n")
    tr = solve(lesson).trace
    text = "".join(f"{{{{ A @ A @ A @ A @ A @ A @ A @ A + {i} }}}} " for i in range(40))
    problems = check(text, tr)
    assert problems and problems[0].message.endswith("take too much work together: use fewer or smaller ones")
    assert check("{{ A @ A @ A @ A @ A @ A @ A @ A }} " * 40, tr) == []  # one expression, computed once
