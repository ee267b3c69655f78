"""Generated PyTorch code carries lesson text only as data (security review, findings 1, 7 and 8).

For hostile lessons (coding declarations, every kind of line break, quotes, NUL, escapes, markup, huge
numbers, names Python already uses) the script must: start with the two fixed lines, hold lesson text only
in string literals and in comments after line 2, and be exactly the code of the same lesson with neutral
text (same tokens, same ``ast`` once string constants are blanked). Run under PyTorch, a coding-cookie
title must not execute its payload; the child Python runs isolated with a minimal environment.
"""

from __future__ import annotations

import ast
import builtins
import copy
import importlib.util
import io
import json
import keyword
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tutor.course import Lesson, LessonError, load_lesson, parse_lesson
from tutor.lang import parse
from tutor.reveal import run as run_module
from tutor.reveal.codegen import FIRST_LINES, _Writer, lesson_script, py_array, py_number, python_names, step_code
from tutor.reveal.run import compare, run_lesson, run_script

HOSTILE_DIR = Path(__file__).parent / "hostile"
REVEAL_CORPUS = [*sorted(HOSTILE_DIR.glob("reveal-*.yaml")), HOSTILE_DIR / "title-coding-cookie.yaml"]
HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")

#: text an attacker or a careless author could put in any prose field of a lesson
HOSTILE_TEXT = [
    "coding: unicode_escape \\nimport os; os.system('touch pwned') \\n#",
    "# -*- coding: utf-7 -*- +AAo-import os+AAo-#",
    "coding=latin-1",
    "vim: set fileencoding=unicode_escape :",
    "\x0c# coding: unicode_escape",
    "a\rimport os\r#",
    "b\nimport os\n#",
    "line\u2028separator\u2029paragraph\x85next\x0bvt\x1cfs",
    '"""',
    "'''",
    "\\",
    "end with a backslash \\",
    "\x00NUL",
    "\x1b[2J\x1b]0;owned\x07",
    "\u202eright-to-left\u2066",
    "[@click=app.quit]click[/] [b]bold[/b] [red]x[/bold] [/",
    "{0} {__import__} %s \\{{}}",  # \{{ : two literal braces in prose ({{ EXPR }} is a live number there)
    "1" * 500,
    "1e999",
    "\t\t tabs",
    "Huffman coding: why the chain rule still applies",
]
#: lesson names Python or the script already gives a meaning (all within the name grammar)
HOSTILE_NAMES = [
    "__builtins__", "__name__", "__debug__", "__file__", "__spec__", "__import__", "lambda", "print",
    "match", "case", "_", "None", "True", "json", "torch", "F", "step", "node", "answer", "step_id",
    "_bt_named", "_bt_tree", "exec", "eval", "open", "x_", "x",
]  # fmt: skip
PROSE_KEYS = ("title", "summary", "intro", "outro")
STEP_PROSE_KEYS = ("hint", "explain", "prompt")
NEUTRAL = "Neutral text"


# ------------------------------------------------------------ the property every generated script has


def neutralised(data: dict) -> dict:
    """The same lesson data with every prose field replaced by neutral text."""
    out = copy.deepcopy(data)
    for key in PROSE_KEYS:
        if key in out:
            out[key] = NEUTRAL
    for step in out.get("steps") or []:
        for key in STEP_PROSE_KEYS:
            if key in step:
                step[key] = NEUTRAL
        for mistake in step.get("mistakes") or []:
            mistake["message"] = NEUTRAL
    return out


def code_tokens(script: str) -> list[tuple[int, str | None, int]]:
    """Every token as (type, text, line), the text left out for string literals and comments."""
    tokens = tokenize.generate_tokens(io.StringIO(script).readline)
    return [(t.type, None if t.type in (tokenize.STRING, tokenize.COMMENT) else t.string, t.start[0]) for t in tokens]


def blank_strings(tree: ast.AST) -> str:
    """``ast.dump`` of a tree whose string constants are all blanked."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.dump(tree)


def assert_text_is_data(script: str, neutral: str) -> None:
    """The script holds lesson text only as data, and its code is the neutral lesson's code."""
    lines = script.split("\n")
    assert tuple(lines[:2]) == FIRST_LINES, lines[:3]
    encoding, _ = tokenize.detect_encoding(io.BytesIO(script.encode("utf-8")).readline)
    assert encoding == "utf-8"
    # one line per "\n": no other line break, no control character, nothing unprintable anywhere
    bad = sorted({ch for ch in script if not (ch.isprintable() or ch == "\n")})
    assert not bad, bad
    assert script.splitlines() == lines[:-1]
    # lesson text only in string literals and comments, the rest token for token the neutral lesson's
    assert code_tokens(script) == code_tokens(neutral)
    comments = [t for t in tokenize.generate_tokens(io.StringIO(script).readline) if t.type == tokenize.COMMENT]
    assert [t.string for t in comments if t.start[0] <= 2] == list(FIRST_LINES)
    assert blank_strings(ast.parse(script)) == blank_strings(ast.parse(neutral))
    compile(script, "lesson_torch.py", "exec")


