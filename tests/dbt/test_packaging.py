"""A wheel (`pip install coconstruct-elt`, not only `pip install -e .`) carries the dbt project
inside `coconstruct_elt/`, where `coconstruct_elt.dbt_runner.project_dir` looks for it, and
installs no generic top-level import name."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ("pyproject.toml", "README.md", "coconstruct_source", "coconstruct_sandbox",
            "coconstruct_elt", "dbt_models")


def _tracked(*paths: str) -> list[str]:
    done = subprocess.run(["git", "ls-files", *paths], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout.split()


def test_wheel_holds_every_file_of_the_dbt_project(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout")
    source = tmp_path / "src"
    for name in _tracked(*PACKAGED):  # a clean copy: no build/ or egg-info of the checkout
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         str(source), "-w", str(tmp_path / "wheel")],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    wanted = {"coconstruct_elt/" + n for n in _tracked("dbt_models") if not n.endswith(".gitignore")}
    assert wanted - names == set()
    assert "coconstruct_elt/dbt_runner.py" in names
    assert not [n for n in names if "dbt_models/target/" in n or "dbt_models/logs/" in n]
    top_level = {n.split("/", 1)[0] for n in names if "/" in n and ".dist-info/" not in n}
    assert top_level == {"coconstruct_elt", "coconstruct_source", "coconstruct_sandbox"}
