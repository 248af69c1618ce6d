"""The keyset pagination rule of the store (see coconstruct_sandbox/store.py's docstring)."""

from __future__ import annotations

import base64

import orjson
import pytest

from coconstruct_sandbox.store import InvalidCursor, InvalidInput, TenantStore


def walk(store: TenantStore, entity: str, limit: int, between=None, **filters) -> list[dict]:
    """Every item of a listing; `between(page_number)` runs after each page."""
    rows, cursor, n = [], None, 0
    while True:
        page = store.list_page(entity, limit=limit, cursor=cursor, **filters)
        items = orjson.loads(page.data)
        assert len(items) == page.count <= limit
        rows += items
        n += 1
        if page.next_cursor is None:
            return rows
        if between:
            between(n)
        cursor = page.next_cursor


def keys(rows: list[dict]) -> list[tuple[str, int]]:
    return [(r["updated_at"], r["id"]) for r in rows]


def test_walks_reach_exactly_the_state_counts(small: TenantStore) -> None:
    tables = small.state()["tables"]
    for entity in small.entities:
        rows = walk(small, entity, limit=37)
        assert len(rows) == tables[entity]["count"], entity
        assert len({r["id"] for r in rows}) == len(rows)
        assert keys(rows) == sorted(keys(rows))
        assert not any(r["deleted"] for r in rows)


def test_project_filter_and_row_filter(small: TenantStore) -> None:
    everything = walk(small, "change_orders", limit=1000)
    project = everything[0]["project_id"]
    mine = walk(small, "change_orders", limit=3, project_id=project)
    assert {r["id"] for r in mine} == {r["id"] for r in everything if r["project_id"] == project}
    visible = walk(small, "change_orders", limit=7, row_filter=lambda m: bool(m.client_visible))
    assert {r["id"] for r in visible} == {r["id"] for r in everything if r["client_visible"]}
    assert small.list_page("change_orders", limit=5, project_id=10**9).count == 0


def test_tampered_or_foreign_cursor_is_rejected(small: TenantStore) -> None:
    cursor = small.list_page("timesheets", limit=2).next_cursor
    assert cursor
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    forged = base64.urlsafe_b64encode(raw.replace(b'",', b'",9', 1)).decode().rstrip("=")
    for bad in (forged, "not-a-cursor", cursor[:-3], ""):
        with pytest.raises(InvalidCursor, match="malformed or was not issued"):
            small.list_page("timesheets", limit=2, cursor=bad or "@@")
    with pytest.raises(InvalidCursor):
        small.list_page("bills", limit=2, cursor=cursor)
    with pytest.raises(InvalidInput, match="limit"):
        small.list_page("bills", limit=0)


def test_updated_since_is_inclusive(small: TenantStore) -> None:
    rows = walk(small, "invoices", limit=1000)
    pivot = rows[len(rows) // 2]["updated_at"]
    since = walk(small, "invoices", limit=10, updated_since=pivot)
    assert keys(since) == [k for k in keys(rows) if k[0] >= pivot]
    # other spellings of the same instant give the same answer
    plain = pivot.replace("Z", "+00:00")
    assert keys(walk(small, "invoices", limit=10, updated_since=plain)) == keys(since)
    with pytest.raises(InvalidInput, match="updated_since"):
        small.list_page("invoices", limit=5, updated_since="yesterday")


def test_concurrent_activity_neither_skips_nor_duplicates(fresh: TenantStore) -> None:
    entity = "change_orders"
    before = {r["id"]: r for r in walk(fresh, entity, limit=1000)}
    rows = walk(fresh, entity, limit=9, between=lambda n: fresh.advance(25))
    after = {r["id"]: r for r in walk(fresh, entity, limit=1000)}
    seen: dict[int, list[dict]] = {}
    for row in rows:
        seen.setdefault(row["id"], []).append(row)
    changed = {i for i in before if after.get(i) != before[i]}
    assert changed, "the activity should have touched some change orders"
    for rid, record in before.items():
        if rid not in changed:
            assert seen.get(rid) == [record], f"unchanged {rid} must appear exactly once"
        elif rid in after:  # edited while listing: its newest version is served last
            assert seen[rid][-1] == after[rid]
    assert {r["id"] for r in rows} >= set(after)  # nothing live at the end was skipped


def test_tombstones_after_deletes(fresh: TenantStore) -> None:
    mark = fresh.now()
    project = fresh.get("projects", 3)
    gone = fresh.live_ids("timesheets", project["id"])[:3]
    for rid in gone:
        assert fresh.delete("timesheets", rid)
    assert not fresh.delete("timesheets", gone[0])
    assert fresh.get("timesheets", gone[0]) is None and fresh.meta("timesheets", gone[0]).deleted
    plain = walk(fresh, "timesheets", limit=500)
    assert not {r["id"] for r in plain} & set(gone)
    since = walk(fresh, "timesheets", limit=2, updated_since=mark)
    assert since == [{"id": rid, "updated_at": fresh.meta("timesheets", rid).updated_at,
                      "deleted": True, "project_id": project["id"]} for rid in gone]
    by_project = walk(fresh, "timesheets", limit=50, updated_since=mark, project_id=project["id"])
    assert [r["id"] for r in by_project] == gone
    state = fresh.state()["tables"]["timesheets"]["count"]
    assert state == len(plain)


def test_selective_filter_pages_stay_bounded(fresh: TenantStore) -> None:
    nothing = fresh.list_page("timesheets", limit=1, row_filter=lambda m: False)
    assert nothing.count == 0
    # the small tenant fits one scan budget; the answer is the last, empty page
    assert nothing.next_cursor is None
