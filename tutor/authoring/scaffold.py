"""Starter lessons (``backprop-tutor new``) and the lesson file's JSON Schema that ships beside them."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from tutor.course.format import ID_RE
from tutor.safefile import kind_of

HERE = Path(__file__).resolve().parent
SCHEMA_PATH = HERE / "lesson.schema.json"
TEMPLATE_DIR = HERE / "templates"
#: template name -> what it teaches (``new --template``)
TEMPLATES: dict[str, str] = {
    "chain": "a scalar chain y = w·x, L = (y − t)²: values, locals, deltas",
    "neuron": "one sigmoid neuron q = σ(w·x + b) with a squared error",
    "matmul": "S = W @ X: the full Jacobian, then dX = Wᵀ dS and dW = dS Xᵀ",
    "mlp": "a 2-layer network on a batch of 2 samples with binary cross-entropy (default step walk)",
}


def load_schema() -> dict[str, Any]:
    """The lesson file's JSON Schema (draft-7)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_uri() -> str:
    """The ``file://`` URI of the installed schema, for the editor modeline."""
    return SCHEMA_PATH.as_uri()


def render_template(template: str, lesson_id: str, file_name: str) -> str:
    """The text of a starter lesson: the template with its id, title, file name and schema modeline filled in."""
    if template not in TEMPLATES:
        raise ValueError(f"no template {template!r}; the templates are: {', '.join(TEMPLATES)}")
    text = (TEMPLATE_DIR / f"{template}.yaml").read_text(encoding="utf-8")
    title = lesson_id.replace("-", " ").capitalize()
    return (
        text.replace("{{SCHEMA}}", schema_uri())
        .replace("{{ID}}", lesson_id)
        .replace("{{TITLE}}", title)
        .replace("{{FILE}}", file_name)
    )


def new_lesson(lesson_id: str, directory: Path, template: str = "chain") -> Path:
    """Write ``<directory>/<id>.yaml`` from a template; FileExistsError if it exists, ValueError on a bad id
    or when ``directory`` (or a folder above it) is not a folder."""
    if not ID_RE.match(lesson_id):
        raise ValueError(
            f"{lesson_id!r} is not a lesson id: use lowercase letters, digits and dashes, e.g. 'softmax-layer'"
        )
    path = directory / f"{lesson_id}.yaml"
    text = render_template(template, lesson_id, str(path))
    _check_folder(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as f:  # "x": never overwrite an author's work
        f.write(text)
    return path


def _check_folder(directory: Path) -> None:
    """ValueError when ``directory``, or the nearest existing folder above it, exists but is not a folder."""
    for folder in (directory, *directory.parents):
        try:
            mode = os.stat(folder).st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue  # mkdir creates it, or the folder above it is reported
        except OSError:
            return  # mkdir reports it (permission denied ...)
        if stat.S_ISDIR(mode):
            return
        if folder == directory:
            raise ValueError(f"{directory} is {kind_of(mode)}, not a folder: choose a folder to write the lesson in")
        raise ValueError(
            f"{directory} cannot be made: {folder} is {kind_of(mode)}, not a folder; "
            "choose a folder to write the lesson in"
        )
