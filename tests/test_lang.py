"""The expression language: parsing, friendly spellings, pretty printing, and refusal of anything else."""

import pytest

import tutor.engine  # noqa: F401 - the op table gives the language its functions and spellings
from tutor.lang import ParseError, parse, parse_assignment, to_text


@pytest.mark.parametrize(
    ("text", "math", "plain"),
    [
        ("2*(y-t)", "2·(y − t)", "2 * (y - t)"),
        ("q*(1-q)", "q·(1 − q)", "q * (1 - q)"),
        ("A1.T @ dZ2", "A1ᵀ @ dZ2", "A1.T @ dZ2"),
        ("-x**2", "−x²", "-x**2"),
        ("2x", "2·x", "2 * x"),
        ("2(y-t)", "2·(y − t)", "2 * (y - t)"),
        ("(y-t)^2", "(y − t)²", "(y - t)**2"),
        ("σ(z)·(1−σ(z))", "σ(z)·(1 − σ(z))", "sigmoid(z) * (1 - sigmoid(z))"),
        ("a-(b-c)", "a − (b − c)", "a - (b - c)"),
        ("a-b-c", "a − b − c", "a - b - c"),
        ("2**3**2", "2^3²", "2**3**2"),
        ("sum(dZ2, 0)", "sum(dZ2, 0)", "sum(dZ2, 0)"),
        ("[[1, -2], [3, 4]]", "[[1, −2], [3, 4]]", "[[1, -2], [3, 4]]"),
        ("Wᵀ", "Wᵀ", "W.T"),
    ],
)
def test_parse_and_print(text, math, plain):
    e = parse(text)
    assert to_text(e) == math
    assert to_text(e, math=False) == plain
    assert parse(to_text(e, math=False)) == parse(plain)


def test_precedence():
    assert to_text(parse("-x**2"), math=False) == "-x**2"
    e = parse("1 + 2 * 3 ** 2")
    assert e.op == "+" and e.right.op == "*" and e.right.right.op == "**"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os')", "no strings"),
        ("x.y", "unexpected '.y': the answer language reads .T and NumPy methods such as"),
        ("x.__class__", "'__class__' is Python"),
        ("sum(x, axis=0, keep=True)", "unknown keyword argument keep="),
        ("1 2", "operator is missing"),
        ("(((", "operand is missing"),
        ("sum(x, 1, 2)", "takes 1 or 2 arguments"),
        ("lambda: 1", "unexpected character ':'"),
        ("x[0]", "unexpected '['"),
        ("", "empty"),
        ("exp", "is a function"),
        ("(" * 100 + "1" + ")" * 100, "nested too deeply"),
        ("x" * 3000, "too long"),
        ("y = 2", "right-hand side"),
    ],
)
def test_refused(text, fragment):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert fragment in info.value.message


def test_assignment_positions():
    name, _expr, offset = parse_assignment("L = (y - t) ** 2")
    assert name == "L" and offset == 3
    with pytest.raises(ParseError) as info:
        parse_assignment("y = 2 * * x")
    assert info.value.pos == 8


@pytest.mark.parametrize(
    ("text", "column"),
    [("exp(-1e999)", 5), ("1e309 - 1e309", 0), ("2 * " + "9" * 400, 4), ("[1, 1e999]", 4)],
)
def test_number_literals_that_are_not_finite_are_refused_at_their_column(text, column):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.pos == column and "too large" in info.value.message


