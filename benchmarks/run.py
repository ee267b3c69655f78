"""Benchmarks, each a ratio against a floor measured in the same run (these machines are noisy).

    python benchmarks/run.py            # all benchmarks, a table of ratios
    python benchmarks/run.py --write    # also record the table in benchmarks/RESULTS.md
    python benchmarks/run.py --only engine,validate

Every figure is the median of several runs; the floor is measured interleaved with the subject so
that both see the same machine load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tutor.course import load_lesson, shipped_lessons_dir, solve  # noqa: E402
from tutor.engine import Assignment, Program, run  # noqa: E402
from tutor.lang import parse_assignment  # noqa: E402


@dataclass
class Row:
    """One benchmark's outcome."""

    name: str
    subject: str
    floor: str
    ratio: float | None
    goal: str
    met: bool | None
    note: str = ""


def timeit(
    fn: Callable[[], object], repeat: int, number: int = 1, clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    """Seconds per call, ``repeat`` samples of ``number`` calls each (wall time; ``clock`` may be CPU time)."""
    out = []
    for _ in range(repeat):
        t0 = clock()
        for _ in range(number):
            fn()
        out.append((clock() - t0) / number)
    return out


def interleaved(
    a: Callable[[], object],
    b: Callable[[], object],
    repeat: int,
    number: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[float, float]:
    """Medians of a and b, measured alternately so load affects both alike."""
    ta, tb = [], []
    for _ in range(repeat):
        ta += timeit(a, 1, number, clock)
        tb += timeit(b, 1, number, clock)
    return statistics.median(ta), statistics.median(tb)


def fmt_time(s: float) -> str:
    """Seconds in a readable unit."""
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


# ---------------------------------------------------------------- 4. engine vs PyTorch eager


def mlp_program() -> Program:
    """The 2-layer network of the course, as a Program."""
    lines = [
        "Z1 = X @ W1 + b1",
        "A1 = sigmoid(Z1)",
        "Z2 = A1 @ W2 + b2",
        "A2 = sigmoid(Z2)",
        "L = bce(A2, T)",
    ]
    assigns = tuple(Assignment.of(*parse_assignment(x)[:2]) for x in lines)
    return Program(("W1", "b1", "W2", "b2"), ("X", "T"), assigns)


def mlp_values(batch: int = 64, features: int = 4, hidden: int = 32) -> dict[str, np.ndarray]:
    """Random values for the network: batch 64, 32 hidden units."""
    rng = np.random.default_rng(0)
    return {
        "X": rng.normal(size=(batch, features)),
        "T": rng.integers(0, 2, size=(batch, 1)).astype(float),
        "W1": rng.normal(scale=0.5, size=(features, hidden)),
        "b1": rng.normal(scale=0.1, size=(1, hidden)),
        "W2": rng.normal(scale=0.5, size=(hidden, 1)),
        "b2": rng.normal(scale=0.1, size=(1, 1)),
    }


def bench_engine(repeat: int) -> Row:
    """Our engine's forward+backward against PyTorch eager on the CPU."""
    prog, vals = mlp_program(), mlp_values()
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        t = statistics.median(timeit(lambda: run(prog, vals), repeat, 20))
        name = "engine fwd+bwd, 2-layer net (batch 64, 32 hidden)"
        return Row(name, fmt_time(t), "PyTorch not installed", None, "≤ 1×", None)
    tv = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k not in ("X", "T")) for k, v in vals.items()}

    def torch_step() -> None:
        for k in ("W1", "b1", "W2", "b2"):
            tv[k].grad = None
        z1 = tv["X"] @ tv["W1"] + tv["b1"]
        a1 = torch.sigmoid(z1)
        z2 = a1 @ tv["W2"] + tv["b2"]
        a2 = torch.sigmoid(z2)
        loss = F.binary_cross_entropy(a2, tv["T"])
        loss.backward()

    torch_step()
    run(prog, vals)
    ours, theirs = interleaved(lambda: run(prog, vals), torch_step, repeat, 20)
    ratio = ours / theirs
    return Row(
        "engine fwd+bwd, 2-layer net (batch 64, 32 hidden)",
        fmt_time(ours),
        f"PyTorch eager {fmt_time(theirs)} ({torch.get_num_threads()} threads)",
        ratio,
        "≤ 1×",
        ratio <= 1.0,
    )


# ---------------------------------------------------------------- 3. validate vs yaml.CSafeLoader


_NUMBER = re.compile(r"(?<![\w.])(-?\d+\.\d+)(?![\w.])")
_TOP_KEY = re.compile(r"^[a-z_]+:")