def assert_lesson_is_safe(lesson: Lesson, neutral: Lesson) -> None:
    """Both scripts, with and without the report, and every step's code."""
    for report in (False, True):
        assert_text_is_data(lesson_script(lesson, report=report), lesson_script(neutral, report=report))
    for step, same in zip(lesson.steps, neutral.steps, strict=True):
        code, neutral_code = step_code(lesson, step), step_code(neutral, same)
        assert code == neutral_code
        ast.parse(code.text)
        assert all(ch.isprintable() for ch in code.note)


def assert_names_are_plain(lesson: Lesson) -> None:
    """Every lesson name became an ASCII identifier that Python and the script leave alone."""
    taken = set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist) | {"torch", "F", "json", "step", "node"}
    names = python_names(lesson)
    assert len(set(names.values())) == len(names)
    for py in names.values():
        assert py.isascii() and py.isidentifier() and py not in taken, py
        assert not (len(py) > 4 and py.startswith("__") and py.endswith("__")) and not py.startswith("_bt_"), py


_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def _astral(m: re.Match[str]) -> str:
    """A JSON surrogate pair as YAML's one escape for the character (YAML refuses the pair)."""
    high, low = int(m.group(2), 16), int(m.group(3), 16)
    return m.group(1) + f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"


def load_data(data: dict, name: str = "hostile.yaml") -> Lesson:
    """A lesson from data, written as JSON (which is YAML) so every string survives exactly."""
    return parse_lesson(_SURROGATE_PAIR.sub(_astral, json.dumps(data)), name)


# ------------------------------------------------------------ the corpus


@pytest.mark.parametrize("path", REVEAL_CORPUS, ids=lambda p: p.stem)
def test_corpus_scripts_hold_lesson_text_only_as_data(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    lesson = load_lesson(path)
    assert_lesson_is_safe(lesson, load_data(neutralised(data)))
    assert_names_are_plain(lesson)


@needs_torch
@pytest.mark.parametrize("path", REVEAL_CORPUS, ids=lambda p: p.stem)
def test_corpus_lessons_run_under_pytorch_and_agree(path: Path, run_in_worker) -> None:
    """Each runs as the lesson it is (the corpus's payloads touch /tmp/backprop-tutor-pwned: they must not), in the
    PyTorch worker the panel uses (the fresh runner's coding-cookie test is below)."""
    pwned = Path("/tmp/backprop-tutor-pwned")
    was_there = pwned.exists()
    lesson = load_lesson(path)
    result = run_in_worker(lesson)
    assert result.ok, result.message
    assert not compare(lesson, result).disagreements()
    assert was_there or not pwned.exists()


@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
def test_hostile_text_in_every_prose_field(text: str) -> None:
    data = {
        "format": 1,
        "id": "hostile-text",
        "title": text,
        "summary": text,
        "intro": text,
        "outro": text,
        "inputs": {"x": 1.5},
        "constants": {"t": 4.25},
        "graph": ["y = 2 * x", "L = (y - t) ** 2"],
        "steps": [
            {"local": "L/y", "hint": text, "explain": text, "prompt": text},
            {"grad": "x", "hint": text, "mistakes": [{"answer": "2 * (y - t)", "message": text}]},
        ],
    }
    lesson = load_data(data)
    assert lesson.title not in ("", NEUTRAL)  # the hostile text reached the script generator
    assert_lesson_is_safe(lesson, load_data(neutralised(data)))


def test_names_python_already_uses_are_renamed() -> None:
    lesson = load_lesson(HOSTILE_DIR / "reveal-dunder-names.yaml")
    names = python_names(lesson)
    assert names["__builtins__"] == "builtins_" and names["__name__"] == "name_" and names["__file__"] == "file_"
    assert names["_bt_named"] == "bt_named_" and names["lambda"] == "lambda_" and names["_"] == "__"
    assert_names_are_plain(lesson)


# ------------------------------------------------------------ fuzz: generated lessons, hostile text


@st.composite
def hostile_lessons(draw: st.DrawFn) -> dict:
    """Lesson data whose prose is drawn from hostile strings and whose names Python already uses."""
    text = st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=40),
        st.lists(st.sampled_from(HOSTILE_TEXT), min_size=2, max_size=4).map(" ".join),
    )
    a, t, y, out = draw(st.lists(st.sampled_from(HOSTILE_NAMES), min_size=4, max_size=4, unique=True))
    number = draw(st.sampled_from([2, 0.5, -3, 1e-300, 1e300, -0.0, 7.25e-5, 123456789012345678]))
    cancels = draw(st.sampled_from(["", " + exp(-1e308 * 10)", " + 0 * (1 / 3)"]))
    shape = draw(st.sampled_from(["scalar", "vector"]))
    value = 1.5 if shape == "scalar" else [0.5, -1.25, 2.0]
    total = f"sum({y} * {y})" if shape == "vector" else f"({y} - {t}) ** 2"
    data = {
        "format": 1,
        "id": draw(st.sampled_from(["hostile", "a", "x-1", "0-lesson"])),
        "inputs": {a: value},
        "constants": {t: 4.25},
        "graph": [f"{y} = {number} * {a} + {t}{cancels}", f"{out} = {total}"],
        "steps": [
            {"value": y, "hint": draw(text), "explain": draw(text)},
            {"local": f"{y}/{a}", "prompt": draw(text)},
            {"grad": a, "hint": draw(text), "mistakes": [{"answer": f"2 * {a}", "message": draw(text)}]},
        ],
    }
    if shape == "vector":
        data["steps"].append({"jacobian": f"{y}/{a}", "hint": draw(text)})
    for key in PROSE_KEYS:
        if draw(st.booleans()):
            data[key] = draw(text)
    data.setdefault("title", draw(text))
    return data


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_lessons())
def test_fuzz_generated_scripts_hold_lesson_text_only_as_data(data: dict) -> None:
    try:
        lesson = load_data(data)
    except LessonError:
        assume(False)  # the loader refused it with a located message: nothing to generate
    assert_lesson_is_safe(lesson, load_data(neutralised(data)))
    assert_names_are_plain(lesson)


