"""Every deliberate oddity of DOMAIN.md ("What a realistic tenant contains on purpose") is there."""

from collections import Counter
from decimal import Decimal

import yaml

from coconstruct_sandbox.store import TenantStore
from tests.dbt.raw_schema import CONTRACT


def _rows(store: TenantStore, table: str) -> list[dict]:
    return store.export(table)


def test_void_and_declined_change_orders(small: TenantStore) -> None:
    statuses = Counter(co["status"] for co in _rows(small, "change_orders"))
    assert statuses["void"] and statuses["declined"]


def test_partially_billed_purchase_orders(small: TenantStore) -> None:
    billed: dict[int, Decimal] = Counter()
    for bill in _rows(small, "bills"):
        if bill["purchase_order_id"]:
            billed[bill["purchase_order_id"]] += Decimal(bill["total"])
    partial = [po for po in _rows(small, "purchase_orders") if po["status"] == "partially_billed"]
    assert partial and all(0 < billed[po["id"]] < Decimal(po["total"]) for po in partial)
    closed = [po for po in _rows(small, "purchase_orders") if po["status"] == "closed"]
    assert closed and all(billed[po["id"]] == Decimal(po["total"]) for po in closed)


def test_allowance_overages_and_credits(small: TenantStore) -> None:
    options = {o["id"]: o for o in _rows(small, "selection_options")}
    variances = [Decimal(options[s["chosen_option_id"]]["price"]) - Decimal(s["allowance_amount"])
                 for s in _rows(small, "selections") if s["chosen_option_id"]]
    assert any(v > 0 for v in variances) and any(v < 0 for v in variances)
    assert any(co["selection_id"] for co in _rows(small, "change_orders"))


def test_unmapped_and_retired_cost_codes_still_used(small: TenantStore) -> None:
    codes = _rows(small, "cost_codes")
    retired = {c["id"] for c in codes if not c["is_active"]}
    assert retired and all(c["retired_at"] for c in codes if c["id"] in retired)
    used = {line["cost_code_id"] for line in _rows(small, "budget_lines")}
    used |= {t["cost_code_id"] for t in _rows(small, "timesheets")}
    assert used & retired
    mapped = {m["local_id"] for m in _rows(small, "qb_mappings") if m["kind"] == "item"}
    assert {str(c["id"]) for c in codes} - mapped


def test_quickbooks_customer_jobs_renamed_and_nested(small: TenantStore) -> None:
    projects = {str(p["id"]): p for p in _rows(small, "projects")}
    jobs = [m for m in _rows(small, "qb_mappings") if m["kind"] == "customer_job"]
    job_names = {m["local_id"]: m["qb_name"].split(":")[1] for m in jobs}
    differs = [pid for pid, name in job_names.items() if name != projects[pid]["name"]]
    assert any(name.strip().casefold() == projects[pid]["name"].casefold() for pid, name in
               job_names.items() if pid in differs)  # re-cased or stray spaces
    assert any(name.strip().casefold() != projects[pid]["name"].casefold() for pid, name in
               job_names.items())  # renamed
    assert any(m["qb_name"].count(":") == 2 for m in jobs)  # customer:job:sub-job
    assert set(projects) - {m["local_id"] for m in jobs}  # unmapped projects (leads)


def test_duplicate_and_unicode_client_names(small: TenantStore) -> None:
    names = Counter(c["display_name"] for c in _rows(small, "clients"))
    assert "José  Núñez" in names
    assert any("O'Brien-Smith" in n for n in names)
    assert any(count >= 2 for count in names.values())


def test_zero_and_negative_lines(small: TenantStore) -> None:
    co_lines = _rows(small, "change_order_lines")
    assert any(Decimal(line["cost"]) == 0 for line in co_lines)
    assert any(Decimal(line["cost"]) < 0 for line in co_lines)
    kinds = Counter(line["kind"] for line in _rows(small, "invoice_lines") if Decimal(line["amount"]) < 0)
    assert kinds["credit"]


def test_timesheets_near_midnight_utc(small: TenantStore) -> None:
    starts = [t["started_at"] for t in _rows(small, "timesheets")]
    near = [s for s in starts if s[11:13] in ("23", "00")]
    assert near
    assert any(t["work_date"] != t["started_at"][:10] for t in _rows(small, "timesheets"))


def test_records_edited_well_after_approval(small: TenantStore) -> None:
    def late(rows: list[dict]) -> bool:
        return any(r["approved_at"] and r["updated_at"][:10] > r["approved_at"][:10]
                   and r["updated_at"][:7] != r["approved_at"][:7] for r in rows)
    assert late(_rows(small, "change_orders"))
    assert late(_rows(small, "timesheets"))


def test_invoices_partially_paid(small: TenantStore) -> None:
    partial = [i for i in _rows(small, "invoices") if i["status"] == "partially_paid"]
    assert partial and all(Decimal(i["amount_paid"]) > 0 and Decimal(i["balance_due"]) > 0 for i in partial)


def test_quickbooks_sync_errors_have_messages(small: TenantStore) -> None:
    for table in ("change_orders", "purchase_orders", "bills", "invoices", "payments"):
        rows = _rows(small, table)
        assert all((r["qb_sync_status"] == "error") == bool(r["qb_sync_error"]) for r in rows), table
        assert all((r["qb_sync_status"] == "synced") == bool(r["qb_txn_id"]) for r in rows), table
    statuses = Counter(r["qb_sync_status"] for r in _rows(small, "bills") + _rows(small, "invoices"))
    assert set(statuses) == {"not_synced", "pending", "synced", "error"}


def test_bills_with_retainage(small: TenantStore) -> None:
    assert any(Decimal(b["retainage_amount"]) > 0 for b in _rows(small, "bills"))


def test_every_status_enum_value_is_used(small: TenantStore) -> None:
    schemas = yaml.safe_load(CONTRACT.read_text())["components"]["schemas"]
    checked = 0
    for schema in schemas.values():
        table = schema.get("x-resource")
        if table is None or table == "company":
            continue
        rows = _rows(small, table)
        for column, prop in schema["properties"].items():
            if column in ("status", "contract_type", "trade", "kind", "local_type"):
                assert {r[column] for r in rows} == set(prop["enum"]), (table, column)
                checked += 1
    assert checked == 11  # projects x2, cost-free enums of 8 tables, qb kind + local_type
    for child, column in (("change_order_approvals", "action"), ("invoice_lines", "kind")):
        enum = {"change_order_approvals": schemas["ChangeOrderApproval"],
                "invoice_lines": schemas["InvoiceLine"]}[child]["properties"][column]["enum"]
        assert {r[column] for r in _rows(small, child)} == set(enum)
