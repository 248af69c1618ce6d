"""What the warehouse must hold: flat live rows per warehouse table, and their counts and sums.

Tables and columns follow docs/architecture.md: root tables keep the API's fields (child
arrays removed, `attachments.url` not stored); child tables carry their parent key (already
in each child object) and the parent's `updated_at`. `tenant_id` is the loader's business
and is not included.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from coconstruct_sandbox import money

if TYPE_CHECKING:
    from coconstruct_sandbox.store import TenantStore

# child table -> (parent entity, array field)
CHILDREN: dict[str, tuple[str, str]] = {
    "project_clients": ("projects", "clients"),
    "selection_options": ("selections", "options"),
    "change_order_lines": ("change_orders", "lines"),
    "change_order_approvals": ("change_orders", "approvals"),
    "purchase_order_lines": ("purchase_orders", "lines"),
    "bill_lines": ("bills", "lines"),
    "invoice_lines": ("invoices", "lines"),
}
ARRAYS = {entity: [field for parent, field in CHILDREN.values() if parent == entity]
          for entity, _ in CHILDREN.values()}
NOT_STORED = {"attachments": ("url",)}

WAREHOUSE_TABLES: tuple[str, ...] = (
    "company", "users", "clients", "trade_partners", "projects", "project_clients", "cost_codes",
    "budget_lines", "selections", "selection_options", "change_orders", "change_order_lines",
    "change_order_approvals", "purchase_orders", "purchase_order_lines", "bills", "bill_lines",
    "invoices", "invoice_lines", "payments", "timesheets", "schedule_tasks", "qb_mappings",
    "attachments",
)
# Money (x-scale 2) columns per table, as in the contract (a test checks them against it).
MONEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "projects": ("original_contract_amount", "fee_cap_amount"),
    "budget_lines": ("estimated_cost", "estimated_price"),
    "selections": ("allowance_amount",),
    "selection_options": ("cost", "price"),
    "change_orders": ("total_cost", "total_price", "total_tax", "total"),
    "change_order_lines": ("unit_cost", "cost", "price", "tax"),
    "purchase_orders": ("total",),
    "purchase_order_lines": ("unit_cost", "amount"),
    "bills": ("total", "retainage_amount"),
    "bill_lines": ("amount",),
    "invoices": ("subtotal", "total_tax", "total", "retainage_amount", "amount_paid", "balance_due"),
    "invoice_lines": ("unit_price", "amount", "tax"),
    "payments": ("amount",),
    "timesheets": ("cost_rate", "billable_rate", "cost", "billable_amount"),
}


def _check_table(table: str) -> None:
    if table not in WAREHOUSE_TABLES:
        from coconstruct_sandbox.store import UnknownTable

        raise UnknownTable(f"unknown warehouse table {table!r}; expected one of {', '.join(WAREHOUSE_TABLES)}")


def rows(store: TenantStore, table: str) -> Iterator[dict]:
    """Live rows of a warehouse table, flat, streaming."""
    _check_table(table)
    if table == "company":
        yield dict(store.company)
        return
    if table in CHILDREN:
        parent, field = CHILDREN[table]
        for record in store.records(parent):
            for child in record[field]:
                yield {**child, "updated_at": record["updated_at"]}
        return
    dropped = (*ARRAYS.get(table, ()), *NOT_STORED.get(table, ()))
    for record in store.records(table):
        for name in dropped:
            del record[name]
        yield record


def export(store: TenantStore, table: str) -> list[dict]:
    return list(rows(store, table))


def state(store: TenantStore) -> dict:
    """Count and money sums (strings, two decimals) of every warehouse table, live rows only."""
    tables: dict[str, dict] = {}
    for table in WAREHOUSE_TABLES:
        columns = MONEY_COLUMNS.get(table, ())
        sums = dict.fromkeys(columns, Decimal(0))
        count = 0
        for row in rows(store, table):
            count += 1
            for column in columns:
                value = row[column]
                if value is not None:
                    sums[column] += Decimal(value)
        tables[table] = {"count": count, "sums": {c: money.money(v) for c, v in sums.items()}}
    return {"seed": store.seed, "size": store.size, "as_of": store.now(), "tables": tables}
