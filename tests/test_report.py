"""``backprop-tutor report``: a class's progress files merged into one row per learner and lesson, damaged files
reported where they are and the rest still counted, text escaped for people and guarded for spreadsheets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tutor.authoring.report import IDLE_GAP, build_report, learner_name, time_spent, when
from tutor.cli import main

SHIPPED_STEPS = ["value:y", "value:L", "local:L/y", "grad:y", "local:y/x", "grad:x"]  # the shipped chain-rule


def attempt(text: str, correct: bool, at: str, diagnosis: str | None = None) -> dict:
    """One attempt record as the app saves it."""
    return {"text": text, "correct": correct, "diagnosis": diagnosis, "at": f"2026-03-02T{at}.000+00:00"}


def progress(lessons: dict) -> dict:
    """A format-2 progress file's data: shipped lessons by id, one version each."""
    return {
        "format": 2,
        "lessons": {
            lesson_id: {"id": lesson_id, "source": None, "versions": {"h1": record}}
            for lesson_id, record in lessons.items()
        },
    }


ALICE = progress(
    {
        "chain-rule": {
            "current": "grad:x",
            "updated": "2026-03-02T10:06:00.000+00:00",
            "steps": {
                "value:y": {"status": "solved", "attempts": [attempt("3", True, "10:00:00")], "hints": 0},
                "grad:y": {
                    "status": "solved",
                    "attempts": [
                        attempt("-1.75", False, "10:02:00", "sign"),
                        attempt("1.7", False, "10:03:00", "sign"),
                        attempt("2*(y-t)", True, "10:05:00"),
                    ],
                    "hints": 1,
                },
                "grad:x": {"status": "shown", "attempts": [], "hints": 2},
            },
        }
    }
)
BOB = progress(
    {
        "chain-rule": {
            "current": "value:L",
            "updated": "2026-03-02T11:00:00.000+00:00",
            "steps": {"value:y": {"status": "solved", "attempts": [attempt('=HYPERLINK("x")', True, "11:00:00")]}},
        }
    }
)


