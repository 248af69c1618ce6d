from decimal import Decimal

import pytest

from coconstruct_sandbox import money


@pytest.mark.parametrize(("value", "expected"), [
    ("2.675", "2.68"), ("0.005", "0.01"), ("-0.005", "-0.01"), ("1.004", "1.00"),
    ("-0.004", "0.00"), ("10", "10.00"), ("-80", "-80.00"),
])
def test_half_up_to_cents(value: str, expected: str) -> None:
    assert money.money(value) == expected


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="never a float"):
        money.cents(0.1)  # type: ignore[arg-type]


def test_change_order_lines_are_rounded_before_summing() -> None:
    co = {"tax_rate_percent": "8.8100", "lines": [
        {"quantity": "3.3333", "unit_cost": "10.01", "markup_percent": "15.0000", "taxable": True},
        {"quantity": "1", "unit_cost": "-40.00", "markup_percent": "10.0000", "taxable": False},
        {"quantity": "2", "unit_cost": "0.00", "markup_percent": "20.0000", "taxable": True},
    ]}
    money.apply_change_order(co)
    # 3.3333 * 10.01 = 33.366333 -> 33.37; * 1.15 = 38.3755 -> 38.38; * 8.81 % = 3.381278 -> 3.38
    assert [(line["cost"], line["price"], line["tax"]) for line in co["lines"]] == [
        ("33.37", "38.38", "3.38"), ("-40.00", "-44.00", "0.00"), ("0.00", "0.00", "0.00")]
    assert (co["total_cost"], co["total_price"], co["total_tax"], co["total"]) == (
        "-6.63", "-5.62", "3.38", "-2.24")


def test_invoice_balance_due_subtracts_retainage_and_payments() -> None:
    invoice = {"tax_rate_percent": "5.0000", "retainage_percent": "10.0000", "lines": [
        {"quantity": "1", "unit_price": "1000.00", "taxable": True},
        {"quantity": "1", "unit_price": "-100.00", "taxable": False}]}
    money.apply_invoice(invoice, Decimal("300.00"))
    assert invoice["subtotal"] == "900.00" and invoice["total_tax"] == "50.00"
    assert invoice["total"] == "950.00" and invoice["retainage_amount"] == "90.00"
    assert invoice["balance_due"] == "560.00"


def test_bill_retainage_only_with_a_po() -> None:
    lines = [{"amount": "333.33"}, {"amount": "0.01"}]
    assert money.apply_bill({"lines": lines}, "5.0000")["retainage_amount"] == "16.67"
    assert money.apply_bill({"lines": lines}, None)["retainage_amount"] == "0.00"
