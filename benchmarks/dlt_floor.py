"""What an incremental run costs in dlt itself, without the connector: the floor under
`incremental_vs_full`.

    python benchmarks/dlt_floor.py [--shape SHAPE.json] [--scale 1.0]

A bare dlt pipeline (no HTTP, no connector code) with the shape of a synced tenant: the
same tables, stored row counts and column counts, and the rows a change staged per table
(inserted, updated, deleted). `benchmarks/run.py` passes the shape of its own warehouse and
incremental run; without `--shape` it is the `large` tenant's after a 1 % change. Arrow
tables, `merge` on a primary key with a `hard_delete` column, a `dlt.sources.incremental`
cursor, and the connector's tuning (parquet, no compression, fifo, DuckDB capped at 64 MB,
20 load workers, the DuckDB file held open during the load). It loads the tenant once, then
times, in one process and one sitting:

1. an incremental run that merges the change into every table;
2. a run with nothing to merge (the cursors filter every row out);
3. the change of the biggest table alone: the cost per run without the cost per table.

It prints a table and a last line `floor_incremental_s=… floor_no_change_s=… per_table_s=…`
(`--json`: one JSON object instead).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc

# table: [stored rows, columns, [inserted, updated, deleted]], from the `large` sandbox tenant
# (seed 1) and the per-table summary of the benchmark's incremental run after a 1 % change.
LARGE_SHAPE: dict[str, list] = {
    "attachments": [44_582, 16, [28, 28, 463]],
    "bill_lines": [92_017, 11, [533, 497, 17]],
    "bills": [26_599, 17, [132, 142, 17]],
    "budget_lines": [89_968, 12, [22, 17, 26]],
    "change_order_approvals": [25_528, 10, [52, 512, 42]],
    "change_order_lines": [63_159, 17, [755, 1262, 113]],
    "change_orders": [15_798, 20, [250, 307, 28]],
    "clients": [3_929, 10, [25, 23, 0]],
    "company": [1, 8, [0, 1, 0]],
    "cost_codes": [151, 11, [0, 26, 0]],
    "invoice_lines": [86_432, 15, [157, 1395, 139]],
    "invoices": [19_278, 23, [79, 322, 29]],
    "payments": [15_910, 14, [149, 18, 31]],
    "project_clients": [3_985, 6, [34, 91, 0]],
    "projects": [3_000, 20, [0, 71, 0]],
    "purchase_order_lines": [96_121, 13, [365, 930, 113]],
    "purchase_orders": [24_080, 16, [144, 231, 30]],
    "qb_mappings": [2_898, 12, [29, 31, 14]],
    "schedule_tasks": [74_110, 14, [23, 27, 759]],
    "selection_options": [83_610, 11, [165, 403, 96]],
    "selections": [24_070, 15, [55, 115, 28]],
    "timesheets": [786_486, 18, [361, 252, 8063]],
    "trade_partners": [1_819, 11, [19, 23, 0]],
    "users": [231, 10, [25, 21, 0]],
}
Shape = dict[str, list]

TUNING = {
    "DATA_WRITER__DISABLE_COMPRESSION": "true",
    "DATA_WRITER__BUFFER_MAX_ITEMS": "10000",
    "DATA_WRITER__FILE_MAX_ITEMS": "200000",
    "EXTRACT__NEXT_ITEM_MODE": "fifo",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    # dlt warns once a table that arrow's nullable keys differ from the hints
    "RUNTIME__LOG_LEVEL": os.environ.get("RUNTIME__LOG_LEVEL", "ERROR"),
}
MEMORY_LIMIT = "64MB"  # the connector's DuckDB cap (coconstruct_elt/run.py)
LOAD_WORKERS = 20  # what the connector runs for a small change
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _ids(start: int, stop: int) -> pa.Array:
    return pa.array(range(start, stop), pa.int64())


def _table(ids: pa.Array, columns: int, updated_at: datetime, deleted: bool) -> pa.Table:
    """`columns` columns: id, tenant, updated_at, deleted, then amounts and text."""
    n = len(ids)
    data: dict[str, pa.Array] = {
        "id": ids,
        "tenant_id": pa.array(["summit_ridge"] * n),
        "updated_at": pa.array([updated_at] * n, pa.timestamp("us", tz="UTC")),
        "deleted": pa.array([deleted] * n, pa.bool_()),
    }
    for i in range(columns - len(data)):
        if i % 2:
            data[f"amount_{i}"] = pc.add(ids, i).cast(pa.decimal128(38, 2))
        else:
            data[f"text_{i}"] = pc.binary_join_element_wise("value", ids.cast(pa.string()), " ")
    return pa.table(data)


def _changes(stored: int, columns: int, change: list[int], at: datetime) -> Iterator[pa.Table]:
    """New ids inserted, the first stored ids updated, the next ones deleted."""
    inserted, updated, deleted = change
    updated = min(updated, stored)
    deleted = min(deleted, stored - updated)
    if inserted:
        yield _table(_ids(stored, stored + inserted), columns, at, False)
    if updated:
        yield _table(_ids(0, updated), columns, at, False)
    if deleted:
        yield _table(_ids(updated, updated + deleted), columns, at, True)


def _rows(
    stored: int, columns: int, change: list[int], phase: str
) -> Callable[..., Iterator[pa.Table]]:
    """One table's data function for a phase: the initial load, the change, or nothing new."""
    import dlt

    def rows(
        updated_at=dlt.sources.incremental("updated_at", primary_key=()),  # noqa: B008
    ) -> Iterator[pa.Table]:
        if phase == "initial":
            for start in range(0, stored, 100_000):
                yield _table(_ids(start, min(stored, start + 100_000)), columns, EPOCH, False)
        elif phase == "change":
            yield from _changes(stored, columns, change, EPOCH + timedelta(days=1))
        else:  # a row the cursor has seen: nothing passes it
            yield _table(_ids(0, 1), columns, EPOCH, False)

    return rows


