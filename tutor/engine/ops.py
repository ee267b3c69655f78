"""The op table: the one place an op is described. Nothing about an op lives anywhere else.

Each :class:`Op` entry, by keyword, holds:

* what the op computes: ``forward``, its ``vjp`` (vector-Jacobian product), the ``shape`` rule that gives the
  output's shape from the inputs' shapes before anything is computed, and the ``work`` it costs beyond
  reading and writing entries;
* how the language writes it: ``syntax`` (a call, an infix, prefix or postfix operator), ``symbol``, the maths
  ``display`` (``σ``), the ``aliases`` the reader accepts, ``arity`` and ``takes_axis``; these are handed to
  :mod:`tutor.lang.vocabulary` when this module is imported, so the parser and the printer derive from here;
* how a learner writes its derivative: ``local`` (one text per operand, ``{0}``, ``{1}`` for the operands'
  names, ``{out}`` for the node's), ``local_out`` (through the output: σ as ``{out}(1 − {out})``) and the
  ``slips``, typical wrong derivatives with their diagnosis, and ``misvalues``, typical wrong forward values;
* how PyTorch writes it: ``torch``, a :class:`Torch` spelling with its form, so that code generation never
  guesses from a template, and the name of the backward node PyTorch records for it (``y.grad_fn``);
* what the linter and the loader need to know: ``kink``, ``saturation``, ``underflows``, ``forgotten``,
  ``product``, ``factor``, ``stops`` (the operands no gradient reaches) and ``differentiable``.

A VJP takes ``(g, ans, *args)`` (the upstream gradient, the op's output and its operands' values, and
``axis=`` for ops that take one) and returns one gradient per operand, shaped like the *output* for
broadcasting ops; :func:`tutor.engine.node.unbroadcast` undoes broadcasting in one place. An entry that
contradicts itself (a ``local`` text per operand missing, an infix op without a symbol ...) fails at import,
naming the op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod

import numpy as np

from tutor.lang.vocabulary import Word, install

Array = np.ndarray
VJP = Callable[..., tuple[Array, ...]]
Shape = tuple[int, ...]

SYNTAX = ("call", "infix", "prefix", "postfix", "none")
TORCH_FORMS = ("infix", "prefix", "function", "method")


class ShapeMismatch(ValueError):
    """Operand shapes an op cannot take; the message says which shapes and why."""


def fmt_shape(shape: Shape) -> str:
    """A shape as a learner reads it: ``scalar``, ``3`` (a vector), ``2×3``."""
    if len(shape) == 0:
        return "scalar"
    return "×".join(str(n) for n in shape)


# ---------------------------------------------------------------- shape rules


def same_shape(a: Shape, axis: int | None = None) -> Shape:
    """Elementwise ops of one operand: the output has the operand's shape."""
    return a


def _needs_axis(name: str, a: Shape, axis: int | None) -> None:
    """Refuse an axis the operand does not have (a scalar has none, a vector only 0 and -1)."""
    if axis is not None and (len(a) == 0 or (axis == 1 and len(a) < 2)):
        raise ShapeMismatch(f"{name}(x, {axis}) needs x with that axis; x has shape {fmt_shape(a)}")


def along_axis(name: str) -> Callable[..., Shape]:
    """Ops along an axis that keep the operand's shape (softmax): the axis must exist."""

    def shape(a: Shape, axis: int | None = None) -> Shape:
        _needs_axis(name, a, axis)
        return a

    return shape


def broadcast_shape(symbol: str) -> Callable[..., Shape]:
    """Elementwise ops of several operands: NumPy broadcasting."""

    def shape(*shapes: Shape, axis: int | None = None) -> Shape:
        try:
            return tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            listed = ", ".join(fmt_shape(s) for s in shapes[:-1])
            raise ShapeMismatch(f"shapes {listed} and {fmt_shape(shapes[-1])} do not broadcast for {symbol}") from None

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


def matmul_work(inputs: tuple[Shape, ...], out: Shape) -> int:
    """A matrix product's multiply-adds: every entry of ``a`` meets a whole row of ``b``."""
    a, b = inputs
    return prod(a) * (b[-1] if len(b) >= 2 else 1)


def dot_shape(a: Shape, b: Shape, axis: int | None = None) -> Shape:
    """``dot(a, b)``: two vectors of one length give a number."""
    if len(a) != 1 or a != b:
        raise ShapeMismatch(
            f"dot(a, b) needs two vectors of the same length, got shapes {fmt_shape(a)} and {fmt_shape(b)}"
        )
    return ()


def transpose_shape(a: Shape, axis: int | None = None) -> Shape:
    """``a.T`` swaps the last two axes; a scalar or a vector is unchanged."""
    return (*a[:-2], a[-1], a[-2]) if len(a) >= 2 else a


def reduce_shape(name: str) -> Callable[..., Shape]:
    """``sum``/``mean``/``prod``: a scalar, or with an axis the operand's shape with that axis kept as 1."""

    def shape(a: Shape, axis: int | None = None) -> Shape:
        if axis is None:
            return ()
        _needs_axis(name, a, axis)
        out = list(a)
        out[axis] = 1
        return tuple(out)

    return shape


def squeeze_shape(a: Shape, axis: int | None = None) -> Shape:
    """``squeeze(x, axis)`` drops that axis, which must have length 1; ``squeeze(x)`` drops every such axis."""
    if axis is None:
        return tuple(n for n in a if n != 1)
    _needs_axis("squeeze", a, axis)
    if a[axis] != 1:
        raise ShapeMismatch(f"squeeze(x, {axis}) drops an axis of length 1; x has shape {fmt_shape(a)}")
    out = list(a)
    del out[axis]
    return tuple(out)


def diag_shape(a: Shape, axis: int | None = None) -> Shape:
    """``diag(v)``: a square matrix with as many rows as v has entries."""
    n = prod(a)
    return (n, n)


def loss_shape(name: str) -> Callable[..., Shape]:
    """A loss of a prediction and a target: the two broadcast, the result is a scalar."""
    check = broadcast_shape(name)

    def shape(a: Shape, b: Shape, axis: int | None = None) -> Shape:
        check(a, b)
        return ()

    return shape


def cross_entropy_shape(z: Shape, y: Shape, axis: int | None = None) -> Shape:
    """``cross_entropy(Z, Y)``: logits and targets of one shape, a vector or one row per sample; a number."""
    if z != y or len(z) not in (1, 2):
        raise ShapeMismatch(
            "cross_entropy(Z, Y) needs logits Z and targets Y of the same shape, a vector or a matrix with one "
            f"row per sample; got {fmt_shape(z)} and {fmt_shape(y)}"
        )
    return ()


