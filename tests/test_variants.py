"""Variants: a lesson's ``vary:`` rules read and located, variant K drawn the same way every time, clean, with its
prose, graph and CLI output at the variant's numbers, and its progress kept apart from the lesson's own."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SHIPPED

from tutor.authoring.variants import MAX_TRIES, check_variants, variant
from tutor.cli import main
from tutor.cli.lessons_cmd import validate_file
from tutor.course import LessonError, load_lesson, parse_lesson, prompt, solve
from tutor.course.variant import draws, rng_for
from tutor.progress import MAX_VARIANTS, MAX_VERSIONS, ProgressStore, parse

CHAIN = (ROOT / "lessons" / "chain-rule.yaml").read_text(encoding="utf-8")
VARIED = [p for p in SHIPPED if "\nvary:" in p.read_text(encoding="utf-8")]


def with_vary(block: str, text: str = CHAIN) -> str:
    """The chain-rule lesson with its vary: section replaced by ``block``."""
    head, rest = text.split("\nvary:", 1)
    return head + "\n" + block.strip("\n") + "\ngraph:" + rest.split("\ngraph:", 1)[1]


def problems_of(text: str) -> list[str]:
    """``line:col message`` of every problem loading the text gives."""
    try:
        parse_lesson(text, "l.yaml")
    except LessonError as e:
        return [f"{p.line}:{p.col} {p.message}" for p in e.problems]
    return []


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- the rules


def test_the_shipped_lessons_with_vary_load_their_rules():
    assert len(VARIED) >= 12
    for path in VARIED:
        lesson = load_lesson(path)
        assert lesson.vary, path.name
        assert {r.name for r in lesson.vary} <= set(lesson.leaf_values())


@pytest.mark.parametrize(
    ("block", "where", "says"),
    [
        ("vary:\n  z: {range: [0, 1], step: 0.5}", "43:3", "'z' is not an input or constant"),
        ("vary:\n  x: {range: [3, 1], step: 0.5}", "43:14", "is empty: the low end comes first"),
        ("vary:\n  x: {range: [0, 1]}", "43:6", "range: needs a step"),
        ("vary:\n  x: {range: [0, 1], step: 0}", "43:28", "step: must be positive"),
        ("vary:\n  x: {range: [0, 1000], step: 0.001}", "43:31", "more than 10000: use a larger step"),
        ("vary:\n  x: {one_of: [1, 2], avoid: [1, 2]}", "43:30", "every value is avoided"),
        ("vary:\n  x: {range: [0, 1], step: 0.5, one_of: [1]}", "43:6", "exactly one of range:, one_of:"),
        ("vary:\n  x: {rnage: [0, 1], step: 0.5}", "43:7", "unknown key 'rnage' in a vary rule; did you mean 'range'"),
        ("vary:\n  x: {one_of: [1, 2], distinct: true}", "43:33", "distinct: needs a vector or a matrix"),
        ("vary:\n  x: {one_of: [1, 2], not_symmetric: true}", "43:38", "not_symmetric: is for a square matrix"),
        ("vary:\n  x: {one_hot: true}", "43:16", "one_hot: needs a vector or a matrix"),
        ("vary:\n  x: {entries: [1, 2]}", "43:16", "entries: is for a vector or a matrix"),
        ("vary:\n  x: {labels: 1}", "43:15", "labels: is true or false"),
        ("vary:\n  x: 3", "43:6", "a rule is a mapping"),
        ("vary: []", "42:7", "'vary' maps inputs and constants"),
    ],
)
def test_an_impossible_rule_is_located_and_says_what_to_do(block, where, says):
    found = problems_of(with_vary(block))
    assert found, "the rule was accepted"
    assert any(p.startswith(where + " ") and says in p for p in found), found


def test_distinct_needs_as_many_values_as_entries():
    text = (ROOT / "lessons" / "sigmoid-layer.yaml").read_text(encoding="utf-8")
    found = problems_of(with_vary("vary:\n  W: {one_of: [1, 2, 3], distinct: true}", text))
    assert any("W has 6 entries but its rule offers only 3 values" in p for p in found), found


def test_entries_must_be_shaped_like_the_leaf():
    text = (ROOT / "lessons" / "sigmoid-layer.yaml").read_text(encoding="utf-8")
    found = problems_of(with_vary("vary:\n  b: {entries: [[1], [2]]}", text))
    assert any("entries: must be shaped like b, 3×1" in p for p in found), found


# ---------------------------------------------------------------- drawing


def test_variant_zero_is_the_lesson_as_written():
    lesson = load_lesson(VARIED[0])
    assert variant(lesson, 0) is lesson


def test_variants_differ_and_the_same_k_draws_the_same_numbers():
    lesson = load_lesson(ROOT / "lessons" / "chain-rule.yaml")
    seen = {tuple(float(v) for v in variant(lesson, k).leaf_values().values()) for k in range(1, 11)}
    assert len(seen) >= 8  # 11 × 15 grid values: ten draws nearly always differ
    again = load_lesson(ROOT / "lessons" / "chain-rule.yaml")
    for k in (1, 5, 123456):
        a, b = variant(lesson, k), variant(again, k)
        assert all(np.array_equal(a.leaf_values()[n], b.leaf_values()[n]) for n in a.leaf_values())
        assert a.content_hash == b.content_hash == f"{lesson.content_hash}/variant-{k}"


def _solve_json(k: int) -> str:
    """``solve chain-rule --variant K --json`` in a fresh Python process."""
    r = subprocess.run(
        [sys.executable, "-m", "tutor", "solve", "sigmoid-neuron", "--variant", str(k), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    return hashlib.sha256(r.stdout.encode()).hexdigest()


def test_solve_variant_is_identical_across_processes_and_differs_across_k():
    first, second, other = _solve_json(3), _solve_json(3), _solve_json(4)
    assert first == second
    assert first != other


def test_rules_and_constraints_hold_in_every_draw():
    text = (ROOT / "lessons" / "two-layer-batch.yaml").read_text(encoding="utf-8")
    lesson = parse_lesson(
        with_vary(
            "vary:\n  W1: {range: [-1, 1], step: 0.25, distinct: true}\n  Y: {labels: true}\n"
            "  X: {range: [-1, 1], step: 0.25, avoid: [0]}",
            text,
        )
    )
    it = draws(lesson, rng_for(lesson, 1))
    for _ in range(200):
        d = next(it)
        assert len(np.unique(d["W1"])) == 6 and set(np.unique(d["W1"])) <= set(np.arange(-1, 1.01, 0.25))
        assert set(np.unique(d["Y"])) <= {0.0, 1.0}
        assert not np.any(d["X"] == 0) and np.all(np.abs(d["X"]) <= 1)
    for k in range(1, 6):
        y = variant(lesson, k).constants["Y"]
        assert set(np.unique(y)) == {0.0, 1.0}  # labels: both classes appear


def test_not_symmetric_and_one_hot():
    text = """format: 1
