"""Client-side contract fuzz: bodies generated from the contract's ChangeOrderCreate /
PurchaseOrderCreate schemas pass `coconstruct_source.writes` validation, bodies missing a
required field are refused naming it, and the sandbox accepts a valid body (its answer
matching the contract, totals recomputable) or refuses it with a 4xx naming the problem —
never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from coconstruct_sandbox.server import SandboxServer
from coconstruct_source import writes
from coconstruct_source.auth import make_auth
from coconstruct_source.contract import openapi_document
from coconstruct_source.credentials import PasswordMfaCredentials
from coconstruct_source.errors import ApiError
from coconstruct_source.http import ApiClient, HttpSettings

NAMED_FIELD = r"lines|title|trade_partner_id|retainage_percent|tax_rate_percent|selection_id|trade partner"
CONTRACT = Path(__file__).resolve().parents[2] / "coconstruct_source" / "openapi.yaml"
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


SCHEMA = schemathesis.openapi.from_path(
    CONTRACT, config=SchemathesisConfig.from_dict({"cache": {"enabled": False}}))
WRITE_PATHS = {"ChangeOrderCreate": "/projects/{projectId}/change-orders",
               "PurchaseOrderCreate": "/projects/{projectId}/purchase-orders"}


def body_strategy(name: str) -> st.SearchStrategy[dict]:
    """Bodies the contract allows, from schemathesis' generator for the write operation."""
    operation = SCHEMA[WRITE_PATHS[name]]["POST"]
    return operation.as_strategy(GenerationMode.POSITIVE).map(lambda case: case.body)


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": openapi_document()["components"]})


@given(st.one_of(body_strategy("ChangeOrderCreate").map(lambda b: ("ChangeOrderCreate", b)),
                 body_strategy("PurchaseOrderCreate").map(lambda b: ("PurchaseOrderCreate", b))))
@FUZZ
def test_generated_bodies_pass_the_clients_validation(named: tuple[str, dict]) -> None:
    name, body = named
    writes.validate_body(name, body)


@given(body_strategy("ChangeOrderCreate"), st.data())
@FUZZ
def test_a_missing_required_field_is_named(body: dict, data) -> None:
    line = data.draw(st.integers(0, len(body["lines"]) - 1))
    field = data.draw(st.sampled_from(sorted(body["lines"][line])))
    del body["lines"][line][field]
    with pytest.raises(writes.ValidationError, match=rf"lines\.{line}|'{field}'"):
        writes.validate_body("ChangeOrderCreate", body)


@pytest.fixture(scope="module")
def tenant() -> Iterator[tuple[SandboxServer, ApiClient, dict[str, list[int]]]]:
    with SandboxServer(size="small", seed=11, rate_limit=0) as server:
        account = server.account("admin", "none")
        credentials = PasswordMfaCredentials(username=account.username, password=account.password)
        # no retries: a 500 must fail the example, not be retried away
        client = ApiClient(server.url, make_auth(credentials, server.url), HttpSettings(max_retries=0))

        def ids(table: str, keep: Any = lambda r: True) -> list[int]:
            rows = httpx.get(f"{server.url}/_sandbox/export/{table}", timeout=60).json()
            return sorted(r["id"] for r in rows if keep(r))

        known = {"projects": ids("projects"), "trade_partners": ids("trade_partners"),
                 "cost_codes": ids("cost_codes", lambda r: r["is_active"])}
        yield server, client, known
        client.close()


def _with_known_ids(body: dict, known: dict[str, list[int]], data) -> dict:
    """Most bodies refer to records that exist; a few keep the generated (unknown) ids."""
    if data.draw(st.integers(0, 9)) == 0:
        return body
    for line in body["lines"]:
        line["cost_code_id"] = data.draw(st.sampled_from(known["cost_codes"]))
    if "trade_partner_id" in body:
        body["trade_partner_id"] = data.draw(st.sampled_from(known["trade_partners"]))
    body.pop("selection_id", None)
    return body


def _check_answer(kind: str, record: dict, body: dict) -> None:
    schema = {"ChangeOrderCreate": "ChangeOrder", "PurchaseOrderCreate": "PurchaseOrder"}[kind]
    _validator(schema).validate(record)  # money patterns included: no 16-digit totals
    assert len(record["lines"]) == len(body["lines"])
    if schema == "ChangeOrder":
        for total, column in (("total_cost", "cost"), ("total_price", "price"), ("total_tax", "tax")):
            assert Decimal(record[total]) == sum(Decimal(x[column]) for x in record["lines"])
    else:
        assert Decimal(record["total"]) == sum(Decimal(x["amount"]) for x in record["lines"])


@given(st.one_of(body_strategy("ChangeOrderCreate").map(lambda b: ("ChangeOrderCreate", b)),
                 body_strategy("PurchaseOrderCreate").map(lambda b: ("PurchaseOrderCreate", b))),
       st.data())
@settings(parent=FUZZ, max_examples=60)
def test_the_sandbox_accepts_valid_writes_or_names_the_problem(tenant, named, data) -> None:
    _server, client, known = tenant
    name, body = named
    body = _with_known_ids(body, known, data)
    project = data.draw(st.sampled_from(known["projects"]))
    create = writes.create_change_order if name == "ChangeOrderCreate" else writes.create_purchase_order
    try:
        record = create(client, project, body)
    except ApiError as e:
        assert e.status in (404, 422), str(e)
        assert e.code in ("not_found", "validation_error"), str(e)
        assert re.search(NAMED_FIELD, str(e)), f"the error names no field: {e}"
        return
    _check_answer(name, record, body)