def vary(text: str, k: int) -> str:
    """A lesson's text with the numbers of its ``inputs:`` scaled by one of seven factors (0.91 to 1.09, by k):
    same shapes, other values, so that no two files of a corpus of 500 run the same numbers."""
    factor = 1 + 0.03 * ((k % 7) - 3) + 0.0001 * (k // 7)
    out, inside = [], False
    for line in text.splitlines(keepends=True):
        if _TOP_KEY.match(line):
            inside = line.startswith("inputs:")
        if inside or line.startswith("inputs:"):
            line = _NUMBER.sub(lambda m: f"{float(m[1]) * factor:.4f}", line)
        out.append(line)
    return "".join(out)


def make_lesson_corpus(directory: Path, count: int) -> list[Path]:
    """``count`` realistic lesson files: the shipped lessons and the ``new`` templates (LaTeX and live numbers in
    their prose), each copy with a fresh id and its inputs' values varied."""
    from tutor.authoring.scaffold import TEMPLATES, render_template

    shipped = sorted(p for p in shipped_lessons_dir().glob("*.yaml") if p.name != "course.yaml")
    sources = [(p.stem, p.read_text(encoding="utf-8")) for p in shipped]
    sources += [(f"new-{t}", render_template(t, f"my-{t}", "lesson.yaml")) for t in TEMPLATES]
    files = []
    for i in range(count):
        stem, text = sources[i % len(sources)]
        lesson_id = f"{stem}-{i}"
        text = re.sub(r"(?m)^id: .*$", f"id: {lesson_id}", text, count=1)
        dst = directory / f"{lesson_id}.yaml"
        dst.write_text(vary(text, i), encoding="utf-8")
        files.append(dst)
    return files


#: the share of the corpus edited between the warm runs of the validation cache
EDITED_SHARE = 0.1


def _edited(text: str, k: int) -> str:
    """A file as a teacher might edit it: its inputs' numbers changed (its title, when they are whole numbers)."""
    changed = vary(text, 1003 + 7 * k)  # a factor of 1 + 0.0001·(143 + k): every decimal input changes
    return changed if changed != text else text.replace("\ntitle: ", "\ntitle: (edited) ", 1)


def _both_clocks(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def bench_validate(repeat: int) -> list[Row]:
    """``validate`` of 500 distinct lesson files against libyaml's ``yaml.CSafeLoader`` alone on the same files, in
    the same run: cold (no cache; and an empty cache, which it fills), warm (the same files again, unchanged) and warm
    after 10% of the files were edited; without the linter; and where a cold file's CPU time goes."""
    from tutor.authoring.validate_cache import ValidationCache
    from tutor.cli.lessons_cmd import check_file
    from tutor.course.index import index_course

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    index = index_course()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_lesson_corpus(Path(tmp), 500)
        texts = [f.read_text(encoding="utf-8") for f in files]
        assert len(set(texts)) == len(texts), "the corpus's files must be distinct for the cache's figures"
        edited = {i: _edited(texts[i], i) for i in range(0, len(files), round(1 / EDITED_SHARE))}
        assert all(edited[i] != texts[i] for i in edited), "each edit must change the file's text"
        cache_path, warm_copy = Path(tmp) / "cache" / "validate-results.json", Path(tmp) / "warm.json"

        def validate(lint: bool = True, cache: bool = False) -> Callable[[], None]:
            """One ``validate`` run over the corpus as run_validate does it (its cache read, used and saved)."""

            def run() -> None:
                found = ValidationCache(cache_path) if cache else None
                for f in files:
                    check_file(f, lint=lint, index=index, cache=found)
                if found is not None:
                    found.save()

            return run

        def fresh() -> None:
            """The files as made and no cache (before a cold run with an empty cache)."""
            cache_path.unlink(missing_ok=True)

        def warm() -> None:
            """The files as made and the cache a cold run left."""
            for i in edited:
                files[i].write_text(texts[i], encoding="utf-8")
            cache_path.write_bytes(warm_copy.read_bytes())

        def edit() -> None:
            """The warm cache, and 10% of the files edited since."""
            warm()
            for i, text in edited.items():
                files[i].write_text(text, encoding="utf-8")

        def floor() -> None:
            for f in files:
                yaml.load(f.read_text(encoding="utf-8"), Loader=loader)

        cases = {
            "cold, --no-cache": (lambda: None, validate()),
            "cold, an empty cache (filled)": (fresh, validate(cache=True)),
            "warm (the same files again, unchanged)": (warm, validate(cache=True)),
            f"warm after editing {len(edited)} files ({EDITED_SHARE:.0%})": (edit, validate(cache=True)),
            "--no-lint, cold, --no-cache": (lambda: None, validate(lint=False)),
        }
        fresh()
        validate(cache=True)()
        cache_path.parent.mkdir(exist_ok=True)
        warm_copy.write_bytes(cache_path.read_bytes())
        samples: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in cases}
        for _ in range(max(3, repeat // 3)):
            for name, (prepare, subject) in cases.items():
                prepare()
                fw, fc = _both_clocks(floor)
                sw, sc = _both_clocks(subject)
                samples[name].append((sw, fw, sc, fc))
        parts = validate_parts(files, loader)
    name = loader.__name__
    rows = []
    for case, got in samples.items():
        sw, fw, sc, fc = (statistics.median(x[k] for x in got) for k in range(4))
        cpu = f"CPU time: {fmt_time(sc)} against {fmt_time(fc)}, {sc / fc:.2f}×"
        rows.append(
            Row(
                f"validate 500 distinct lesson files, {case}",
                fmt_time(sw),
                f"{name} {fmt_time(fw)}",
                sw / fw,
                "≤ 3×",
                sw / fw <= 3.0,
                cpu,
            )
        )
    return rows + parts


def validate_parts(files: list[Path], loader: type) -> list[Row]:
    """Where a cold file's CPU time goes in ``check_file``, part by part (the same calls in the same order), each part
    against ``loader`` alone on the same files (a loop over all of them before and after, as in the figures above:
    timed file by file between the parts, libyaml also pays for their garbage collections)."""
    from tutor.authoring.check_mistakes import check_mistakes
    from tutor.authoring.lint import lint_report, linter_warnings
    from tutor.authoring.variants import check_variants
    from tutor.course.yamlpos import load_located

    clock = time.process_time
    texts = [f.read_text(encoding="utf-8") for f in files]

    def floor() -> float:
        t = clock()
        for text in texts:
            yaml.load(text, Loader=loader)
        return (clock() - t) / len(texts)

    spent = dict.fromkeys(("floor", "yaml", "load", "mistakes", "linter", "variants"), 0.0)
    spent["floor"] = floor() / 2
    for f, text in zip(files, texts, strict=True):
        t1 = clock()
        load_located(text, str(f))
        t2 = clock()
        lesson = load_lesson(f)
        t3 = clock()
        here = solve(lesson)  # as check_file does: one run for the mistakes, the linter and the variants' baseline
        check_mistakes(lesson, here)
        t4 = clock()
        linted = linter_warnings(lesson, here)
        t5 = clock()
        check_variants(lesson, lint_report(lesson, (), linted).warnings if lesson.vary else None, solution=here)
        t6 = clock()
        for k, took in zip(list(spent)[1:], (t2 - t1, t3 - t2 - (t2 - t1), t4 - t3, t5 - t4, t6 - t5), strict=True):
            spent[k] += took / len(files)
    spent["floor"] += floor() / 2
    labels = {
        "yaml": "· the located YAML pass (events, marks, safety checks)",
        "load": "· the rest of loading (graph, shapes, engine run, steps, live numbers and maths in prose)",
        "mistakes": "· checking the author's mistakes:",
        "linter": "· the linter (the grader's candidates here and at jittered values, central differences)",
        "variants": "· the vary: check (one variant drawn, loaded, linted and its mistakes checked)",
    }
    base = spent["floor"]
    return [
        Row(label, f"{fmt_time(spent[k])} a file", f"{loader.__name__} {fmt_time(base)}", spent[k] / base, "-", None)
        for k, label in labels.items()
    ] + [
        Row(
            "· all parts (CPU time a file)",
            f"{fmt_time(sum(v for k, v in spent.items() if k != 'floor'))}",
            f"{loader.__name__} {fmt_time(base)}",
            sum(v for k, v in spent.items() if k != "floor") / base,
            "≤ 3×",
            None,
        )
    ]


# ---------------------------------------------------------------- 2. grading one answer


def bench_grading(repeat: int) -> Row:
    """Grading one answer on the 2-layer lesson: p50 and p99 against one engine forward+backward."""
    from tutor.grading import grade

    path = shipped_lessons_dir() / "two-layer-net.yaml"
    if not path.exists():
        return Row("grade one answer (two-layer-net)", "-", "-", None, "p99 < 5 ms", None, "lesson missing")
    lesson = load_lesson(path)
    sol = solve(lesson)
    answers = {
        "grad:W2": "A1.T @ dZ2",
        "grad:Z1": "dA1 * A1 * (1 - A1)",
        "grad:b2": "sum(dZ2, 0)",
        "grad:A1": "dZ2 @ W2.T",
    }
    steps = [s for s in lesson.steps if s.id in answers]
    wrong = {"grad:W2": "dZ2 @ A1", "grad:Z1": "dA1 * Z1 * (1 - Z1)", "grad:b2": "-dZ2", "grad:A1": "dZ2 @ W2"}
    for s in steps:  # warm caches (perturbed solutions are computed once per lesson)
        grade(sol, s, answers[s.id])
    samples = []
    for i in range(repeat * 20):
        s = steps[i % len(steps)]
        text = answers[s.id] if i % 2 else wrong[s.id]
        t0 = time.perf_counter()
        grade(sol, s, text)
        samples.append(time.perf_counter() - t0)
    floor = statistics.median(timeit(lambda: run(lesson.program, lesson.leaf_values()), repeat * 5))
    p50 = float(np.percentile(samples, 50))
    p99 = float(np.percentile(samples, 99))
    return Row(
        "grade one answer (two-layer-net; parse, evaluate, compare, diagnose)",
        f"p50 {fmt_time(p50)}, p99 {fmt_time(p99)}",
        f"engine fwd+bwd {fmt_time(floor)}",
        p99 / floor,
        "p99 < 5 ms",
        p99 < 5e-3,
        f"p50 is {p50 / floor:.1f}× the floor",
    )


# ---------------------------------------------------------------- 1. start-up, 5. memory


PROBE = ROOT / "benchmarks" / "start_probe.py"


def _probe(mode: str) -> tuple[float, dict[str, str]]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, str(PROBE), mode], capture_output=True, text=True, cwd=ROOT, timeout=120)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"start probe {mode} failed:\n{r.stderr[-2000:]}")
    info = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
    return elapsed, info


