"""The documented flat configuration: `SOURCES__COCONSTRUCT__USERNAME`, `__PASSWORD`, ..."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb


def test_flat_environment_variables_log_in_and_load(sandbox, tmp_path):
    account = sandbox.default_account()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
    env |= {
        "SOURCES__COCONSTRUCT__BASE_URL": sandbox.url,
        "SOURCES__COCONSTRUCT__USERNAME": account.username,
        "SOURCES__COCONSTRUCT__PASSWORD": account.password,
        "SOURCES__COCONSTRUCT__MFA_METHOD": account.mfa,
        "SOURCES__COCONSTRUCT__TOTP_SECRET": account.totp_secret,
        "SOURCES__COCONSTRUCT__SESSION_CACHE": "false",
    }
    db = tmp_path / "flat.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "coconstruct_elt.cli", "run", "--no-dbt", "--no-progress",
         "--resources", "projects,cost_codes", "--duckdb-path", str(db),
         "--pipelines-dir", str(tmp_path / "pipes")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stderr
    state = sandbox.store.state()["tables"]
    with duckdb.connect(str(db), read_only=True) as con:
        for table in ("projects", "cost_codes"):
            (count,) = con.execute(f"select count(*) from coconstruct_raw.{table}").fetchone()
            assert count == state[table]["count"], table


def test_missing_credentials_name_the_keys_to_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
    env["SOURCES__COCONSTRUCT__BASE_URL"] = "http://127.0.0.1:9"
    done = subprocess.run(
        [sys.executable, "-m", "coconstruct_elt.cli", "run", "--no-dbt", "--no-progress",
         "--duckdb-path", str(tmp_path / "x.duckdb"), "--pipelines-dir", str(tmp_path / "p")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    assert "credentials missing" in done.stderr
    assert "SOURCES__COCONSTRUCT__CREDENTIALS__USERNAME" in done.stderr
