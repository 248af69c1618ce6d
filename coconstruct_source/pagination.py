"""Cursor pages of a list endpoint (`limit` + opaque `cursor`, `next_cursor` null at the end).

Every loop is bounded: a cursor seen before or more than `max_pages` pages raise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coconstruct_source.errors import CoconstructError, MalformedResponse
from coconstruct_source.http import ApiClient

MAX_LIMIT = 1000


def iter_pages(
    client: ApiClient,
    path: str,
    *,
    limit: int = 1000,
    updated_since: str | None = None,
    max_pages: int = 10_000_000,
) -> Iterator[list[dict[str, Any]]]:
    """Yield each page's `data` (records and, with `updated_since`, tombstones)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    params: dict[str, Any] = {"limit": limit}
    if updated_since is not None:
        params["updated_since"] = updated_since
    seen: set[str] = set()
    for _ in range(max_pages):
        page = client.get(path, params=params)
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise MalformedResponse(path, "expected a page object with a `data` list")
        yield page["data"]
        cursor = page.get("next_cursor")
        if cursor is None:
            return
        if not isinstance(cursor, str) or cursor in seen:
            raise CoconstructError(
                f"{path} returned the cursor of an earlier page again; stopping instead of "
                "looping forever (report this API bug)"
            )
        seen.add(cursor)
        params = {**params, "cursor": cursor}
    raise CoconstructError(f"{path} has more than max_pages={max_pages} pages; raise max_pages if this is expected")
