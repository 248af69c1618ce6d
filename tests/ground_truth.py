"""Compare a loaded warehouse with the sandbox's ground truth (/_sandbox/state)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any


def state_mismatches(
    state: dict[str, Any],
    fetch_row: Callable[[str], Sequence[Any]],
    dataset: str,
    *,
    require_decimal: bool = False,
) -> list[str]:
    """Tables whose row count or money sums differ from `state` (empty when all equal).

    `fetch_row` runs one SQL statement on the warehouse and returns its single row;
    `require_decimal` also flags sums that did not come back as Decimal (a float column).
    """
    out = []
    for table, truth in state["tables"].items():
        sums = list(truth["sums"])
        exprs = ", ".join(["count(*)", *(f"sum({c})" for c in sums)])
        row = fetch_row(f"select {exprs} from {dataset}.{table}")
        if row[0] != truth["count"]:
            out.append(f"{table}: {row[0]} rows, sandbox has {truth['count']}")
        for column, got in zip(sums, row[1:], strict=True):
            wrong_type = require_decimal and not isinstance(got, Decimal | None)
            if wrong_type or Decimal(got or 0) != Decimal(truth["sums"][column]):
                out.append(f"{table}.{column}: sum {got!r}, sandbox {truth['sums'][column]}")
    return out
