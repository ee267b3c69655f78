"""Skills: every step of every shipped lesson counts for a skill (or is skill-less on purpose), each skill is
exercised where a learner would expect it, and a known progress file gives known first-try rates."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ROOT

from tutor.cli import main
from tutor.course import find_lesson, load_lesson
from tutor.drill import make_drill
from tutor.progress import Attempt, ProgressStore, lesson_source
from tutor.skills import BY_ID, RECENT, SKILLS, skill_map

LESSONS = sorted(p for p in (ROOT / "lessons").glob("*.yaml") if p.name != "course.yaml")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_step_of_a_shipped_lesson_counts_for_a_skill_or_is_given(path):
    lesson = load_lesson(path)
    mapping = skill_map(lesson)
    for step in lesson.steps:
        if step.given:
            assert mapping[step.id] == (), f"{path.stem}: {step.id} is shown worked: it counts for no skill"
        else:
            assert mapping[step.id], f"{path.stem}: {step.id} counts for no skill: add its kind or op to SKILLS"


#: per skill: a shipped step that exercises it, and one of the same lesson that does not
EXAMPLES = {
    "forward": ("chain-rule", "value:y", "grad:x"),
    "chain": ("chain-rule", "grad:x", "local:y/x"),
    "sums-products": ("chain-rule", "local:y/x", "local:L/y"),
    "power": ("chain-rule", "local:L/y", "local:y/x"),
    "exp-log": ("var-class", "local:s/x", "local:m/x"),
    "sigmoid": ("sigmoid-neuron", "local:q/z", "grad:w"),
    "tanh": ("tanh-unit", "local:a/z", "grad:w"),
    "relu": ("relu-layer", "local:h/z", "grad:w"),
    "fan-out": ("fan-out", "grad:x", "grad:y"),
    "matmul": ("two-layer-batch", "grad:W2", "grad:Z1"),
    "bias-sum": ("two-layer-batch", "grad:b2", "grad:W2"),
    "batch-mean": ("two-layer-batch", "grad:Z2", "grad:Z1"),
    "loss": ("logistic-bce", "grad:q", "grad:z"),
    "softmax-ce": ("softmax-ce", "jacobian:P/Z", "value:P"),
    "update": ("torch-training-step", "update:W", "grad:W"),
    "autograd": ("torch-training-step", "autograd:W.grad after L.backward(); L.backward()", "update:W"),
}


def test_every_skill_has_an_example():
    assert set(EXAMPLES) == {s.id for s in SKILLS}


@pytest.mark.parametrize("skill", [s.id for s in SKILLS])
def test_each_skill_is_exercised_where_a_learner_would_expect_it(skill):
    lesson_id, yes, no = EXAMPLES[skill]
    mapping = skill_map(find_lesson(lesson_id, []))
    assert skill in mapping[yes], f"{lesson_id} {yes}: {mapping[yes]}"
    assert skill not in mapping[no], f"{lesson_id} {no}: {mapping[no]}"


def test_a_new_lessons_steps_count_without_naming_it():
    """A drill is a lesson no table names: its steps map by kind and op."""
    _, lesson = make_drill(2, 5)  # u = w * x + b, a = sigmoid(u), L = (a - t) ** 2 + u: u fans out
    mapping = skill_map(lesson)
    assert "sigmoid" in mapping["local:a/u"] and "fan-out" in mapping["grad:u"] and "power" in mapping["local:L/a"]


def test_every_diagnosis_a_skill_names_is_one_the_grader_makes():
    """A mistyped id would never count: each must stand in the grader, the op table or the step kinds."""
    sources = [*(ROOT / "tutor" / "grading").glob("*.py"), ROOT / "tutor/engine/ops.py", ROOT / "tutor/course/steps.py"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    made = set(re.findall(r'"([a-z0-9]+(?:-[a-z0-9]+)*)"', text))
    unknown = {d for s in SKILLS for d in s.diagnoses} - made
    assert not unknown, unknown


# ---------------------------------------------------------------- rates from a progress file


def record_tries(store: ProgressStore, lesson_id: str, tries: list[tuple[str, bool, str | None, int]]) -> None:
    """First tries at steps of a shipped lesson: (step id, right, diagnosis, minutes after T0)."""
    lesson = find_lesson(lesson_id, [])
    record = store.lesson(lesson.id, lesson.content_hash, lesson_source(lesson.path))
    for step_id, correct, diagnosis, minutes in tries:
        at = (T0 + timedelta(minutes=minutes)).isoformat(timespec="milliseconds")
        record.step(step_id).attempts.append(Attempt("typed", correct, diagnosis, at))
        if not correct:  # a later right answer is not a first try: it must not count
            record.step(step_id).attempts.append(Attempt("typed", True, None, at))


@pytest.fixture
def known_progress() -> ProgressStore:
    """A progress file with known first tries: sums and products 11 (the latest 10 all right), the fan-out missed
    once, the matmul rule missed by a transpose and a sign slip, the 1/N missed on a σ′ step."""
    store = ProgressStore()
    record_tries(store, "chain-rule", [("value:y", True, None, 1), ("local:y/x", False, "sign", 2)])
    record_tries(store, "chain-rule", [("local:L/y", True, None, 3), ("grad:y", False, "sign", 4)])
    record_tries(store, "fan-out", [("local:s/x", True, None, 10), ("local:q/x", True, None, 11)])
    record_tries(store, "fan-out", [("local:q/y", True, None, 12), ("grad:x", False, "fan-out", 13)])
    record_tries(store, "sigmoid-neuron", [("local:q/z", True, None, 20), ("grad:z", False, "factor-n", 21)])
    record_tries(store, "tanh-unit", [("local:a/z", False, "from-input", 30)])
    record_tries(store, "two-layer-batch", [("grad:W2", False, "transposed", 40), ("grad:b2", True, None, 41)])
    record_tries(store, "chained-functions", [("local:c/b", True, None, 50)])  # c = a·b
    record_tries(store, "matmul-jacobian", [("grad:X", False, "transposed", 51)])
    record_tries(store, "var-class", [(f"local:m/{v}", True, None, 60 + i) for i, v in enumerate("xy")])
    record_tries(store, "var-class", [("grad:m", True, None, 62)])
    record_tries(
        store, "chain-rule-paths", [(s, True, None, 70 + i) for i, s in enumerate(["local:v/x2", "local:u/v"])]
    )
    store.save()
    return store


def skills_json(capsys) -> dict[str, dict]:
    """``skills --json``, by skill id."""
    assert main(["skills", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recent"] == RECENT
    return {s["id"]: s for s in data["skills"]}


def test_a_known_progress_file_gives_known_rates(known_progress, capsys):
    got = skills_json(capsys)
    # sums and products: chain-rule's y/x wrong (sign: no skill claims it), then fan-out's s/x, q/x, q/y,
    # chained-functions' c/b, var-class' m/x, m/y, dm, chain-rule-paths' two and two-layer-batch's db2: 10 right; the
    # latest 10 of 11 leave the miss out
    assert (got["sums-products"]["right"], got["sums-products"]["tried"], got["sums-products"]["first_tries"]) == (
        10,
        10,
        11,
    )
    assert (got["power"]["right"], got["power"]["tried"]) == (1, 2)  # L/y right; grad:y's sign slip counts too
    assert (got["fan-out"]["right"], got["fan-out"]["tried"]) == (0, 1)
    assert (got["chain"]["right"], got["chain"]["tried"]) == (2, 3)  # db2, dm right, dy's sign; not the fan-out
    assert (got["sigmoid"]["right"], got["sigmoid"]["tried"]) == (1, 1)  # grad:z's 1/N is not σ′'s miss
    assert (got["batch-mean"]["right"], got["batch-mean"]["tried"]) == (0, 1)  # ... it is the batch mean's
    assert (got["tanh"]["right"], got["tanh"]["tried"]) == (0, 1)  # 'from-input' on a tanh step: tanh's alone
    assert (got["matmul"]["right"], got["matmul"]["tried"]) == (0, 2)  # dW2, dX transposed
    assert got["softmax-ce"]["tried"] == 0 and got["softmax-ce"]["rate"] is None


def test_the_listing_says_no_attempts_rather_than_zero(known_progress, capsys):
    assert main(["skills"]) == 0
    out = capsys.readouterr().out
    lines = {line.split("  ")[1].strip(): line for line in out.splitlines()[1:]}
    assert lines["softmax with cross-entropy"].endswith("no attempts yet") and "0%" not in out
    assert lines["matmul rule: which transpose"].endswith("□□□□□□□□□□  0/2 right first time")
    assert lines["locals of +, −, ·, ÷ and sums"].endswith("■■■■■■■■■■  10/10 right first time")
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_lesson_that_no_longer_loads_is_left_out(known_progress, capsys, tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        (ROOT / "lessons" / "chain-rule.yaml").read_text(encoding="utf-8").replace("id: chain-rule", "id: mine")
    )
    lesson = load_lesson(path)
    store = ProgressStore()
    record = store.lesson(lesson.id, lesson.content_hash, lesson_source(path))
    record.step("local:L/y").attempts.append(Attempt("1", False, None, T0.isoformat()))
    store.save()
    before = skills_json(capsys)["power"]["tried"]
    Path(path).unlink()
    assert skills_json(capsys)["power"]["tried"] == before - 1
    assert BY_ID["power"].name == "power rule"


@pytest.mark.parametrize("source", ["fifo", "dir", "nul"])
def test_a_record_that_names_a_strange_file_is_left_out_without_hanging(capsys, tmp_path, source):
    """The progress file is untrusted: a record's source may name a pipe, a folder or no possible file."""
    import os

    place = {"fifo": tmp_path / "pipe.yaml", "dir": tmp_path, "nul": "bad\x00name.yaml"}[source]
    if source == "fifo":
        os.mkfifo(place)
    store = ProgressStore()
    record = store.lesson("stray", "0" * 64, str(place))
    record.step("local:L/y").attempts.append(Attempt("1", False, None, T0.isoformat()))
    store.save()
    got = skills_json(capsys)
    assert all(s["tried"] == 0 for s in got.values())
