"""Reading and grading answers: the safe evaluator, comparison, diagnosis (no textual, no torch)."""

from tutor.grading.compare import all_close, close, fit_shape
from tutor.grading.grader import grade, grade_value, show_array
from tutor.grading.verdict import AnswerContext, Verdict

__all__ = ["AnswerContext", "Verdict", "all_close", "close", "fit_shape", "grade", "grade_value", "show_array"]
