"""The quarantine table: every record left out of a load, with why and as the API sent it.

Bad records are never silently dropped: each `Reject` becomes one row of
`_coconstruct_quarantine` (append-only), next to the good rows of the same page. Its
`updated_at` is the record's (the page's newest readable one when the record's is not):
the rows pass through the resource's incremental filter like the page's good rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import dlt
import orjson
import pyarrow as pa

from coconstruct_source.arrow_pages import Reject
from coconstruct_source.contract import CURSOR_COLUMN, TENANT_COLUMN
from coconstruct_source.lag_window import parse_cursor

QUARANTINE_TABLE = "_coconstruct_quarantine"

SCHEMA = pa.schema([
    pa.field(TENANT_COLUMN, pa.string(), nullable=False),
    pa.field("table_name", pa.string(), nullable=False),
    pa.field("record_id", pa.string()),
    pa.field("column_name", pa.string()),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("raw_record", pa.string()),
    pa.field("quarantined_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field(CURSOR_COLUMN, pa.timestamp("us", tz="UTC"), nullable=False),
])


def _instant(value: Any) -> datetime | None:
    instant = parse_cursor(value)
    return instant if instant is not None and instant.tzinfo else None


def page_cursor(records: Sequence[dict[str, Any]]) -> datetime:
    """The newest readable `updated_at` of a page (the epoch if none is)."""
    instants = [i for r in records if (i := _instant(r.get(CURSOR_COLUMN))) is not None]
    return max(instants, default=datetime(1970, 1, 1, tzinfo=UTC))


def _raw(record: Any) -> str | None:
    if record is None:
        return None
    return orjson.dumps(record, default=str).decode()


def quarantine_table(
    rejects: Sequence[Reject], tenant_id: str, fallback_cursor: datetime
) -> pa.Table:
    """One row per reject (record ids as text: a missing id stays null)."""
    now = datetime.now(UTC)
    cursors = [
        _instant(r.record.get(CURSOR_COLUMN)) if isinstance(r.record, dict) else None
        for r in rejects
    ]
    columns: dict[str, list[Any]] = {
        TENANT_COLUMN: [tenant_id] * len(rejects),
        "table_name": [r.table for r in rejects],
        "record_id": [None if r.record_id is None else str(r.record_id) for r in rejects],
        "column_name": [r.column for r in rejects],
        "reason": [f"{r.reason} (value {r.value!r})" for r in rejects],
        "raw_record": [_raw(r.record) for r in rejects],
        "quarantined_at": [now] * len(rejects),
        CURSOR_COLUMN: [c or fallback_cursor for c in cursors],
    }
    return pa.Table.from_pydict(columns, schema=SCHEMA)


def quarantine_hints() -> Any:
    """Append-only; text columns, the time as a UTC timestamp."""
    columns = {f.name: {"name": f.name, "data_type": "text", "nullable": f.nullable}
               for f in SCHEMA if not pa.types.is_timestamp(f.type)}
    for name in ("quarantined_at", CURSOR_COLUMN):
        columns[name] = {"name": name, "data_type": "timestamp", "timezone": True,
                         "nullable": False}
    return dlt.mark.make_hints(
        table_name=QUARANTINE_TABLE, write_disposition="append", columns=columns
    )
