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
        ("x.y", "unexpected character '.'"),
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
