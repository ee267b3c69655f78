"""Lessons: the file format, loading with positions, validation, the course order (no textual, no torch)."""

from tutor.course.catalog import Course, find_lesson, load_course, shipped_lessons_dir
from tutor.course.load import default_steps, load_lesson, parse_lesson
from tutor.course.model import STEP_KINDS, Lesson, Mistake, Step
from tutor.course.problems import LessonError, Problem
from tutor.course.prompts import Prompt, answer_shape, prompt
from tutor.course.solution import Solution, solve, to_plain

__all__ = [
    "STEP_KINDS",
    "Course",
    "Lesson",
    "LessonError",
    "Mistake",
    "Problem",
    "Prompt",
    "Solution",
    "Step",
    "answer_shape",
    "default_steps",
    "find_lesson",
    "load_course",
    "load_lesson",
    "parse_lesson",
    "prompt",
    "shipped_lessons_dir",
    "solve",
    "to_plain",
]
