"""Three distinct sandbox companies, a tenants file for them, and per-tenant ground truth."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import httpx

from coconstruct_sandbox.server import SandboxServer

DATASET = "coconstruct_raw"


def write_tenants_file(path: Path, sections: dict[str, str]) -> Path:
    """`sections`: tenant name -> credentials section (base_url comes from the section)."""
    body = "".join(
        f'[[tenants]]\nname = "{name}"\ncredentials_section = "{section}"\n\n'
        for name, section in sections.items()
    )
    path.write_text(body)
    return path


def configure_section(
    monkeypatch, section: str, server: SandboxServer, password: str | None = None
) -> None:
    """The dlt way: SOURCES__COCONSTRUCT__<SECTION>__... environment variables."""
    account = server.default_account()
    prefix = f"SOURCES__COCONSTRUCT__{section.upper()}__"
    monkeypatch.setenv(prefix + "BASE_URL", server.url)
    monkeypatch.setenv(prefix + "CREDENTIALS__USERNAME", account.username)
    monkeypatch.setenv(prefix + "CREDENTIALS__PASSWORD", password or account.password)
    monkeypatch.setenv(prefix + "CREDENTIALS__MFA_METHOD", account.mfa)
    if account.totp_secret:
        monkeypatch.setenv(prefix + "CREDENTIALS__TOTP_SECRET", account.totp_secret)


def tenant_mismatches(server: SandboxServer, db_path: str, tenant: str) -> list[str]:
    """Tables whose count or money sums for `tenant` differ from the server's /_sandbox/state."""
    state = httpx.get(f"{server.url}/_sandbox/state", timeout=120).json()
    out = []
    with duckdb.connect(db_path, read_only=True) as con:
        for table, truth in state["tables"].items():
            sums = list(truth["sums"])
            exprs = ", ".join(["count(*)", *(f"sum({c})" for c in sums)])
            row = con.execute(
                f"select {exprs} from {DATASET}.{table} where tenant_id = ?", [tenant]
            ).fetchone()
            if row[0] != truth["count"]:
                out.append(f"{tenant}.{table}: {row[0]} rows, sandbox has {truth['count']}")
            for column, got in zip(sums, row[1:], strict=True):
                if Decimal(got or 0) != Decimal(truth["sums"][column]):
                    out.append(f"{tenant}.{table}.{column}: {got}, sandbox {truth['sums'][column]}")
    return out


def fingerprints(db_path: str, tenant: str) -> dict[str, tuple[int, int]]:
    """Per table, (rows, xor of row hashes) of one tenant: changes if any row (or its dlt
    load id) changes."""
    with duckdb.connect(db_path, read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                "and table_name not like '_dlt%'",
                [DATASET],
            ).fetchall()
        ]
        return {
            t: con.execute(
                f"select count(*), coalesce(bit_xor(hash(r)), 0) from {DATASET}.{t} r "
                "where tenant_id = ?",
                [tenant],
            ).fetchone()
            for t in sorted(tables)
        }
