"""A cached "overlay" venv for one orchestrator (Dagster, Airflow).

The orchestrators are heavy optional extras. Instead of installing them into the project's
environment (or reinstalling the whole project into a fresh one), the overlay venv sees the
running interpreter's site-packages through a `.pth` file (so the project, dlt, dbt... are
already there) and pip installs only the orchestrator on top, with the project's core
packages pinned to the versions already installed. Cached under `<repo>/.cache/`, keyed
by the requirement list; creation is locked so parallel test processes wait for one build.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import site
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache"
# Never let an orchestrator move these: the project's pins live on them.
PINNED = (
    "dlt",
    "sqlglot",
    "dbt-core",
    "dbt-duckdb",
    "dbt-adapters",
    "dbt-common",
    "duckdb",
    "pyarrow",
    "pydantic",
    "protobuf",
    "starlette",
    "uvicorn",
    "httpx",
)
VENV_TIMEOUT_S = 60
INSTALL_TIMEOUT_S = 420
_STAMP = ".coconstruct-overlay"


class OverlayUnavailable(RuntimeError):
    """The orchestrator could not be installed (no PyPI, conflicting pins, timeout...)."""


def _constraints() -> list[str]:
    out = []
    for name in PINNED:
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return out


def _stamp_text(requirements: Sequence[str]) -> str:
    return "\n".join([sys.prefix, *requirements, *_constraints()]) + "\n"


def _run(cmd: list[str], timeout: float, what: str) -> None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise OverlayUnavailable(f"{what}: {e}") from e
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-6:]
        raise OverlayUnavailable(f"{what}: exit {done.returncode}: " + " | ".join(tail))


def ensure_overlay(name: str, requirements: Sequence[str]) -> tuple[Path, float]:
    """The overlay venv's python and the seconds spent building it (0.0 when cached)."""
    path = CACHE_DIR / f"{name}-venv"
    python = path / "bin" / "python"
    stamp = path / _STAMP
    wanted = _stamp_text(requirements)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python, 0.0
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(CACHE_DIR / f".{name}-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if python.exists() and stamp.exists() and stamp.read_text() == wanted:
            return python, 0.0
        shutil.rmtree(path, ignore_errors=True)
        try:
            _run(
                [sys.executable, "-m", "venv", "--without-pip", str(path)],
                VENV_TIMEOUT_S,
                f"creating {path}",
            )
            site_dir = next(path.glob("lib/python*/site-packages"))
            parents = [p for p in site.getsitepackages() if Path(p).is_dir()]
            # addsitedir also runs the parent's .pth files (the project's editable install)
            (site_dir / "_coconstruct_parent.pth").write_text(
                "".join(f"import site; site.addsitedir({p!r})\n" for p in parents)
            )
            constraints = path / "constraints.txt"
            constraints.write_text("\n".join(_constraints()) + "\n")
            _run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "-c",
                    str(constraints),
                    *requirements,
                ],
                INSTALL_TIMEOUT_S,
                f"pip install {' '.join(requirements)} into {path}",
            )
        except OverlayUnavailable:
            shutil.rmtree(path, ignore_errors=True)
            raise
        stamp.write_text(wanted)
    return python, time.perf_counter() - started


def extra_requirements(extra: str) -> list[str]:
    """The requirements of an optional extra, as pinned in pyproject.toml."""
    with open(REPO_ROOT / "pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["project"]["optional-dependencies"][extra])


def run_checks(
    python: Path, checks: Path, timeout: float, env: dict[str, str] | None = None
) -> str:
    """Run a checks file with pytest in the overlay venv; its output, or AssertionError."""
    environ = {**os.environ, **(env or {})}
    # the project's console scripts (dbt) live next to the parent interpreter
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    cmd = [
        str(python),
        "-m",
        "pytest",
        str(checks),
        "-q",
        "-x",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(REPO_ROOT),
        "-c",
        str(REPO_ROOT / "pyproject.toml"),
        "-W",
        "ignore::DeprecationWarning",
        "--show-capture=no",
    ]
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO_ROOT,
            env=environ,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"{checks.name} did not finish in {timeout:.0f}s") from e
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{checks.name} failed in the overlay venv:\n{output[-6000:]}"
    return output
