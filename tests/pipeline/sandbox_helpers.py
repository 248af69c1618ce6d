"""Run the pipeline against a sandbox and compare the warehouse with its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import httpx

from coconstruct_elt.run import RunOptions, TenantSpec, run_tenants
from coconstruct_elt.summary import TenantRun
from coconstruct_sandbox.accounts import Account
from coconstruct_sandbox.server import SandboxServer
from coconstruct_source.credentials import PasswordMfaCredentials
from tests.ground_truth import state_mismatches

DATASET = "coconstruct_raw"


def credentials_of(account: Account) -> PasswordMfaCredentials:
    return PasswordMfaCredentials(
        username=account.username,
        password=account.password,
        mfa_method=account.mfa,
        totp_secret=account.totp_secret,
    )


def outbox_code_provider(server: SandboxServer, username: str):
    """SMS / e-mail codes read from the sandbox outbox (the newest one for the user)."""

    def provide(method: str, hint: str | None) -> str:
        sent = httpx.get(f"{server.url}/_sandbox/outbox").json()
        return [m for m in sent if m["username"] == username and m["method"] == method][-1]["code"]

    return provide


def options_in(tmp: Path, **kw: Any) -> RunOptions:
    kw.setdefault("session_cache", False)
    return RunOptions(
        duckdb_path=str(tmp / "wh.duckdb"), pipelines_dir=str(tmp / "pipelines"), **kw
    )


def sync(server: SandboxServer, options: RunOptions, account: Account | None = None) -> TenantRun:
    account = account or server.default_account()
    spec = TenantSpec(
        base_url=server.url,
        credentials=credentials_of(account),
        mfa_code_provider=outbox_code_provider(server, account.username),
    )
    (run,) = run_tenants([spec], options)
    assert run.ok, run.error
    return run


def mismatches(server: SandboxServer, db_path: str) -> list[str]:
    """Tables whose count or money sums differ from /_sandbox/state (empty when equal)."""
    state = httpx.get(f"{server.url}/_sandbox/state", timeout=120).json()
    with duckdb.connect(db_path, read_only=True) as con:
        return state_mismatches(state, lambda sql: con.execute(sql).fetchone(), DATASET)


def export_keys(server: SandboxServer, table: str, cols: tuple[str, ...]) -> set[tuple]:
    rows = httpx.get(f"{server.url}/_sandbox/export/{table}", timeout=120).json()
    return {tuple(r[c] for c in cols) for r in rows}


def warehouse_keys(db_path: str, table: str, cols: tuple[str, ...]) -> set[tuple]:
    with duckdb.connect(db_path, read_only=True) as con:
        return set(con.execute(f"select {', '.join(cols)} from {DATASET}.{table}").fetchall())
