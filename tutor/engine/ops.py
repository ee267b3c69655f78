"""The op table: every op's forward, vector-Jacobian product, local-derivative text and PyTorch spelling.

Nothing about an op lives anywhere else. A VJP takes ``(g, ans, *args)`` (the upstream gradient, the
op's output and its input values) and returns one gradient per input, shaped like the *output*
for broadcasting ops; :func:`tutor.engine.node.unbroadcast` undoes broadcasting in one place.

``local`` holds, per input, the local derivative as a person writes it, with ``{0}``, ``{1}`` ... for
the input's names and ``{out}`` for the node's own name. ``torch`` is a format string for the PyTorch
spelling of the op, with ``{0}``, ``{1}`` for the operands and ``{axis}`` for sum and mean;
``torch_broadcast`` is the spelling for operands of different shapes where PyTorch does not broadcast
(its losses want the target shaped like the prediction). ``shape`` gives the output's shape from the
inputs' shapes (and the axis) without computing anything, or raises :class:`ShapeMismatch` saying why
the shapes do not fit: :mod:`tutor.engine.shapes` uses it to check sizes before any array is built.

For the grader's diagnoses: ``local_out`` writes the local derivative through the op's output where
that is how people write it (σ: ``{out}(1 − {out})``); the grader derives the slip "derivative taken
at the input instead" by calling the VJP with the input in place of the output. ``slips`` are other
typical wrong derivatives of the op (a wrong VJP and the sentence that corrects it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray
VJP = Callable[..., tuple[Array, ...]]
Shape = tuple[int, ...]


class ShapeMismatch(ValueError):
    """Operand shapes an op cannot take; the message says which shapes and why."""


def fmt_shape(shape: Shape) -> str:
    """A shape as a learner reads it: ``scalar``, ``3`` (a vector), ``2×3``."""
    if len(shape) == 0:
        return "scalar"
    return "×".join(str(n) for n in shape)


def same_shape(a: Shape, axis: int | None = None) -> Shape:
    """Elementwise ops of one operand (and softmax): the output has the operand's shape."""
    return a


def broadcast_shape(symbol: str) -> Callable[..., Shape]:
    """Elementwise ops of two operands: NumPy broadcasting."""

    def shape(a: Shape, b: Shape, axis: int | None = None) -> Shape:
        try:
            return tuple(np.broadcast_shapes(a, b))
        except ValueError:
            raise ShapeMismatch(f"shapes {fmt_shape(a)} and {fmt_shape(b)} do not broadcast for {symbol}") from None

    return shape


def matmul_shape(a: Shape, b: Shape, axis: int | None = None) -> Shape:
    """``a @ b`` for vectors and matrices: the inner sizes must agree, and a vector's axis is dropped."""
    if len(a) == 0 or len(b) == 0:
        raise ShapeMismatch(f"@ needs vectors or matrices, got shapes {fmt_shape(a)} and {fmt_shape(b)}")
    inner_a = a[-1]
    inner_b = b[0] if len(b) == 1 else b[-2]
    if inner_a != inner_b:
        raise ShapeMismatch(
            f"shapes {fmt_shape(a)} and {fmt_shape(b)} do not match for @ ({inner_a} columns against {inner_b} rows)"
        )
    return (*a[:-1], *b[:-2], *b[-1:]) if len(b) >= 2 else tuple(a[:-1])


def transpose_shape(a: Shape, axis: int | None = None) -> Shape:
    """``a.T`` swaps the last two axes; a scalar or a vector is unchanged."""
    return (*a[:-2], a[-1], a[-2]) if len(a) >= 2 else a


def reduce_shape(name: str) -> Callable[..., Shape]:
    """``sum``/``mean``: a scalar, or with an axis the operand's shape with that axis kept as 1."""

    def shape(a: Shape, axis: int | None = None) -> Shape:
        if axis is None:
            return ()
        if len(a) == 0 or (axis == 1 and len(a) < 2):
            raise ShapeMismatch(f"{name}(x, {axis}) needs x with that axis; x has shape {fmt_shape(a)}")
        out = list(a)
        out[axis] = 1
        return tuple(out)

    return shape


