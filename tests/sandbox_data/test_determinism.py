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
