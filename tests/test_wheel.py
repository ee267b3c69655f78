"""The shipped lessons load from a built wheel installed elsewhere, from any working directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv

from conftest import ROOT


def test_wheel_install_lists_lessons(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    target = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # install the wheel (no deps), and borrow this environment's third-party packages (numpy, textual ...)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, str(wheel)], check=True
    )
    with open(os.path.join(target, "_borrowed.pth"), "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(py), "-c", "import tutor; print(tutor.__file__)"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        check=True,
    ).stdout
    assert str(target) in where, "the wheel's package is the one imported"
    r = subprocess.run(
        [str(py), "-m", "tutor", "list", "--json"], capture_output=True, text=True, cwd=elsewhere, check=True
    )
    ids = [row["id"] for row in json.loads(r.stdout)]
    shipped = sorted(p.stem for p in (ROOT / "lessons").glob("*.yaml") if p.name != "course.yaml")
    assert sorted(ids) == shipped
