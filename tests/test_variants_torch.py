"""A sample of every shipped lesson's variants: each passes the linter with no warning and agrees with PyTorch
(values and gradients of every node). benchmarks/variants.py runs 1,000 variants of each."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHIPPED
from torch_ref import torch_run

from tutor.authoring.lint import lint
from tutor.authoring.variants import variant
from tutor.course import load_lesson, solve

VARIED = [p for p in SHIPPED if "\nvary:" in p.read_text(encoding="utf-8")]
SAMPLE = range(1, 41)  # variants 1..40 of each; seeded, so a failure names the variant to look at


@pytest.mark.parametrize("path", VARIED, ids=lambda p: p.stem)
def test_variants_pass_the_linter_and_agree_with_pytorch(path):
    lesson = load_lesson(path)
    seen = set()
    for k in SAMPLE:
        v = variant(lesson, k)
        assert lint(v) == [], f"{path.stem} variant {k}"
        trace = solve(v).trace
        values, grads = torch_run(v.program, v.leaf_values())
        for name, value in trace.values.items():
            assert np.allclose(value, values[name], rtol=1e-9, atol=1e-12), f"{path.stem} variant {k}: {name}"
        for name, grad in trace.grads.items():
            assert np.allclose(grad, grads[name], rtol=1e-7, atol=1e-10), f"{path.stem} variant {k}: d{name}"
        seen.add(tuple(np.concatenate([np.ravel(x) for x in v.leaf_values().values()])))
    assert len(seen) >= 10, f"{path.stem}: the variants hardly differ"  # mse-vs-bce, the smallest, has 14
