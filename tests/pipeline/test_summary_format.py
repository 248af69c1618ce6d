"""The end-of-run summary: exact change counts on DuckDB, only "loaded" where that is all
that is known (an update must not read as an insert)."""

from __future__ import annotations

from coconstruct_elt.summary import TableChanges, TenantRun, format_summary


def _run(changes: dict[str, TableChanges]) -> TenantRun:
    return TenantRun(tenant="acme", pipeline_name="coconstruct_acme", seconds=2.0, changes=changes)


def test_exact_counts_show_inserted_updated_deleted():
    text = format_summary([_run({"bills": TableChanges(3, 2, 1)})], 2.5)
    header, row = [line.split() for line in text.splitlines()[1:3]]
    assert header == ["table", "inserted", "updated", "deleted"]
    assert row == ["bills", "3", "2", "1"]
    assert "6 rows changed" in text


def test_rows_loaded_only_show_one_loaded_column():
    loaded = {"bills": TableChanges(7, None, None), "invoices": TableChanges(4, None, None)}
    text = format_summary([_run(loaded)], 2.5)
    assert "inserted" not in text
    table = [line.split() for line in text.splitlines()[1:4]]
    assert table == [["table", "loaded"], ["bills", "7"], ["invoices", "4"]]