# ------------------------------------------------------------ numbers that are not finite


def test_non_finite_numbers_are_spelled_as_python() -> None:
    assert py_number(float("inf")) == 'float("inf")' and py_number(float("-inf")) == '-float("inf")'
    assert py_number(float("nan")) == 'float("nan")' and py_number(-0.0) == "-0.0" and py_number(2.0) == "2"
    assert py_array([1.0, float("-inf")]) == '[1.0, -float("inf")]'
    assert py_array([[0.5, 2.0]]) == "[[0.5, 2.0]]"


def test_a_non_finite_number_that_cancels_gives_a_script() -> None:
    """``exp(-(1e308 * 10))`` is 0: the lesson loads (or is refused with a located message); codegen never raises.

    (A literal such as ``1e999`` is refused by the parser; an overflow computed from finite literals is not.)
    """
    writer = _Writer(load_lesson(HOSTILE_DIR / "reveal-huffman-title.yaml"))
    cancelling = '2 * x + torch.exp(torch.tensor(-float("inf"), dtype=torch.float64))'
    assert writer.render(parse("2 * x + exp(-(1e308 * 10))")) == cancelling
    # numbers alone are the engine's float64 result: Python would raise, go complex or build a huge integer
    assert writer.render(parse("x * (1 / 0)")) == 'x * float("inf")'
    assert writer.render(parse("x * (0 - 8) ** (1 / 3)")) == 'x * float("nan")'
    assert writer.render(parse("x + 9 ** 9 ** 9")) == 'x + float("inf")'
    assert writer.render(parse("x / -0.0")) == "x / -0.0"
    for graph in CANCELLING:
        try:
            lesson = cancelling_lesson(graph)
        except LessonError as e:
            assert all(p.line for p in e.problems), [str(p) for p in e.problems]
            continue
        assert_text_is_data(lesson_script(lesson, report=True), lesson_script(lesson, report=True))


CANCELLING = ["y = 2 * x + exp(-(1e308 * 10))", "y = 2 * x + exp(-1 / 0)", "y = x * (1 / 3) + exp(-(9 ** 9 ** 9))"]


def cancelling_lesson(graph_line: str) -> Lesson:
    """A lesson whose first line holds a number that is not finite on its way to a finite value."""
    data = {"format": 1, "id": "cancels", "title": "t", "inputs": {"x": 1.5}, "graph": [graph_line, "L = (y - 1) ** 2"]}
    return load_data(data)


