"""Writes: create a draft change order / purchase order, idempotently.

The body is validated against the contract's `*Create` schema before anything is sent,
and the Idempotency-Key (a uuid4 unless given) is the same on every retry, so a retried
POST never creates a duplicate.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

import jsonschema

from coconstruct_source.contract import openapi_document
from coconstruct_source.errors import CoconstructError
from coconstruct_source.http import ApiClient


class ValidationError(CoconstructError, ValueError):
    """A write body that does not match the contract; names the field."""


@cache
def _validator(schema_name: str) -> jsonschema.Draft202012Validator:
    components = openapi_document()["components"]
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": components}
    return jsonschema.Draft202012Validator(schema)


def validate_body(schema_name: str, body: dict[str, Any]) -> None:
    """Raise ValidationError naming the first offending field (by JSON path)."""
    error = jsonschema.exceptions.best_match(_validator(schema_name).iter_errors(body))
    if error is not None:
        where = error.json_path.removeprefix("$.").removeprefix("$") or "(body)"
        raise ValidationError(f"{schema_name} invalid at {where}: {error.message}")


def _create(client: ApiClient, path: str, schema_name: str, body: dict[str, Any], key: str | None) -> dict[str, Any]:
    validate_body(schema_name, body)
    return client.post(path, body, idempotency_key=key or str(uuid.uuid4()))


def create_change_order(
    client: ApiClient, project_id: int, change_order: dict[str, Any], *, idempotency_key: str | None = None
) -> dict[str, Any]:
    """POST /projects/{id}/change-orders; returns the created (or replayed) ChangeOrder."""
    return _create(client, f"/projects/{int(project_id)}/change-orders", "ChangeOrderCreate", change_order, idempotency_key)


def create_purchase_order(
    client: ApiClient, project_id: int, purchase_order: dict[str, Any], *, idempotency_key: str | None = None
) -> dict[str, Any]:
    """POST /projects/{id}/purchase-orders; returns the created (or replayed) PurchaseOrder."""
    return _create(client, f"/projects/{int(project_id)}/purchase-orders", "PurchaseOrderCreate", purchase_order, idempotency_key)
