"""Every form of answer the grader reads, with an example in a lesson's own names: for the screen's help page.

The screen shows these rows as they are; they are derived from what the grader and the reader actually take
(the lesson's names, the op table's functions and NumPy/PyTorch aliases), so the help never promises a form the
grader refuses, and a new function appears in it without anyone writing it down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tutor.course.model import Lesson
from tutor.grading.formula import meanings
from tutor.lang.vocabulary import vocabulary


@dataclass(frozen=True)
class Form:
    """One way to write an answer: what it is, an example as typed, and what the example means."""

    what: str
    example: str
    means: str


def answer_forms(lesson: Lesson) -> list[Form]:
    """The forms of answer the grader reads, with examples in this lesson's names."""
    names = meanings(lesson)
    values = [n for n, m in names.items() if m.kind == "value"]
    grads = [n for n, m in names.items() if m.kind == "grad"]
    numbers = [(n, m) for n, m in names.items() if m.kind == "number"]
    leaves = lesson.leaf_values()
    matrix = next((n for n in values if n in leaves and np.ndim(leaves[n]) == 2), None)
    nodes = lesson.program.nodes
    v = nodes[0]
    d = next((g for g in (f"d{n}" for n in reversed(nodes[:-1])) if g in grads), grads[0] if grads else f"d{v}")
    forms = [
        Form("a number, or arithmetic", "-2.5   2*(3-4.25)   1e-3", "three significant digits are enough"),
        Form("a vector, a matrix", "[1, 2]   [[1, 2], [3, 4]]", "a flat list stands for a row or a column"),
        Form("a name: its forward value", ", ".join(values[:6]), "the value of that node, input or constant"),
        Form("d<name>: its delta", d, f"∂{lesson.output}/∂{d[1:]}, as in NumPy code"),
        Form("+ - * / ** (or ^)", f"2*({v} - 1)^2", "entry by entry, with NumPy broadcasting"),
    ]
    if matrix is not None:
        forms += [
            Form("@, .T", f"{matrix}.T @ {d}", "the matrix product, the transpose"),
            Form("sum(M, 0), mean(M, 0)", f"sum({d}, 0)", "down the columns (over the batch), keeping a row"),
            Form(
                "NumPy's methods and keywords",
                f"{d}.sum(axis=0, keepdims=True)   {matrix}.T.dot({d})",
                "as in NumPy: without keepdims the axis is dropped",
            ),
        ]
    words = vocabulary()
    functions = ", ".join(f"{f}(…)" for f in words.functions)
    spaces = sorted({alias.split(".")[0] for alias in words.spellings})
    forms += [
        Form("functions", functions, "σ is sigmoid"),
        Form("NumPy, PyTorch", "   ".join(_example(s, words.spellings) for s in spaces), "mean what they mean there"),
    ]
    forms += [Form(f"{n}: {m.of}", n, f"{m.number:g} in this lesson") for n, m in numbers]
    return forms


def _example(space: str, spellings: Mapping[str, object]) -> str:
    """One function of a namespace, as typed: ``np.exp(…)``."""
    first = next(a for a in spellings if a.startswith(space + "."))
    return f"{first}(…)"
