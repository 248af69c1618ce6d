"""Properties of the sandbox's money arithmetic (coconstruct_sandbox/money.py): half-up
rounding to cents, line arithmetic, document totals = sums of rounded lines, credits and
zero lines. The reference rounding is plain integer arithmetic, independent of `decimal`."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from coconstruct_sandbox import money

MONEY_PATTERN = re.compile(r"^-?[0-9]{1,15}\.[0-9]{2}$")  # the contract's Money
SETTINGS = settings(max_examples=300, deadline=None)


def _reference_cents(value: Decimal) -> Decimal:
    """Half-up (ties away from zero) to cents via integers: |v|·100 + ½, floored, re-signed."""
    sign, digits, exponent = value.as_tuple()
    units = int("".join(map(str, digits)) or "0")
    scale = -exponent if exponent < 0 else 0
    scaled = units * 10 ** max(exponent, 0) * 100  # |v|·100 · 10^scale
    rounded = (2 * scaled + 10**scale) // (2 * 10**scale)
    return Decimal(-rounded if sign and rounded else rounded) / 100


def decimals(places: int, magnitude: int = 10**9) -> st.SearchStrategy[Decimal]:
    return st.integers(-magnitude * 10**places, magnitude * 10**places).map(
        lambda n: Decimal(n).scaleb(-places))


money_str = decimals(2).map(lambda d: format(d, "f"))
quantity_str = decimals(4, 10**5).map(lambda d: format(d, "f"))
rate_str = decimals(4, 200).map(lambda d: format(d, "f"))


@SETTINGS
@given(st.one_of(decimals(3), decimals(4), decimals(6), decimals(2)))
def test_cents_rounds_half_up_away_from_zero(value: Decimal) -> None:
    rounded = money.cents(value)
    assert rounded == _reference_cents(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert money.cents(-value) == -rounded  # symmetric: credits round like debits
    text = money.money(value)
    assert MONEY_PATTERN.match(text) and text != "-0.00"
    assert Decimal(text) == rounded


@SETTINGS
@given(st.integers(-10**9, 10**9))
def test_exact_halves_go_away_from_zero(n: int) -> None:
    half = Decimal(n).scaleb(-2) + (Decimal("0.005") if n >= 0 else Decimal("-0.005"))
    assert abs(money.cents(half)) == abs(Decimal(n).scaleb(-2)) + Decimal("0.01")


@SETTINGS
@given(quantity_str, money_str, rate_str)
def test_line_arithmetic_is_the_rounded_product(quantity: str, unit: str, markup: str) -> None:
    cost = money.extend(quantity, unit)
    assert cost == _reference_cents(Decimal(quantity) * Decimal(unit))
    assert money.extend_text(quantity, unit) == money.money(cost)
    price = money.marked_up(cost, markup)
    assert price == _reference_cents(cost * (1 + Decimal(markup) / 100))
    assert money.line_tax(price, markup, False) == 0


change_order_line = st.fixed_dictionaries({
    "quantity": quantity_str, "unit_cost": money_str, "markup_percent": rate_str,
    "taxable": st.booleans()})


@SETTINGS
@given(st.lists(change_order_line, min_size=1, max_size=12), rate_str)
def test_change_order_totals_are_sums_of_rounded_lines(lines: list[dict], tax_rate: str) -> None:
    co = money.apply_change_order({"tax_rate_percent": tax_rate, "lines": [dict(x) for x in lines]})
    for line in co["lines"]:
        cost = _reference_cents(Decimal(line["quantity"]) * Decimal(line["unit_cost"]))
        price = _reference_cents(cost * (1 + Decimal(line["markup_percent"]) / 100))
        tax = _reference_cents(price * Decimal(tax_rate) / 100) if line["taxable"] else 0
        assert (Decimal(line["cost"]), Decimal(line["price"]), Decimal(line["tax"])) == (cost, price, tax)
    for field, column in (("total_cost", "cost"), ("total_price", "price"), ("total_tax", "tax")):
        assert Decimal(co[field]) == sum(Decimal(x[column]) for x in co["lines"])
    assert Decimal(co["total"]) == Decimal(co["total_price"]) + Decimal(co["total_tax"])
    assert all(MONEY_PATTERN.match(co[f]) for f in ("total_cost", "total_price", "total_tax", "total"))

    # the same document as a credit: every line and total is exactly the negation
    credit = money.apply_change_order({"tax_rate_percent": tax_rate, "lines": [
        {**x, "quantity": format(-Decimal(x["quantity"]), "f")} for x in lines]})
    for field in ("total_cost", "total_price", "total_tax", "total"):
        assert Decimal(credit[field]) == -Decimal(co[field])


@SETTINGS
@given(st.lists(st.fixed_dictionaries({"quantity": quantity_str, "unit_cost": money_str}),
                min_size=1, max_size=12))
def test_purchase_order_total_is_the_sum_of_line_amounts(lines: list[dict]) -> None:
    po = money.apply_purchase_order({"lines": [dict(x) for x in lines]})
    amounts = [Decimal(x["amount"]) for x in po["lines"]]
    assert amounts == [_reference_cents(Decimal(x["quantity"]) * Decimal(x["unit_cost"])) for x in lines]
    assert Decimal(po["total"]) == sum(amounts)


invoice_line = st.fixed_dictionaries({
    "quantity": quantity_str, "unit_price": money_str, "taxable": st.booleans()})


@SETTINGS
@given(st.lists(invoice_line, min_size=1, max_size=10), rate_str, decimals(4, 100), money_str)
def test_invoice_balance_ties_out(lines: list[dict], tax_rate: str, retainage: Decimal,
                                  paid: str) -> None:
    invoice = money.apply_invoice(
        {"tax_rate_percent": tax_rate, "retainage_percent": format(retainage, "f"),
         "lines": [dict(x) for x in lines]}, amount_paid=paid)
    subtotal = sum(Decimal(x["amount"]) for x in invoice["lines"])
    tax = sum(Decimal(x["tax"]) for x in invoice["lines"])
    assert Decimal(invoice["subtotal"]) == subtotal and Decimal(invoice["total_tax"]) == tax
    assert Decimal(invoice["retainage_amount"]) == _reference_cents(subtotal * retainage / 100)
    assert Decimal(invoice["balance_due"]) == (
        subtotal + tax - Decimal(invoice["retainage_amount"]) - Decimal(paid))


@given(st.lists(change_order_line, min_size=1, max_size=5), rate_str)
def test_zero_lines_cost_nothing(lines: list[dict], tax_rate: str) -> None:
    zeroed = [{**x, "quantity": "0.0000"} for x in lines]
    co = money.apply_change_order({"tax_rate_percent": tax_rate, "lines": zeroed})
    assert all(co[f] == "0.00" for f in ("total_cost", "total_price", "total_tax", "total"))
    assert all(x[c] == "0.00" for x in co["lines"] for c in ("cost", "price", "tax"))


def test_floats_are_refused() -> None:
    import pytest

    with pytest.raises(TypeError, match="float"):
        money.cents(0.1)  # type: ignore[arg-type]
