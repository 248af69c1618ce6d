"""The sync side of `coconstruct listen`: debounced incremental runs of what events named.

Events are batched while they keep coming (`debounce` seconds of quiet, at most `max_wait`
after the oldest), then each tenant with pending events gets one incremental run of only
the resources its events named (the runner's `RunOptions.resources`). The events of a
batch are marked done only after their run succeeded; a failing run leaves them queued and
is tried again with backoff. Every `catch_up_every` seconds (and at start) each tenant gets
a run of every resource: the safety net for events that never arrived, next to the
scheduled run and its sweep.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coconstruct_elt.run import RunOptions, TenantSpec, run_tenants
from coconstruct_elt.summary import TenantRun
from coconstruct_elt.webhooks.queue import EventQueue, QueuedEvent

logger = logging.getLogger("coconstruct.listen")

FILES_RESOURCE = "attachment_files"


@dataclass
class Synced:
    """One run the listener made (for its log line, tests and the freshness benchmark)."""

    tenant: str
    resources: list[str] | None  # None: every resource (catch-up)
    events: list[QueuedEvent]
    started: float
    finished: float
    run: TenantRun


class Syncer:
    def __init__(self, queue: EventQueue, tenants: dict[str, TenantSpec], options: RunOptions,
                 known_resources: Sequence[str], *, debounce: float = 0.5, max_wait: float = 5.0,
                 catch_up_every: float = 900.0, files: bool = False,
                 on_synced: Callable[[Synced], None] | None = None) -> None:
        self.queue, self.tenants, self.options = queue, tenants, options
        self.known = set(known_resources)
        self.debounce, self.max_wait, self.catch_up_every = debounce, max_wait, catch_up_every
        self.files = files
        self.on_synced = on_synced or _log
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_catch_up = time.monotonic() if catch_up_every > 0 else float("inf")
        self._retry_at: dict[str, float] = {}
        self._failures: dict[str, int] = defaultdict(int)

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> Syncer:
        self._thread = threading.Thread(target=self._loop, name="webhook-syncer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the run in progress (events not synced stay queued)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.step()
            except Exception:  # keep listening; the events stay queued
                logger.exception("the listener's sync loop failed; retrying")
                wait = 5.0
            self._wake.wait(timeout=wait)
            self._wake.clear()

    def step(self, now: float | None = None) -> float:
        """Run what is due; seconds until something may be due again."""
        now = time.monotonic() if now is None else now
        if now >= self._next_catch_up:
            self._catch_up()
            self._next_catch_up = time.monotonic() + self.catch_up_every
            return 0.0
        pending = self.queue.pending()
        if not pending:
            return min(self._next_catch_up - now, 60.0)
        wall = time.time()
        quiet = wall - max(e.received_at for e in pending)
        oldest = wall - min(e.received_at for e in pending)
        if quiet < self.debounce and oldest < self.max_wait:
            return min(self.debounce - quiet, self.max_wait - oldest)
        by_tenant: dict[str, list[QueuedEvent]] = defaultdict(list)
        for event in pending:
            by_tenant[event.tenant].append(event)
        synced, next_retry = False, 60.0
        for tenant, events in by_tenant.items():
            backoff = self._retry_at.get(tenant, 0.0) - time.monotonic()
            if backoff > 0:
                next_retry = min(next_retry, backoff)
                continue
            self._sync(tenant, events)
            synced = True
        return 0.0 if synced else next_retry

    def _resources(self, events: list[QueuedEvent]) -> tuple[list[str], list[QueuedEvent]]:
        """The runner's resources for these events, and the events naming none it knows."""
        wanted: set[str] = set()
        unknown = []
        for event in events:
            if event.resource in self.known:
                wanted.add(event.resource)
                if self.files and event.resource == "attachments":
                    wanted.add(FILES_RESOURCE)
            else:
                unknown.append(event)
        return sorted(wanted), unknown

    def _sync(self, tenant: str, events: list[QueuedEvent]) -> None:
        spec = self.tenants.get(tenant)
        if spec is None:  # queued for a tenant no longer configured
            logger.warning("dropping %d queued event(s) of unconfigured tenant %s", len(events), tenant)
            self.queue.mark_done(events)
            return
        resources, unknown = self._resources(events)
        if unknown:
            logger.warning("tenant %s: %d event(s) name resources this connector does not know "
                           "(%s); the scheduled run covers them", tenant, len(unknown),
                           ", ".join(sorted({e.resource for e in unknown})))
        if not resources:
            self.queue.mark_done(events)
            return
        self._run(tenant, spec, resources, events)

    def _catch_up(self) -> None:
        pending = self.queue.pending()
        for tenant, spec in self.tenants.items():
            events = [e for e in pending if e.tenant == tenant]
            resources = None if not self.files else [*sorted(self.known), FILES_RESOURCE]
            self._run(tenant, spec, resources, events)

    def _run(self, tenant: str, spec: TenantSpec, resources: list[str] | None,
             events: list[QueuedEvent]) -> None:
        options = dataclasses.replace(self.options, resources=resources, progress=False)
        started = time.time()
        (run,) = run_tenants([spec], options)
        synced = Synced(tenant, resources, events, started, time.time(), run)
        if run.ok:
            self.queue.mark_done(events)
            self._retry_at.pop(tenant, None)
            self._failures.pop(tenant, None)
        else:
            self._failures[tenant] += 1
            delay = min(300.0, 5.0 * 2 ** (self._failures[tenant] - 1))
            self._retry_at[tenant] = time.monotonic() + delay
        self.on_synced(synced)


def describe(synced: Synced) -> str:
    """One line per run: what, for how many events, the outcome."""
    what = "every resource (catch-up)" if synced.resources is None else ", ".join(synced.resources)
    seconds = synced.finished - synced.started
    if synced.run.ok:
        return (f"synced {synced.tenant}: {what} for {len(synced.events)} event(s), "
                f"{synced.run.rows} row(s) changed in {seconds:.1f}s")
    return (f"error: sync of {synced.tenant} failed ({synced.run.error}); its events stay "
            "queued and are retried")


def _log(synced: Synced) -> None:
    (logger.info if synced.run.ok else logger.error)(describe(synced))
