"""The in-memory tenant and its pipeline runner (tests/source_resources), and the quarantine."""

from __future__ import annotations

import duckdb

from tests.source_resources.conftest import fake, options, run_fake  # noqa: F401

DATASET = "coconstruct_raw"


def quarantined(db_path: str) -> list[dict]:
    """The quarantine table's rows (empty if it was never created)."""
    with duckdb.connect(db_path, read_only=True) as con:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = '_coconstruct_quarantine'",
            [DATASET],
        ).fetchone()[0]
        if not exists:
            return []
        cur = con.execute(f"select * from {DATASET}._coconstruct_quarantine")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def ids(db_path: str, table: str) -> set[int]:
    with duckdb.connect(db_path, read_only=True) as con:
        return {r[0] for r in con.execute(f"select id from {DATASET}.{table}").fetchall()}


def columns(db_path: str, table: str) -> dict[str, str]:
    with duckdb.connect(db_path, read_only=True) as con:
        rows = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [DATASET, table],
        ).fetchall()
    return dict(rows)
