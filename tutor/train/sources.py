"""Where the learner's formulas come from: the progress store (each step's latest correct answer) or an answers
file (``step id: answer``, read as safely as a lesson by :func:`tutor.course.answers.read_answers`)."""

from __future__ import annotations

from pathlib import Path

from tutor.course.answers import read_answers
from tutor.course.model import Lesson
from tutor.progress import LessonProgress, ProgressStore, lesson_source


def from_record(record: LessonProgress | None) -> dict[str, str]:
    """Each step's latest correct answer in a lesson's record, by step id (none for a step never solved)."""
    texts: dict[str, str] = {}
    if record is None:
        return texts
    for step_id, step in record.steps.items():
        right = [a for a in step.attempts if a.correct]
        if right:
            texts[step_id] = right[-1].text
    return texts


def from_progress(store: ProgressStore, lesson: Lesson) -> dict[str, str]:
    """The learner's correct answers to this version of the lesson, from the progress store."""
    return from_record(store.peek(lesson.id, lesson.content_hash, lesson_source(lesson.path)))


def from_file(path: str | Path) -> dict[str, str]:
    """The answers of a file; LessonError (located) when it cannot be used."""
    return read_answers(path)
