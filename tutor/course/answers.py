"""Read a file of answers (``step id: answer as typed``) for ``backprop-tutor check``, as safely as a lesson."""

from __future__ import annotations

import json
from pathlib import Path

from tutor.course.problems import LessonError, Problem
from tutor.course.yamlpos import MAX_FILE_BYTES, load_located
from tutor.safefile import FileRefused, read_text

WHAT = "answers file"


def read_answers(path: str | Path) -> dict[str, str]:
    """The answers file: a mapping of step id to the answer text; LessonError (located) when it cannot be used.

    The file is read through :mod:`tutor.safefile` (a regular file of at most MAX_FILE_BYTES, so a FIFO or
    ``/dev/zero`` is refused at once) and parsed by the lessons' own safe YAML pass.
    """
    file = str(path)
    try:
        text = read_text(path, MAX_FILE_BYTES, WHAT)
    except FileRefused as e:
        raise LessonError([Problem(file, 1, 1, f"{e.reason}: give a small YAML file of 'step id: answer'")]) from None
    except OSError as e:
        raise LessonError([Problem(file, 1, 1, f"cannot read the {WHAT}: {e.strerror or e}")]) from None
    except UnicodeDecodeError as e:
        raise LessonError([Problem(file, 1, 1, f"the {WHAT} is not UTF-8 text (byte {e.start})")]) from None
    doc = load_located(text, file, WHAT)
    if not isinstance(doc.data, dict):
        raise LessonError([Problem(file, 1, 1, "the answers file maps step ids to answers, e.g. 'grad:x: -4'")])
    answers: dict[str, str] = {}
    for k, v in doc.data.items():
        if isinstance(v, list):
            v = json.dumps(v)
        if v is None or isinstance(v, dict):  # a bool is an autograd step's True or False: str() spells it so
            raise LessonError([doc.problem((k,), f"the answer to {k} must be text or a number")])
        answers[str(k)] = str(v)
    return answers
