"""The `coconstruct` console script, as a user runs it (a subprocess, any directory)."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from coconstruct_elt.cli import main


def coconstruct(*args: str, cwd, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
    return subprocess.run(
        [sys.executable, "-m", "coconstruct_elt.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_run_sandbox_prints_the_summary_and_status_shows_cursors(tmp_path):
    db, pipes = tmp_path / "out.duckdb", tmp_path / "pipes"
    done = coconstruct(
        "run",
        "--sandbox",
        "--no-dbt",
        "--duckdb-path",
        str(db),
        "--pipelines-dir",
        str(pipes),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "1 of 1 tenant(s) loaded" in done.stdout
    assert "change_order_lines" in done.stdout and "inserted" in done.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        (bills,) = con.execute("select count(*) from coconstruct_raw.bills").fetchone()
    assert bills > 0
    assert f"bills {bills:>9}".replace(" ", "") in done.stdout.replace(" ", "")

    status = coconstruct("status", "--pipelines-dir", str(pipes), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert "coconstruct_summit_ridge_1" in status.stdout and "loaded" in status.stdout
    bills_line = next(
        line for line in status.stdout.splitlines() if line.strip().startswith("bills")
    )
    assert "20" in bills_line  # an ISO timestamp cursor, not '-'


def test_failure_is_one_clear_message_and_a_non_zero_exit(tmp_path):
    done = coconstruct(
        "run",
        "--no-dbt",
        "--duckdb-path",
        str(tmp_path / "x.duckdb"),
        "--pipelines-dir",
        str(tmp_path / "p"),
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 1
    assert "credentials missing" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_resource_is_refused_before_anything_loads(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "run",
            "--sandbox",
            "--no-dbt",
            "--resources",
            "projects,nope",
            "--duckdb-path",
            str(tmp_path / "x.duckdb"),
            "--pipelines-dir",
            str(tmp_path / "p"),
            "--no-progress",
        ]
    )
    assert code == 1
    assert "unknown resource(s) nope" in capsys.readouterr().err
