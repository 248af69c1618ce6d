"""examples/cron/coconstruct-sync.sh with a stand-in `coconstruct`: logs, exit status, flock."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

WRAPPER = Path(__file__).resolve().parents[2] / "examples" / "cron" / "coconstruct-sync.sh"

pytestmark = pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) not installed")


def fake_coconstruct(tmp: Path, exit_code: int, sleep: float = 0.0) -> Path:
    """Records its arguments, prints a summary line, sleeps, exits with `exit_code`."""
    script = tmp / "fake-coconstruct"
    script.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$@" >> "{tmp}/calls"\n'
        'echo "2 of 3 tenant(s) loaded"\n'
        'echo "error: tenant gamma: login refused" >&2\n'
        f"sleep {sleep}\n"
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return script


def run_wrapper(tmp: Path, fake: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COCONSTRUCT_HOME": str(tmp), "COCONSTRUCT_BIN": str(fake)}
    return subprocess.run(
        [str(WRAPPER), *args], env=env, capture_output=True, text=True, timeout=30, check=False
    )


def test_a_failed_run_keeps_its_exit_status_and_logs_everything(tmp_path: Path) -> None:
    done = run_wrapper(tmp_path, fake_coconstruct(tmp_path, exit_code=1))
    assert done.returncode == 1
    (log,) = (tmp_path / "logs").glob("run-*.log")
    assert f"see {log}" in done.stderr
    lines = log.read_text().splitlines()
    assert lines[0].endswith(
        "start: "
        + str(tmp_path / "fake-coconstruct")
        + " run --no-progress --tenants-file tenants.toml"
    )
    assert "2 of 3 tenant(s) loaded" in lines and "error: tenant gamma: login refused" in lines
    assert lines[-1].endswith("exit 1")
    assert (tmp_path / "calls").read_text() == "run --no-progress --tenants-file tenants.toml\n"


def test_a_second_run_is_skipped_while_one_is_running(tmp_path: Path) -> None:
    fake = fake_coconstruct(tmp_path, exit_code=0, sleep=3)
    env = {**os.environ, "COCONSTRUCT_HOME": str(tmp_path), "COCONSTRUCT_BIN": str(fake)}
    first = subprocess.Popen([str(WRAPPER), "--tenants", "north"], env=env)
    try:
        deadline = time.monotonic() + 10
        while not (tmp_path / "calls").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run_wrapper(tmp_path, fake, "--tenants", "south")
        assert second.returncode == 0
        assert "this one skipped" in (tmp_path / "logs" / "skipped.log").read_text()
    finally:
        assert first.wait(timeout=30) == 0
    # only the first run called coconstruct; after it ends, the lock is free again
    assert (tmp_path / "calls").read_text() == "run --no-progress --tenants north\n"
    assert run_wrapper(tmp_path, fake_coconstruct(tmp_path, exit_code=0)).returncode == 0
