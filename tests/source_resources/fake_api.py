"""An in-memory tenant speaking the contract's list semantics, generated from the contract.

Used to test the resources and the pipeline without HTTP: `FakeTenant.fetch_pages` is a
`PageFetcher` (keyset pages ordered by (updated_at, id), `updated_since` inclusive with
tombstones). Values are random but deterministic per seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from coconstruct_source.contract import Column, TableSpec, load_contract
from coconstruct_source.errors import PermissionDenied

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FakeTenant:
    def __init__(self, per_resource: int = 30, seed: int = 1, slug: str = "acme-homes") -> None:
        self.rng = random.Random(seed)
        self.clock = EPOCH
        self.contract = load_contract()
        self.slug = slug
        self.records: dict[str, dict[int, dict[str, Any]]] = {}
        self.tombstones: dict[str, dict[int, dict[str, Any]]] = {}
        self.next_id: dict[str, int] = {}
        self.denied: set[str] = set()
        self.calls: list[tuple[str, str | None]] = []
        self.line_id = 0
        for name, spec in self.contract.resources.items():
            self.records[name] = {}
            self.tombstones[name] = {}
            self.next_id[name] = 1
            count = 1 if not spec.paged else per_resource
            for _ in range(count):
                self.create(name)

    # ---- clock and values -------------------------------------------------------
    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1, microseconds=self.rng.randrange(1, 999_999))
        return self.clock

    def value(self, column: Column) -> Any:
        r = self.rng
        if column.kind == "decimal":
            q = Decimal(r.randrange(-50_000, 5_000_000)) / (10 ** (column.scale or 0))
            return f"{q:.{column.scale}f}"
        if column.kind == "timestamp":
            return ts(
                EPOCH + timedelta(seconds=r.randrange(0, 10**7), microseconds=r.randrange(10**6))
            )
        if column.kind == "date":
            return (EPOCH + timedelta(days=r.randrange(0, 900))).date().isoformat()
        if column.kind == "bigint":
            return r.randrange(1, 10_000)
        if column.kind == "bool":
            return r.random() < 0.5
        return r.choice(["Garcia Kitchen", "José  Núñez", "O'Brien-Smith", "06-100", "ok"])

    def _fill(
        self, spec: TableSpec, rid: int | None, parent_key_value: int | None
    ) -> dict[str, Any]:
        rec: dict[str, Any] = {}
        for column in spec.columns:
            if column.name in ("updated_at", "deleted") and spec.parent_key:
                continue  # the API does not send these on lines
            rec[column.name] = self.value(column)
        if "id" in rec or rid is not None:
            rec["id"] = rid
        if spec.parent_key:
            rec[spec.parent_key] = parent_key_value
        return rec

    def _lines(self, spec: TableSpec, parent_id: int) -> dict[str, list[dict[str, Any]]]:
        out = {}
        for prop, child in spec.children:
            rows = []
            for n in range(self.rng.randrange(0, 4)):
                if "id" in child.primary_key:
                    self.line_id += 1
                    rows.append(self._fill(child, self.line_id, parent_id))
                else:
                    row = self._fill(child, None, parent_id)
                    row.pop("id", None)
                    row["client_id"] = n + 1
                    rows.append(row)
            out[prop] = rows
        return out

    # ---- changes ------------------------------------------------------------------
    def create(self, name: str) -> int:
        spec = self.contract.resources[name]
        rid = self.next_id[name]
        self.next_id[name] += 1
        rec = self._fill(spec.table, rid, None)
        if name == "company":
            rec["slug"] = self.slug
        rec.update(self._lines(spec.table, rid))
        rec["updated_at"] = ts(self.tick())
        if spec.table.has_deleted:
            rec["deleted"] = False
        self.records[name][rid] = rec
        return rid

    def edit(self, name: str, rid: int, *, new_lines: bool = True) -> None:
        spec = self.contract.resources[name]
        rec = self.records[name][rid]
        for column in spec.table.columns:
            if column.kind == "decimal":
                rec[column.name] = self.value(column)
        if new_lines:
            rec.update(self._lines(spec.table, rid))
        rec["updated_at"] = ts(self.tick())

    def delete(self, name: str, rid: int) -> None:
        rec = self.records[name].pop(rid)
        self.tombstones[name][rid] = {
            "id": rid,
            "updated_at": ts(self.tick()),
            "deleted": True,
            "project_id": rec.get("project_id"),
        }

    # ---- the list endpoint -----------------------------------------------------------
    def fetch_pages(
        self, path: str, updated_since: str | None, limit: int = 7
    ) -> Iterator[list[dict[str, Any]]]:
        self.calls.append((path, updated_since))
        name = next(n for n, s in self.contract.resources.items() if s.path == path)
        if name in self.denied:
            raise PermissionDenied(path, "forbidden")
        spec = self.contract.resources[name]
        if not spec.paged:
            yield [dict(next(iter(self.records[name].values())))]
            return
        rows = list(self.records[name].values())
        if updated_since is not None:
            rows = [r for r in rows if r["updated_at"] >= updated_since]
            rows += [t for t in self.tombstones[name].values() if t["updated_at"] >= updated_since]
        rows.sort(key=lambda r: (r["updated_at"], r["id"]))
        for start in range(0, len(rows), limit):
            yield [dict(r) for r in rows[start : start + limit]]

    # ---- ground truth ------------------------------------------------------------------
    def expected(self) -> dict[str, dict[str, Any]]:
        """Per warehouse table: live row count and the money sums (Decimal)."""
        out: dict[str, dict[str, Any]] = {}
        for name, spec in self.contract.resources.items():
            for table in spec.all_tables:
                out[table.name] = {
                    "count": 0,
                    "sums": {c.name: Decimal(0) for c in table.columns if c.kind == "decimal"},
                }
            for rec in self.records[name].values():
                self._add(out, spec.table, rec)
        return out

    def _add(self, out: dict[str, dict[str, Any]], table: TableSpec, rec: dict[str, Any]) -> None:
        out[table.name]["count"] += 1
        for col in out[table.name]["sums"]:
            if rec.get(col) is not None:
                out[table.name]["sums"][col] += Decimal(rec[col])
        for prop, child in table.children:
            for line in rec.get(prop) or []:
                self._add(out, child, line)
