"""An independent re-reading of the money rule (not coconstruct_sandbox.money) for the tests."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def r(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def D(text: str) -> Decimal:
    return Decimal(text)


def document_problems(entity: str, doc: dict, store) -> list[str]:
    """Every way `doc`'s computed fields disagree with its lines; empty when it is right."""
    bad: list[str] = []

    def check(what: str, got: str, want: Decimal) -> None:
        if D(got) != want:
            bad.append(f"{entity} {doc['id']} {what}: {got} != {want}")

    if entity == "change_orders":
        rate = D(doc["tax_rate_percent"])
        costs = prices = taxes = Decimal(0)
        for line in doc["lines"]:
            cost = r(D(line["quantity"]) * D(line["unit_cost"]))
            price = r(cost * (1 + D(line["markup_percent"]) / 100))
            tax = r(price * rate / 100) if line["taxable"] else Decimal(0)
            check("line cost", line["cost"], cost)
            check("line price", line["price"], price)
            check("line tax", line["tax"], tax)
            costs, prices, taxes = costs + cost, prices + price, taxes + tax
        check("total_cost", doc["total_cost"], costs)
        check("total_price", doc["total_price"], prices)
        check("total_tax", doc["total_tax"], taxes)
        check("total", doc["total"], prices + taxes)
    elif entity == "purchase_orders":
        amounts = [r(D(line["quantity"]) * D(line["unit_cost"])) for line in doc["lines"]]
        for line, amount in zip(doc["lines"], amounts, strict=True):
            check("line amount", line["amount"], amount)
        check("total", doc["total"], sum(amounts, Decimal(0)))
    elif entity == "bills":
        total = sum((D(line["amount"]) for line in doc["lines"]), Decimal(0))
        check("total", doc["total"], total)
        po = store.get("purchase_orders", doc["purchase_order_id"]) if doc["purchase_order_id"] else None
        percent = D(po["retainage_percent"]) if po else Decimal(0)
        check("retainage_amount", doc["retainage_amount"], r(total * percent / 100))
    elif entity == "invoices":
        rate = D(doc["tax_rate_percent"])
        subtotal = taxes = Decimal(0)
        for line in doc["lines"]:
            amount = r(D(line["quantity"]) * D(line["unit_price"]))
            tax = r(amount * rate / 100) if line["taxable"] else Decimal(0)
            check("line amount", line["amount"], amount)
            check("line tax", line["tax"], tax)
            subtotal, taxes = subtotal + amount, taxes + tax
        retainage = r(subtotal * D(doc["retainage_percent"]) / 100)
        check("subtotal", doc["subtotal"], subtotal)
        check("total_tax", doc["total_tax"], taxes)
        check("total", doc["total"], subtotal + taxes)
        check("retainage_amount", doc["retainage_amount"], retainage)
        check("balance_due", doc["balance_due"], subtotal + taxes - retainage - D(doc["amount_paid"]))
    elif entity == "selections":
        for option in doc["options"]:
            check("option price", option["price"], r(D(option["cost"]) * (1 + D(option["markup_percent"]) / 100)))
    elif entity == "budget_lines":
        check("estimated_price", doc["estimated_price"],
              r(D(doc["estimated_cost"]) * (1 + D(doc["markup_percent"]) / 100)))
    elif entity == "timesheets":
        check("cost", doc["cost"], r(D(doc["hours"]) * D(doc["cost_rate"])))
        check("billable_amount", doc["billable_amount"], r(D(doc["hours"]) * D(doc["billable_rate"])))
    return bad


PRICED = ("change_orders", "purchase_orders", "bills", "invoices", "selections", "budget_lines",
          "timesheets")


def all_problems(store) -> list[str]:
    problems: list[str] = []
    for entity in PRICED:
        for doc in store.records(entity):
            problems += document_problems(entity, doc, store)
    paid: dict[int, Decimal] = {}
    for payment in store.records("payments"):
        paid[payment["invoice_id"]] = paid.get(payment["invoice_id"], Decimal(0)) + D(payment["amount"])
    for invoice in store.records("invoices"):
        if D(invoice["amount_paid"]) != paid.get(invoice["id"], Decimal(0)):
            problems.append(f"invoice {invoice['id']} amount_paid {invoice['amount_paid']} != payments")
    return problems
