from coconstruct_sandbox.ground_truth import WAREHOUSE_TABLES
from coconstruct_sandbox.store import TenantStore
from tests.sandbox_data.recompute import all_problems


def _content(store: TenantStore) -> dict:
    """Records without the clock-driven fields (advance stamps with the real clock; a signed
    file URL carries its expiry)."""
    volatile = ("updated_at", "created_at", "approved_at", "acted_at", "started_at", "work_date",
                "client_approved_at", "retired_at", "issued_at", "url_expires_at", "uploaded_at", "url",
                "bill_date", "invoice_date", "received_on", "start_date", "end_date",
                "insurance_expires_on")

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in volatile}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {e: strip(list(store.records(e))) for e in store.entities}


def test_advance_is_deterministic_by_seed_and_position() -> None:
    one, two = TenantStore.build("small", 5), TenantStore.build("small", 5)
    first = one.advance(150)
    assert two.advance(100)["created"] + two.advance(50)["created"] == first["created"]
    assert _content(one) == _content(two)
    assert one.state()["tables"] == {**two.state()["tables"]}


def test_advance_creates_edits_and_deletes_every_table(fresh: TenantStore) -> None:
    before = fresh.state()["tables"]
    touched: set[str] = set()
    totals = {"created": 0, "updated": 0, "deleted": 0}
    for _ in range(6):
        result = fresh.advance(500)
        for kind in totals:
            totals[kind] += result[kind]
        touched |= {t for t, n in result["by_table"].items() if sum(n.values())}
    assert sum(totals.values()) == 3000 and all(totals.values())
    assert touched == set(WAREHOUSE_TABLES)
    after = fresh.state()["tables"]
    assert after["timesheets"] != before["timesheets"] and after["change_orders"] != before["change_orders"]
    assert fresh.changes_applied == 3000
    assert all_problems(fresh) == []  # every total still equals its lines


def test_edits_move_records_to_the_end_with_now(fresh: TenantStore) -> None:
    mark = fresh.now()
    result = fresh.advance(40)
    assert result["updated"] > 0
    newest = fresh.list_page("change_orders", limit=1000, updated_since=mark)
    assert newest.count >= 1
    assert all(m.updated_at > mark for e in fresh.entities
               for m in fresh._table(e).metas.values() if m.updated_at >= mark)