def test_tiny_literals_are_fine():
    assert parse("1e-999").value == 0.0 and parse("1.7e308").value == 1.7e308


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("dZ1.sum(axis=0, keepdims=True)", "sum(dZ1, 0)"),
        ("dZ1.sum(axis=0)", "squeeze(sum(dZ1, 0), 0)"),
        ("M.sum(0)", "squeeze(sum(M, 0), 0)"),
        ("M.sum()", "sum(M)"),
        ("M.mean()", "mean(M)"),
        ("M.mean(axis=1)", "squeeze(mean(M, 1), 1)"),
        ("M.mean(dim=1, keepdim=True)", "mean(M, 1)"),
        ("a.dot(b)", "a @ b"),
        ("A1.T.dot(dZ2)", "A1.T @ dZ2"),
        ("np.dot(a, b)", "a @ b"),
        ("numpy.matmul(a, b)", "a @ b"),
        ("np.exp(-x)", "exp(-x)"),
        ("np.log(x)", "log(x)"),
        ("np.sum(x, axis=0)", "squeeze(sum(x, 0), 0)"),
        ("np.sum(x, axis=0, keepdims=True)", "sum(x, 0)"),
        ("np.maximum(x, 0)", "maximum(x, 0)"),
        ("torch.sigmoid(z)", "sigmoid(z)"),
        ("torch.exp(z)", "exp(z)"),
        ("torch.nn.functional.relu(z)", "relu(z)"),
        ("F.binary_cross_entropy(p, t)", "bce(p, t)"),
        ("x.T", "x.T"),
        ("x.transpose()", "x.T"),
        ("np.transpose(x)", "x.T"),
        ("sum(dZ1, axis=0)", "sum(dZ1, 0)"),  # the language's own sum keeps the row, also with axis=
        ("sum(dZ1, axis=0, keepdims=False)", "squeeze(sum(dZ1, 0), 0)"),
        ("dZ2.sum(axis=0).T", "squeeze(sum(dZ2, 0), 0).T"),
        ("2 * x.sum()", "2 * sum(x)"),
        ("diag(a * (1 - a))", "diag(a * (1 - a))"),
        ("np.diagflat(a)", "diag(a)"),
    ],
)
def test_numpy_and_pytorch_spellings_are_read_as_the_language(typed, read):
    assert to_text(parse(typed), math=False) == read


def test_numpy_spellings_mean_what_they_mean_in_numpy():
    """A reduction spelled the NumPy way drops its axis unless keepdims=True; the language's keeps it."""
    import numpy as np

    from tutor.engine import build, leaf

    m = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    v = np.array([0.5, -1.0, 2.0])
    env = {"M": leaf(m), "v": leaf(v)}
    cases = [
        ("M.sum(axis=0)", m.sum(axis=0)),
        ("M.sum(axis=1)", m.sum(axis=1)),
        ("M.sum(axis=0, keepdims=True)", m.sum(axis=0, keepdims=True)),
        ("np.mean(M, axis=1, keepdims=True)", np.mean(m, axis=1, keepdims=True)),
        ("M.sum(0).T", m.sum(0).T),
        ("M - M.mean(axis=1, keepdims=True)", m - m.mean(axis=1, keepdims=True)),
        ("M.T.dot(M)", m.T.dot(m)),
        ("v.dot(v)", v.dot(v)),
        ("np.dot(M, v)", np.dot(m, v)),
        ("np.diagflat(v)", np.diagflat(v)),
        ("sum(M, 0)", m.sum(axis=0, keepdims=True)),
    ]
    for typed, numpy_value in cases:
        value = build(parse(typed), env).value
        assert value.shape == np.shape(numpy_value), typed
        np.testing.assert_allclose(value, numpy_value, err_msg=typed)


@pytest.mark.parametrize(
    ("text", "fragment", "column"),
    [
        ("np.diag(v)", "np.diag is not read; the language has diag(...)", 1),
        ("np.foo(x)", "np.foo is not read", 1),
        ("np.exp", "np.exp is a function: write np.exp(...)", 1),
        ("x.sum", ".sum is a method: write .sum(...)", 2),
        ("os.system('ls')", "no strings", 11),
        ("os.getcwd()", "'os' is Python", 1),
        ("x.sum(0, axis=1)", "the axis of .sum() is given twice", 2),
        ("a.dot(b, c)", ".dot() takes 1 argument, got 2", 2),
        ("exp(x, axis=0)", "exp() takes no axis", 1),
        ("torch.softmax(z, dim=1, keepdim=True)", "takes no keepdims", 1),
        ("M.sum(keepdims=yes)", "keepdims= is True or False", 16),
        ("sum(x, axis=0, 1)", "a positional argument after a keyword argument", 16),
    ],
)
def test_numpy_spellings_that_cannot_be_read_say_what_would_be(text, fragment, column):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert fragment in info.value.message
    assert info.value.pos == column - 1


def test_typed_text_is_quoted_once():
    """A backslash or a control character typed is quoted as it is (escaped once), never through repr()."""
    with pytest.raises(ParseError) as info:
        parse("x \\ 2")
    assert info.value.message == "unexpected character '\\'"
    with pytest.raises(ParseError) as info:
        parse("x \x1b 2")
    assert info.value.message == "unexpected character '\\x1b'"
