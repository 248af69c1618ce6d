"""Sync attachment files from a sandbox and check the store against the sandbox's export."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb
import httpx

from coconstruct_elt.files import FilesReport, sync_files
from coconstruct_elt.run import RunOptions, TenantSpec
from coconstruct_sandbox.server import SandboxServer
from coconstruct_source.files.store import FileStore
from tests.pipeline.sandbox_helpers import credentials_of

DATASET = "coconstruct_raw"


def files_options(tmp: Path) -> RunOptions:
    return RunOptions(duckdb_path=str(tmp / "wh.duckdb"), pipelines_dir=str(tmp / "pipelines"),
                      session_cache=False)


def sync(server: SandboxServer, tmp: Path, monkeypatch: Any, store: str, **config: Any) -> FilesReport:
    """`coconstruct files` for the sandbox's admin, with `[sources.coconstruct.files]` set
    from `store` and `config` (as environment variables, the way dlt reads them)."""
    monkeypatch.setenv("SOURCES__COCONSTRUCT__FILES__STORE_URL", store)
    for key, value in config.items():
        monkeypatch.setenv(f"SOURCES__COCONSTRUCT__FILES__{key.upper()}", str(value))
    spec = TenantSpec(base_url=server.url, credentials=credentials_of(server.account("admin", "none")))
    (report,) = sync_files([spec], files_options(tmp))
    assert report.ok, report.error
    return report


def export(server: SandboxServer) -> dict[int, dict[str, Any]]:
    return {a["id"]: a for a in httpx.get(f"{server.url}/_sandbox/export/attachments").json()}


def rows(tmp: Path) -> dict[int, dict[str, Any]]:
    with duckdb.connect(str(tmp / "wh.duckdb"), read_only=True) as con:
        cursor = con.execute(f"select * from {DATASET}.attachment_files")
        names = [d[0] for d in cursor.description]
        key = names.index("attachment_id")
        return {r[key]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}


def stored_mismatches(store: FileStore, tenant: str, truth: dict[int, dict[str, Any]]) -> list[str]:
    """Every live attachment has exactly one stored file whose bytes hash to its checksum,
    and nothing else is stored (empty when all is well)."""
    problems = []
    stored = store.stored_versions(tenant)
    for aid, attachment in truth.items():
        paths = stored.get(aid, [])
        if len(paths) != 1:
            problems.append(f"attachment {aid}: {len(paths)} stored files")
            continue
        digest = hashlib.sha256()
        with store.fs.open(paths[0], "rb") as f:
            while piece := f.read(1 << 20):
                digest.update(piece)
        if digest.hexdigest() != attachment["checksum_sha256"]:
            problems.append(f"attachment {aid}: stored bytes do not hash to its checksum")
    problems += [f"attachment {aid}: stored but not live" for aid in set(stored) - set(truth)]
    return problems