def _resources(shape: Shape, phase: str) -> list:
    import dlt

    return [
        dlt.resource(
            _rows(stored, columns, change, phase),
            name=name,
            primary_key=("tenant_id", "id"),
            write_disposition="merge",
            columns={"deleted": {"hard_delete": True, "data_type": "bool"}},
        )
        for name, (stored, columns, change) in shape.items()
    ]


def _timed_run(
    pipeline, resources: list, load_workers: int, hold: Path | None = None
) -> dict[str, float]:
    """Extract, normalize, load; with `hold`, the load runs while a connection to that
    DuckDB file is open, as the connector's does (`coconstruct_elt/duckdb_session.py`: dlt's jobs
    share one database instance, and the checkpoint runs once at the close, timed here)."""
    import duckdb

    steps = {}
    started = time.perf_counter()
    pipeline.extract(resources, loader_file_format="parquet")
    steps["extract"] = time.perf_counter() - started
    mark = time.perf_counter()
    pipeline.normalize()
    steps["normalize"] = time.perf_counter() - mark
    mark = time.perf_counter()
    held = duckdb.connect(str(hold)) if hold else None  # no config, like dlt's: one instance
    try:
        if held is not None:
            held.execute("SET GLOBAL memory_limit = ?", [MEMORY_LIMIT])
        pipeline.load(workers=load_workers)
    finally:
        if held is not None:
            held.close()
    steps["load"] = time.perf_counter() - mark
    steps["wall"] = time.perf_counter() - started
    return steps


