"""EventQueue: received webhook events in SQLite (WAL), so an event acknowledged to the
sender survives a kill of the listener, and an event id seen before is recognized (the
sender retries, duplicates and replays) for `keep_days` after it was received.

WAL with `synchronous=NORMAL` is durable across a crash of this process (the case that
matters: the sender has been told 2xx); an OS crash may lose the last events, which the
scheduled run then picks up, as it does dropped deliveries.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

KEEP_DAYS = 7.0


@dataclass(frozen=True)
class QueuedEvent:
    tenant: str
    id: str
    resource: str
    type: str
    occurred_at: str | None
    received_at: float


class EventQueue:
    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                                   timeout=30)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("pragma journal_mode=wal")
            self._db.execute("pragma synchronous=normal")
            self._db.execute(
                "create table if not exists events (tenant text not null, id text not null, "
                "resource text not null, type text not null, occurred_at text, "
                "received_at real not null, done_at real, primary key (tenant, id))")
            self._db.execute("create index if not exists pending on events (done_at, received_at)")

    def add(self, event: QueuedEvent) -> bool:
        """Store an event; False when this tenant's id was received before (not stored again)."""
        with self._lock:
            cursor = self._db.execute(
                "insert or ignore into events values (?, ?, ?, ?, ?, ?, null)",
                (event.tenant, event.id, event.resource, event.type, event.occurred_at,
                 event.received_at))
            return cursor.rowcount == 1

    def pending(self, limit: int = 100_000) -> list[QueuedEvent]:
        with self._lock:
            rows = self._db.execute(
                "select tenant, id, resource, type, occurred_at, received_at from events "
                "where done_at is null order by received_at limit ?", (limit,)).fetchall()
        return [QueuedEvent(*row) for row in rows]

    def mark_done(self, events: Iterable[QueuedEvent]) -> None:
        now = time.time()
        with self._lock:
            self._db.execute("begin")
            self._db.executemany("update events set done_at = ? where tenant = ? and id = ?",
                                 [(now, e.tenant, e.id) for e in events])
            self._db.execute("commit")

    def prune(self, keep_days: float = KEEP_DAYS) -> int:
        """Forget events done more than `keep_days` ago (their ids too)."""
        with self._lock:
            cursor = self._db.execute("delete from events where done_at < ?",
                                      (time.time() - keep_days * 86400,))
            return cursor.rowcount

    def counts(self) -> dict[str, int]:
        with self._lock:
            pending, done = self._db.execute(
                "select count(*) filter (where done_at is null), count(*) filter (where done_at "
                "is not null) from events").fetchone()
        return {"pending": pending, "done": done}

    def close(self) -> None:
        with self._lock:
            self._db.close()