@pytest.fixture
def class_folder(tmp_path: Path) -> Path:
    """Progress files handed in by a class: alice and bob, a damaged one, one with a damaged record."""
    (tmp_path / "alice.json").write_text(json.dumps(ALICE), encoding="utf-8")
    (tmp_path / "bob.json").write_text(json.dumps(BOB), encoding="utf-8")
    (tmp_path / "carol.json").write_text('{"format": 2, "lessons": {', encoding="utf-8")
    dave = progress({"chain-rule": ALICE["lessons"]["chain-rule"]["versions"]["h1"]})
    dave["lessons"]["broken"] = {"id": "broken", "source": None, "versions": {"h": {"steps": []}}}
    (tmp_path / "dave.json").write_text(json.dumps(dave), encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``backprop-tutor report ARGS``: exit status, stdout, stderr."""
    code = main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_class_report_over_several_files_with_a_damaged_one(class_folder, capsys):
    files = [str(class_folder / f"{n}.json") for n in ("alice", "bob", "carol", "dave")]
    code, out, err = run(capsys, *files)
    assert code == 1  # not every file could be read in full
    assert err.splitlines() == [
        f"backprop-tutor report: {class_folder}/carol.json: is not valid JSON (Expecting property name enclosed in "
        "double quotes: line 1 column 27 (char 26))",
        f"backprop-tutor report: {class_folder}/dave.json: has damaged records for broken (the record of lesson "
        "broken: 'steps' must be an object); the lessons that could be read are reported",
    ]
    lines = out.splitlines()
    assert lines[0] == (
        "alice · chain-rule (The chain rule): 2 solved, 1 shown, 3 open of 6 steps · 4 attempts (2 wrong) · 6 min"
    )
    assert lines[1:7] == [
        "    value:y    solved  1 attempt (0 wrong)",
        "    value:L    open",
        "    local:L/y  open",
        "    grad:y     solved  3 attempts (2 wrong)  1 hint  sign ×2 (the sign flipped)",
        "    local:y/x  open",
        "    grad:x     shown   2 hints",
    ]
    assert lines[7].startswith("bob · chain-rule (The chain rule): 1 solved, 0 shown, 5 open of 6 steps")
    assert lines[14].startswith("dave · chain-rule (The chain rule): 2 solved, 1 shown, 3 open")
    assert "carol" not in out
    assert lines[-1] == (
        "Time spent: the gaps between a lesson's activities (attempts and saves), leaving out any gap over 10 minutes."
    )


def test_json_is_exact_and_says_what_each_diagnosis_means(class_folder, capsys):
    code, out, _ = run(capsys, "--json", str(class_folder / "alice.json"), str(class_folder / "bob.json"))
    assert code == 0
    data = json.loads(out)
    assert data["idle_gap_seconds"] == IDLE_GAP and data["problems"] == []
    alice, bob = data["rows"]
    assert (alice["learner"], alice["lesson"], alice["solved"], alice["shown"], alice["open"]) == (
        "alice",
        "chain-rule",
        2,
        1,
        3,
    )
    assert [s["id"] for s in alice["steps"]] == SHIPPED_STEPS
    grad_y = alice["steps"][3]
    assert grad_y == {
        "id": "grad:y",
        "status": "solved",
        "attempts": 3,
        "wrong": 2,
        "hints": 1,
        "diagnoses": [{"id": "sign", "count": 2, "meaning": "the sign flipped"}],
    }
    assert alice["seconds"] == 360 and alice["first"] == "2026-03-02T10:00:00+00:00"
    assert bob["learner"] == "bob"


def test_csv_guards_cells_that_a_spreadsheet_would_run_as_formulas(tmp_path, capsys):
    (tmp_path / "=cmd|' calc'!A0.json").write_text(json.dumps(BOB), encoding="utf-8")
    (tmp_path / "-2+3.json").write_text(json.dumps(ALICE), encoding="utf-8")
    code, out, _ = run(capsys, "--csv", str(tmp_path / "=cmd|' calc'!A0.json"), str(tmp_path / "-2+3.json"))
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:4] == ["learner", "file", "lesson", "title"]
    learners = {r[0] for r in rows[1:]}
    assert learners == {"'=cmd|' calc'!A0", "'-2+3"}
    by_learner = {r[0]: r for r in rows[1:]}
    alice = by_learner["'-2+3"]
    assert alice[2:][:7] == ["chain-rule", "The chain rule", "shipped", "6", "2", "1", "3"]
    assert alice[-1] == "sign x2"
    assert all(
        not c.startswith(("=", "+", "-", "@")) for r in rows for c in r if not c.lstrip("-").replace(".", "").isdigit()
    )


def test_human_output_escapes_control_characters(tmp_path, capsys):
    evil = progress({"chain-rule\x1b[2J": ALICE["lessons"]["chain-rule"]["versions"]["h1"]})
    evil["lessons"]["chain-rule\x1b[2J"]["id"] = "chain-rule\x1b[2J"
    (tmp_path / "eve\x1b]0;pwned\x07.json").write_text(json.dumps(evil), encoding="utf-8")
    code, out, _ = run(capsys, str(tmp_path / "eve\x1b]0;pwned\x07.json"))
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert out.startswith("eve\\x1b]0;pwned\\x07 · chain-rule\\x1b[2J: 2 solved")


def test_files_of_the_same_learner_are_merged(tmp_path, capsys):
    later = progress(
        {
            "chain-rule": {
                "current": "grad:x",
                "updated": "2026-03-02T12:00:00.000+00:00",
                "steps": {"grad:x": {"status": "solved", "attempts": [attempt("-5", True, "12:00:00")]}},
            }
        }
    )
    (tmp_path / "laptop").mkdir()
    (tmp_path / "laptop" / "progress.json").write_text(json.dumps(ALICE), encoding="utf-8")
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "progress.json").write_text(json.dumps(later), encoding="utf-8")
    files = [tmp_path / "laptop" / "progress.json", tmp_path / "lab" / "progress.json"]
    assert learner_name(files[0]) == "laptop"
    report = build_report([("alice", f) for f in files])
    (row,) = report.rows
    assert {s.id: s.status for s in row.steps} == {"value:y": "solved", "grad:y": "solved", "grad:x": "solved"}


def test_name_and_the_machines_own_progress(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BACKPROP_TUTOR_HOME", str(tmp_path))
    code, out, err = run(capsys)
    assert (code, err) == (0, "")
    assert out.startswith("No progress recorded yet.")
    (tmp_path / "progress.json").write_text(json.dumps(ALICE), encoding="utf-8")
    code, out, _ = run(capsys, "--name", "Ada")
    assert code == 0 and out.startswith("Ada · chain-rule")
    code, _, err = run(capsys, "--name", "Ada", "a.json", "b.json")
    assert code == 2 and "--name names one learner" in err


def test_a_missing_file_is_named(tmp_path, capsys):
    code, _, err = run(capsys, str(tmp_path / "nobody.json"))
    assert code == 1
    assert err == f"backprop-tutor report: {tmp_path}/nobody.json: no such progress file\n"


def test_time_spent_leaves_out_long_breaks():
    t = [when(f"2026-03-02T{x}+00:00") for x in ("10:00:00", "10:04:00", "10:09:00", "12:00:00", "12:02:30")]
    assert time_spent(t) == 4 * 60 + 5 * 60 + 150  # the lunch break is not counted
    assert time_spent([]) == 0 and time_spent(t[:1]) == 0
