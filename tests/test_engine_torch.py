"""The engine against PyTorch at 1e-12 (float64): every op (cases derived from OPS, see engine_cases.py) and the
awkward points of the per-op table EDGES."""

from __future__ import annotations

import numpy as np
import pytest
from engine_cases import EDGES, Case, cases, edge_cases, missing_cases, program

from tutor.engine import OPS, Program, run

torch = pytest.importorskip("torch")
from torch_ref import TORCH_OPS, torch_run  # noqa: E402

CASES = cases()
TOLERANCE = 1e-12


def agree_with_torch(prog: Program, vals: dict[str, np.ndarray]) -> None:
    """Every value and every gradient of the engine equals PyTorch's."""
    trace = run(prog, vals)
    tv, tg = torch_run(prog, vals)
    for n, v in trace.values.items():
        np.testing.assert_allclose(v, tv[n], rtol=TOLERANCE, atol=TOLERANCE, err_msg=f"value {n}")
    assert trace.grads.keys() == tg.keys()
    for n, g in trace.grads.items():
        np.testing.assert_allclose(g, tg[n], rtol=TOLERANCE, atol=TOLERANCE, err_msg=f"grad {n}")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_engine_agrees_with_pytorch(case: Case):
    agree_with_torch(case.program(), case.values())


@pytest.mark.parametrize("case", edge_cases(), ids=lambda c: c.id)
def test_engine_agrees_with_pytorch_where_ops_are_easy_to_get_wrong(case: Case):
    """Ties, zeros in a product, a condition of 0, a kink: the points of the per-op table EDGES."""
    agree_with_torch(case.program(), case.values())


def test_every_edge_is_an_op_of_the_table():
    assert set(EDGES) <= set(OPS)


def test_the_reference_covers_every_op():
    assert set(TORCH_OPS) == set(OPS)


def test_every_op_and_every_input_has_a_pytorch_case():
    assert not missing_cases({(c.op, c.wrt) for c in CASES})


def test_binary_cross_entropy_with_labels_as_targets():
    """The usual use: probabilities against 0/1 labels (a constant), as the shipped lessons have it."""
    rng = np.random.default_rng(3)
    for shape in [(), (3,), (4, 1), (2, 3)]:
        vals = {"p": rng.uniform(0.1, 0.9, size=shape), "t": rng.integers(0, 2, size=shape).astype(float)}
        agree_with_torch(program(("p",), ("t",), ["L = bce(p, t)"]), vals)


def test_cross_entropy_of_one_hot_rows_is_pytorchs_with_class_labels():
    """F.cross_entropy(Z, labels) is what a course means by the loss; one-hot rows Y give the same number."""
    z = np.array([[2.0, 0.5, -1.0], [0.0, 1.5, 0.3]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    trace = run(program(("z",), ("y",), ["L = cross_entropy(z, y)"]), {"z": z, "y": y})
    labels = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor([0, 2]))
    assert float(trace.values["L"]) == pytest.approx(float(labels), rel=1e-12)


def test_fan_out_and_a_textbook_chain():
    fan_out = program(("x", "y"), (), ["q = x * y", "s = q + x", "L = s ** 2"])
    agree_with_torch(fan_out, {"x": np.array(1.5), "y": np.array(-2.0)})
    chain = program(("x1", "x2"), (), ["u = 3 * x2", "y = x1 + u", "z = y ** 2"])
    agree_with_torch(chain, {"x1": np.array(1.0), "x2": np.array(2.0)})