# ---------------------------------------------------------------- the parts of an entry


@dataclass(frozen=True, kw_only=True)
class Slip:
    """A typical wrong derivative of an op: the VJP as a learner might get it wrong, and the correction."""

    id: str
    diagnosis: str  # the grader's diagnosis id; several slips may share one ("power")
    vjp: VJP
    #: with {0}, {1}, {out} as in Op.local, {at0}, {at1} for "y = 7" (where to evaluate), {wrt} for the operand
    #: differentiated by ("x, the factor you differentiate by")
    message: str
    rule: str = ""  # the rule the slip breaks, said first ("Power rule: ..."); none: the message stands alone
    formula: str = ""  # the right derivative, as the message's end; the grader holds it back on a first try


@dataclass(frozen=True, kw_only=True)
class Misvalue:
    """A typical wrong forward value of an op: what a learner computes instead (``forward`` of the operands' values),
    and the correction."""

    id: str
    diagnosis: str  # the grader's diagnosis id
    forward: Callable[..., Array]
    message: str  # with {0}, {1}, {out} as in Op.local
    formula: str = ""  # what gives the answer away, held back by the grader on a first try
    slip: str = ""  # for authors, after "a learner who": the slip in a few words (default: the message's first clause)


@dataclass(frozen=True, kw_only=True)
class Torch:
    """How PyTorch writes an op: a template with ``{0}``, ``{1}`` ... for the operands, and its form.

    ``function`` (``torch.exp({0})``) and ``method`` (``{0}.sum()``) forms take tensors; ``infix`` and
    ``prefix`` forms are Python operators (``operator``), which code generation parenthesizes by Python's
    precedence.
    """

    form: str  # "infix", "prefix", "function" or "method"
    code: str
    operator: str = ""  # infix and prefix: the Python operator
    axis: str = ""  # the spelling when an axis is given, with {axis}
    broadcast: str = ""  # the spelling for operands of different shapes, where PyTorch will not broadcast
    min_ndim: int = 0  # below this many dimensions the op changes nothing and PyTorch is not asked (x.T)
    #: the name of the backward node PyTorch records for it (``y.grad_fn``), "" where it records none (the
    #: result requires no grad); ``grad_fn_of`` picks among PyTorch's variants by the operands as the script
    #: writes them: each operand's number of dimensions, or None for a plain Python number, and the axis
    grad_fn: str = ""
    grad_fn_of: Callable[[tuple[int | None, ...], int | None], str] | None = None
    module: str = ""  # the torch.nn layer or loss that computes it alone, for an nn.Sequential (nn.Sigmoid())

    def backward_name(self, operands: tuple[int | None, ...], axis: int | None = None) -> str:
        """The name of PyTorch's backward node for these operands (``MulBackward0``), "" for none."""
        return self.grad_fn_of(operands, axis) if self.grad_fn_of is not None else self.grad_fn


def _by_axis(name: str) -> Callable[[tuple[int | None, ...], int | None], str]:
    """A reduction's backward node: ``SumBackward0`` over every entry, ``SumBackward1`` along a dimension."""
    return lambda operands, axis: f"{name}Backward{0 if axis is None else 1}"


