"""The op table is the one place an op is described: the language, the printer, the docs and every consumer
derive from it, a contradictory entry fails at import, and no other module names an op (NumPy only)."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

from tutor.engine import OPS, EvalError, Op, build, leaf, op_of
from tutor.engine.reference import BEGIN, END, function_table
from tutor.lang import FUNCTIONS, ParseError, parse, parse_assignment, to_text
from tutor.lang.vocabulary import vocabulary

#: the modules that once held op knowledge of their own (code review §1.4): now they ask the table
CONSUMERS = [
    *sorted((ROOT / "tutor" / "lang").glob("*.py")),
    *(ROOT / "tutor" / p for p in ("engine/node.py", "engine/program.py", "engine/shapes.py", "engine/dispatch.py")),
    *(ROOT / "tutor" / p for p in ("grading/mistakes.py", "reveal/codegen.py", "authoring/lint.py", "course/load.py")),
    *(ROOT / "tutor" / "course" / p for p in ("checks.py", "format.py", "steps.py")),
]


def test_the_language_has_exactly_the_tables_functions_with_their_arities():
    calls = {op.name: op.arity for op in OPS.values() if op.syntax == "call"}
    assert dict(FUNCTIONS) == calls
    for name, (lo, hi) in calls.items():
        args = ", ".join(["x"] * lo)
        assert parse(f"{name}({args})").func == name
        with pytest.raises(ParseError, match=rf"{name}\(\) takes"):
            parse(f"{name}({', '.join(['x'] * (hi + 1))})")
        with pytest.raises(ParseError, match="cannot name a node"):
            parse_assignment(f"{name} = 2")


def test_every_spelling_of_an_op_reaches_that_op():
    """Typed, printed in maths, printed plain and every alias: each parses back to a node of the same op."""
    for op in OPS.values():
        if op.syntax == "none":
            continue
        env = {n: leaf(np.full(3, 0.5)) for n in op.names}
        typed = parse(op.spell(op.names))
        assert build(typed, env).op is op, op.name
        plain = to_text(typed, math=False)  # positions aside, two trees are equal when they print alike
        spellings = [to_text(typed), plain]
        spelling = op.name if op.syntax == "call" else op.symbol
        spellings += [_spelled_as(op, alias, spelling) for alias in op.aliases]
        for text in spellings:
            assert to_text(parse(text), math=False) == plain, (op.name, text)


def _spelled_as(op, alias: str, spelling: str) -> str:
    """The op applied to its operands, written with one alias: ``a × b``, ``np.exp(x)``, ``a.dot(b)``."""
    if alias.startswith("."):  # a method of its first operand
        return f"{op.names[0]}{alias}({', '.join(op.names[1:])})"
    if "." in alias:  # a NumPy or PyTorch function
        return f"{alias}({', '.join(op.names)})"
    return op.spell(op.names).replace(spelling, alias, 1)


def test_the_maths_printout_is_the_tables():
    assert to_text(parse("sigmoid(z) * (1 - sigmoid(z))")) == "σ(z)·(1 − σ(z))"
    assert vocabulary().folds["σ"] == "sigmoid" and OPS["sigmoid"].display == "σ"


def test_a_line_that_only_names_a_value_is_the_identity_op():
    from tutor.engine import Assignment, Program, run

    prog = Program(("x",), (), (Assignment.of("y", parse("x")), Assignment.of("L", parse("y * y"))))
    trace = run(prog, {"x": np.array(-0.0)})
    node = trace.nodes["y"]
    assert node.op is OPS["identity"] and node.parents == (trace.nodes["x"],)
    assert np.signbit(trace.values["y"])  # the value itself, -0.0 included (the old add(x, 0) made it +0.0)


def test_op_of_refuses_what_the_table_lacks_at_its_column():
    from tutor.lang.syntax import Call, Name, Num

    with pytest.raises(EvalError, match="unknown function 'softsign'") as e:
        op_of(Call("softsign", (Name("x"),), 7))
    assert e.value.pos == 7
    with pytest.raises(EvalError, match="must be 0, 1 or -1"):
        op_of(Call("sum", (Name("x"), Num(2)), 0))
    with pytest.raises(EvalError, match=r"sum\(\) takes 1 or 2 arguments"):
        op_of(Call("sum", (Name("x"), Num(0), Num(1)), 0))


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"local": ("1", "1")}, "arity"),
        ({"syntax": "infix"}, "needs a symbol"),
        ({"takes_axis": True, "arity": (1, 2)}, "PyTorch spelling with one"),
        ({"stops": (3,)}, "operands it does not have"),
        ({"params": ("a", "b")}, "params"),
        ({"stops": (3,)}, "operands it does not have"),
    ],
)
def test_an_entry_that_contradicts_itself_fails_naming_the_op(change, complaint):
    with pytest.raises(ValueError, match=rf"op exp: .*{complaint}"):
        dataclasses.replace(OPS["exp"], **change)


def test_the_language_without_the_op_table_is_a_loud_error_not_a_misreading():
    code = "import tutor.lang as l\ntry:\n    l.parse('exp(x)')\nexcept RuntimeError as e:\n    print(e)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "import tutor.engine" in out


def test_the_authors_function_table_is_written_from_the_op_table():
    doc = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    assert BEGIN in doc and END in doc
    written = doc[doc.index(BEGIN) + len(BEGIN) : doc.index(END)].strip()
    assert written == function_table(), "run: python -m tutor.engine.reference docs/authoring.md"
    for op in OPS.values():
        if op.syntax == "call":
            assert f"`{op.name}(" in written


@pytest.mark.parametrize("path", CONSUMERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_outside_the_table_names_an_op(path):
    """String constants that are op names (not docstrings) would be op knowledge outside ops.py."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    named = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in OPS and id(node) not in docstrings
    ]
    assert not named, named


def test_op_entries_are_keyword_only():
    with pytest.raises(TypeError):
        Op("exp", "eˣ")  # type: ignore[misc]
