"""What a run changed per table (inserted, updated, deleted) and its printed summary.

On DuckDB the counts are exact: before the load step, the normalized parquet files of the
package are compared with the destination tables on their keys. Elsewhere only the rows
loaded are known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coconstruct_source.contract import DELETED_COLUMN, TENANT_COLUMN, load_contract

if TYPE_CHECKING:
    import duckdb

COUNT_THREADS = 4  # tables counted at once


@dataclass
class TableChanges:
    inserted: int = 0
    updated: int | None = 0
    deleted: int | None = 0


@dataclass
class TenantRun:
    """The outcome of one tenant's pipeline run."""

    tenant: str
    pipeline_name: str
    seconds: float = 0.0
    changes: dict[str, TableChanges] = field(default_factory=dict)
    denied: list[str] = field(default_factory=list)
    rejected: int = 0
    reject_groups: list[str] = field(default_factory=list)
    error: str | None = None
    dbt: str | None = None
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def rows(self) -> int:
        return sum(c.inserted + (c.updated or 0) + (c.deleted or 0) for c in self.changes.values())


def _keys() -> dict[str, tuple[list[str], list[str]]]:
    """Per table: (primary key, merge key) including tenant_id."""
    out = {}
    for spec in load_contract().resources.values():
        for table in spec.all_tables:
            pk = [TENANT_COLUMN, *table.primary_key]
            mk = [TENANT_COLUMN, table.parent_key] if table.parent_key else pk
            out[table.name] = (pk, mk)
    return out


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _stored_tables(con: duckdb.DuckDBPyConnection, dataset: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [dataset]
    ).fetchall()
    return {name for (name,) in rows}


def count_changes_duckdb(
    connection: duckdb.DuckDBPyConnection,
    dataset: str,
    staged: Mapping[str, Iterable[str]],
    *,
    dest_empty: bool = False,
) -> tuple[dict[str, TableChanges], list[str]]:
    """Compare staged parquet files with the stored rows, per table, on their keys.

    Reads key columns only and scans each stored table once, on the load's connection (its
    memory limit bounds what the comparison may hold). Tables run in parallel, one cursor
    each: DuckDB releases the GIL. Tables not stored yet are returned by name, to be counted
    after the load (`count_new_tables`): a first sync then holds none of its keys in DuckDB
    before the load."""
    keys = _keys()
    stored = set() if dest_empty else _stored_tables(connection, dataset)
    work = {t: list(files) for t, files in staged.items() if t in keys and files}
    new_tables = [t for t in work if t not in stored]
    present = [t for t in work if t in stored]

    def count(table: str) -> TableChanges:
        with connection.cursor() as cursor:  # its own temp table, dropped with it
            return _count_table(cursor, dataset, table, work[table], *keys[table])

    with ThreadPoolExecutor(max_workers=min(COUNT_THREADS, len(present) or 1)) as pool:
        out = dict(zip(present, pool.map(count, present), strict=True))
    return out, new_tables


def _count_table(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    table: str,
    files: list[str],
    pk: list[str],
    mk: list[str],
) -> TableChanges:
    import pyarrow.parquet as pq

    src = f"read_parquet({[str(f) for f in files]!r}, union_by_name = true)"
    columns = {name for f in files for name in pq.read_schema(f).names}
    live = f"not coalesce({DELETED_COLUMN}, false)" if DELETED_COLUMN in columns else "true"
    cols = ", ".join(_quote(c) for c in pk)
    needed = dict.fromkeys([*pk, *mk])
    keep = ", ".join(_quote(c) for c in needed)  # keys only: small, whatever the width
    con.execute(f"create temp table s as select {keep}, {live} as live from {src}")
    on_pk = " and ".join(f"t.{_quote(c)} = l.{_quote(c)}" for c in pk)
    on_mk = " and ".join(f"d.{_quote(c)} = s.{_quote(c)}" for c in mk)
    target = f"{_quote(dataset)}.{_quote(table)}"
    staged_live, updated, touched = con.execute(
        f"""
        with l as (select distinct {cols} from s where live),
        t as (select {cols} from {target} d where exists (select 1 from s where {on_mk}))
        select (select count(*) from l),
               (select count(*) from t where exists (select 1 from l where {on_pk})),
               (select count(*) from t)
        """
    ).fetchone()
    return TableChanges(inserted=staged_live - updated, updated=updated, deleted=touched - updated)


def count_new_tables(
    connection: duckdb.DuckDBPyConnection, dataset: str, tables: Iterable[str]
) -> dict[str, TableChanges]:
    """After the load: a table that did not exist before holds only rows this load inserted."""
    out: dict[str, TableChanges] = {}
    with connection.cursor() as con:
        for table in tables:
            target = f"{_quote(dataset)}.{_quote(table)}"
            (rows,) = con.execute(f"select count(*) from {target}").fetchone()
            out[table] = TableChanges(inserted=rows, updated=0, deleted=0)
    return out


def _change_table(changes: dict[str, TableChanges]) -> list[str]:
    """Rows inserted / updated / deleted per table; where only the rows loaded are known
    (not DuckDB), one "loaded" column, so an update is never shown as an insert."""
    width = max(len(t) for t in changes)
    exact = any(c.updated is not None for c in changes.values())
    if not exact:
        lines = [f"  {'table':<{width}}  {'loaded':>9}"]
        lines += [f"  {t:<{width}}  {changes[t].inserted:>9}" for t in sorted(changes)]
        return lines
    lines = [f"  {'table':<{width}}  {'inserted':>9}  {'updated':>9}  {'deleted':>9}"]
    for table in sorted(changes):
        c = changes[table]
        upd = "-" if c.updated is None else str(c.updated)
        dele = "-" if c.deleted is None else str(c.deleted)
        lines.append(f"  {table:<{width}}  {c.inserted:>9}  {upd:>9}  {dele:>9}")
    return lines


def format_summary(runs: list[TenantRun], seconds: float) -> str:
    """The end-of-run table: rows per table inserted / updated / deleted, and time."""
    lines: list[str] = []
    for run in runs:
        head = f"tenant {run.tenant} ({run.pipeline_name}): "
        if not run.ok:
            lines.append(head + f"FAILED after {run.seconds:.1f}s: {run.error}")
            continue
        rate = run.rows / run.seconds if run.seconds > 0 else 0.0
        lines.append(
            head + f"ok in {run.seconds:.1f}s, {run.rows} rows changed ({rate:,.0f} rows/s)"
        )
        if run.steps:
            lines.append("  " + ", ".join(f"{k} {v:.1f}s" for k, v in run.steps.items()))
        if run.changes:
            lines.extend(_change_table(run.changes))
        else:
            lines.append("  no changes")
        for name in run.denied:
            lines.append(f"  warning: resource {name} skipped (permission denied for this account)")
        if run.rejected:
            lines.append(
                f"  warning: {run.rejected} bad record(s) quarantined in _coconstruct_quarantine:"
            )
            lines.extend(f"    {group}" for group in run.reject_groups)
        if run.dbt:
            lines.append(f"  dbt: {run.dbt}")
    failed = sum(not r.ok for r in runs)
    lines.append(f"{len(runs) - failed} of {len(runs)} tenant(s) loaded in {seconds:.1f}s")
    return "\n".join(lines)
