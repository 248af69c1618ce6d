"""A page of records → arrow tables: types, sentinels, bad records."""

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa

from coconstruct_source.arrow_pages import convert_page
from coconstruct_source.contract import load_contract

CO = load_contract().resources["change_orders"].table


def change_order(cid: int, *lines: dict, **over) -> dict:
    rec = {
        "id": cid,
        "project_id": 7,
        "number": f"CO-{cid}",
        "title": "Extra outlet",
        "status": "approved",
        "client_visible": True,
        "selection_id": None,
        "tax_rate_percent": "8.2500",
        "approved_at": None,
        "total_cost": "100.10",
        "total_price": "115.12",
        "total_tax": "0.00",
        "total": "115.12",
        "qb_sync_status": "synced",
        "qb_txn_id": "Q1",
        "qb_sync_error": None,
        "lines": list(lines),
        "approvals": [],
        "created_at": "2025-03-04T17:02:11.123456Z",
        "updated_at": "2025-03-05T00:00:00.000001Z",
        "deleted": False,
    }
    rec.update(over)
    return rec


def line(lid: int, cid: int, cost: str = "50.05", **over) -> dict:
    rec = {
        "id": lid,
        "change_order_id": cid,
        "line_number": 1,
        "cost_code_id": 3,
        "category": "labor",
        "description": "Wire",
        "quantity": "1.2500",
        "unit": "ea",
        "unit_cost": "40.04",
        "markup_percent": "15.0000",
        "taxable": False,
        "cost": cost,
        "price": "57.56",
        "tax": "0.00",
    }
    rec.update(over)
    return rec


def test_types_money_to_the_cent_and_utc_timestamps():
    page = convert_page([change_order(1, line(10, 1), line(11, 1, "-80.00"))], CO, "acme")
    assert not page.rejects
    cos, lines = page.tables["change_orders"], page.tables["change_order_lines"]
    assert cos.schema.field("total").type == pa.decimal128(18, 2)
    assert lines.schema.field("quantity").type == pa.decimal128(18, 4)
    assert cos.column("tenant_id").to_pylist() == ["acme"]
    assert sum(lines.column("cost").to_pylist()) == Decimal("-29.95")
    assert cos.column("created_at")[0].as_py() == datetime(
        2025, 3, 4, 17, 2, 11, 123456, tzinfo=UTC
    )
    # children carry the parent's cursor and are live
    assert lines.column("updated_at").to_pylist() == cos.column("updated_at").to_pylist() * 2
    assert lines.column("deleted").to_pylist() == [False, False]
    # no approvals → one sentinel that clears the parent's stored approvals
    approvals = page.tables["change_order_approvals"]
    assert approvals.to_pylist()[0]["change_order_id"] == 1
    assert approvals.column("deleted").to_pylist() == [True]
    assert approvals.column("id").to_pylist() == [-1]


def test_tombstone_deletes_the_parent_and_all_its_children():
    tomb = {"id": 5, "updated_at": "2025-03-06T00:00:00.000000Z", "deleted": True, "project_id": 7}
    page = convert_page([tomb], CO, "acme")
    assert page.tables["change_orders"].to_pylist()[0]["deleted"] is True
    for child in ("change_order_lines", "change_order_approvals"):
        (row,) = page.tables[child].to_pylist()
        assert (row["change_order_id"], row["deleted"]) == (5, True)


def test_bad_records_are_rejected_alone_with_a_clear_reason():
    records = [
        change_order(1, line(10, 1)),
        change_order(2, line(20, 2, "12,50")),  # non-numeric money on a line
        change_order(3, created_at="2025-02-30T00:00:00Z"),  # impossible date
        change_order(None),  # missing id
        change_order(4, total="abc"),
    ]
    page = convert_page(records, CO, "acme")
    assert page.tables["change_orders"].column("id").to_pylist() == [1]
    assert page.tables["change_order_lines"].column("id").to_pylist() == [10]
    found = {(r.table, r.record_id, r.column) for r in page.rejects}
    assert found == {
        ("change_order_lines", 2, "cost"),
        ("change_orders", 3, "created_at"),
        ("change_orders", None, "id"),
        ("change_orders", 4, "total"),
    }
    text = str(next(r for r in page.rejects if r.record_id == 4))
    assert "change_orders" in text and "id=4" in text and "'total'" in text and "abc" in text


def test_a_float_where_money_belongs_is_named_as_such():
    page = convert_page([change_order(1, total=115.12), change_order(2)], CO, "acme")
    (reject,) = page.rejects
    assert (reject.record_id, reject.column) == (1, "total")
    assert reject.reason == "expected a decimal string, got float"
    assert page.tables["change_orders"].column("id").to_pylist() == [2]
