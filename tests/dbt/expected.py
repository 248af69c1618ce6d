"""Independent expectations (plain Python over the sandbox's export, not the dbt SQL) for
job cost and allowances, from the rules in docs/architecture.md."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

COMMITTED = {"issued", "accepted", "partially_billed", "closed"}
NOT_ACTUAL = {"draft", "void"}
ZERO = Decimal("0.00")

JOB_COST_COLUMNS = ("original_budget", "approved_change_orders", "revised_budget",
                    "committed_cost", "actual_cost", "projected_cost", "variance")
ALLOWANCE_COLUMNS = ("allowance_amount", "chosen_price", "allowance_variance",
                     "overage_amount", "credit_amount")
PROJECT_ALLOWANCE_COLUMNS = ("allowance_total", "chosen_price_total", "overage_total",
                             "credit_total", "net_variance")


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def job_cost(store: Any) -> dict[tuple[int, int], tuple[Decimal, ...]]:
    """(project_id, cost_code_id) -> JOB_COST_COLUMNS."""
    parts: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    has_commitment: set[tuple[int, int]] = set()
    for line in store.export("budget_lines"):
        parts[(line["project_id"], line["cost_code_id"])]["budget"] += _d(line["estimated_cost"])
    approved = {c["id"]: c["project_id"] for c in store.export("change_orders") if c["status"] == "approved"}
    for line in store.export("change_order_lines"):
        if line["change_order_id"] in approved:
            parts[(approved[line["change_order_id"]], line["cost_code_id"])]["co"] += _d(line["cost"])
    committed = {p["id"]: p["project_id"] for p in store.export("purchase_orders") if p["status"] in COMMITTED}
    for line in store.export("purchase_order_lines"):
        if line["purchase_order_id"] in committed:
            key = (committed[line["purchase_order_id"]], line["cost_code_id"])
            parts[key]["committed"] += _d(line["amount"])
            has_commitment.add(key)
    actual_bills = {b["id"]: b["project_id"] for b in store.export("bills") if b["status"] not in NOT_ACTUAL}
    for line in store.export("bill_lines"):
        if line["bill_id"] in actual_bills:
            parts[(actual_bills[line["bill_id"]], line["cost_code_id"])]["actual"] += _d(line["amount"])
    for sheet in store.export("timesheets"):
        if sheet["approved"]:
            parts[(sheet["project_id"], sheet["cost_code_id"])]["actual"] += _d(sheet["cost"])

    result = {}
    for key, p in parts.items():
        revised = p["budget"] + p["co"]
        if key in has_commitment:
            projected = max(p["committed"], p["actual"])
        else:
            projected = max(revised, p["actual"])
        result[key] = (p["budget"], p["co"], revised, p["committed"], p["actual"], projected,
                       revised - projected)
    return result


def allowances(store: Any) -> dict[int, tuple[Decimal | None, ...]]:
    """selection_id -> ALLOWANCE_COLUMNS (variance None without a chosen option)."""
    prices = {o["id"]: _d(o["price"]) for o in store.export("selection_options")}
    result = {}
    for sel in store.export("selections"):
        allowance = _d(sel["allowance_amount"])
        chosen = sel.get("chosen_option_id")
        if chosen is None:
            result[sel["id"]] = (allowance, None, None, ZERO, ZERO)
            continue
        variance = prices[chosen] - allowance
        result[sel["id"]] = (allowance, prices[chosen], variance, max(variance, ZERO),
                             max(-variance, ZERO))
    return result


def project_allowances(store: Any) -> dict[int, tuple[Decimal, ...]]:
    """project_id -> PROJECT_ALLOWANCE_COLUMNS."""
    per_selection = allowances(store)
    totals: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO] * 5)
    for sel in store.export("selections"):
        allowance, price, variance, overage, credit = per_selection[sel["id"]]
        t = totals[sel["project_id"]]
        t[0] += allowance
        t[1] += price or ZERO
        t[2] += overage
        t[3] += credit
        t[4] += variance or ZERO
    return {pid: tuple(t) for pid, t in totals.items()}
