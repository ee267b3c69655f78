"""Lesson authoring: the starter templates, the lesson file's JSON Schema and the linter (no textual, no torch)."""

from tutor.authoring.lint import lint
from tutor.authoring.scaffold import SCHEMA_PATH, TEMPLATES, load_schema, new_lesson, render_template, schema_uri

__all__ = ["SCHEMA_PATH", "TEMPLATES", "lint", "load_schema", "new_lesson", "render_template", "schema_uri"]
