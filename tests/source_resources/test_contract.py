"""The tables derived from the OpenAPI contract."""

from coconstruct_source.contract import load_contract

ARCHITECTURE_TABLES = """company, users, clients, trade_partners, projects, project_clients, cost_codes,
budget_lines, selections, selection_options, change_orders, change_order_lines,
change_order_approvals, purchase_orders, purchase_order_lines, bills, bill_lines,
invoices, invoice_lines, payments, timesheets, schedule_tasks, qb_mappings, attachments"""


def test_every_warehouse_table_of_the_architecture_is_derived():
    expected = {t.strip() for t in ARCHITECTURE_TABLES.split(",")}
    assert set(load_contract().table_names) == expected


def test_column_types_follow_the_schemas():
    contract = load_contract()
    lines = contract.resources["change_orders"].all_tables[1]
    assert lines.name == "change_order_lines"
    assert lines.parent_key == "change_order_id"
    assert (lines.column("unit_cost").kind, lines.column("unit_cost").scale) == ("decimal", 2)
    assert (lines.column("quantity").kind, lines.column("quantity").scale) == ("decimal", 4)
    assert (lines.column("markup_percent").kind, lines.column("markup_percent").scale) == (
        "decimal",
        4,
    )
    assert lines.column("taxable").kind == "bool"
    assert lines.column("updated_at").kind == "timestamp"  # the parent's, added for the cursor
    timesheets = contract.resources["timesheets"].table
    assert timesheets.column("work_date").kind == "date"
    assert timesheets.column("started_at").kind == "timestamp"
    assert timesheets.column("id").kind == "bigint"
    assert timesheets.column("deleted").kind == "bool"
    assert timesheets.column("notes").nullable
    assert not timesheets.column("cost").nullable
    assert contract.resources["qb_mappings"].table.column("category").kind == "text"


def test_keys_paths_and_dropped_capability():
    contract = load_contract()
    projects = contract.resources["projects"]
    assert projects.path == "/projects" and projects.paged
    ((prop, clients),) = projects.table.children
    assert prop == "clients"
    assert clients.primary_key == ("project_id", "client_id")
    assert contract.resources["qb_mappings"].path == "/quickbooks/mappings"
    assert not contract.resources["company"].paged
    attachments = contract.resources["attachments"].table
    assert "url" not in attachments.column_names
    assert "url_expires_at" in attachments.column_names
