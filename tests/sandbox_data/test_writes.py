from decimal import Decimal

import pytest

from coconstruct_sandbox.store import InvalidInput, NotFound, TenantStore


def _codes(store: TenantStore) -> tuple[int, int]:
    codes = list(store.records("cost_codes"))
    active = next(c["id"] for c in codes if c["is_active"])
    retired = next(c["id"] for c in codes if not c["is_active"])
    return active, retired


def _line(code: int, **extra) -> dict:
    return {"cost_code_id": code, "category": "material", "description": "Extra outlet",
            "quantity": "3", "unit": "ea", "unit_cost": "19.99", "markup_percent": "20",
            "taxable": True, **extra}


def test_create_change_order_computes_totals_and_numbers(fresh: TenantStore) -> None:
    active, _ = _codes(fresh)
    project = fresh.get("projects", 2)
    existing = [fresh.get("change_orders", i) for i in fresh.live_ids("change_orders", 2)]
    highest = max((int(c["number"][3:]) for c in existing), default=0)
    co = fresh.create_change_order(2, {"title": "Add outlets", "tax_rate_percent": "10", "lines": [
        _line(active), _line(active, unit_cost="-5.00", taxable=False, quantity="1.5")]})
    # 3 * 19.99 = 59.97 -> *1.2 = 71.964 -> 71.96 -> tax 7.196 -> 7.20; 1.5 * -5 = -7.50 -> -9.00
    assert [(ln["cost"], ln["price"], ln["tax"]) for ln in co["lines"]] == [
        ("59.97", "71.96", "7.20"), ("-7.50", "-9.00", "0.00")]
    assert (co["total_cost"], co["total_price"], co["total_tax"], co["total"]) == (
        "52.47", "62.96", "7.20", "70.16")
    assert co["status"] == "draft" and co["number"] == f"CO-{highest + 1:03d}"
    assert co["lines"][1]["quantity"] == "1.5000" and co["tax_rate_percent"] == "10.0000"
    assert fresh.get("change_orders", co["id"]) == co
    assert co["updated_at"] > project["updated_at"]
    default = fresh.create_change_order(2, {"title": "Default tax", "lines": [_line(active)]})
    assert default["tax_rate_percent"] == project["tax_rate_percent"] and default["client_visible"]


def test_create_purchase_order(fresh: TenantStore) -> None:
    active, _ = _codes(fresh)
    po = fresh.create_purchase_order(3, {"trade_partner_id": 4, "retainage_percent": "5", "lines": [
        {k: v for k, v in _line(active).items() if k not in ("markup_percent", "taxable")}]})
    assert po["total"] == "59.97" and po["lines"][0]["amount"] == "59.97"
    assert po["status"] == "draft" and po["retainage_percent"] == "5.0000"
    assert po["number"].startswith("PO-") and fresh.meta("purchase_orders", po["id"]).trade_partner_id == 4


def test_unknown_references_raise_not_found(fresh: TenantStore) -> None:
    active, _ = _codes(fresh)
    with pytest.raises(NotFound, match="project 999999 not found"):
        fresh.create_change_order(999999, {"title": "x", "lines": [_line(active)]})
    with pytest.raises(NotFound, match="cost code 88888 not found"):
        fresh.create_change_order(1, {"title": "x", "lines": [_line(88888)]})
    with pytest.raises(NotFound, match="trade partner 77777 not found"):
        fresh.create_purchase_order(1, {"trade_partner_id": 77777, "lines": [
            {k: v for k, v in _line(active).items() if k not in ("markup_percent", "taxable")}]})


def test_invalid_bodies_list_every_problem(fresh: TenantStore) -> None:
    active, retired = _codes(fresh)
    before = fresh.count("change_orders")
    with pytest.raises(InvalidInput) as err:
        fresh.create_change_order(1, {"title": "", "colour": "red", "lines": [
            _line(active, quantity="1.23456", unit_cost=12.5, category="labour")]})
    fields = {d["field"] for d in err.value.details}
    assert fields == {"title", "colour", "lines[0].quantity", "lines[0].unit_cost", "lines[0].category"}
    with pytest.raises(InvalidInput, match="lines: is required"):
        fresh.create_change_order(1, {"title": "No lines"})
    with pytest.raises(InvalidInput, match="1 to 200 lines"):
        fresh.create_change_order(1, {"title": "Empty", "lines": []})
    with pytest.raises(InvalidInput, match=r"lines\[0\].cost_code_id: cost code .* is retired"):
        fresh.create_change_order(1, {"title": "Old code", "lines": [_line(retired)]})
    with pytest.raises(InvalidInput, match="body: must be a JSON object"):
        fresh.create_purchase_order(1, ["not", "a", "dict"])  # type: ignore[arg-type]
    assert fresh.count("change_orders") == before
    assert Decimal(fresh.state()["tables"]["change_orders"]["sums"]["total"]) == Decimal(
        fresh.state()["tables"]["change_order_lines"]["sums"]["price"]) + Decimal(
        fresh.state()["tables"]["change_order_lines"]["sums"]["tax"])


def test_client_scoping_index_follows_project_edits(fresh: TenantStore) -> None:
    project = fresh.get("projects", 4)
    newcomer = max(c["id"] for c in fresh.records("clients"))
    assert 4 not in fresh.projects_of_client(newcomer)
    project["clients"].append({"project_id": 4, "client_id": newcomer, "is_primary": False})
    fresh.put("projects", project)
    assert 4 in fresh.projects_of_client(newcomer)
    project["clients"].pop()
    fresh.put("projects", project)
    assert 4 not in fresh.projects_of_client(newcomer)
    assert fresh.export("project_clients") == [
        dict(link, updated_at=p["updated_at"]) for p in fresh.records("projects") for link in p["clients"]]


def test_unknown_export_table(fresh: TenantStore) -> None:
    with pytest.raises(KeyError, match="unknown warehouse table 'nope'"):
        fresh.export("nope")
    with pytest.raises(NotFound):
        fresh.export("nope")
