"""Baseline 1: every page of every list the sync reads, httpx + orjson, no processing.

The floor of any sync: the time to move and parse the bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import orjson

from benchmarks._common import LIST_PATHS


@dataclass
class RawFetch:
    seconds: float
    records: int
    pages: int
    bytes: int


def raw_fetch(base_url: str, token: str, limit: int = 1000, max_pages: int = 1_000_000) -> RawFetch:
    records = pages = size = 0
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        for path in filter(None, LIST_PATHS.values()):
            cursor = None
            for _ in range(max_pages):
                params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
                response = client.get(path, params=params)
                response.raise_for_status()
                page = orjson.loads(response.content)
                records += len(page["data"])
                pages += 1
                size += len(response.content)
                cursor = page["next_cursor"]
                if not cursor:
                    break
    return RawFetch(time.perf_counter() - started, records, pages, size)
