"""Drills: the same seed gives the same drill, each level draws what it promises, ``drill --print`` writes a
lesson that validates with --strict, bad levels and seeds get a clear message, the level follows the learner."""

from __future__ import annotations

import pytest

from tutor.cli import main
from tutor.drill import LEVELS, DrillError, adapted_level, check_op_table, make_drill


def test_the_same_seed_gives_the_same_drill_and_seeds_differ():
    assert make_drill(2, 11)[0] == make_drill(2, 11)[0]
    assert len({make_drill(1, s)[0] for s in range(12)}) >= 10


def test_each_level_draws_what_it_promises():
    for seed in range(10):
        one = make_drill(1, seed)[1]
        assert len(one.program.assignments) == 2 and all(v.ndim == 0 for v in one.leaf_values().values())
        two = make_drill(2, seed)[0]
        assert any(f"({act}" in two or f"{act}(" in two for act in ("sigmoid", "tanh", "relu"))
        assert "  - grad: u\n" in two and "  - local: L/u\n" in two and "  - local: a/u\n" in two  # u fans out
        three = make_drill(3, seed)[1]
        assert "s = W @ x" in make_drill(3, seed)[0] and three.leaf_values()["x"].ndim == 1
        four = make_drill(4, seed)[0]
        assert "Z = X @ W + b" in four and ("bce(A, Y)" in four or "mse(A, Y)" in four)
    assert check_op_table() == []


def test_a_printed_drill_validates_strictly(tmp_path, capsys):
    for level in LEVELS:
        assert main(["drill", "--level", str(level), "--seed", "42", "--print"]) == 0
        path = tmp_path / f"drill-{level}-42.yaml"  # named after its id, as the linter asks
        path.write_text(capsys.readouterr().out, encoding="utf-8")
        assert main(["validate", "--strict", str(path)]) == 0
        assert "1 valid, 0 with problems" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--level", "0"], "level 0 does not exist: choose 1 to 4"),
        (["--level", "5"], "level 5 does not exist: choose 1 to 4"),
        (["--level", "1", "--seed", "-3"], "seed -3 is out of range: choose 0 to"),
        (["--level", "1", "--seed", str(2**70)], "is out of range: choose 0 to"),
    ],
)
def test_a_bad_level_or_seed_gets_a_clear_message(capsys, args, said):
    assert main(["drill", *args, "--print"]) == 2
    assert said in capsys.readouterr().err
    with pytest.raises(DrillError):
        make_drill(int(args[1]) if args[1] != "1" else 1, int(args[3]) if len(args) > 2 else 0)


def test_the_level_follows_the_learners_recent_drills():
    assert adapted_level([]) == 1
    assert adapted_level([("chain-rule", "2026-01-01", [False] * 10)]) == 1  # other lessons do not count
    good = [
        ("drill-2-5", "2026-01-02T00:00:00+00:00", [True] * 6),
        ("drill-2-9", "2026-01-03T00:00:00+00:00", [True] * 5),
    ]
    assert adapted_level(good) == 3
    poor = [("drill-3-1", "2026-01-02T00:00:00+00:00", [False, False, True, False, True])]
    assert adapted_level(poor) == 2
    middling = [("drill-4-1", "2026-01-02T00:00:00+00:00", [True, False, True, False, True, True])]
    assert adapted_level(middling) == 4  # 67%: stays
    assert adapted_level([("drill-4-1", "2026-01-02T00:00:00+00:00", [True] * 9)]) == 4  # the top stays the top
    assert adapted_level([("drill-1-1", "2026-01-02T00:00:00+00:00", [True, True])]) == 1  # too few to judge
