"""Layer contracts: the core (engine, lesson model, grader ...) imports neither textual nor torch, each layer
imports only layers below it (read from every module's source, lazy imports included); lint is clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "tutor"

#: The layers, lowest first: lang → engine → course → grading → {authoring, reveal} → {ui, cli}, with the
#: small helpers everyone may use at the bottom. A module may import its own package and any lower layer.
LAYERS: list[set[str]] = [
    {"tutor.safetext", "tutor.safefile", "tutor.paths"},
    {"tutor.crashlog"},  # where an unexpected error's traceback goes (the app and the command line)
    {"tutor.lang"},
    {"tutor.engine"},
    {"tutor.course"},
    {"tutor.grading", "tutor.progress"},
    {"tutor.authoring", "tutor.reveal", "tutor.review", "tutor.skills", "tutor.drill_notes"},
    {"tutor.train"},  # training with the learner's formulas: the grader's names, progress, PyTorch's child
    {"tutor.drill"},  # drills are lesson files checked by the linter
    {"tutor.ui", "tutor.cli"},
    {"tutor.__main__"},
]
#: Imports allowed inside one layer; the other members of a layer are independent of each other.
WITHIN_A_LAYER = {
    ("tutor.cli", "tutor.ui"),  # the command line starts the app
    ("tutor.paths", "tutor.safetext"),
    ("tutor.paths", "tutor.safefile"),
    ("tutor.safefile", "tutor.safetext"),
}
#: Third-party packages only some parts may import (even lazily): the UI's, and torch, which runs only
#: in a separate process.
ONLY_IN = {"textual": {"tutor.ui"}, "rich": {"tutor.ui"}, "torch": set(), "sympy": set()}

#: Each case is imported alone in a fresh interpreter, with its submodules; none may pull in these.
RUN_TIME_CORE = [
    "tutor.lang",
    "tutor.engine",
    "tutor.course",
    "tutor.grading",
    "tutor.authoring",
    "tutor.reveal",
    "tutor.train",
    "tutor.progress",
    "tutor.review",
    "tutor.drill",
    "tutor.drill_notes",
    "tutor.skills",
    "tutor.paths",
    "tutor.safefile",
    "tutor.safetext",
    "tutor.crashlog",
    "tutor.ui.session",
    "tutor.cli",
]
NOT_IN_THE_CORE = ("textual", "rich", "torch", "sympy")


def module_name(path: Path) -> str:
    """``tutor/course/load.py`` → ``tutor.course.load``."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str:
    """The layer member a module belongs to: ``tutor.course.load`` → ``tutor.course``."""
    return ".".join(module.split(".")[:2])


def layer_of(part: str) -> int | None:
    """The index of a part's layer (None if it is in none)."""
    return next((i for i, layer in enumerate(LAYERS) if part in layer), None)


def imports_in(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """Every module an import statement names, anywhere in the source (inside functions too): (line, module)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:  # relative: from the importing module's package
            package = module.split(".") if is_package else module.split(".")[:-1]
            base = package[: len(package) - node.level + 1]
            found.append((node.lineno, ".".join([*base, *([node.module] if node.module else [])])))
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
    return sorted(found)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """The imports of a module of the package, by line."""
    return imports_in(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def against_the_layers(module: str, imports: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The imports of ``module`` that reach a layer above its own, or a sibling it must not depend on."""
    here = part_of(module)
    wrong = []
    for line, target in imports:
        there = part_of(target)
        if not target.startswith("tutor.") or there == here:
            continue  # third-party, the standard library, the package root (its version) or itself
        low, high = layer_of(there), layer_of(here)
        if low is None or high is None or low > high or (low == high and (here, there) not in WITHIN_A_LAYER):
            wrong.append((line, target))
    return wrong


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_layer():
    unplaced = {part_of(module_name(p)) for p in MODULES} - {"tutor"} - set().union(*LAYERS)
    assert not unplaced, f"add {sorted(unplaced)} to LAYERS in {Path(__file__).name}"


def test_each_layer_imports_only_layers_below_it():
    wrong = [
        f"{path.relative_to(ROOT)}:{line}: {part_of(module_name(path))} imports {target}"
        for path in MODULES
        for line, target in against_the_layers(module_name(path), imports_of(path))
    ]
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_the_layer_check_sees_lazy_and_relative_imports():
    """A lazy import of the UI and a relative import of the grader, both from the lesson model, are caught."""
    source = "import numpy\n\ndef f():\n    from tutor.ui.app import TutorApp\n    from ..grading import grade\n"
    found = imports_in(source, "tutor.course.probe")
    assert found == [(1, "numpy"), (4, "tutor.ui.app"), (5, "tutor.grading")]
    assert against_the_layers("tutor.course.probe", found) == [(4, "tutor.ui.app"), (5, "tutor.grading")]
    assert against_the_layers("tutor.ui.probe", found) == []


def test_the_ui_libraries_and_torch_stay_where_they_belong():
    wrong = []
    for path in MODULES:
        here = part_of(module_name(path))
        for line, target in imports_of(path):
            allowed = ONLY_IN.get(target.split(".")[0])
            if allowed is not None and here not in allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line}: {here} imports {target}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("module", RUN_TIME_CORE)
def test_core_imports_no_ui_or_torch(module):
    """Imported alone, with all its submodules, in a fresh interpreter: no textual, rich, torch or sympy."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"m = importlib.import_module({module!r})\n"
        "for info in pkgutil.walk_packages(getattr(m, '__path__', []), m.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "loaded = [n for n, m in sys.modules.items() if m is not None]  # None: blocked, as in tests/robust/no_torch\n"
        f"print(','.join(sorted(n for n in loaded if n.split('.')[0] in {NOT_IN_THE_CORE!r})))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert r.stdout.strip() == ""


def _ruff() -> list[str]:
    exe = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    return [exe] if exe else [sys.executable, "-m", "ruff"]


def test_ruff_check():
    r = subprocess.run([*_ruff(), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format():
    r = subprocess.run([*_ruff(), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_mypy_finds_no_type_errors_in_tutor():
    """``mypy tutor`` is clean (pyproject's [tool.mypy]): a type error is a bug found before a learner does."""
    r = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
