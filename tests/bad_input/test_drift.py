"""Schema drift: new fields become columns, changed types go to variant columns, the
quarantine or stop the run, by configuration; messages name table, column and record."""

from __future__ import annotations

import pytest

from tests.bad_input.conftest import columns, ids, quarantined
from tests.bad_input.test_malformed_records import serve_bad


def add_field(rec: dict) -> None:
    rec["x_new_field"] = f"v{rec['id']}"
    for line in rec.get("lines") or ():
        line["x_line_field"] = 7


def test_a_new_field_becomes_a_column_with_its_values(fake, run_fake, options, caplog):
    bad_id = next(i for i, r in sorted(fake.records["invoices"].items()) if r["lines"])
    serve_bad(fake, "invoices", bad_id, add_field)
    run = run_fake()
    assert run.ok, run.error
    assert columns(options.duckdb_path, "invoices")["x_new_field"] == "VARCHAR"
    assert columns(options.duckdb_path, "invoice_lines")["x_line_field"] == "BIGINT"
    assert ids(options.duckdb_path, "invoices") == set(fake.records["invoices"])
    messages = [r.getMessage() for r in caplog.records if "schema drift" in r.getMessage()]
    assert any(
        "'invoices'" in m and "'x_new_field'" in m and f"id={bad_id}" in m for m in messages
    ), messages
    assert quarantined(options.duckdb_path) == []


def test_discarded_new_fields_load_without_the_column(fake, run_fake, options, monkeypatch):
    monkeypatch.setenv("SOURCES__COCONSTRUCT__NEW_COLUMNS", "discard")
    serve_bad(fake, "invoices", sorted(fake.records["invoices"])[1], add_field)
    assert run_fake().ok
    assert "x_new_field" not in columns(options.duckdb_path, "invoices")
    assert ids(options.duckdb_path, "invoices") == set(fake.records["invoices"])


def test_frozen_new_columns_stop_the_run_naming_table_column_and_record(
    fake, run_fake, monkeypatch
):
    monkeypatch.setenv("SOURCES__COCONSTRUCT__NEW_COLUMNS", "freeze")
    bad_id = sorted(fake.records["invoices"])[1]
    serve_bad(fake, "invoices", bad_id, add_field)
    run = run_fake()
    assert not run.ok
    assert "new field in table 'invoices', column 'x_new_field'" in run.error
    assert f"record id={bad_id}" in run.error


def money_as_number(rec: dict) -> None:
    rec["amount"] = float(rec["amount"])


def test_a_changed_type_is_quarantined_by_default(fake, run_fake, options):
    bad_id = sorted(fake.records["payments"])[4]
    serve_bad(fake, "payments", bad_id, money_as_number)
    assert run_fake().ok
    assert ids(options.duckdb_path, "payments") == set(fake.records["payments"]) - {bad_id}
    (row,) = quarantined(options.duckdb_path)
    assert (row["table_name"], row["column_name"], row["record_id"]) == (
        "payments", "amount", str(bad_id)
    )
    assert "expected a decimal string, got float" in row["reason"]


def test_a_changed_type_goes_to_a_variant_column_when_evolving(
    fake, run_fake, options, monkeypatch, caplog
):
    monkeypatch.setenv("SOURCES__COCONSTRUCT__TYPE_CHANGES", "evolve")
    bad_id = sorted(fake.records["payments"])[4]
    sent = float(fake.records["payments"][bad_id]["amount"])
    serve_bad(fake, "payments", bad_id, money_as_number)
    assert run_fake().ok
    assert ids(options.duckdb_path, "payments") == set(fake.records["payments"])
    import duckdb

    with duckdb.connect(options.duckdb_path, read_only=True) as con:
        rows = con.execute(
            "select id, amount, amount__v_double from coconstruct_raw.payments "
            "where amount__v_double is not null"
        ).fetchall()
    assert rows == [(bad_id, None, pytest.approx(sent))]
    assert any(
        "'payments', column 'amount'" in r.getMessage() and "amount__v_double" in r.getMessage()
        for r in caplog.records
    )


def test_frozen_types_stop_the_run_naming_table_column_and_record(fake, run_fake, monkeypatch):
    monkeypatch.setenv("SOURCES__COCONSTRUCT__TYPE_CHANGES", "freeze")
    bad_id = sorted(fake.records["payments"])[4]
    serve_bad(fake, "payments", bad_id, money_as_number)
    run = run_fake()
    assert not run.ok
    assert f"table 'payments', column 'amount', record id={bad_id} is float" in run.error


def test_an_unknown_policy_is_refused_with_the_allowed_values(fake, run_fake, monkeypatch):
    monkeypatch.setenv("SOURCES__COCONSTRUCT__TYPE_CHANGES", "sometimes")
    run = run_fake()
    assert not run.ok
    assert "type_changes = 'sometimes'" in run.error and "'evolve'" in run.error