id: sq
title: A square matrix
inputs:
  A: [[1, 2], [3, 4]]
constants:
  T: [[1, 0, 0], [0, 1, 0]]
  x: [1, -2]
vary:
  A: {one_of: [1, 2], not_symmetric: true}
  T: {one_hot: true}
graph:
  - y = A @ x
  - L = sum(y * y) + sum(T)
"""
    lesson = parse_lesson(text)
    for k in range(1, 30):
        v = variant(lesson, k)
        assert not np.array_equal(v.inputs["A"], v.inputs["A"].T)
        assert np.array_equal(v.constants["T"].sum(axis=1), [1, 1]) and set(np.unique(v.constants["T"])) == {0, 1}


def test_a_draw_that_always_lets_a_mistake_pass_is_a_located_error():
    # y − t = 1 in every draw: L = (y − t)² equals the mistake "y - t", which the lesson as written catches
    lesson = parse_lesson(with_vary("vary:\n  x: {one_of: [2]}\n  t: {one_of: [3]}\n"), "c.yaml", Path("c.yaml"))
    with pytest.raises(LessonError) as e:
        variant(lesson, 1)
    (p,) = e.value.problems
    assert (p.file, p.line, p.col) == ("c.yaml", 43, 3)
    assert f"no clean variant 1 in {MAX_TRIES} draws" in p.message
    assert "widen the ranges" in p.message
    assert check_variants(lesson) == e.value.problems


def test_a_saturating_range_is_refused_by_validate(tmp_path):
    text = (ROOT / "lessons" / "sigmoid-neuron.yaml").read_text(encoding="utf-8")
    path = tmp_path / "sat.yaml"
    path.write_text(with_vary("vary:\n  b: {range: [-90, -80], step: 1}", text), encoding="utf-8")
    found = validate_file(path)
    assert any(p.severity == "error" and "no clean variant" in p.message and p.line == 35 for p in found), found


def test_a_lesson_without_vary_has_only_variant_zero(capsys):
    code, _, err = run_cli(capsys, "solve", "var-class", "--variant", "2")
    assert code == 2
    assert "has no vary: section" in err and "Traceback" not in err


def test_a_variant_that_is_not_a_whole_number_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["solve", "chain-rule", "--variant", "-1"])
    assert e.value.code == 2
    assert "is not a variant: give a whole number" in capsys.readouterr().err


# ---------------------------------------------------------------- what the learner sees


def test_prose_prompts_and_hints_follow_the_variant():
    lesson = load_lesson(ROOT / "lessons" / "chain-rule.yaml")
    v = variant(lesson, 2)
    x, t = float(v.inputs["x"]), float(v.constants["t"])
    assert (x, t) != (1.5, 4.25)
    assert f"`x = {x:g}`, `t = {t:g}`" in v.intro
    assert f"t = {t:g}" in v.step("value:L").hints[0]
    assert "{{" not in v.step("grad:x").explain and f"{float(solve(v).trace.grads['x']):g}" in v.step(
        "grad:x"
    ).explain.replace("−", "-")
    q = prompt(v, v.step("value:y"), solve(v).trace.values)
    assert q.question  # the question itself is generated from the variant's values


def test_the_pytorch_script_of_a_variant_has_the_variants_numbers():
    from tutor.reveal.codegen import lesson_script, py_number

    lesson = load_lesson(ROOT / "lessons" / "chain-rule.yaml")
    v = variant(lesson, 9)
    script = lesson_script(v)
    assert f"x = torch.tensor({py_number(float(v.inputs['x']))}" in script.replace("\n", "")
    assert py_number(float(v.constants["t"])) in script and py_number(1.5) not in lesson_script(v)


def test_a_variant_drawn_from_a_variant_has_the_same_numbers():
    lesson = load_lesson(ROOT / "lessons" / "sigmoid-neuron.yaml")
    from_lesson = variant(lesson, 8)
    from_variant = variant(variant(lesson, 3), 8)
    for name, value in from_lesson.leaf_values().items():
        assert np.array_equal(value, from_variant.leaf_values()[name])
    assert from_variant.content_hash == from_lesson.content_hash


def test_solve_json_gives_the_variants_inputs_and_constants(capsys):
    code, out, _ = run_cli(capsys, "solve", "chain-rule", "--variant", "4", "--json")
    assert code == 0
    data = json.loads(out)
    v = variant(load_lesson(ROOT / "lessons" / "chain-rule.yaml"), 4)
    assert data["variant"] == 4
    assert data["inputs"] == {"x": float(v.inputs["x"])} and data["constants"] == {"t": float(v.constants["t"])}
    assert data["values"]["y"] == pytest.approx(2 * data["inputs"]["x"])


def test_check_grades_against_the_variant(tmp_path, capsys):
    v = variant(load_lesson(ROOT / "lessons" / "chain-rule.yaml"), 6)
    dx = float(solve(v).trace.grads["x"])
    answers = tmp_path / "a.yaml"
    answers.write_text(f'grad:x: "{dx}"\n')
    code, out, _ = run_cli(capsys, "check", "chain-rule", "--variant", "6", "--answers", str(answers), "--json")
    assert code == 0 and json.loads(out)["variant"] == 6
    code, _, _ = run_cli(capsys, "check", "chain-rule", "--answers", str(answers))
    assert code == 1  # the variant's answer is wrong for the lesson as written


# ---------------------------------------------------------------- progress


def test_a_variants_progress_is_kept_apart_and_survives_an_older_reader(tmp_path):
    store = ProgressStore(tmp_path / "progress.json")
    lesson = load_lesson(ROOT / "lessons" / "chain-rule.yaml")
    own = store.lesson(lesson.id, lesson.content_hash)
    own.step("value:y").status = "solved"
    store.save(own)
    v = variant(lesson, 3)
    rec = store.lesson(v.id, v.content_hash)
    rec.step("value:y").status = "shown"
    store.save(rec)

    again = ProgressStore(tmp_path / "progress.json")
    assert again.peek(lesson.id, lesson.content_hash).steps["value:y"].status == "solved"
    assert again.peek(v.id, v.content_hash).steps["value:y"].status == "shown"
    assert again.peek(v.id, v.content_hash).variant == 3
    assert again.variants_done(lesson.id, lesson.content_hash) == [3]
    data = json.loads((tmp_path / "progress.json").read_text())
    assert data["format"] == 2  # the format an older version reads: a variant is one more version of the record
    assert set(data["lessons"]["chain-rule"]["versions"]) == {lesson.content_hash, v.content_hash}


def test_practising_many_variants_never_drops_the_lessons_own_progress(tmp_path):
    store = ProgressStore(tmp_path / "progress.json")
    lesson = load_lesson(ROOT / "lessons" / "chain-rule.yaml")
    own = store.lesson(lesson.id, lesson.content_hash)
    own.step("value:y").status = "solved"
    store.save(own)
    for k in range(1, MAX_VARIANTS + MAX_VERSIONS + 5):
        rec = store.lesson(lesson.id, f"{lesson.content_hash}/variant-{k}")
        rec.step("value:y").status = "solved"
        rec.updated = f"2030-01-01T00:{k // 60:02d}:{k % 60:02d}+00:00"
    store.save()
    versions = parse((tmp_path / "progress.json").read_bytes()).lessons["chain-rule"]
    assert lesson.content_hash in versions
    assert len(versions) == 1 + MAX_VARIANTS


def test_a_teachers_report_shows_the_lesson_itself_not_a_later_variant(tmp_path):
    from tutor.authoring.report import build_report

    own = {"current": "grad:x", "updated": "2026-03-02T10:00:00+00:00", "steps": {"grad:x": {"status": "solved"}}}
    later = {"current": "value:y", "updated": "2026-03-03T10:00:00+00:00", "steps": {"value:y": {"status": "shown"}}}
    versions = {"h1": own, "h1/variant-2": later}
    data = {"format": 2, "lessons": {"chain-rule": {"id": "chain-rule", "source": None, "versions": versions}}}
    (tmp_path / "ann.json").write_text(json.dumps(data), encoding="utf-8")
    (row,) = build_report([("ann", tmp_path / "ann.json")]).rows
    assert row.version == "h1"
    assert [s.status for s in row.steps if s.id == "grad:x"] == ["solved"]


def test_a_constraint_no_draw_can_meet_is_a_located_error():
    text = (ROOT / "lessons" / "sigmoid-layer.yaml").read_text(encoding="utf-8")
    block = "vary:\n  b: {range: [-1, 1], step: 0.5}\n  x: {entries: [[1.5], [1.5]], distinct: true}"
    lesson = parse_lesson(with_vary(block, text), "s.yaml", Path("s.yaml"))
    with pytest.raises(LessonError) as e:
        variant(lesson, 1)
    (p,) = e.value.problems
    assert (p.line, p.col) == (lesson.vary[1].line, lesson.vary[1].col) != (0, 0)  # at the rule of x
    assert "(the last one: x has equal entries (distinct: true))" in p.message