def bench_start(repeat: int) -> list[Row]:
    """Start to the home screen (headless) against a bare Textual app with one Static; and RSS."""
    ours, floor, rss, heavy = [], [], [], set()
    _probe("bare")
    _probe("tutor")
    for _ in range(repeat):
        _, info = _probe("bare")
        floor.append(float(info["ready_s"]))
        _, info = _probe("tutor")
        ours.append(float(info["ready_s"]))
        rss.append(int(info.get("rss_kb", 0)))
        heavy |= {m for m in info.get("heavy", "").split(",") if m}
    a, b = statistics.median(ours), statistics.median(floor)
    start = Row(
        "start to the lesson list (headless; imports + app until the list is mounted)",
        fmt_time(a),
        f"bare Textual app {fmt_time(b)}",
        a / b,
        "≤ 1.5×",
        a / b <= 1.5 and not heavy,
        "heavy modules imported: " + (", ".join(sorted(heavy)) or "none (no torch, no sympy)"),
    )
    _, bare_info = _probe("bare")
    mem = statistics.median(rss)
    bare_rss = int(bare_info.get("rss_kb", 0)) or 1
    memory = Row(
        "resident memory after start (no torch)",
        f"{mem / 1024:.1f} MiB",
        f"bare Textual app {bare_rss / 1024:.1f} MiB",
        mem / bare_rss,
        "(measured)",
        None,
    )
    return [start, memory]


