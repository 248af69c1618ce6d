"""The tenant's changes as events, read back from the store's own ordering.

Every entity is a keyset-ordered list with tombstones (the contract's `updated_since`), so
the feed keeps one position per entity and, on each poll, reads what sorts after it:
created (`created_at` after the feed began), updated, or deleted (a tombstone). Every entity the
store has is covered, and so is the company record. A record changed twice between polls
is one event (its newest version): events are thin, a receiver re-reads the data. Deletes
without a tombstone (`/_sandbox/purge`) are not announced, as in a real API that misses
some: the scheduled run's sweep is there for those.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from coconstruct_sandbox.store import TenantStore

COMPANY = "company"


@dataclass(frozen=True)
class Change:
    resource: str  # the contract's resource (warehouse table) name
    kind: str  # created | updated | deleted
    id: int
    updated_at: str
    project_id: int | None

    @property
    def type(self) -> str:
        return f"{self.resource}.{self.kind}"

    def payload(self) -> dict:
        """The Standard Webhooks body: type, timestamp (of the change), thin data."""
        return {"type": self.type, "timestamp": self.updated_at,
                "data": {"resource": self.resource, "id": self.id, "project_id": self.project_id,
                         "updated_at": self.updated_at}}


class ChangeFeed:
    """Changes after the moment the feed was created, each seen once."""

    def __init__(self, store: TenantStore) -> None:
        self.store = store
        self.since = store.now()
        self._after: dict[str, str] = {}  # entity → cursor of the last record seen
        self._company = store.company.get("updated_at")

    def poll(self) -> list[Change]:
        out: list[Change] = []
        for entity in self.store.entities:
            out.extend(self._entity(entity))
        company = self.store.company
        if company.get("updated_at") != self._company:
            self._company = company.get("updated_at")
            out.append(Change(COMPANY, "updated", company["id"], company["updated_at"], None))
        return out

    def _entity(self, entity: str) -> list[Change]:
        out: list[Change] = []
        for _ in range(10_000):  # bounded: a page per 1,000 changes
            page = self.store.list_page(entity, limit=1000, cursor=self._after.get(entity),
                                        updated_since=self.since)
            records = orjson.loads(page.data)
            for record in records:
                kind = ("deleted" if record.get("deleted") else
                        "created" if (record.get("created_at") or "") >= self.since else "updated")
                project = record["id"] if entity == "projects" else record.get("project_id")
                out.append(Change(entity, kind, record["id"], record["updated_at"], project))
            if page.next_cursor is not None:
                self._after[entity] = page.next_cursor
                continue
            if records:
                last = records[-1]
                self._after[entity] = self.store.encode_cursor(entity, (last["updated_at"], last["id"]))
            return out
        return out