def measure(shape: Shape) -> dict:
    """Load `shape` once, then time the change, nothing changed, and the biggest change alone."""
    os.environ.update(TUNING)
    import dlt
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

    with tempfile.TemporaryDirectory(prefix="dlt_floor_") as work:
        database = Path(work) / "floor.duckdb"

        def pipeline(name: str, memory_limit: str = MEMORY_LIMIT) -> dlt.Pipeline:
            """The connector's cap for the timed runs, more for the initial load."""
            credentials = DuckDbCredentials(
                str(database), global_config={"memory_limit": memory_limit}
            )
            return dlt.pipeline(
                pipeline_name=name,
                destination=dlt.destinations.duckdb(credentials),
                dataset_name=name + "_raw",
                pipelines_dir=str(Path(work) / "pipelines"),
            )

        def loaded(name: str, tables: Shape) -> dlt.Pipeline:
            """A pipeline that has loaded `tables` once (not timed), for the timed runs."""
            _timed_run(pipeline(name, "1GB"), _resources(tables, "initial"), load_workers=2)
            return pipeline(name)

        every = loaded("floor_all", shape)
        change = _timed_run(every, _resources(shape, "change"), LOAD_WORKERS, database)
        idle = _timed_run(every, _resources(shape, "nothing"), LOAD_WORKERS, database)
        biggest = max(shape, key=lambda t: sum(shape[t][2]))
        alone = {biggest: shape[biggest]}
        single = _timed_run(
            loaded("floor_one", alone), _resources(alone, "change"), LOAD_WORKERS, database
        )
    return {
        "tables": len(shape),
        "stored_rows": sum(n for n, _, _ in shape.values()),
        "changed_rows": sum(sum(c) for _, _, c in shape.values()),
        "biggest": biggest,
        "biggest_rows": sum(shape[biggest][2]),
        "change": change,
        "nothing": idle,
        "biggest_alone": single,
        "per_table_s": (change["wall"] - single["wall"]) / max(1, len(shape) - 1),
    }


def warehouse_shape(duckdb_path: Path, dataset: str, changes: dict[str, list[int]]) -> Shape:
    """The shape of a synced warehouse: per table its rows, its columns and `changes`."""
    import duckdb

    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        tables = con.execute(
            "select table_name, count(*) from information_schema.columns "
            "where table_schema = ? and table_name not like '\\_dlt%' escape '\\' group by 1",
            [dataset],
        ).fetchall()
        return {
            name: [
                con.execute(f'select count(*) from "{dataset}"."{name}"').fetchone()[0],
                columns,
                changes.get(name, [0, 0, 0]),
            ]
            for name, columns in sorted(tables)
        }


def _line(label: str, steps: dict[str, float]) -> str:
    return (
        f"{label:<40} {steps['wall']:7.2f} {steps['extract']:8.2f} "
        f"{steps['normalize']:9.2f} {steps['load']:6.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shape", type=Path, help="JSON {table: [stored, columns, [ins, upd, del]]}"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the stored rows")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    shape: Shape = orjson.loads(args.shape.read_bytes()) if args.shape else LARGE_SHAPE
    shape = {t: [max(1, int(n * args.scale)), c, ch] for t, (n, c, ch) in shape.items()}
    floor = measure(shape)
    if args.json:
        print(orjson.dumps(floor).decode())
        return
    print(f"{floor['stored_rows']:,} rows stored in {floor['tables']} tables")
    print(f"{'variant':<40} {'wall_s':>7} {'extract':>8} {'normalize':>9} {'load':>6}")
    print(
        _line(f"change, {floor['tables']} tables ({floor['changed_rows']:,} rows)", floor["change"])
    )
    print(_line("nothing changed", floor["nothing"]))
    print(
        _line(
            f"change of {floor['biggest']} alone ({floor['biggest_rows']:,} rows)",
            floor["biggest_alone"],
        )
    )
    print(
        f"floor_incremental_s={floor['change']['wall']:.2f} "
        f"floor_no_change_s={floor['nothing']['wall']:.2f} per_table_s={floor['per_table_s']:.3f}"
    )


if __name__ == "__main__":
    main()