# ---------------------------------------------------------------- main


BENCHES = ("start", "grading", "validate", "engine")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print (and optionally record) the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(BENCHES), help=f"comma-separated subset of {', '.join(BENCHES)}")
    ap.add_argument("--repeat", type=int, default=9, help="samples per figure (median taken)")
    ap.add_argument("--write", action="store_true", help="record the results in benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    chosen = [b.strip() for b in args.only.split(",") if b.strip()]
    rows: list[Row] = []
    for name in chosen:
        print(f"… {name}", file=sys.stderr, flush=True)
        if name == "start":
            rows += bench_start(args.repeat)
        elif name == "grading":
            rows.append(bench_grading(args.repeat))
        elif name == "validate":
            rows += bench_validate(args.repeat)
        elif name == "engine":
            rows.append(bench_engine(args.repeat))
        else:
            ap.error(f"unknown benchmark {name!r}")
    table = render(rows)
    print(table)
    if args.write:
        record(table, args)
    return 0


def render(rows: list[Row]) -> str:
    """A Markdown table of the rows."""
    lines = ["| benchmark | measured | floor (same run) | ratio | goal | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}×"
        met = {True: "yes", False: "**no**", None: "-"}[r.met]
        note = f" ({r.note})" if r.note else ""
        lines.append(f"| {r.name}{note} | {r.subject} | {r.floor} | {ratio} | {r.goal} | {met} |")
    return "\n".join(lines)


def record(table: str, args: argparse.Namespace) -> None:
    """Append a dated section to RESULTS.md."""
    path = ROOT / "benchmarks" / "RESULTS.md"
    head = "# Benchmark results\n\nEach figure is a median; each ratio is against a floor measured in the same run.\n"
    old = path.read_text(encoding="utf-8") if path.exists() else head
    cmd = "python benchmarks/run.py " + " ".join(
        x for x in (f"--only {args.only}" if args.only != ",".join(BENCHES) else "", f"--repeat {args.repeat}") if x
    )
    section = (
        f"\n## {dt.date.today().isoformat()}\n\n"
        f"- command: `{cmd.strip()}`\n"
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}\n\n{table}\n"
    )
    path.write_text(old.rstrip("\n") + "\n" + section, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