@needs_torch
@pytest.mark.parametrize("graph", CANCELLING)
def test_a_non_finite_number_runs_and_agrees_with_the_engine(graph: str, run_in_worker) -> None:
    lesson = cancelling_lesson(graph)
    result = run_in_worker(lesson)
    assert result.ok, result.message
    assert not compare(lesson, result).disagreements()


# ------------------------------------------------------------ running: no payload, isolation


def coding_cookie_lesson(marker: Path, cookie: str) -> Lesson:
    """A lesson whose title would, on line 1 of a script, declare ``cookie`` and run a payload touching ``marker``."""
    payload = f"import pathlib; pathlib.Path({str(marker)!r}).touch()"
    titles = {
        "unicode_escape": f"coding: unicode_escape \\n{payload} \\n#",
        "utf-7": f"coding=utf-7 +AAo-{payload} +AAo-#",
    }
    data = {"format": 1, "id": "cookie", "title": titles[cookie], "inputs": {"x": 1.5}, "constants": {"t": 4.25}}
    data["graph"] = ["y = 2 * x", "L = (y - t) ** 2"]
    return load_data(data)


@needs_torch
@pytest.mark.parametrize("cookie", ["unicode_escape", "utf-7"])
def test_a_coding_cookie_title_does_not_run_its_payload(tmp_path: Path, cookie: str) -> None:
    marker = tmp_path / "pwned"
    lesson = coding_cookie_lesson(marker, cookie)
    result = run_lesson(lesson)
    assert not marker.exists(), "the title's payload ran"
    assert result.ok, result.message
    comparison = compare(lesson, result)
    assert not comparison.disagreements() and len(comparison.differences) == 4 + 3 + len(lesson.steps)
    assert "pwned" not in result.output


@needs_torch
def test_a_saved_script_run_with_python_does_not_run_the_payload(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    (tmp_path / "lesson_torch.py").write_text(lesson_script(coding_cookie_lesson(marker, "unicode_escape")))
    proc = subprocess.run(
        [sys.executable, "-m", "lesson_torch"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists() and "grad:x = tensor(-5.)" in proc.stdout


def test_the_child_runs_isolated_with_a_minimal_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("PYTHONSTARTUP", str(tmp_path / "startup.py"))
    monkeypatch.setenv("ODD_SECRET_VARIABLE", "do-not-pass")
    seen: dict = {}
    real_run = subprocess.run

    def spy(cmd, **kwargs):
        seen.update(cmd=cmd, **kwargs)
        return real_run(cmd, **kwargs)

    monkeypatch.setattr(run_module.subprocess, "run", spy)
    run_script("print('hello')\n")
    cmd, env = seen["cmd"], seen["env"]
    assert cmd[0] == sys.executable and cmd[1] == "-I" and {"-B", "utf8"} <= set(cmd)
    assert set(env) <= {"PATH", "SYSTEMROOT", "HOME", "TMPDIR"}, sorted(env)
    assert env["HOME"] == seen["cwd"] and env["TMPDIR"] == seen["cwd"] and seen["cwd"] != str(Path.cwd())


@needs_torch
def test_the_child_python_reports_isolated_mode(tmp_path: Path, monkeypatch) -> None:
    """A script run by the reveal sees -I in effect: no PYTHONPATH, no sitecustomize from it, no odd variables."""
    marker = tmp_path / "sitecustomize-ran"
    (tmp_path / "sitecustomize.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("ODD_SECRET_VARIABLE", "do-not-pass")
    script = f"""\
import json, os, sys
flags = dict(
    isolated=sys.flags.isolated,
    no_user_site=sys.flags.no_user_site,
    ignore_environment=sys.flags.ignore_environment,
    utf8=sys.flags.utf8_mode,
    pythonpath_on_path=float({str(tmp_path)!r} in sys.path),
    cwd_on_path=float(os.getcwd() in sys.path or "" in sys.path),
    odd_variable=float("ODD_SECRET_VARIABLE" in os.environ),
    variables=len(os.environ),
)
report = dict(values=flags, grads={{}}, steps={{}}, grad_fn={{}})
print({run_module.REPORT_MARKER!r} + json.dumps(report))
"""
    result = run_script(script)
    assert result.ok, result.message
    flags = {k: float(v) for k, v in result.values.items()}
    assert flags["isolated"] == 1 and flags["no_user_site"] == 1 and flags["ignore_environment"] == 1
    assert flags["utf8"] == 1 and flags["pythonpath_on_path"] == 0 and flags["cwd_on_path"] == 0
    assert flags["odd_variable"] == 0 and flags["variables"] <= 5
    assert not marker.exists()