def _matmul_backward(operands: tuple[int | None, ...], axis: int | None = None) -> str:
    """``@`` is four ops in PyTorch: matrix–matrix, matrix–vector, vector–vector, and vector–matrix (squeezed)."""
    names: dict[tuple[int | None, ...], str] = {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0"}
    return names.get(tuple(operands), "SqueezeBackward4")


def _number_on_the_left(tensor: str, number: str) -> Callable[[tuple[int | None, ...], int | None], str]:
    """``1 - x`` is ``x.__rsub__(1)`` in Python, another backward node than ``x - 1``."""
    return lambda operands, axis: number if operands[0] is None else tensor


def _pow_backward(operands: tuple[int | None, ...], axis: int | None = None) -> str:
    """``x ** 2``, ``x ** y`` and ``2 ** x`` are three overloads of pow, each with its own backward node."""
    return "PowBackward2" if operands[0] is None else "PowBackward0" if operands[1] is None else "PowBackward1"


@dataclass(frozen=True, kw_only=True)
class Kink:
    """Where an op's derivative (or value) jumps, for the linter: where ``at(*operands)`` is 0."""

    at: Callable[..., Array]
    what: str  # "its argument is 0"
    convention: str  # what the engine does there, and why a learner may differ
    fix: str  # what the author should do
    word: str = "kink"


@dataclass(frozen=True, kw_only=True)
class Saturation:
    """How small the op's local derivative gets, for the linter: ``size(x)`` entry by entry, and the advice."""

    size: Callable[..., Array]  # of the operand's value (and axis=, for ops that take one)
    advice: str


@dataclass(frozen=True, kw_only=True)
class Forgotten:
    """A forward value with one operand forgotten, for the linter: what the rest gives without it."""

    operand: int
    word: str  # what the operand is called: "term", "factor", "divisor"
    rest: Callable[..., Array]  # the line's value without it, from the operands' values


@dataclass(frozen=True, kw_only=True)
class Op:
    """One operation: what it computes, how the language, a learner and PyTorch write it, what checks need."""

    name: str
    doc: str
    arity: tuple[int, int]  # least and most arguments the language passes (an axis is the optional last one)
    forward: Callable[..., Array]
    vjp: VJP
    shape: Callable[..., Shape]
    local: tuple[str, ...]  # one per operand
    torch: Torch
    elementwise: bool
    syntax: str = "call"  # "call", "infix", "prefix", "postfix"; "none": the language has no spelling
    symbol: str = ""  # the operator of infix, prefix and postfix ops
    display: str = ""  # the maths printout, where it differs from the typed one ("σ", " − ", "·", "ᵀ")
    typed: str = ""  # the typed printout of an operator, where it is not the symbol between spaces ("**")
    #: other spellings the reader takes for it: characters ("σ", "×"), NumPy and PyTorch functions ("np.exp",
    #: "torch.sigmoid", "F.relu") and methods (".sum", ".dot"), which mean what they mean there
    aliases: tuple[str, ...] = ()
    superscript: bool = False  # the maths printout writes a small whole right operand as a superscript (x²)
    takes_axis: bool = False  # an optional integer axis, kept as a static argument
    reduces: bool = False  # it reduces along that axis, keeping it (NumPy's spellings drop it unless keepdims=True)
    params: tuple[str, ...] = ()  # the operands' names in the documentation ("p", "t"); default x, or a, b ...
    work: Callable[[tuple[Shape, ...], Shape], int] | None = None  # work beyond reading and writing entries
    requires: tuple[str, ...] = ()  # domain notes, e.g. "x > 0"
    local_out: str = ""  # the local derivative written through the output, e.g. "{out}(1 − {out})"
    slips: tuple[Slip, ...] = ()
    misvalues: tuple[Misvalue, ...] = ()  # typical wrong forward values, for the grader's forward-value steps
    factor: int | None = None  # the operand a learner may drop as a constant factor (a power's exponent)
    kink: Kink | None = None
    saturation: Saturation | None = None
    underflows: bool = False  # its local derivative underflows to exactly 0 for large arguments (the loader says so)
    forgotten: tuple[Forgotten, ...] = ()
    product: bool = False  # a product: a name used as an operand is a weight (for the linter)
    stops: tuple[int, ...] = ()  # operands no gradient reaches (detach, heaviside, where's condition)
    differentiable: bool = True  # False: the VJP is not the derivative of the forward (detach), by design

    def __post_init__(self) -> None:
        """Refuse an entry that contradicts itself, naming the op."""
        operands = len(self.local)
        problems = []
        if self.arity != (operands, operands + self.takes_axis):
            problems.append(f"arity {self.arity} does not fit {operands} local texts and takes_axis={self.takes_axis}")
        if self.syntax not in SYNTAX:
            problems.append(f"unknown syntax {self.syntax!r}")
        if self.syntax in ("infix", "prefix", "postfix") and not self.symbol:
            problems.append(f"a {self.syntax} op needs a symbol")
        if self.syntax == "infix" and operands != 2:
            problems.append("an infix op takes two operands")
        if self.torch.form not in TORCH_FORMS:
            problems.append(f"unknown torch form {self.torch.form!r}")
        if self.torch.form in ("infix", "prefix") and not self.torch.operator:
            problems.append("a PyTorch operator form needs its operator")
        if self.reduces and not self.takes_axis:
            problems.append("a reduction along an axis takes one (takes_axis)")
        if self.takes_axis and not self.torch.axis:
            problems.append("an op with an axis needs its PyTorch spelling with one")
        if self.params and len(self.params) != operands:
            problems.append("params names each operand once")
        if any(not 0 <= i < operands for i in (*self.stops, *(f.operand for f in self.forgotten))):
            problems.append("stops and forgotten name operands it does not have")
        if (len(set(self.stops)) < operands) != bool(self.torch.grad_fn or self.torch.grad_fn_of):
            problems.append("PyTorch records a backward node (torch.grad_fn) exactly where a gradient passes")
        if problems:
            raise ValueError(f"op {self.name}: " + "; ".join(problems))

    @property
    def operands(self) -> int:
        """How many values the op takes (an axis is not one)."""
        return len(self.local)

    @property
    def names(self) -> tuple[str, ...]:
        """The operands' names as the documentation writes them: ``params``, else ``x`` or ``a, b, c``."""
        return self.params or (("x",) if self.operands == 1 else ("a", "b", "c", "d")[: self.operands])

    def word(self) -> Word:
        """How the language writes this op, for :mod:`tutor.lang.vocabulary`."""
        if self.syntax == "call":
            return Word(
                "call",
                self.name,
                self.display or self.name,
                self.name,
                self.aliases,
                self.arity,
                takes_axis=self.takes_axis,
                reduces=self.reduces,
            )
        spaced = f" {self.symbol} " if self.syntax == "infix" else self.symbol
        typed = self.typed or spaced
        return Word(self.syntax, self.symbol, self.display or typed, typed, self.aliases, superscript=self.superscript)

    def spell(self, operands: list[str] | tuple[str, ...], axis: int | None = None) -> str:
        """The op applied to operands as a learner types it: ``a + b``, ``-a``, ``a.T``, ``sum(a, 0)``."""
        if self.syntax == "none":
            return operands[0]
        if self.syntax == "call":
            extra = [] if axis is None else [str(axis)]
            return f"{self.name}({', '.join([*operands, *extra])})"
        typed = self.word().plain
        if self.syntax == "infix":
            return f"{operands[0]}{typed}{operands[1]}"
        return f"{typed}{operands[0]}" if self.syntax == "prefix" else f"{operands[0]}{typed}"


# ---------------------------------------------------------------- forwards and VJPs


def _sigmoid_fwd(x: Array) -> Array:
    # 1/(1 + e^(-x)): for very negative x, e^(-x) overflows to inf and the result is the correct 0
    # (callers run under np.errstate(all="ignore")); one pass, no masks, so it stays fast.
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _sigmoid_slope(x: Array) -> Array:
    """σ'(x) = σ(x)(1 − σ(x))."""
    s = _sigmoid_fwd(x)
    return s * (1 - s)


def _softmax(z: Array, axis: int | None = None) -> Array:
    z = np.asarray(z, dtype=float)
    if z.ndim == 0:
        return np.ones_like(z)
    ax = -1 if axis is None else axis
    e = np.exp(z - z.max(axis=ax, keepdims=True))
    return e / e.sum(axis=ax, keepdims=True)


def _softmax_vjp(g: Array, ans: Array, z: Array, axis: int | None = None) -> tuple[Array]:
    if ans.ndim == 0:
        return (np.zeros_like(g),)
    ax = -1 if axis is None else axis
    return (ans * (g - (g * ans).sum(axis=ax, keepdims=True)),)


def _softmax_slope(z: Array, axis: int | None = None) -> Array:
    """The diagonal of softmax's Jacobian, s(1 − s): every entry of row i's Jacobian is at most s_i."""
    s = _softmax(z, axis)
    return s * (1 - s)


def _log_softmax(z: Array, axis: int | None = None) -> Array:
    z = np.asarray(z, dtype=float)
    if z.ndim == 0:
        return np.zeros_like(z)
    ax = -1 if axis is None else axis
    shifted = z - z.max(axis=ax, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=ax, keepdims=True))


def _log_softmax_vjp(g: Array, ans: Array, z: Array, axis: int | None = None) -> tuple[Array]:
    if ans.ndim == 0:
        return (np.zeros_like(g),)
    ax = -1 if axis is None else axis
    return (g - np.exp(ans) * g.sum(axis=ax, keepdims=True),)


def _rows(z: Array) -> int:
    """The samples of a cross-entropy: the rows of a matrix, one for a vector."""
    return z.shape[0] if z.ndim == 2 else 1


