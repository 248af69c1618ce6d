import pytest

from coconstruct_sandbox.store import TenantStore


def _dump(store: TenantStore) -> dict[str, bytes]:
    pages = {}
    for entity in store.entities:
        page = store.list_page(entity, limit=1000)
        chunks = [page.data]
        while page.next_cursor:
            page = store.list_page(entity, limit=1000, cursor=page.next_cursor)
            chunks.append(page.data)
        pages[entity] = b"".join(chunks)
    return pages


def _tables(store: TenantStore) -> dict:
    return store.state()["tables"]


def test_same_seed_same_tenant_byte_for_byte(small: TenantStore) -> None:
    again = TenantStore.build("small", seed=1)
    assert _tables(again) == _tables(small)
    assert _dump(again) == _dump(small)
    assert again.company == small.company


def test_other_seed_other_tenant(small: TenantStore) -> None:
    other = TenantStore.build("small", seed=2)
    assert _tables(other)["projects"]["count"] == _tables(small)["projects"]["count"]
    assert _tables(other) != _tables(small)
    assert _dump(other)["timesheets"] != _dump(small)["timesheets"]


def test_generated_history_is_before_now(small: TenantStore) -> None:
    latest = max(key for e in small.entities for key in (m.updated_at for m in
                                                          small._table(e).metas.values()))
    first, second = small.now(), small.now()
    assert latest < first < second
    assert latest.startswith(("2024", "2025", "2026"))


def test_ids_are_sequential_per_entity(small: TenantStore) -> None:
    for entity in small.entities:
        ids = [r["id"] for r in small.records(entity)]
        assert ids == list(range(1, len(ids) + 1)), entity
    lines = [row["id"] for row in small.export("change_order_lines")]
    assert sorted(lines) == list(range(1, len(lines) + 1))


@pytest.mark.parametrize("size", ["small", pytest.param("medium", marks=pytest.mark.slow)])
def test_inner_events_never_postdate_the_record(size: str, request: pytest.FixtureRequest) -> None:
    """updated_at is the latest thing that happened to a record (approvals, issue, sign-off)."""
    small = request.getfixturevalue(size)
    inner = {"change_orders": ("approved_at",), "timesheets": ("approved_at", "started_at"),
             "selections": ("client_approved_at",), "purchase_orders": ("issued_at",),
             "cost_codes": ("retired_at",), "attachments": ("uploaded_at",)}
    for entity in small.entities:
        for record in small.records(entity):
            assert record["created_at"] <= record["updated_at"] < "2026-10-15", (entity, record["id"])
            for field in inner.get(entity, ()):
                assert (record[field] or "") <= record["updated_at"], (entity, record["id"], field)
            for approval in record.get("approvals", ()):
                assert approval["acted_at"] <= record["updated_at"], (entity, record["id"])