def loss_shape(name: str) -> Callable[..., Shape]:
    """A loss of a prediction and a target: the two broadcast, the result is a scalar."""
    check = broadcast_shape(name)

    def shape(a: Shape, b: Shape, axis: int | None = None) -> Shape:
        check(a, b)
        return ()

    return shape


@dataclass(frozen=True)
class Slip:
    """A typical wrong derivative of an op: the VJP as a learner might get it wrong, and the correction."""

    id: str
    vjp: VJP
    message: str  # with {0}, {1}, {out} as in Op.local


@dataclass(frozen=True)
class Op:
    """One operation of the language."""

    name: str
    forward: Callable[..., Array]
    vjp: VJP
    shape: Callable[..., Shape]
    local: tuple[str, ...]
    torch: str
    elementwise: bool
    doc: str
    symbol: str = ""  # the infix symbol for operators (+ - * / ** @)
    takes_axis: bool = False  # sum and mean take an optional integer axis, kept as a static argument
    torch_axis: str = ""  # the PyTorch spelling when an axis is given
    torch_broadcast: str = ""  # the PyTorch spelling when the operands' shapes differ (torch will not broadcast)
    requires: tuple[str, ...] = field(default_factory=tuple)  # domain notes, e.g. "x > 0"
    local_out: str = ""  # the local derivative written through the output, e.g. "{out}(1 − {out})"
    slips: tuple[Slip, ...] = ()  # typical wrong derivatives, for the grader's diagnoses


def _sigmoid_fwd(x: Array) -> Array:
    # 1/(1 + e^(-x)): for very negative x, e^(-x) overflows to inf and the result is the correct 0
    # (callers run under np.errstate(all="ignore")); one pass, no masks, so it stays fast.
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _softmax(z: Array) -> Array:
    z = np.asarray(z, dtype=float)
    if z.ndim == 0:
        return np.ones_like(z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_vjp(g: Array, ans: Array, z: Array) -> tuple[Array]:
    if ans.ndim == 0:
        return (np.zeros_like(g),)
    return (ans * (g - (g * ans).sum(axis=-1, keepdims=True)),)


def _matmul_vjp(g: Array, ans: Array, a: Array, b: Array) -> tuple[Array, Array]:
    if a.ndim == 1 and b.ndim == 1:
        return g * b, g * a
    if a.ndim == 1:
        return g @ b.T, np.outer(a, g)
    if b.ndim == 1:
        return np.outer(g, b), a.T @ g
    return g @ np.swapaxes(b, -1, -2), np.swapaxes(a, -1, -2) @ g


def _pow_vjp(g: Array, ans: Array, a: Array, b: Array) -> tuple[Array, Array]:
    da = g * b * np.power(a, b - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1.0)), 0.0)
    return da, g * ans * log_a


def _reduce_vjp(mean: bool) -> VJP:
    def vjp(g: Array, ans: Array, x: Array, axis: int | None = None) -> tuple[Array]:
        count = x.size if axis is None else x.shape[axis]
        scale = 1.0 / count if mean else 1.0
        return (np.broadcast_to(g * scale, x.shape).copy(),)

    return vjp


def _bce(p: Array, t: Array) -> Array:
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


def _bce_vjp(g: Array, ans: Array, p: Array, t: Array) -> tuple[Array, Array]:
    both = np.broadcast(p, t)
    dp = g * (p - t) / (p * (1 - p)) / both.size
    dt = np.broadcast_to(g * (np.log(1 - p) - np.log(p)) / both.size, both.shape)  # shaped like the output, as dp
    return dp, dt


