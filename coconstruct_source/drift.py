"""Schema drift: fields the contract does not know, and values whose JSON type changed.

Configured under `[sources.coconstruct]` with dlt's schema-contract vocabulary:

* `new_columns = "evolve"` (default): a new field becomes a new column (its type inferred),
  with one warning per table and column; `"discard"`: dropped with that warning;
  `"freeze"`: the run stops with a message naming table, column and record.
* `type_changes = "discard_row"` (default): a value of another JSON type than the
  contract's (money sent as a number...) sends its record to the quarantine table, the rest
  load; `"evolve"`: the value goes to a variant column `<column>__v_<type>`, the contract
  column stays null and the record loads; `"freeze"`: the run stops, naming table, column
  and record.
* `unknown_values = "load"` (default): a value outside its contract enumeration (an
  unknown status...) loads, with one warning per table and column naming the record;
  `"discard_row"`: its record goes to the quarantine table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import dlt
import orjson
import pyarrow as pa

from coconstruct_source.contract import DROPPED_COLUMNS, TableSpec
from coconstruct_source.errors import CoconstructError

logger = logging.getLogger("coconstruct_source")

MODES = {
    "new_columns": ("evolve", "discard", "freeze"),
    "type_changes": ("discard_row", "evolve", "freeze"),
    "unknown_values": ("load", "discard_row"),
}
_DLT_COLUMNS = {"evolve": "evolve", "discard": "discard_value", "freeze": "freeze"}
_VARIANT_TYPE = {bool: "bool", int: "bigint", float: "double", str: "text", dict: "json",
                 list: "json"}


class SchemaDrift(CoconstructError):
    """The API changed shape and the configuration says to stop (`freeze`)."""


@dataclass(frozen=True)
class DriftPolicy:
    new_columns: str = "evolve"
    type_changes: str = "discard_row"
    unknown_values: str = "load"

    def __post_init__(self) -> None:
        for key, allowed in MODES.items():
            if getattr(self, key) not in allowed:
                raise CoconstructError(
                    f"[sources.coconstruct] {key} = {getattr(self, key)!r}: use one of "
                    + ", ".join(repr(a) for a in allowed)
                )

    @classmethod
    def from_config(cls) -> DriftPolicy:
        """From `sources.coconstruct.new_columns` / `.type_changes`, else the defaults."""
        values = {k: dlt.config.get(f"sources.coconstruct.{k}") for k in MODES}
        return cls(**{k: str(v).lower() for k, v in values.items() if v is not None})

    def schema_contract(self) -> dict[str, str] | None:
        """dlt's schema contract for the resources (None: dlt's default, evolve)."""
        if (self.new_columns, self.type_changes) == ("evolve", "discard_row"):
            return None
        return {"columns": _DLT_COLUMNS[self.new_columns], "data_type": self.type_changes}


_warned: set[tuple[str, str]] = set()


def _warn_once(table: str, column: str, message: str) -> None:
    if (table, column) not in _warned:
        _warned.add((table, column))
        logger.warning(message)


@cache
def known_fields(spec: TableSpec) -> frozenset[str]:
    """Fields of the API's objects the contract already places (columns, child arrays)."""
    dropped = {c for t, c in DROPPED_COLUMNS if t == spec.name}
    return frozenset((*spec.column_names, *(p for p, _ in spec.children), *dropped))


def new_fields(rows: Sequence[dict[str, Any]], known: frozenset[str]) -> list[str]:
    """Field names unknown to the contract with a value in some row, sorted (tombstones
    carry null parent keys their table may not have: not drift)."""
    if not rows:
        return []
    unknown = set().union(*rows) - known
    return sorted(n for n in unknown if any(r.get(n) is not None for r in rows))


def check_new_fields(
    policy: DriftPolicy, spec: TableSpec, rows: Sequence[dict[str, Any]], names: Iterable[str]
) -> list[str]:
    """The new columns to load (none under `discard`); raises under `freeze`."""
    names = list(names)
    for name in names:
        first = next((r for r in rows if r.get(name) is not None), {})
        where = f"table {spec.name!r}, column {name!r}, record id={first.get('id')!r}"
        if policy.new_columns == "freeze":
            raise SchemaDrift(
                f"schema drift: new field in {where}, and new_columns = \"freeze\"; update the "
                "contract or set new_columns = \"evolve\" in [sources.coconstruct]"
            )
        action = "added as a new column" if policy.new_columns == "evolve" else "discarded"
        _warn_once(spec.name, name, f"schema drift: new field in {where}: {action}")
    return names if policy.new_columns == "evolve" else []


def warn_unknown_value(table: str, column: str, value: Any, record_id: Any) -> None:
    _warn_once(table, f"{column}={value}", f"unknown value {value!r} in table {table!r}, column "
               f"{column!r}, record id={record_id!r}: loaded (unknown_values = \"load\")")


def variant_name(column: str, value: Any) -> str:
    return f"{column}__v_{_VARIANT_TYPE.get(type(value), 'text')}"


def to_variant(
    policy: DriftPolicy, table: str, row: dict[str, Any], column: str, record_id: Any,
    expected: str,
) -> bool:
    """Move a value of a changed JSON type to its variant column (in place), or raise under
    `freeze`. False under `discard_row`: the record is rejected (quarantined) instead."""
    if policy.type_changes == "discard_row":
        return False
    value = row[column]
    where = f"table {table!r}, column {column!r}, record id={record_id!r}"
    got = type(value).__name__
    if policy.type_changes == "freeze":
        raise SchemaDrift(
            f"schema drift: {where} is {got} {value!r}, the contract says {expected}, and "
            "type_changes = \"freeze\"; set type_changes = \"evolve\" to load it into a variant column"
        )
    variant = variant_name(column, value)
    _warn_once(table, variant, f"schema drift: {where} is {got}, not {expected}: "
                               f"loaded into variant column {variant!r}")
    row[variant] = value
    row[column] = None
    return True


def extra_array(values: list[Any]) -> pa.Array:
    """A new column's values; types inferred, JSON text when they do not agree."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        array = None
    if array is None or pa.types.is_struct(array.type) or pa.types.is_list(array.type):
        return pa.array([None if v is None else orjson.dumps(v).decode() for v in values],
                        pa.string())
    if pa.types.is_null(array.type):
        return array.cast(pa.string())
    return array
