"""Lessons: the file format, loading with positions, validation, the course order (no textual, no torch).

Names are imported on first use (PEP 562), so that ``tutor.course.index``, which the lesson list needs,
can be imported without NumPy and the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "Course": "tutor.course.catalog",
    "CourseIndex": "tutor.course.index",
    "Lesson": "tutor.course.model",
    "LessonEntry": "tutor.course.index",
    "LessonError": "tutor.course.problems",
    "Mistake": "tutor.course.model",
    "Problem": "tutor.course.problems",
    "Prompt": "tutor.course.prompts",
    "STEP_KINDS": "tutor.course.steps",
    "Solution": "tutor.course.solution",
    "Step": "tutor.course.model",
    "StepKind": "tutor.course.steps",
    "answer_shape": "tutor.course.prompts",
    "default_steps": "tutor.course.load",
    "find_lesson": "tutor.course.catalog",
    "index_course": "tutor.course.index",
    "load_course": "tutor.course.catalog",
    "load_lesson": "tutor.course.load",
    "parse_lesson": "tutor.course.load",
    "prompt": "tutor.course.prompts",
    "shipped_lessons_dir": "tutor.course.catalog",
    "solve": "tutor.course.solution",
    "to_plain": "tutor.course.solution",
}

__all__ = [
    "STEP_KINDS",
    "Course",
    "CourseIndex",
    "Lesson",
    "LessonEntry",
    "LessonError",
    "Mistake",
    "Problem",
    "Prompt",
    "Solution",
    "Step",
    "StepKind",
    "answer_shape",
    "default_steps",
    "find_lesson",
    "index_course",
    "load_course",
    "load_lesson",
    "parse_lesson",
    "prompt",
    "shipped_lessons_dir",
    "solve",
    "to_plain",
]

if TYPE_CHECKING:
    from tutor.course.catalog import Course, find_lesson, load_course, shipped_lessons_dir
    from tutor.course.index import CourseIndex, LessonEntry, index_course
    from tutor.course.load import default_steps, load_lesson, parse_lesson
    from tutor.course.model import Lesson, Mistake, Step
    from tutor.course.problems import LessonError, Problem
    from tutor.course.prompts import Prompt, answer_shape, prompt
    from tutor.course.solution import Solution, solve, to_plain
    from tutor.course.steps import STEP_KINDS, StepKind


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tutor.course' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