def _cross_entropy(z: Array, y: Array) -> Array:
    return -np.sum(y * _log_softmax(z)) / _rows(z)


def _cross_entropy_vjp(g: Array, ans: Array, z: Array, y: Array) -> tuple[Array, Array]:
    log_s = _log_softmax(z)
    n = _rows(z)
    dz = g * (np.exp(log_s) * y.sum(axis=-1, keepdims=True) - y) / n
    return dz, -g * log_s / n


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


def _squeeze(x: Array, axis: int | None = None) -> Array:
    return np.squeeze(x) if axis is None else np.squeeze(x, axis=axis)


def _mean(x: Array, axis: int | None = None) -> Array:
    return np.asarray(np.mean(x) if axis is None else np.mean(x, axis=axis, keepdims=True))


def _where(c: Array, a: Array, b: Array) -> Array:
    return np.where(c > 0, a, b)


def _prod(x: Array, axis: int | None = None) -> Array:
    return np.prod(x) if axis is None else np.prod(x, axis=axis, keepdims=True)


def _others(x: Array, axis: int) -> Array:
    """Each entry's product of the other entries along ``axis``, without dividing (exact with zeros)."""
    moved = np.moveaxis(x, axis, -1)
    ones = np.ones((*moved.shape[:-1], 1))
    before = np.cumprod(np.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, moved[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(before * after, -1, axis)


def _prod_vjp(g: Array, ans: Array, x: Array, axis: int | None = None) -> tuple[Array]:
    if axis is None:
        return (g * _others(x.reshape(-1), 0).reshape(x.shape),)
    return (g * _others(x, axis),)


def _bce(p: Array, t: Array) -> Array:
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))


def _bce_vjp(g: Array, ans: Array, p: Array, t: Array) -> tuple[Array, Array]:
    both = np.broadcast(p, t)
    dp = g * (p - t) / (p * (1 - p)) / both.size
    dt = np.broadcast_to(g * (np.log(1 - p) - np.log(p)) / both.size, both.shape)  # shaped like the output, as dp
    return dp, dt


def _bce_slip(dp: Callable[[Array, Array], Array], vanishes: Callable[[Array], bool] | None = None) -> VJP:
    """A wrong derivative of the binary cross-entropy by p: ``dp(p, t)`` per entry, with the mean's 1/N; NaN (no
    such mistake) where ``vanishes(t)``: a branch left out that is 0 for every label is not a mistake."""

    def vjp(g: Array, ans: Array, p: Array, t: Array) -> tuple[Array, Array]:
        both = np.broadcast(p, t)
        if vanishes is not None and vanishes(np.asarray(t)):
            return np.full(both.shape, np.nan), np.zeros(both.shape)
        return g * dp(p, t) / both.size, np.zeros(both.shape)

    return vjp


def _all_ones(t: Array) -> bool:
    """Every label is 1: the second branch of the cross-entropy, (1 − t)·…, is 0 throughout."""
    return bool(np.all(t == 1))


def _all_zeros(t: Array) -> bool:
    """Every label is 0: the first branch, t·…, is 0 throughout."""
    return bool(np.all(t == 0))


