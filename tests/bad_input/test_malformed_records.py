"""Malformed records: each lands in the quarantine table with one clear reason, the rest load."""

from __future__ import annotations

import copy
import json

import pytest

from tests.bad_input.conftest import ids, quarantined


def _drop_id(rec: dict) -> None:
    rec.pop("id")


CASES = {
    # name: (resource, mutate the record, table named, column named, reason fragment)
    "missing id": ("invoices", _drop_id, "invoices", "id", "required value missing"),
    "non-numeric money": (
        "invoices", lambda r: r.update(total="12,34O.5"), "invoices", "total", "12,34O.5"
    ),
    "impossible date": (
        "bills", lambda r: r.update(bill_date="2025-02-30"), "bills", "bill_date", "2025-02-30"
    ),
    "number for text": (
        "projects", lambda r: r.update(name=42), "projects", "name", "expected a string, got int"
    ),
    "unknown status": (
        "bills", lambda r: r.update(status="archived_by_vendor"), "bills", "status",
        "unknown value (allowed: draft, open, paid, void)",
    ),
    "bad child line": (
        "change_orders",
        lambda r: r["lines"][0].update(unit_cost="abc"),
        "change_order_lines",
        "unit_cost",
        "abc",
    ),
}


def fix_enums(table, rec: dict) -> None:
    """The fake tenant draws text at random; give enum columns an allowed value."""
    from coconstruct_source.enums import enum_columns

    for column, allowed in enum_columns().get(table.name, {}).items():
        if isinstance(rec.get(column), str):
            rec[column] = min(allowed)
    for prop, child in table.children:
        for line in rec.get(prop) or ():
            fix_enums(child, line)


def test_an_unknown_status_loads_with_one_warning_by_default(fake, run_fake, options, caplog):
    bad_id = sorted(fake.records["bills"])[0]
    fake.records["bills"][bad_id]["status"] = "archived_by_vendor"
    assert run_fake().ok
    assert bad_id in ids(options.duckdb_path, "bills")
    assert any(
        "unknown value 'archived_by_vendor' in table 'bills', column 'status'" in r.getMessage()
        for r in caplog.records
    )


def serve_bad(fake, resource: str, bad_id: int, mutate) -> None:
    """The API sends record `bad_id` of `resource` damaged by `mutate` (the store stays sound)."""
    fetch, path = fake.fetch_pages, fake.contract.resources[resource].path

    def pages(p, since):
        for page in fetch(p, since):
            if p == path:
                page = [copy.deepcopy(r) if r.get("id") == bad_id else r for r in page]
                for r in page:
                    if r.get("id") == bad_id and not r.get("deleted"):
                        mutate(r)
            yield page

    fake.fetch_pages = pages


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_record_is_quarantined_with_its_reason_and_good_rows_load(
    case, fake, run_fake, options, caplog, monkeypatch
):
    resource, mutate, table, column, fragment = CASES[case]
    if case == "unknown status":
        monkeypatch.setenv("SOURCES__COCONSTRUCT__UNKNOWN_VALUES", "discard_row")
        for spec in fake.contract.resources.values():  # the fake's text is random: make it valid
            for rec in fake.records[spec.name].values():
                fix_enums(spec.table, rec)
    bad_id = sorted(fake.records[resource])[2]
    if resource == "change_orders":
        while not fake.records[resource][bad_id]["lines"]:
            bad_id += 1
    serve_bad(fake, resource, bad_id, mutate)

    run = run_fake()

    assert run.ok, run.error
    assert run.rejected == 1
    good = {i for i in fake.records[resource] if i != bad_id}
    assert ids(options.duckdb_path, resource) == good  # nothing good lost, the bad one out
    (row,) = quarantined(options.duckdb_path)
    assert (row["table_name"], row["column_name"]) == (table, column)
    assert row["record_id"] == (None if case == "missing id" else str(bad_id))
    assert fragment in row["reason"]
    raw = json.loads(row["raw_record"])
    assert raw["updated_at"] == fake.records[resource][bad_id]["updated_at"]
    assert row["tenant_id"] == "acme-homes" and row["quarantined_at"] is not None
    (message,) = [r.getMessage() for r in caplog.records if "quarantined" in r.getMessage()]
    assert f"{table}: record id=" in message and repr(column) in message


def test_quarantine_is_appended_and_a_fixed_record_then_loads(fake, run_fake, options):
    bad_id = sorted(fake.records["payments"])[0]
    serve_bad(fake, "payments", bad_id, lambda r: r.update(amount="n/a"))
    assert run_fake().ok
    fake.edit("payments", bad_id)  # a new version of the record, now sent sound
    fake.fetch_pages = type(fake).fetch_pages.__get__(fake)
    run = run_fake()
    assert run.ok, run.error
    assert bad_id in ids(options.duckdb_path, "payments")
    rows = quarantined(options.duckdb_path)
    assert [r["record_id"] for r in rows] == [str(bad_id)]  # history kept, not duplicated
