"""``new`` writes a valid, lint-clean starter lesson from each template; ``schema`` prints the shipped schema."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlparse

import jsonschema
import pytest
import yaml
from conftest import SHIPPED

from tutor.authoring import SCHEMA_PATH, TEMPLATES, lint, load_schema
from tutor.cli import main
from tutor.course import load_lesson
from tutor.course.load import LESSON_KEYS, MISTAKE_KEYS, REQUIRED_KEYS, STEP_KEYS

BROKEN = Path(__file__).parent / "broken"


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_new_writes_a_valid_lesson(template, tmp_path, capsys):
    code = main(["new", f"my-{template}", "--dir", str(tmp_path), "--template", template])
    out = capsys.readouterr().out
    path = tmp_path / f"my-{template}.yaml"
    assert code == 0 and out.startswith(f"wrote {path}")
    assert f"backprop-tutor validate {path}" in out
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=file://")
    assert Path(unquote(urlparse(first.split("$schema=", 1)[1]).path)) == SCHEMA_PATH
    lesson = load_lesson(path)
    assert lesson.id == f"my-{template}" and lesson.steps
    assert lint(lesson) == []
    assert main(["validate", "--strict", str(path)]) == 0
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), load_schema())


def test_new_refuses_to_overwrite(tmp_path, capsys):
    assert main(["new", "mine", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "mine.yaml"
    path.write_text("my work\n")
    assert main(["new", "mine", "--dir", str(tmp_path), "--template", "mlp"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert path.read_text() == "my work\n"


@pytest.mark.parametrize("bad", ["My Lesson", "abc\n", "abc\r\n", "\nabc"])
def test_new_refuses_a_bad_id(tmp_path, capsys, bad):
    assert main(["new", bad, "--dir", str(tmp_path)]) == 2
    assert "not a lesson id" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("/dev/null", "/dev/null is a character device, not a folder"),
        ("{tmp}/notes.txt", "{tmp}/notes.txt is a regular file, not a folder"),
        ("{tmp}/notes.txt/sub", "{tmp}/notes.txt/sub cannot be made: {tmp}/notes.txt is a regular file, not a folder"),
    ],
)
def test_new_says_when_the_folder_is_not_a_folder(tmp_path, capsys, where, says):
    (tmp_path / "notes.txt").write_text("my notes\n")
    code = main(["new", "mine", "--dir", where.format(tmp=tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and says.format(tmp=tmp_path) in err and "already exists" not in err
    assert (tmp_path / "notes.txt").read_text() == "my notes\n"


def test_schema_command_prints_the_shipped_schema(capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert printed["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(printed)


def test_schema_keys_equal_the_loaders():
    schema = load_schema()
    assert set(schema["properties"]) == set(LESSON_KEYS)
    assert schema["required"] == list(REQUIRED_KEYS)
    step = schema["definitions"]["step"]
    assert set(step["properties"]) == set(STEP_KEYS)
    assert set(step["properties"]["mistakes"]["items"]["properties"]) == set(MISTAKE_KEYS)
    assert schema["additionalProperties"] is False and step["additionalProperties"] is False


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_lessons_match_the_schema(path):
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), load_schema())


@pytest.mark.parametrize("name", ["unknown-key-typo", "unknown-step-key-typo", "step-two-kinds", "wrong-format"])
def test_schema_catches_what_an_editor_should_underline(name):
    data = yaml.safe_load((BROKEN / f"{name}.yaml").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft7Validator(load_schema()).iter_errors(data))


def test_authoring_imports_no_ui_or_torch():
    import subprocess
    import sys

    code = (
        "import sys, tutor.authoring, tutor.cli.authoring_cmd\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('textual', 'torch')))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == ""
