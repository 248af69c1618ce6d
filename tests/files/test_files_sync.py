"""`coconstruct files` against the sandbox: every live attachment stored once and verified,
changes and deletions followed, faults survived, bad bytes quarantined, URLs never kept."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dlt
import httpx

from coconstruct_sandbox.files.records import version_fields
from coconstruct_source.files.store import FileStore
from coconstruct_source.source import open_client
from tests.files.helpers import export, rows, stored_mismatches, sync
from tests.pipeline.sandbox_helpers import credentials_of


def _tenant(server) -> str:
    return server.store.company["slug"]


def _scan_for_signed_urls(*roots: Path) -> list[str]:
    hits = []
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if path.is_file() and (b"sig=" in path.read_bytes() or b"expires=" in path.read_bytes()):
                hits.append(str(path))
    return hits


def test_every_attachment_lands_verified_once_and_urls_are_never_kept(
        sandbox_factory, tmp_path, monkeypatch, caplog) -> None:
    server = sandbox_factory(seed=11)
    store_dir = tmp_path / "files"
    caplog.set_level(logging.DEBUG)
    report = sync(server, tmp_path, monkeypatch, str(store_dir))
    truth = export(server)
    assert report.counts["stored"][0] == len(truth) and report.failed == 0
    store = FileStore(str(store_dir))
    assert stored_mismatches(store, _tenant(server), truth) == []
    table = rows(tmp_path)
    assert set(table) == set(truth)
    for aid, row in table.items():
        assert row["status"] == "stored"
        assert (row["size_bytes"], row["checksum_sha256"]) == (truth[aid]["size_bytes"],
                                                              truth[aid]["checksum_sha256"])
        assert row["location"].startswith("file://") and Path(row["location"][7:]).is_file()
    assert "sig=" not in caplog.text and "expires=" not in caplog.text
    assert _scan_for_signed_urls(tmp_path / "wh.duckdb", tmp_path / "pipelines") == []


def test_new_versions_and_deletions_follow_the_api_in_an_fsspec_store(
        sandbox_factory, tmp_path, monkeypatch) -> None:
    server = sandbox_factory(seed=12)
    url = f"memory://coconstruct-files-{tmp_path.name}"
    sync(server, tmp_path, monkeypatch, url)
    store, tenant = FileStore(url), _tenant(server)
    ids = sorted(export(server))
    edited, removed, kept = ids[0], ids[1], ids[2]
    record = server.store.get("attachments", edited)
    name = "v2_" + record["file_name"]
    server.store.put("attachments", {**record, "file_name": name, **version_fields(
        server.store.seed, edited, name, record["size_bytes"], record["url_expires_at"])})
    server.store.delete("attachments", removed)
    created, empty = httpx.post(f"{server.url}/_sandbox/files", json={"sizes": [3_000_000, 0]}).json()
    served = server.state.files.stats["downloads"]
    sync(server, tmp_path, monkeypatch, url)
    # the new version and the new 3 MB file; an empty file needs no request
    assert server.state.files.stats["downloads"] == served + 2
    assert rows(tmp_path)[empty["id"]]["status"] == "stored"
    assert stored_mismatches(store, tenant, export(server)) == []
    table = rows(tmp_path)
    assert table[edited]["checksum_sha256"] == server.store.get("attachments", edited)["checksum_sha256"]
    assert (table[removed]["status"], table[removed]["location"]) == ("removed", None)
    assert table[created["id"]]["status"] == "stored"
    server.store.delete("attachments", kept)
    sync(server, tmp_path, monkeypatch, url, on_delete="keep")
    assert rows(tmp_path)[kept]["status"] == "deleted_upstream"
    assert len(store.stored_versions(tenant)[kept]) == 1


def test_faulty_downloads_end_verified_and_bad_bytes_are_quarantined_then_retried(
        sandbox_factory, tmp_path, monkeypatch) -> None:
    server = sandbox_factory(seed=13)
    victim = max(export(server).values(), key=lambda a: a["size_bytes"])["id"]
    httpx.post(f"{server.url}/_sandbox/file-faults",
               json={"profile": "chaos", "rate": 0.3, "corrupt_ids": [victim]})
    store_dir = tmp_path / "files"
    report = sync(server, tmp_path, monkeypatch, str(store_dir), workers=3)
    injected = httpx.get(f"{server.url}/_sandbox/file-faults").json()
    assert set(injected["injected"]) == {"expire_mid", "truncate", "wrong_bytes", "slow"}, injected
    assert injected["stats"]["ranged"] > 0  # cut downloads resumed, not restarted
    truth = export(server)
    store = FileStore(str(store_dir))
    table = rows(tmp_path)
    # under faults a file may also give up (retried next run); what is stored is verified
    unlucky = {aid for aid, row in table.items() if row["status"] != "stored"}
    assert len(unlucky) < 5, [(a, table[a]["reason"]) for a in unlucky]
    verified = {k: v for k, v in truth.items() if k not in unlucky}
    assert stored_mismatches(store, _tenant(server), verified) == []
    assert victim not in store.stored_versions(_tenant(server))
    row = table[victim]
    assert row["status"] == "quarantined" and "SHA-256 mismatch" in row["reason"]
    assert (victim, "quarantined", row["reason"]) in report.problems
    httpx.post(f"{server.url}/_sandbox/file-faults", json={"profile": "none"})
    sync(server, tmp_path, monkeypatch, str(store_dir))  # the quarantined file is tried again
    assert rows(tmp_path)[victim]["status"] == "stored"
    assert stored_mismatches(store, _tenant(server), truth) == []
    assert not any(store.staging.rglob("*.part"))


def test_an_uploaded_file_comes_back_through_the_resource_in_a_plain_dlt_pipeline(
        sandbox, tmp_path, monkeypatch) -> None:
    """The upload helper's staged upload, then `coconstruct_source().with_resources(
    "attachment_files")` in an ordinary dlt pipeline: the same bytes land in the store."""
    from coconstruct_source import coconstruct_source
    from coconstruct_source.files import upload_attachment

    path = tmp_path / "daily log photo.jpg"
    path.write_bytes(bytes(range(256)) * 3000)
    account = sandbox.account("admin", "none")
    with open_client(sandbox.url, credentials_of(account), session_cache=False) as client:
        attachment = upload_attachment(client, path, project_id=3)
    assert attachment["file_name"] == path.name and attachment["content_type"] == "image/jpeg"
    try:
        store_url = f"memory://coconstruct-upload-{tmp_path.name}"
        monkeypatch.setenv("SOURCES__COCONSTRUCT__FILES__STORE_URL", store_url)
        pipeline = dlt.pipeline("files_anywhere", destination=dlt.destinations.duckdb(
            str(tmp_path / "any.duckdb")), dataset_name="raw", pipelines_dir=str(tmp_path / "p"))
        source = coconstruct_source(base_url=sandbox.url, credentials=credentials_of(account),
                                    session_cache=False)
        pipeline.run(source.with_resources("attachment_files"))
        store = FileStore(store_url)
        (stored,) = store.stored_versions(_tenant(sandbox))[attachment["id"]]
        assert store.fs.cat_file(stored) == path.read_bytes()
        with pipeline.sql_client() as sql:
            (count,) = sql.execute_sql("select count(*) from attachment_files where status = 'stored'")[0]
        assert count == len(export(sandbox))
    finally:
        sandbox.store.delete("attachments", attachment["id"])  # leave the shared tenant as it was


def test_a_killed_download_resumes_with_a_range_request(sandbox_factory, tmp_path, monkeypatch) -> None:
    """SIGKILL `coconstruct files` while a slow file streams; the next run asks only for the
    rest of it (Range) and ends with every file stored once and verified."""
    server = sandbox_factory(seed=14)
    big = httpx.post(f"{server.url}/_sandbox/files", json={"sizes": [6_000_000]}).json()[0]
    httpx.post(f"{server.url}/_sandbox/file-faults", json={
        "profile": "slow", "rate": 1.0, "ids": [big["id"]], "slow_bytes_per_second": 1_500_000})
    store_dir = tmp_path / "files"
    account = server.account("admin", "none")
    env = {**os.environ, "SOURCES__COCONSTRUCT__BASE_URL": server.url,
           "SOURCES__COCONSTRUCT__CREDENTIALS__USERNAME": account.username,
           "SOURCES__COCONSTRUCT__CREDENTIALS__PASSWORD": account.password,
           "SOURCES__COCONSTRUCT__SESSION_CACHE": "false", "RUNTIME__DLTHUB_TELEMETRY": "false"}
    command = [sys.executable, "-m", "coconstruct_elt.cli", "files", "--store", str(store_dir),
               "--duckdb-path", str(tmp_path / "wh.duckdb"), "--pipelines-dir",
               str(tmp_path / "pipelines"), "--no-progress"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = FileStore(str(store_dir)).part(_tenant(server), big)
    deadline = time.monotonic() + 120
    while not (part.exists() and part.stat().st_size > 1_000_000):
        assert process.poll() is None and time.monotonic() < deadline, "the download never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    held = part.stat().st_size
    assert 0 < held < big["size_bytes"]
    ranged = server.state.files.stats["ranged"]
    sync(server, tmp_path, monkeypatch, str(store_dir))
    assert server.state.files.stats["ranged"] == ranged + 1
    assert rows(tmp_path)[big["id"]]["resumed"] == 1
    assert stored_mismatches(FileStore(str(store_dir)), _tenant(server), export(server)) == []
