"""The lag window of the incremental cursor: re-list late writes, skip versions already loaded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from coconstruct_source.contract import CURSOR_COLUMN


def format_cursor(value: Any) -> str | None:
    """The API's `updated_since` form: ISO-8601 UTC with microseconds and `Z`."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise TypeError(f"unexpected cursor value {value!r}")


def _parse_cursor(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class LagWindow:
    """The record versions (id → updated_at) already loaded inside the lag window.

    The lag makes every run re-list the last `lag_seconds` before the cursor, to catch late
    writes. Versions loaded before are dropped here, so a run with nothing changed loads
    nothing, while a late write (a version not seen yet) still loads. Kept in the resource
    state, committed atomically with the load package; only the tail of the listing (within
    the lag of the newest version) is remembered.
    """

    STATE_KEY = "lag_window"
    PRUNE_AT = 20_000

    def __init__(self, state: dict[str, Any], lag_seconds: float) -> None:
        self._state = state
        self._previous: dict[str, str] = dict(state.get(self.STATE_KEY) or {})
        self._current: dict[str, str] = {}
        self._lag = timedelta(seconds=lag_seconds)
        self._newest: str | None = None

    def fresh(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        previous = self._previous
        out = records
        if previous:
            out = [r for r in records if previous.get(str(r.get("id"))) != r.get(CURSOR_COLUMN)]
        for r in records:
            updated_at = r.get(CURSOR_COLUMN)
            if isinstance(updated_at, str):
                self._current[str(r.get("id"))] = updated_at
                if self._newest is None or updated_at > self._newest:
                    self._newest = updated_at
        if len(self._current) > self.PRUNE_AT:
            self._prune()
        return out

    def _prune(self) -> None:
        if self._newest is None:
            return
        try:
            cutoff = format_cursor(_parse_cursor(self._newest) - self._lag)
        except ValueError:
            return
        self._current = {k: v for k, v in self._current.items() if v >= cutoff}

    def save(self) -> None:
        self._prune()
        self._state[self.STATE_KEY] = self._current
