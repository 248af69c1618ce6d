"""A small, deterministic raw dataset in the connector's shape, for the Snowflake tests.

Two tables like the connector's (see docs/architecture.md): a root table
``change_orders`` and a child table ``change_order_lines``. Primary keys (tenant_id, id),
merge write disposition (delete-insert), ``deleted`` is dlt's hard-delete column,
``updated_at`` the dedup sort column, and the child's merge key is (tenant_id,
change_order_id), so a changed parent replaces all of its lines. A deleted parent (or a
parent without lines) sends one child *sentinel* row (deleted = true, id = -parent id), as
``coconstruct_source.arrow_pages`` does. The hints mirror ``coconstruct_source.resources``
but are written out here so the harness does not depend on the source's internals.

:class:`Tenant` keeps the expected warehouse state in Python (Decimal money), so a test
can compare Snowflake's counts and sums exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import dlt
import pyarrow as pa

CENT = Decimal("0.01")
MONEY = pa.decimal128(18, 2)
QTY = pa.decimal128(18, 4)
TS = pa.timestamp("us", tz="UTC")

PARENT_SCHEMA = pa.schema(
    [
        pa.field("tenant_id", pa.string(), nullable=False),
        pa.field("id", pa.int64(), nullable=False),
        pa.field("project_id", pa.int64()),
        pa.field("title", pa.string()),
        pa.field("status", pa.string()),
        pa.field("total", MONEY),
        pa.field("approved_at", TS),
        pa.field("updated_at", TS),
        pa.field("deleted", pa.bool_()),
    ]
)
CHILD_SCHEMA = pa.schema(
    [
        pa.field("tenant_id", pa.string(), nullable=False),
        pa.field("id", pa.int64(), nullable=False),
        pa.field("change_order_id", pa.int64()),
        pa.field("quantity", QTY),
        pa.field("unit_cost", MONEY),
        pa.field("cost", MONEY),
        pa.field("updated_at", TS),
        pa.field("deleted", pa.bool_()),
    ]
)


def _col(name: str, data_type: str, nullable: bool = True, **extra: Any) -> dict:
    return {"name": name, "data_type": data_type, "nullable": nullable, **extra}


def _common_columns() -> dict:
    return {
        "tenant_id": _col("tenant_id", "text", False),
        "id": _col("id", "bigint", False),
        "updated_at": _col(
            "updated_at", "timestamp", timezone=True, precision=6, dedup_sort="desc"
        ),
        "deleted": _col("deleted", "bool", hard_delete=True),
    }


PARENT_HINTS = dict(
    table_name="change_orders",
    primary_key=["tenant_id", "id"],
    write_disposition={"disposition": "merge", "strategy": "delete-insert"},
    columns={
        **_common_columns(),
        "project_id": _col("project_id", "bigint"),
        "title": _col("title", "text"),
        "status": _col("status", "text"),
        "total": _col("total", "decimal", precision=18, scale=2),
        "approved_at": _col("approved_at", "timestamp", timezone=True, precision=6),
    },
)
CHILD_HINTS = dict(
    table_name="change_order_lines",
    primary_key=["tenant_id", "id"],
    merge_key=["tenant_id", "change_order_id"],
    write_disposition={"disposition": "merge", "strategy": "delete-insert"},
    columns={
        **_common_columns(),
        "change_order_id": _col("change_order_id", "bigint"),
        "quantity": _col("quantity", "decimal", precision=18, scale=4),
        "unit_cost": _col("unit_cost", "decimal", precision=18, scale=2),
        "cost": _col("cost", "decimal", precision=18, scale=2),
    },
)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Tenant:
    """Expected live state of one tenant, and the records changed since the last load."""

    tenant_id: str
    seed: int
    parents: dict[int, dict] = field(default_factory=dict)
    lines: dict[int, list[dict]] = field(default_factory=dict)
    changed: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    clock: datetime = datetime(2026, 1, 5, 8, 30, 0, 123456, tzinfo=UTC)
    _next_line: int = 1

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def tick(self) -> datetime:
        self.clock += timedelta(
            seconds=self.rng.randint(1, 5000), microseconds=self.rng.randint(0, 999_999)
        )
        return self.clock

    def _new_lines(self, co_id: int, ts: datetime) -> list[dict]:
        out = []
        for _ in range(self.rng.choice([0, 1, 2, 3, 3])):
            qty = Decimal(self.rng.randint(-20_000, 400_000)) / 10_000  # credits, zero, fractions
            unit = Decimal(self.rng.randint(0, 2_500_000)) / 100
            out.append(
                {
                    "tenant_id": self.tenant_id,
                    "id": self._next_line,
                    "change_order_id": co_id,
                    "quantity": qty,
                    "unit_cost": unit,
                    "cost": cents(qty * unit),
                    "updated_at": ts,
                    "deleted": False,
                }
            )
            self._next_line += 1
        return out

    def upsert(self, co_id: int) -> None:
        ts = self.tick()
        lines = self._new_lines(co_id, ts)
        self.lines[co_id] = lines
        approved = self.rng.random() < 0.5
        self.parents[co_id] = {
            "tenant_id": self.tenant_id,
            "id": co_id,
            "project_id": 1000 + co_id % 7,
            "title": f"CO {co_id}: ünïcode ✓ 東京",
            "status": "approved" if approved else "pending",
            "total": sum((ln["cost"] for ln in lines), Decimal("0.00")),
            "approved_at": ts if approved else None,
            "updated_at": ts,
            "deleted": False,
        }
        self.changed.add(co_id)
        self.deleted.discard(co_id)

    def delete(self, co_id: int) -> None:
        self.parents.pop(co_id)
        self.lines.pop(co_id)
        self.changed.discard(co_id)
        self.deleted.add(co_id)

    def batch(self) -> tuple[pa.Table, pa.Table]:
        """Arrow tables of what changed since the last batch (tombstones and sentinels incl.)."""
        ts = self.tick()
        parents, children = [], []
        for co_id in sorted(self.changed):
            parents.append(self.parents[co_id])
            children += self.lines[co_id] or [
                self._sentinel(co_id, self.parents[co_id]["updated_at"])
            ]
        for co_id in sorted(self.deleted):
            parents.append(
                {"tenant_id": self.tenant_id, "id": co_id, "updated_at": ts, "deleted": True}
            )
            children.append(self._sentinel(co_id, ts))
        self.changed.clear()
        self.deleted.clear()
        return (
            pa.Table.from_pylist(parents, schema=PARENT_SCHEMA),
            pa.Table.from_pylist(children, schema=CHILD_SCHEMA),
        )

    def _sentinel(self, co_id: int, ts: datetime) -> dict:
        return {
            "tenant_id": self.tenant_id,
            "id": -co_id,
            "change_order_id": co_id,
            "updated_at": ts,
            "deleted": True,
        }

    # expected warehouse rows
    def parent_rows(self) -> list[dict]:
        return list(self.parents.values())

    def line_rows(self) -> list[dict]:
        return [ln for lines in self.lines.values() for ln in lines]


def change_orders_resource(batches: list[tuple[pa.Table, pa.Table]]):
    """One dlt resource yielding parent and child arrow tables, hinted per table like the
    connector's resources (table variants, so columns do not leak between tables)."""

    @dlt.resource(name="change_orders", write_disposition="merge")
    def change_orders():
        hinted: set[str] = set()
        for parent, child in batches:
            for hints, table in ((PARENT_HINTS, parent), (CHILD_HINTS, child)):
                name = hints["table_name"]
                if table.num_rows == 0:
                    continue
                if name in hinted:
                    yield dlt.mark.with_table_name(table, name)
                else:
                    hinted.add(name)
                    yield dlt.mark.with_hints(
                        table, dlt.mark.make_hints(**hints), create_table_variant=True
                    )

    return change_orders()