def _swapped(g: Array, ans: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """A dot product's derivative with the factors swapped (each vector times itself); NaN for matrices, where
    the swap has no shape that fits and so matches no answer."""
    if np.ndim(a) == 1 and np.shape(a) == np.shape(b):
        return g * a, g * b
    return np.full(np.shape(a), np.nan), np.full(np.shape(b), np.nan)


def _mse_vjp(g: Array, ans: Array, p: Array, t: Array) -> tuple[Array, Array]:
    n = np.broadcast(p, t).size
    d = 2 * g * (p - t) / n
    return d, -d


def _relu_grad(x: Array) -> Array:
    return (x > 0).astype(float)


def _pick(g: Array, loses: Array, tie: Array) -> Array:
    """The gradient of one side of maximum/minimum: none where it loses, half at a tie, else all (as PyTorch)."""
    return np.where(loses, 0.0, np.where(tie, g / 2, g))


def _softplus(x: Array) -> Array:
    # PyTorch's softplus: log(1 + eˣ), and x itself above the threshold 20, where they differ by < 1e-8
    x = np.asarray(x, dtype=float)
    return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


def _softplus_slope(x: Array) -> Array:
    """softplus'(x) = eˣ/(eˣ + 1) = σ(x), and 1 above the threshold, as PyTorch's backward computes it."""
    z = np.exp(np.minimum(x, 20))
    return np.where(x > 20, 1.0, z / (z + 1))


def _zero(g: Array, ans: Array, *args: Array) -> tuple[Array, ...]:
    """No gradient to any operand."""
    return tuple(np.zeros_like(g) for _ in args)


def _at_zero(x: Array, *rest: Array) -> Array:
    """Kinks at 0 of the first operand."""
    return x


# ---------------------------------------------------------------- the table

_AT_ZERO = "where the derivative is a convention (the engine and PyTorch use 0, a learner may say 1 or ½)"
_AWAY = "move the values away from 0"
_WITHIN_5 = "keep its argument within about ±5"
_ABOVE_14 = "keep its argument above about −14"

OPS: dict[str, Op] = {
    op.name: op
    for op in [
        Op(
            name="add",
            doc="a + b",
            syntax="infix",
            symbol="+",
            arity=(2, 2),
            forward=np.add,
            vjp=lambda g, ans, a, b: (g, g),
            shape=broadcast_shape("+"),
            local=("1", "1"),
            torch=Torch(form="infix", code="{0} + {1}", operator="+", grad_fn="AddBackward0"),
            elementwise=True,
            forgotten=(
                Forgotten(operand=1, word="term", rest=lambda a, b: a),
                Forgotten(operand=0, word="term", rest=lambda a, b: b),
            ),
        ),
        Op(
            name="sub",
            doc="a − b",
            syntax="infix",
            symbol="-",
            display=" − ",
            aliases=("−", "–"),
            arity=(2, 2),
            forward=np.subtract,
            vjp=lambda g, ans, a, b: (g, -g),
            shape=broadcast_shape("-"),
            local=("1", "−1"),
            torch=Torch(
                form="infix",
                code="{0} - {1}",
                operator="-",
                grad_fn_of=_number_on_the_left("SubBackward0", "RsubBackward1"),
            ),
            elementwise=True,
            forgotten=(
                Forgotten(operand=1, word="term", rest=lambda a, b: a),
                Forgotten(operand=0, word="term", rest=lambda a, b: -b),
            ),
        ),
        Op(
            name="mul",
            doc="a·b, elementwise",
            syntax="infix",
            symbol="*",
            display="·",
            aliases=("×", "·", "⋅", "⊙"),
            arity=(2, 2),
            forward=np.multiply,
            vjp=lambda g, ans, a, b: (g * b, g * a),
            shape=broadcast_shape("*"),
            local=("{1}", "{0}"),
            torch=Torch(form="infix", code="{0} * {1}", operator="*", grad_fn="MulBackward0"),
            elementwise=True,
            product=True,
            forgotten=(
                Forgotten(operand=1, word="factor", rest=lambda a, b: a),
                Forgotten(operand=0, word="factor", rest=lambda a, b: b),
            ),
            slips=(
                Slip(
                    id="swapped-factor",
                    diagnosis="swapped-factor",
                    vjp=lambda g, ans, a, b: (g * a, g * b),
                    message="you multiplied by {wrt}: the derivative of {0}·{1} by one factor is the other factor",
                ),
            ),
        ),
        Op(
            name="div",
            doc="a / b, elementwise",
            syntax="infix",
            symbol="/",
            arity=(2, 2),
            forward=np.divide,
            vjp=lambda g, ans, a, b: (g / b, -g * a / (b * b)),
            shape=broadcast_shape("/"),
            local=("1/{1}", "−{0}/{1}²"),
            torch=Torch(
                form="infix",
                code="{0} / {1}",
                operator="/",
                grad_fn_of=_number_on_the_left("DivBackward0", "MulBackward0"),
            ),
            elementwise=True,
            forgotten=(Forgotten(operand=1, word="divisor", rest=lambda a, b: a),),
        ),
        Op(
            name="pow",
            doc="a ** b, elementwise",
            syntax="infix",
            symbol="**",
            display="^",
            typed="**",
            superscript=True,
            aliases=("^",),
            arity=(2, 2),
            forward=np.power,
            vjp=_pow_vjp,
            shape=broadcast_shape("**"),
            local=("{1}·{0}^({1}−1)", "{0}^{1}·log({0})"),
            torch=Torch(form="infix", code="{0} ** {1}", operator="**", grad_fn_of=_pow_backward),
            elementwise=True,
            factor=1,
            slips=(
                Slip(
                    id="power-not-down",
                    diagnosis="power",
                    rule="Power rule",
                    vjp=lambda g, ans, a, b: (g * np.power(a, b - 1), np.zeros_like(ans)),
                    message="you left out the exponent in front: the power rule is d/du uⁿ = n·uⁿ⁻¹",
                    formula="here {1}·{0}^({1}−1)",
                ),
                Slip(
                    id="power-not-lowered",
                    diagnosis="power",
                    rule="Power rule",
                    vjp=lambda g, ans, a, b: (g * b * ans, np.zeros_like(ans)),
                    message="you kept the exponent at {1}: the power rule lowers it by one, d/du uⁿ = n·uⁿ⁻¹",
                    formula="here {1}·{0}^({1}−1)",
                ),
                Slip(
                    id="exponent-only",
                    diagnosis="slope-not-evaluated",
                    rule="Power rule",
                    vjp=lambda g, ans, a, b: (g * b * np.ones_like(a), np.zeros_like(ans)),
                    message="{1} is only the exponent brought down: the slope {1}·{0}^({1}−1) depends on {0}; "
                    "evaluate it at {at0}",
                ),
            ),
            misvalues=(
                Misvalue(
                    id="forgotten-power",
                    diagnosis="forgotten-power",
                    forward=lambda a, b: np.asarray(a, dtype=float),
                    message="that is {0} before the power: {out} raises it to the power {1}",
                    slip="forgets the power (types {0} for {out})",
                ),
            ),
        ),
        Op(
            name="neg",
            doc="−a",
            syntax="prefix",
            symbol="-",
            display="−",
            aliases=("−", "–"),
            arity=(1, 1),
            forward=np.negative,
            vjp=lambda g, ans, a: (-g,),
            shape=same_shape,
            local=("−1",),
            torch=Torch(form="prefix", code="-{0}", operator="-", grad_fn="NegBackward0"),
            elementwise=True,
        ),
        Op(
            name="matmul",
            doc="matrix product",
            syntax="infix",
            symbol="@",
            aliases=("np.dot", "np.matmul", "torch.matmul", "torch.mm", ".dot", ".matmul", ".mm"),
            arity=(2, 2),
            forward=np.matmul,
            vjp=_matmul_vjp,
            shape=matmul_shape,
            work=matmul_work,
            local=("(Jacobian: ∂L/∂{0} = ∂L/∂{out} @ {1}ᵀ)", "(Jacobian: ∂L/∂{1} = {0}ᵀ @ ∂L/∂{out})"),
            torch=Torch(form="infix", code="{0} @ {1}", operator="@", grad_fn_of=_matmul_backward),
            elementwise=False,
            product=True,
            slips=(
                Slip(
                    id="swapped-factor",
                    diagnosis="swapped-factor",
                    vjp=_swapped,
                    message="you multiplied by {wrt}: the derivative of {0} @ {1} by one factor is the other factor",
                ),
            ),
        ),
        Op(
            name="transpose",
            doc="aᵀ, swaps the last two axes",
            syntax="postfix",
            symbol=".T",
            display="ᵀ",
            aliases=("ᵀ", "np.transpose", ".transpose", ".t"),
            arity=(1, 1),
            forward=lambda a: np.swapaxes(a, -1, -2) if a.ndim >= 2 else a,
            vjp=lambda g, ans, a: (np.swapaxes(g, -1, -2) if g.ndim >= 2 else g,),
            shape=transpose_shape,
            local=("(Jacobian: a permutation)",),
            torch=Torch(form="method", code="{0}.T", min_ndim=2, grad_fn="PermuteBackward0"),
            elementwise=False,
        ),
        Op(
            name="identity",
            doc="a line that only names another value: its own node, with its own delta",
            syntax="none",
            arity=(1, 1),
            forward=lambda a: np.array(a, dtype=float),
            vjp=lambda g, ans, a: (g,),
            shape=same_shape,
            local=("1",),
            torch=Torch(form="method", code="{0}.clone()", grad_fn="CloneBackward0"),
            elementwise=True,
        ),
        Op(
            name="exp",
            doc="eˣ",
            aliases=("np.exp", "torch.exp", ".exp"),
            arity=(1, 1),
            forward=np.exp,
            vjp=lambda g, ans, a: (g * ans,),
            shape=same_shape,
            local=("exp({0})",),
            torch=Torch(form="function", code="torch.exp({0})", grad_fn="ExpBackward0"),
            elementwise=True,
            saturation=Saturation(size=np.exp, advice=_ABOVE_14),
            underflows=True,
        ),
        Op(
            name="log",
            doc="natural logarithm",
            aliases=("np.log", "torch.log", ".log"),
            arity=(1, 1),
            forward=np.log,
            vjp=lambda g, ans, a: (g / a,),
            shape=same_shape,
            local=("1/{0}",),
            torch=Torch(form="function", code="torch.log({0})", grad_fn="LogBackward0"),
            elementwise=True,
            requires=("x > 0",),
        ),
        Op(
            name="sqrt",
            doc="square root",
            aliases=("np.sqrt", "torch.sqrt", ".sqrt"),
            arity=(1, 1),
            forward=np.sqrt,
            vjp=lambda g, ans, a: (g / (2 * ans),),
            shape=same_shape,
            local=("1/(2·√{0})",),
            torch=Torch(form="function", code="torch.sqrt({0})", grad_fn="SqrtBackward0"),
            elementwise=True,
            requires=("x > 0",),
        ),
        Op(
            name="abs",
            doc="absolute value (kink at 0)",
            aliases=("np.abs", "torch.abs", ".abs"),
            arity=(1, 1),
            forward=np.abs,
            vjp=lambda g, ans, a: (g * np.sign(a),),
            shape=same_shape,
            local=("sign({0})",),
            torch=Torch(form="function", code="torch.abs({0})", grad_fn="AbsBackward0"),
            elementwise=True,
            kink=Kink(at=_at_zero, what="its argument is 0", convention=_AT_ZERO, fix=_AWAY),
        ),
        Op(
            name="sin",
            doc="sine",
            aliases=("np.sin", "torch.sin", ".sin"),
            arity=(1, 1),
            forward=np.sin,
            vjp=lambda g, ans, a: (g * np.cos(a),),
            shape=same_shape,
            local=("cos({0})",),
            torch=Torch(form="function", code="torch.sin({0})", grad_fn="SinBackward0"),
            elementwise=True,
        ),
        Op(
            name="cos",
            doc="cosine",
            aliases=("np.cos", "torch.cos", ".cos"),
            arity=(1, 1),
            forward=np.cos,
            vjp=lambda g, ans, a: (-g * np.sin(a),),
            shape=same_shape,
            local=("−sin({0})",),
            torch=Torch(form="function", code="torch.cos({0})", grad_fn="CosBackward0"),
            elementwise=True,
        ),
        Op(
            name="tanh",
            doc="hyperbolic tangent",
            aliases=("np.tanh", "torch.tanh", "F.tanh", ".tanh"),
            arity=(1, 1),
            forward=np.tanh,
            vjp=lambda g, ans, a: (g * (1 - ans * ans),),
            shape=same_shape,
            local=("1 − tanh²({0})",),
            local_out="1 − {out}²",
            torch=Torch(form="function", code="torch.tanh({0})", grad_fn="TanhBackward0", module="nn.Tanh()"),
            elementwise=True,
            saturation=Saturation(size=lambda x: 1 - np.tanh(x) ** 2, advice=_WITHIN_5),
            underflows=True,
        ),
        Op(
            name="sigmoid",
            doc="σ(x) = 1/(1 + e⁻ˣ)",
            display="σ",
            aliases=("σ", "torch.sigmoid", "F.sigmoid", ".sigmoid"),
            arity=(1, 1),
            forward=_sigmoid_fwd,
            vjp=lambda g, ans, a: (g * ans * (1 - ans),),
            shape=same_shape,
            local=("σ({0})(1 − σ({0}))",),
            local_out="{out}(1 − {out})",
            torch=Torch(form="function", code="torch.sigmoid({0})", grad_fn="SigmoidBackward0", module="nn.Sigmoid()"),
            elementwise=True,
            slips=(
                Slip(
                    id="sigmoid-twice",
                    diagnosis="sigmoid-twice",
                    vjp=lambda g, ans, a: (g * _sigmoid_slope(ans),),
                    message="that applies σ twice: {out} is already σ({0}), so its slope is written with {out} "
                    "itself, not with σ({out})",
                    formula="σ′({0}) = {out}(1 − {out})",
                ),
            ),
            saturation=Saturation(size=_sigmoid_slope, advice=_WITHIN_5),
            underflows=True,
        ),
        Op(
            name="relu",
            doc="max(x, 0) (kink at 0)",
            aliases=("torch.relu", "F.relu", ".relu"),
            arity=(1, 1),
            forward=lambda a: np.maximum(a, 0.0),
            vjp=lambda g, ans, a: (g * _relu_grad(a),),
            shape=same_shape,
            local=("1 if {0} > 0 else 0",),
            torch=Torch(form="function", code="torch.relu({0})", grad_fn="ReluBackward0", module="nn.ReLU()"),
            elementwise=True,
            kink=Kink(at=_at_zero, what="its argument is 0", convention=_AT_ZERO, fix=_AWAY),
        ),
        Op(
            name="softplus",
            doc="log(1 + eˣ), a smooth relu (x itself above 20, as PyTorch)",
            aliases=("F.softplus",),
            arity=(1, 1),
            forward=_softplus,
            vjp=lambda g, ans, a: (g * _softplus_slope(a),),
            shape=same_shape,
            local=("σ({0})",),
            torch=Torch(form="function", code="F.softplus({0})", grad_fn="SoftplusBackward0"),
            elementwise=True,
            saturation=Saturation(size=_softplus_slope, advice=_ABOVE_14),
            underflows=True,
        ),
        Op(
            name="heaviside",
            doc="1 where x > 0, else 0 (also at 0): the gate of a relu; its derivative is 0",
            arity=(1, 1),
            forward=lambda a: _relu_grad(np.asarray(a)),
            vjp=_zero,
            shape=same_shape,
            local=("0",),
            torch=Torch(form="function", code="({0} > 0).double()"),
            elementwise=True,
            stops=(0,),
            kink=Kink(
                at=_at_zero,
                what="its argument is 0",
                convention="where its value jumps (the engine and PyTorch give 0 there, a learner may say 1)",
                fix=_AWAY,
                word="jump",
            ),
        ),
        Op(
            name="detach",
            doc="x with its gradient stopped: the value passes, no gradient flows back",
            arity=(1, 1),
            forward=lambda a: np.array(a, dtype=float),
            vjp=_zero,
            shape=same_shape,
            local=("0",),
            torch=Torch(form="method", code="{0}.detach()"),
            elementwise=True,
            stops=(0,),
            differentiable=False,
        ),
        Op(
            name="maximum",
            doc="the larger of a and b, elementwise (at a tie each gets half the gradient, as in PyTorch)",
            aliases=("np.maximum", "torch.maximum", ".maximum"),
            arity=(2, 2),
            forward=np.maximum,
            vjp=lambda g, ans, a, b: (_pick(g, a < b, a == b), _pick(g, a > b, a == b)),
            shape=broadcast_shape("maximum"),
            local=("1 where {0} > {1}, ½ at a tie, else 0", "1 where {1} > {0}, ½ at a tie, else 0"),
            torch=Torch(form="function", code="torch.maximum({0}, {1})", grad_fn="MaximumBackward0"),
            elementwise=True,
            kink=Kink(
                at=lambda a, b: a - b,
                what="its arguments are equal",
                convention="where the derivative is a convention (the engine and PyTorch give each half, a "
                "learner may say 1 or 0)",
                fix="make them differ",
            ),
        ),
        Op(
            name="minimum",
            doc="the smaller of a and b, elementwise (at a tie each gets half the gradient, as in PyTorch)",
            aliases=("np.minimum", "torch.minimum", ".minimum"),
            arity=(2, 2),
            forward=np.minimum,
            vjp=lambda g, ans, a, b: (_pick(g, a > b, a == b), _pick(g, a < b, a == b)),
            shape=broadcast_shape("minimum"),
            local=("1 where {0} < {1}, ½ at a tie, else 0", "1 where {1} < {0}, ½ at a tie, else 0"),
            torch=Torch(form="function", code="torch.minimum({0}, {1})", grad_fn="MinimumBackward0"),
            elementwise=True,
            kink=Kink(
                at=lambda a, b: a - b,
                what="its arguments are equal",
                convention="where the derivative is a convention (the engine and PyTorch give each half, a "
                "learner may say 1 or 0)",
                fix="make them differ",
            ),
        ),
        Op(
            name="where",
            doc="a where c > 0, else b, elementwise (no gradient reaches c)",
            arity=(3, 3),
            params=("c", "a", "b"),
            forward=_where,
            vjp=lambda g, ans, c, a, b: (np.zeros_like(g), g * (c > 0), g * (c <= 0)),
            shape=broadcast_shape("where"),
            local=("0", "1 where {0} > 0 else 0", "0 where {0} > 0 else 1"),
            torch=Torch(form="function", code="torch.where({0} > 0, {1}, {2})", grad_fn="WhereBackward0"),
            elementwise=True,
            stops=(0,),
            kink=Kink(
                at=_at_zero,
                what="its condition is 0",
                convention="where its value jumps from one side to the other (the engine and PyTorch take the "
                "second one there)",
                fix="move the condition away from 0",
                word="jump",
            ),
        ),
        Op(
            name="sum",
            doc="sum(x): all entries; sum(x, 0): down each column (over the batch), keeping a row",
            aliases=("np.sum", "torch.sum", ".sum"),
            arity=(1, 2),
            takes_axis=True,
            reduces=True,
            forward=lambda a, axis=None: np.sum(a) if axis is None else np.sum(a, axis=axis, keepdims=True),
            vjp=_reduce_vjp(mean=False),
            shape=reduce_shape("sum"),
            local=("1",),
            torch=Torch(
                form="method", code="{0}.sum()", axis="{0}.sum({axis}, keepdim=True)", grad_fn_of=_by_axis("Sum")
            ),
            elementwise=False,
        ),
        Op(
            name="mean",
            doc="mean(x): of all entries; mean(x, 0): of each column, keeping a row",
            aliases=("np.mean", "torch.mean", ".mean"),
            arity=(1, 2),
            takes_axis=True,
            reduces=True,
            forward=_mean,
            vjp=_reduce_vjp(mean=True),
            shape=reduce_shape("mean"),
            local=("1/N",),
            torch=Torch(
                form="method", code="{0}.mean()", axis="{0}.mean({axis}, keepdim=True)", grad_fn_of=_by_axis("Mean")
            ),
            elementwise=False,
        ),
        Op(
            name="prod",
            doc="prod(x): the product of all entries; prod(x, 0): down each column, keeping a row",
            aliases=("np.prod", "torch.prod", ".prod"),
            arity=(1, 2),
            takes_axis=True,
            reduces=True,
            forward=_prod,
            vjp=_prod_vjp,
            shape=reduce_shape("prod"),
            local=("(the product of the other entries)",),
            torch=Torch(
                form="method", code="{0}.prod()", axis="{0}.prod({axis}, keepdim=True)", grad_fn_of=_by_axis("Prod")
            ),
            elementwise=False,
        ),
        Op(
            name="dot",
            doc="the dot product of two vectors, Σ aᵢbᵢ",
            aliases=("torch.dot",),
            arity=(2, 2),
            forward=np.dot,
            vjp=lambda g, ans, a, b: (g * b, g * a),
            shape=dot_shape,
            local=("{1}", "{0}"),
            torch=Torch(form="function", code="torch.dot({0}, {1})", grad_fn="DotBackward0"),
            elementwise=False,
            product=True,
        ),
        Op(
            name="squeeze",
            doc="x without its axes of length 1; squeeze(x, 0): without that one (NumPy's sum(x, axis=0) is "
            "squeeze(sum(x, 0), 0))",
            aliases=("np.squeeze", "torch.squeeze", ".squeeze"),
            arity=(1, 2),
            takes_axis=True,
            forward=_squeeze,
            vjp=lambda g, ans, a, axis=None: (np.reshape(g, np.shape(a)),),
            shape=squeeze_shape,
            local=("1",),
            torch=Torch(
                form="method", code="{0}.squeeze()", axis="{0}.squeeze({axis})", grad_fn_of=_by_axis("Squeeze")
            ),
            elementwise=False,
        ),
        Op(
            name="diag",
            doc="the square matrix with the entries of x (a vector, row or column) on its diagonal, as np.diagflat",
            aliases=("np.diagflat",),
            arity=(1, 1),
            forward=lambda a: np.diagflat(a),
            vjp=lambda g, ans, a: (np.reshape(np.diagonal(g).copy(), np.shape(a)),),
            shape=diag_shape,
            local=("(Jacobian: each entry to its place on the diagonal)",),
            torch=Torch(form="function", code="torch.diag({0}.flatten())", grad_fn="DiagEmbedBackward0"),
            elementwise=False,
        ),
        Op(
            name="bce",
            doc="mean binary cross-entropy −mean(t·log p + (1 − t)·log(1 − p))",
            aliases=("F.binary_cross_entropy",),
            arity=(2, 2),
            params=("p", "t"),
            forward=_bce,
            vjp=_bce_vjp,
            shape=loss_shape("bce"),
            local=("(p − t)/(N·p(1 − p))", "(log(1 − p) − log p)/N"),
            torch=Torch(
                form="function",
                code="F.binary_cross_entropy({0}, {1})",
                module="nn.BCELoss()",
                broadcast="F.binary_cross_entropy(*torch.broadcast_tensors({0}, {1}))",
                grad_fn="BinaryCrossEntropyBackward0",
            ),
            elementwise=False,
            requires=("0 < p < 1",),
            misvalues=(
                Misvalue(
                    id="bce-other-branch",
                    diagnosis="bce-branch",
                    forward=lambda p, t: _bce(p, 1 - t),
                    message="that takes the wrong branch of the cross-entropy for each sample: where {1} is 1 the "
                    "loss is −log {0}, where {1} is 0 it is −log(1 − {0})",
                ),
            ),
            slips=(
                Slip(
                    id="mse-for-bce",
                    diagnosis="mse-for-bce",
                    vjp=_bce_slip(lambda p, t: p - t),
                    message="that uses the squared error's delta, {0} − {1}: {out} is a binary cross-entropy, and "
                    "its derivative by {0} is not {0} − {1}",
                    formula="∂{out}/∂{0} = ({0} − {1})/(N·{0}(1 − {0})); through a sigmoid its {0}(1 − {0}) cancels",
                ),
                Slip(
                    id="bce-first-branch",
                    diagnosis="bce-branch",
                    vjp=_bce_slip(lambda p, t: -t / p, _all_ones),
                    message="that is only the first branch of the cross-entropy, −{1}/{0}: the second branch, "
                    "for {1} = 0, is missing",
                    formula="∂{out}/∂{0} = (−{1}/{0} + (1 − {1})/(1 − {0}))/N",
                ),
                Slip(
                    id="bce-second-branch",
                    diagnosis="bce-branch",
                    vjp=_bce_slip(lambda p, t: (1 - t) / (1 - p), _all_zeros),
                    message="that is only the second branch of the cross-entropy, (1 − {1})/(1 − {0}): the first "
                    "branch, for {1} = 1, is missing",
                    formula="∂{out}/∂{0} = (−{1}/{0} + (1 − {1})/(1 − {0}))/N",
                ),
                Slip(
                    id="bce-branch-sign",
                    diagnosis="bce-branch",
                    vjp=_bce_slip(lambda p, t: -t / p - (1 - t) / (1 - p), _all_ones),
                    message="the second branch has the wrong sign: the derivative of log(1 − {0}) by {0} is "
                    "−1/(1 − {0}), and the loss has a minus in front",
                    formula="∂{out}/∂{0} = (−{1}/{0} + (1 − {1})/(1 − {0}))/N",
                ),
            ),
        ),
        Op(
            name="mse",
            doc="mean squared error mean((p − t)²)",
            aliases=("F.mse_loss",),
            arity=(2, 2),
            params=("p", "t"),
            forward=lambda p, t: np.mean((p - t) ** 2),
            vjp=_mse_vjp,
            shape=loss_shape("mse"),
            local=("2(p − t)/N", "−2(p − t)/N"),
            torch=Torch(
                form="function",
                code="F.mse_loss({0}, {1})",
                module="nn.MSELoss()",
                broadcast="F.mse_loss(*torch.broadcast_tensors({0}, {1}))",
                grad_fn="MseLossBackward0",
            ),
            elementwise=False,
        ),
        Op(
            name="softmax",
            params=("z",),
            doc="softmax along each row (the last axis); softmax(z, 0): down each column",
            aliases=("torch.softmax", "F.softmax", ".softmax"),
            arity=(1, 2),
            takes_axis=True,
            forward=_softmax,
            vjp=_softmax_vjp,
            shape=along_axis("softmax"),
            local=("(Jacobian: diag(s) − s sᵀ per row)",),
            torch=Torch(
                form="function",
                code="torch.softmax({0}, dim=-1)",
                axis="torch.softmax({0}, dim={axis})",
                grad_fn="SoftmaxBackward0",
            ),
            elementwise=False,
            saturation=Saturation(
                size=_softmax_slope, advice="keep the entries it normalizes together within about 14 of each other"
            ),
            underflows=True,
        ),
        Op(
            name="log_softmax",
            params=("z",),
            doc="log of the softmax, z − log Σ eᶻ along each row (the last axis), computed stably; "
            "log_softmax(z, 0): down each column",
            aliases=("torch.log_softmax", "F.log_softmax", ".log_softmax"),
            arity=(1, 2),
            takes_axis=True,
            forward=_log_softmax,
            vjp=_log_softmax_vjp,
            shape=along_axis("log_softmax"),
            local=("(Jacobian: I − 1 sᵀ per row, s = softmax)",),
            torch=Torch(
                form="function",
                code="F.log_softmax({0}, dim=-1)",
                axis="F.log_softmax({0}, dim={axis})",
                grad_fn="LogSoftmaxBackward0",
            ),
            elementwise=False,
        ),
        Op(
            name="cross_entropy",
            doc="cross-entropy of logits Z against one-hot (or probability) rows Y, the mean over the rows: "
            "−Σ Y·log_softmax(Z) / N",
            aliases=("F.cross_entropy",),
            arity=(2, 2),
            params=("Z", "Y"),
            forward=_cross_entropy,
            vjp=_cross_entropy_vjp,
            shape=cross_entropy_shape,
            local=("(softmax({0}) − {1})/N", "−log_softmax({0})/N"),
            torch=Torch(
                form="function",
                code="F.cross_entropy({0}, {1})",
                grad_fn="DivBackward1",
                module="nn.CrossEntropyLoss()",
            ),
            elementwise=False,
            underflows=True,
        ),
    ]
}

#: The op of a line that only names another value (``y = x``): program.forward gives it its own node.
IDENTITY = OPS["identity"]

#: Infix operators of the language to op names.
BINARY = {op.symbol: op.name for op in OPS.values() if op.syntax == "infix"}

#: The language's words, handed down to the parser and the printer (tutor.lang sits below the engine).
VOCABULARY = install(op.word() for op in OPS.values() if op.syntax != "none")
