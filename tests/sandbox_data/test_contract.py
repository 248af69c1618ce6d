"""Records, tombstones and ground-truth columns agree with the API contract (openapi.yaml)."""

import orjson
import yaml
from jsonschema import Draft202012Validator

from coconstruct_sandbox.ground_truth import MONEY_COLUMNS, WAREHOUSE_TABLES
from coconstruct_sandbox.store import TenantStore
from tests.dbt.raw_schema import CONTRACT, raw_tables


def _schemas() -> dict:
    return yaml.safe_load(CONTRACT.read_text())["components"]["schemas"]


def _validator(name: str, schemas: dict) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}",
                                 "components": {"schemas": schemas}})


def test_every_record_matches_its_contract_schema(small: TenantStore) -> None:
    schemas = _schemas()
    small_copy = TenantStore.build("small", 1)
    small_copy.advance(300)
    by_resource = {s["x-resource"]: n for n, s in schemas.items() if "x-resource" in s}
    for store in (small, small_copy):
        assert not list(_validator("Company", schemas).iter_errors(store.company))
        for entity in store.entities:
            validator = _validator(by_resource[entity], schemas)
            for record in store.records(entity):
                errors = [e.message for e in validator.iter_errors(record)]
                assert not errors, (entity, record["id"], errors[:3])
    tombstone = _validator("Tombstone", schemas)
    mark = small_copy.now()
    small_copy.advance(100)
    small_copy.delete("timesheets", next(iter(small_copy.records("timesheets")))["id"])
    page = small_copy.list_page("timesheets", limit=1000, updated_since=mark)
    assert any(r.get("deleted") for r in orjson.loads(page.data))
    for row in orjson.loads(page.data):
        if row["deleted"]:
            assert not list(tombstone.iter_errors(row))


def test_money_columns_are_the_contracts(small: TenantStore) -> None:
    schemas = _schemas()
    want: dict[str, tuple[str, ...]] = {}
    for table in raw_tables().values():
        name = next(n for n, s in schemas.items() if s.get("x-resource") == table.name or
                    (table.parent_key and s.get("x-parent-key") == table.parent_key and
                     set(s["properties"]) <= set(table.columns)))
        props = schemas[name]["properties"]
        money = tuple(c for c, p in props.items()
                      if p.get("$ref", "").endswith(("/Money", "/MoneyOrNull")))
        if money:
            want[table.name] = money
    assert want == MONEY_COLUMNS
    assert set(raw_tables()) == set(WAREHOUSE_TABLES)


def test_export_columns_are_the_warehouse_columns(small: TenantStore) -> None:
    for name, table in raw_tables().items():
        rows = small.export(name)
        assert rows, name
        expected = set(table.columns) - {"tenant_id"}
        if table.parent_key:
            expected.add("updated_at")  # the parent's, for incremental merges
        for row in rows[:50]:
            assert set(row) <= expected and set(row) >= expected - {"deleted"}, (name, set(row) ^ expected)
