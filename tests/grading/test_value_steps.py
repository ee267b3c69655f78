"""Forward values: the diagnosis speaks of the line itself, never of the power rule (a derivative's)."""

from tutor.course import find_lesson, solve
from tutor.grading import grade


def test_an_input_given_as_the_value_is_named():
    lesson = find_lesson("chain-rule")
    verdict = grade(solve(lesson), lesson.step("value:y"), "1.5")  # x, with y = 2·x
    assert verdict.status == "wrong"
    assert verdict.message == "That is x itself, an input of the line y = 2·x: work out the whole right-hand side."
    assert "power rule" not in verdict.message


def test_no_power_rule_for_a_forward_value():
    lesson = find_lesson("chain-rule")
    verdict = grade(solve(lesson), lesson.step("value:y"), "6")  # 2 × the answer, and L = (y − t)² is below y
    assert verdict.status == "wrong"
    assert "power rule" not in verdict.message
