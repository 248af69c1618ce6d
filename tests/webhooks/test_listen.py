"""`coconstruct listen` against the sandbox: events become incremental syncs of only what they
name; faulty deliveries still end with the warehouse equal to the sandbox; a killed listener
loses no acknowledged event."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb
import httpx

from coconstruct_elt.run import TenantSpec
from coconstruct_elt.webhooks.command import subscribe
from coconstruct_elt.webhooks.listener import Listener, ListenSettings
from coconstruct_elt.webhooks.queue import EventQueue
from coconstruct_elt.webhooks.syncer import Synced
from coconstruct_sandbox.ground_truth import CHILDREN
from tests.ground_truth import state_mismatches
from tests.pipeline.sandbox_helpers import DATASET, credentials_of, mismatches, options_in
from tests.webhooks.capture import wait_until

CHILD_TABLES = set(CHILDREN)


def _spec(server) -> TenantSpec:
    return TenantSpec(base_url=server.url, credentials=credentials_of(server.account("admin", "none")))


def test_faulty_webhooks_drive_syncs_of_only_the_named_resources_and_end_equal(
        sandbox_factory, tmp_path) -> None:
    server = sandbox_factory(seed=31, webhook_retry_schedule=(0.2, 0.4, 0.8, 1.6))
    httpx.post(f"{server.url}/_sandbox/webhook-faults", json={
        "profile": "chaos", "rate": 0.6, "late_after": 1.0, "max_hold": 1.0})
    runs: list[Synced] = []
    options = options_in(tmp_path)
    settings = ListenSettings(port=0, queue_path=str(tmp_path / "queue.sqlite"), debounce=0.3)
    with Listener([_spec(server)], options, settings, secrets={}, on_synced=runs.append) as listener:
        subscribe(_spec(server), listener)
        wait_until(lambda: runs, what="the catch-up run at start")
        for _ in range(4):
            server.store.advance(4)
            time.sleep(0.4)
        described = server.state.webhooks.describe
        wait_until(lambda: described()["pending"] == 0 and listener.queue.counts()["pending"] == 0
                   and not listener.syncer._wake.is_set(), timeout=120, what="deliveries synced")
        time.sleep(settings.debounce + 0.5)
        wait_until(lambda: listener.queue.counts()["pending"] == 0, timeout=60, what="last sync")
        stats = described()["subscriptions"][0]["stats"]
        received = dict(listener.receiver.counts)
        event_runs = [r for r in runs if r.resources is not None]
        assert all(r.run.ok for r in runs), [r.run.error for r in runs]
        assert event_runs and all(
            set(r.resources) == {e.resource for e in r.events} for r in event_runs)
        gaps = mismatches(server, options.duckdb_path)  # what dropped deliveries left behind
        listener.syncer._next_catch_up = 0  # the safety net: a scheduled run of everything
        listener.syncer.notify()
        wait_until(lambda: runs[-1].resources is None and len(runs) > len(event_runs) + 1,
                   timeout=120, what="the catch-up run")
    assert mismatches(server, options.duckdb_path) == [], gaps
    faults = described()["faults"]["injected"]
    # which kinds a seed injects depends on how many events the feed saw: most, at this rate
    assert len(set(faults) & {"drop", "duplicate", "out_of_order", "late_retry", "bad_signature"}) >= 3, faults
    assert received.get("refused", 0) == stats.get("forged_refused", 0) == faults.get("bad_signature", 0)
    assert received.get("duplicate", 0) >= faults.get("duplicate", 0) + faults.get("late_retry", 0)
    assert received["queued"] + faults.get("drop", 0) == stats["events"]


def test_events_acknowledged_before_a_kill_are_synced_after_the_restart(sandbox_factory, tmp_path) -> None:
    server = sandbox_factory(seed=32)
    options = options_in(tmp_path)
    queue_path = tmp_path / "queue.sqlite"
    account = server.account("admin", "none")
    token = httpx.post(f"{server.url}/sessions", json={"username": account.username,
                                                       "password": account.password}).json()
    port = _free_port()
    subscription = httpx.post(f"{server.url}/webhook-subscriptions",
                              json={"url": f"http://127.0.0.1:{port}/webhooks/default"},
                              headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    env = {**os.environ, "SOURCES__COCONSTRUCT__BASE_URL": server.url,
           "SOURCES__COCONSTRUCT__CREDENTIALS__USERNAME": account.username,
           "SOURCES__COCONSTRUCT__CREDENTIALS__PASSWORD": account.password,
           "SOURCES__COCONSTRUCT__WEBHOOK_SECRET": subscription["secret"],
           "SOURCES__COCONSTRUCT__SESSION_CACHE": "false", "RUNTIME__DLTHUB_TELEMETRY": "false"}
    # a long debounce and no catch-up: the events are only queued when the kill comes
    command = [sys.executable, "-m", "coconstruct_elt.cli", "listen", "--port", str(port),
               "--queue", str(queue_path), "--debounce", "600", "--max-wait", "600",
               "--catch-up-every", "0", "--duckdb-path", options.duckdb_path,
               "--pipelines-dir", options.pipelines_dir]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: _answers(port) or process.poll() is not None, timeout=120,
                   what="the listener to start")
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        server.store.advance(8)
        stats = lambda: server.state.webhooks.describe()["subscriptions"][0]["stats"]  # noqa: E731
        wait_until(lambda: stats().get("events", 0) and stats().get("delivered", 0) == stats()["events"],
                   what="deliveries acknowledged")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    acknowledged = stats()["delivered"]
    queue = EventQueue(queue_path)
    assert len(queue.pending()) == acknowledged
    queue.close()
    runs: list[Synced] = []
    settings = ListenSettings(port=0, queue_path=str(queue_path), debounce=0.1, catch_up_every=0)
    with Listener([_spec(server)], options, settings, secrets={"default": subscription["secret"]},
                  on_synced=runs.append) as listener:
        wait_until(lambda: listener.queue.counts() == {"pending": 0, "done": acknowledged},
                   timeout=120, what="the queued events synced")
    assert len(runs) == 1 and runs[0].run.ok
    tables = {e.resource for e in runs[0].events}
    assert set(runs[0].resources) == tables
    state = httpx.get(f"{server.url}/_sandbox/state").json()
    state["tables"] = {t: v for t, v in state["tables"].items() if t in tables}
    with duckdb.connect(options.duckdb_path, read_only=True) as con:
        # every table the events named now equals the sandbox's; no other was synced
        assert state_mismatches(state, lambda sql: con.execute(sql).fetchone(), DATASET) == []
        synced = {t for (t,) in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = ?", [DATASET]).fetchall()}
    assert {t for t in synced if not t.startswith("_dlt")} - tables <= CHILD_TABLES


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
