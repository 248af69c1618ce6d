"""The OpenAPI document as jsonschema validators (component schemas, $refs via a Registry)."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "coconstruct_source" / "openapi.yaml"
SPEC_URI = "urn:coconstruct:openapi"
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def _is_timestamp(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _TIMESTAMP.match(value):
        raise ValueError(f"not an ISO-8601 timestamp: {value!r}")
    datetime.fromisoformat(value)
    return True


@formats.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


@cache
def validator(schema_name: str) -> Draft202012Validator:
    registry = Registry().with_resource(SPEC_URI, Resource(contents=spec(), specification=DRAFT202012))
    schema = {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}
    return Draft202012Validator(schema, registry=registry, format_checker=formats)


def errors_of(schema_name: str, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(schema_name).iter_errors(instance)]


def response_schema(path: str, method: str, status: int) -> str | None:
    """The component schema name the contract declares for (path template, method, status)."""
    responses = spec()["paths"][path][method]["responses"]
    answer = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    if answer is None:
        return None
    if "$ref" in answer:
        answer = spec()["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    content = answer.get("content", {}).get("application/json")
    return content["schema"]["$ref"].rsplit("/", 1)[1] if content else None
