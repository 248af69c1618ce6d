"""Money arithmetic of the tenant, implemented once (DOMAIN.md, architecture.md money rule).

Every amount is a `Decimal` rounded half-up (ties away from zero, so -0.005 -> -0.01) to
cents per line; a document's totals are sums of its rounded lines. The `apply_*` helpers
take a record dict whose inputs are decimal strings and fill its computed fields in place,
so the generator, the store's writes and `advance()` share one rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

CENT = Decimal("0.01")
TEN_THOUSANDTH = Decimal("0.0001")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

Number = str | int | Decimal


def dec(value: Number) -> Decimal:
    """A Decimal from a decimal string, int or Decimal (never a float)."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return value if isinstance(value, Decimal) else Decimal(value)


def cents(value: Number) -> Decimal:
    """Round half-up to cents."""
    rounded = dec(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return ZERO if rounded == 0 else rounded  # no "-0.00"


def money(value: Number) -> str:
    """The contract's money string: exactly two decimals ("1234.50", "-80.00")."""
    return format(cents(value), "f")


def scale4(value: Number) -> str:
    """Quantities and rates: four decimals ("15.0000")."""
    rounded = dec(value).quantize(TEN_THOUSANDTH, rounding=ROUND_HALF_UP)
    return format(Decimal(0).quantize(TEN_THOUSANDTH) if rounded == 0 else rounded, "f")


def extend(quantity: Number, unit_amount: Number) -> Decimal:
    """round(quantity * unit amount)."""
    return cents(dec(quantity) * dec(unit_amount))


@lru_cache(maxsize=1 << 16)
def extend_text(quantity: str, unit_amount: str) -> str:
    """`extend` on strings, memoized: timesheets repeat the same hours * rate pairs."""
    return money(extend(quantity, unit_amount))


def marked_up(cost: Number, markup_percent: Number) -> Decimal:
    """round(cost * (1 + markup_percent / 100))."""
    return cents(dec(cost) * (1 + dec(markup_percent) / HUNDRED))


def percent_of(amount: Number, percent: Number) -> Decimal:
    """round(amount * percent / 100): taxes and retainage."""
    return cents(dec(amount) * dec(percent) / HUNDRED)


def line_tax(price: Number, tax_rate_percent: Number, taxable: bool) -> Decimal:
    return percent_of(price, tax_rate_percent) if taxable else ZERO


def total(values: Iterable[Number]) -> Decimal:
    return sum((dec(v) for v in values), ZERO)


# ---- documents: fill computed fields in place -------------------------------------------

def apply_budget_line(line: dict) -> dict:
    line["estimated_price"] = money(marked_up(line["estimated_cost"], line["markup_percent"]))
    return line


def apply_option(option: dict) -> dict:
    option["price"] = money(marked_up(option["cost"], option["markup_percent"]))
    return option


def apply_change_order(co: dict) -> dict:
    """Lines: cost, price, tax (at the CO's tax rate); CO: total_cost/price/tax, total."""
    rate = co["tax_rate_percent"]
    cost_sum = price_sum = tax_sum = ZERO
    for line in co["lines"]:
        cost = extend(line["quantity"], line["unit_cost"])
        price = marked_up(cost, line["markup_percent"])
        tax = line_tax(price, rate, line["taxable"])
        line["cost"], line["price"], line["tax"] = money(cost), money(price), money(tax)
        cost_sum += cost
        price_sum += price
        tax_sum += tax
    co["total_cost"], co["total_price"] = money(cost_sum), money(price_sum)
    co["total_tax"], co["total"] = money(tax_sum), money(price_sum + tax_sum)
    return co


def apply_purchase_order(po: dict) -> dict:
    """Lines: amount = round(quantity * unit_cost); PO total = sum (no markup, no tax)."""
    amount_sum = ZERO
    for line in po["lines"]:
        amount = extend(line["quantity"], line["unit_cost"])
        line["amount"] = money(amount)
        amount_sum += amount
    po["total"] = money(amount_sum)
    return po


def apply_bill(bill: dict, retainage_percent: Number | None) -> dict:
    """total = sum of line amounts; retainage = round(total * the PO's %), 0.00 without a PO."""
    bill_total = total(line["amount"] for line in bill["lines"])
    bill["total"] = money(bill_total)
    held = percent_of(bill_total, retainage_percent) if retainage_percent is not None else ZERO
    bill["retainage_amount"] = money(held)
    return bill


def apply_invoice(invoice: dict, amount_paid: Number | None = None) -> dict:
    """Lines: amount, tax; invoice: subtotal, total_tax, total, retainage, paid, balance due.

    `amount_paid` is the sum of the invoice's payments (kept as is when None).
    """
    rate = invoice["tax_rate_percent"]
    subtotal = tax_sum = ZERO
    for line in invoice["lines"]:
        amount = extend(line["quantity"], line["unit_price"])
        tax = line_tax(amount, rate, line["taxable"])
        line["amount"], line["tax"] = money(amount), money(tax)
        subtotal += amount
        tax_sum += tax
    paid = cents(amount_paid if amount_paid is not None else invoice.get("amount_paid", "0.00"))
    retainage = percent_of(subtotal, invoice["retainage_percent"])
    grand = subtotal + tax_sum
    invoice["subtotal"], invoice["total_tax"], invoice["total"] = (
        money(subtotal), money(tax_sum), money(grand))
    invoice["retainage_amount"], invoice["amount_paid"] = money(retainage), money(paid)
    invoice["balance_due"] = money(grand - retainage - paid)
    return invoice


def apply_timesheet(entry: dict) -> dict:
    entry["cost"] = extend_text(entry["hours"], entry["cost_rate"])
    entry["billable_amount"] = extend_text(entry["hours"], entry["billable_rate"])
    return entry
