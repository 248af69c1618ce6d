import pytest

from coconstruct_sandbox.ground_truth import MONEY_COLUMNS, WAREHOUSE_TABLES
from coconstruct_sandbox.store import TenantStore
from tests.sandbox_data.recompute import D, all_problems


def test_every_small_document_equals_its_lines(small: TenantStore) -> None:
    assert all_problems(small) == []


@pytest.mark.slow
def test_every_medium_document_equals_its_lines(medium: TenantStore) -> None:
    assert all_problems(medium) == []


def test_state_counts_and_sums_match_export(small: TenantStore) -> None:
    state = small.state()
    assert set(state["tables"]) == set(WAREHOUSE_TABLES)
    assert (state["seed"], state["size"]) == (1, "small")
    for table in WAREHOUSE_TABLES:
        rows = small.export(table)
        assert state["tables"][table]["count"] == len(rows), table
        for column in MONEY_COLUMNS.get(table, ()):
            want = sum((D(row[column]) for row in rows if row[column] is not None), D("0"))
            got = state["tables"][table]["sums"][column]
            assert D(got) == want and got == f"{want:.2f}", (table, column)


def test_child_sums_tie_to_parent_totals(small: TenantStore) -> None:
    sums = {t: v["sums"] for t, v in small.state()["tables"].items()}
    assert sums["change_orders"]["total_price"] == sums["change_order_lines"]["price"]
    assert sums["purchase_orders"]["total"] == sums["purchase_order_lines"]["amount"]
    assert sums["bills"]["total"] == sums["bill_lines"]["amount"]
    assert sums["invoices"]["subtotal"] == sums["invoice_lines"]["amount"]
    assert sums["invoices"]["amount_paid"] == sums["payments"]["amount"]


def test_export_flattens_children_with_parent_key_and_updated_at(small: TenantStore) -> None:
    cos = {co["id"]: co for co in small.export("change_orders")}
    assert all("lines" not in co and "approvals" not in co for co in cos.values())
    lines = small.export("change_order_lines")
    assert len(lines) == sum(len(small.get("change_orders", i)["lines"]) for i in cos)
    for line in lines:
        assert line["updated_at"] == cos[line["change_order_id"]]["updated_at"]
    links = small.export("project_clients")
    assert {(r["project_id"], r["client_id"]) for r in links} == {
        (p["id"], c["client_id"]) for p in small.records("projects") for c in p["clients"]}
    attachments = small.export("attachments")
    assert attachments and all("url" not in a and a["url_expires_at"] for a in attachments)
    assert small.export("company") == [small.company]
