"""The listener's syncer without an API: batching, targeting, failures, catch-up."""

from __future__ import annotations

import time

import pytest

import coconstruct_elt.webhooks.syncer as syncer_module
from coconstruct_elt.run import RunOptions, TenantSpec
from coconstruct_elt.summary import TenantRun
from coconstruct_elt.webhooks.queue import EventQueue, QueuedEvent
from coconstruct_elt.webhooks.syncer import Synced, Syncer

KNOWN = ["bills", "attachments", "change_orders"]


@pytest.fixture
def runs(monkeypatch) -> list[tuple[str | None, list[str] | None]]:
    """What the syncer asked the runner for; a run of a tenant named `broken` fails."""
    asked: list[tuple[str | None, list[str] | None]] = []

    def fake_run_tenants(tenants: list[TenantSpec], options: RunOptions) -> list[TenantRun]:
        (spec,) = tenants
        asked.append((spec.name, options.resources and list(options.resources)))
        error = "boom" if spec.name == "broken" else None
        return [TenantRun(tenant=spec.name or "?", pipeline_name="p", error=error)]

    monkeypatch.setattr(syncer_module, "run_tenants", fake_run_tenants)
    return asked


def _event(tenant: str, n: int, resource: str, age: float = 10.0) -> QueuedEvent:
    return QueuedEvent(tenant, f"msg_{tenant}_{n}", resource, f"{resource}.updated", None,
                       time.time() - age)


def _syncer(tmp_path, files: bool = False, done: list[Synced] | None = None) -> Syncer:
    tenants = {t: TenantSpec(name=t) for t in ("north", "south", "broken")}
    return Syncer(EventQueue(tmp_path / "q.sqlite"), tenants, RunOptions(), KNOWN, debounce=0.5,
                  max_wait=5.0, catch_up_every=0, files=files,
                  on_synced=(done.append if done is not None else lambda s: None))


def test_each_tenant_gets_one_run_of_only_the_resources_its_events_named(tmp_path, runs) -> None:
    syncer = _syncer(tmp_path, files=True)
    for n, (tenant, resource) in enumerate([("north", "bills"), ("north", "bills"),
                                            ("north", "attachments"), ("south", "change_orders"),
                                            ("south", "not_in_this_contract")]):
        syncer.queue.add(_event(tenant, n, resource))
    syncer.step()
    assert sorted(runs) == [("north", ["attachment_files", "attachments", "bills"]),
                            ("south", ["change_orders"])]
    assert syncer.queue.counts() == {"pending": 0, "done": 5}


def test_events_wait_for_quiet_but_not_longer_than_max_wait(tmp_path, runs) -> None:
    syncer = _syncer(tmp_path)
    syncer.queue.add(_event("north", 1, "bills", age=0.0))
    assert 0 < syncer.step() <= 0.5 and runs == []  # still debouncing
    syncer.queue.add(_event("north", 2, "bills", age=6.0))  # waited past max_wait
    syncer.step()
    assert runs == [("north", ["bills"])]


def test_a_failed_run_keeps_its_events_and_backs_off(tmp_path, runs) -> None:
    done: list[Synced] = []
    syncer = _syncer(tmp_path, done=done)
    syncer.queue.add(_event("broken", 1, "bills"))
    syncer.queue.add(_event("north", 2, "bills"))
    syncer.step()
    assert syncer.queue.counts() == {"pending": 1, "done": 1}
    wait = syncer.step()  # within the backoff: no second attempt yet
    assert wait > 0 and [t for t, _ in runs].count("broken") == 1
    assert [(s.tenant, s.run.ok) for s in done] == [("broken", False), ("north", True)]


def test_catch_up_runs_everything_and_settles_what_was_queued(tmp_path, runs) -> None:
    syncer = _syncer(tmp_path)
    syncer.queue.add(_event("north", 1, "bills"))
    syncer._next_catch_up = 0
    syncer.step()
    assert ("north", None) in runs and ("south", None) in runs
    assert syncer.queue.counts() == {"pending": 0, "done": 1}
