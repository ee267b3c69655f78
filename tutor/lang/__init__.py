"""The expression language shared by lesson graphs and learner answers: parsed by hand, never eval-ed."""

from tutor.lang.parse import FUNCTIONS, ParseError, parse, parse_assignment
from tutor.lang.pretty import format_number, to_text
from tutor.lang.syntax import Binary, Call, Expr, Literal, Name, Num, Transpose, Unary, names_in, walk

__all__ = [
    "FUNCTIONS",
    "Binary",
    "Call",
    "Expr",
    "Literal",
    "Name",
    "Num",
    "ParseError",
    "Transpose",
    "Unary",
    "format_number",
    "names_in",
    "parse",
    "parse_assignment",
    "to_text",
    "walk",
]
