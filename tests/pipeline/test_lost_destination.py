"""Deleting the warehouse (or pointing at a new one) with the local state kept must give a
full sync, not an incremental run that loads nothing into an empty file."""

from __future__ import annotations

import duckdb

from coconstruct_elt.cli import main


def _bills(db) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select count(*) from coconstruct_raw.bills").fetchone()[0]


def test_a_deleted_warehouse_is_filled_again_by_a_full_sync(tmp_path, capsys):
    db, pipes = tmp_path / "w.duckdb", str(tmp_path / "pipes")
    args = ["run", "--sandbox", "--no-dbt", "--no-progress", "--pipelines-dir", pipes]
    assert main([*args, "--duckdb-path", str(db)]) == 0
    loaded = _bills(db)
    assert loaded > 0

    db.unlink()
    assert main([*args, "--duckdb-path", str(db)]) == 0
    assert _bills(db) == loaded
    assert main([*args, "--duckdb-path", str(tmp_path / "other.duckdb")]) == 0
    assert _bills(tmp_path / "other.duckdb") == loaded
    capsys.readouterr()


def test_an_unchanged_warehouse_still_runs_incrementally(tmp_path, capsys):
    db, pipes = tmp_path / "w.duckdb", str(tmp_path / "pipes")
    args = ["run", "--sandbox", "--no-dbt", "--no-progress", "--pipelines-dir", pipes,
            "--duckdb-path", str(db)]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 0
    assert "no changes" in capsys.readouterr().out