def _mse_vjp(g: Array, ans: Array, p: Array, t: Array) -> tuple[Array, Array]:
    n = np.broadcast(p, t).size
    d = 2 * g * (p - t) / n
    return d, -d


def _relu_grad(x: Array) -> Array:
    return (x > 0).astype(float)


OPS: dict[str, Op] = {
    op.name: op
    for op in [
        Op(
            "add",
            np.add,
            lambda g, ans, a, b: (g, g),
            broadcast_shape("+"),
            ("1", "1"),
            "{0} + {1}",
            True,
            "a + b",
            symbol="+",
        ),
        Op(
            "sub",
            np.subtract,
            lambda g, ans, a, b: (g, -g),
            broadcast_shape("-"),
            ("1", "−1"),
            "{0} - {1}",
            True,
            "a − b",
            symbol="-",
        ),
        Op(
            "mul",
            np.multiply,
            lambda g, ans, a, b: (g * b, g * a),
            broadcast_shape("*"),
            ("{1}", "{0}"),
            "{0} * {1}",
            True,
            "a·b, elementwise",
            symbol="*",
        ),
        Op(
            "div",
            np.divide,
            lambda g, ans, a, b: (g / b, -g * a / (b * b)),
            broadcast_shape("/"),
            ("1/{1}", "−{0}/{1}²"),
            "{0} / {1}",
            True,
            "a / b, elementwise",
            symbol="/",
        ),
        Op(
            "pow",
            np.power,
            _pow_vjp,
            broadcast_shape("**"),
            ("{1}·{0}^({1}−1)", "{0}^{1}·log({0})"),
            "{0} ** {1}",
            True,
            "a ** b, elementwise",
            symbol="**",
            slips=(
                Slip(
                    "power-not-down",
                    lambda g, ans, a, b: (g * np.power(a, b - 1), np.zeros_like(ans)),
                    "you left out the exponent in front: the power rule is d/du uⁿ = n·uⁿ⁻¹, here {1}·{0}^({1}−1)",
                ),
                Slip(
                    "power-not-lowered",
                    lambda g, ans, a, b: (g * b * ans, np.zeros_like(ans)),
                    "you kept the exponent at {1}: the power rule lowers it by one, d/du uⁿ = n·uⁿ⁻¹, "
                    "here {1}·{0}^({1}−1)",
                ),
            ),
        ),
        Op(
            "neg",
            np.negative,
            lambda g, ans, a: (-g,),
            same_shape,
            ("−1",),
            "-{0}",
            True,
            "−a",
        ),
        Op(
            "matmul",
            np.matmul,
            _matmul_vjp,
            matmul_shape,
            ("(Jacobian: ∂L/∂{0} = ∂L/∂{out} @ {1}ᵀ)", "(Jacobian: ∂L/∂{1} = {0}ᵀ @ ∂L/∂{out})"),
            "{0} @ {1}",
            False,
            "matrix product",
            symbol="@",
        ),
        Op(
            "transpose",
            lambda a: np.swapaxes(a, -1, -2) if a.ndim >= 2 else a,
            lambda g, ans, a: (np.swapaxes(g, -1, -2) if g.ndim >= 2 else g,),
            transpose_shape,
            ("(Jacobian: a permutation)",),
            "{0}.T",
            False,
            "aᵀ, swaps the last two axes",
        ),
        Op(
            "exp",
            np.exp,
            lambda g, ans, a: (g * ans,),
            same_shape,
            ("exp({0})",),
            "torch.exp({0})",
            True,
            "eˣ",
        ),
        Op(
            "log",
            np.log,
            lambda g, ans, a: (g / a,),
            same_shape,
            ("1/{0}",),
            "torch.log({0})",
            True,
            "natural logarithm",
            requires=("x > 0",),
        ),
        Op(
            "sqrt",
            np.sqrt,
            lambda g, ans, a: (g / (2 * ans),),
            same_shape,
            ("1/(2·√{0})",),
            "torch.sqrt({0})",
            True,
            "square root",
            requires=("x > 0",),
        ),
        Op(
            "abs",
            np.abs,
            lambda g, ans, a: (g * np.sign(a),),
            same_shape,
            ("sign({0})",),
            "torch.abs({0})",
            True,
            "absolute value (kink at 0)",
        ),
        Op(
            "sin",
            np.sin,
            lambda g, ans, a: (g * np.cos(a),),
            same_shape,
            ("cos({0})",),
            "torch.sin({0})",
            True,
            "sine",
        ),
        Op(
            "cos",
            np.cos,
            lambda g, ans, a: (-g * np.sin(a),),
            same_shape,
            ("−sin({0})",),
            "torch.cos({0})",
            True,
            "cosine",
        ),
        Op(
            "tanh",
            np.tanh,
            lambda g, ans, a: (g * (1 - ans * ans),),
            same_shape,
            ("1 − tanh²({0})",),
            "torch.tanh({0})",
            True,
            "hyperbolic tangent",
            local_out="1 − {out}²",
        ),
        Op(
            "sigmoid",
            _sigmoid_fwd,
            lambda g, ans, a: (g * ans * (1 - ans),),
            same_shape,
            ("σ({0})(1 − σ({0}))",),
            "torch.sigmoid({0})",
            True,
            "σ(x) = 1/(1 + e⁻ˣ)",
            local_out="{out}(1 − {out})",
        ),
        Op(
            "relu",
            lambda a: np.maximum(a, 0.0),
            lambda g, ans, a: (g * _relu_grad(a),),
            same_shape,
            ("1 if {0} > 0 else 0",),
            "torch.relu({0})",
            True,
            "max(x, 0) (kink at 0)",
        ),
        Op(
            "sum",
            lambda a, axis=None: np.sum(a) if axis is None else np.sum(a, axis=axis, keepdims=True),
            _reduce_vjp(mean=False),
            reduce_shape("sum"),
            ("1",),
            "{0}.sum()",
            False,
            "sum(x): all entries; sum(x, 0): down each column (over the batch), keeping a row",
            takes_axis=True,
            torch_axis="{0}.sum({axis}, keepdim=True)",
        ),
        Op(
            "mean",
            lambda a, axis=None: np.mean(a) if axis is None else np.mean(a, axis=axis, keepdims=True),
            _reduce_vjp(mean=True),
            reduce_shape("mean"),
            ("1/N",),
            "{0}.mean()",
            False,
            "mean(x): of all entries; mean(x, 0): of each column, keeping a row",
            takes_axis=True,
            torch_axis="{0}.mean({axis}, keepdim=True)",
        ),
        Op(
            "bce",
            _bce,
            _bce_vjp,
            loss_shape("bce"),
            ("(p − t)/(N·p(1 − p))", "(log(1 − p) − log p)/N"),
            "F.binary_cross_entropy({0}, {1})",
            False,
            "mean binary cross-entropy −mean(t·log p + (1 − t)·log(1 − p))",
            requires=("0 < p < 1",),
            torch_broadcast="F.binary_cross_entropy(*torch.broadcast_tensors({0}, {1}))",
        ),
        Op(
            "mse",
            lambda p, t: np.mean((p - t) ** 2),
            _mse_vjp,
            loss_shape("mse"),
            ("2(p − t)/N", "−2(p − t)/N"),
            "F.mse_loss({0}, {1})",
            False,
            "mean squared error mean((p − t)²)",
            torch_broadcast="F.mse_loss(*torch.broadcast_tensors({0}, {1}))",
        ),
        Op(
            "softmax",
            _softmax,
            _softmax_vjp,
            same_shape,
            ("(Jacobian: diag(s) − s sᵀ per row)",),
            "torch.softmax({0}, dim=-1)",
            False,
            "softmax along each row",
        ),
    ]
}

#: Infix operators of the language to op names.
BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "@": "matmul"}
