"""The lag window of the incremental cursor: re-list late writes, skip versions already loaded."""

from __future__ import annotations

import base64
from array import array
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


def parse_cursor(value: Any) -> datetime | None:
    """An API timestamp (ISO-8601 with `Z` or an offset); None if `value` is not one."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(value: Any) -> int | None:
    """An `updated_at` as microseconds since the epoch; None if it is not a timestamp."""
    moment = parse_cursor(value)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


class LagWindow:
    """The record versions (id → updated_at) already loaded inside the lag window.

    The lag makes every run re-list the last `lag_seconds` before the cursor, to catch late
    writes. Versions loaded before are dropped here, so a run with nothing changed loads
    nothing, while a late write (a version not seen yet) still loads. Kept in the resource
    state, committed atomically with the load package; only the tail of the listing (within
    the lag of the newest version) is remembered, packed as (id, microseconds) pairs:
    after a busy minute that tail holds tens of thousands of versions, and dlt copies,
    compresses and stores the whole state on every run.
    """

    STATE_KEY = "lag_versions"
    LEGACY_STATE_KEY = "lag_window"  # {str(id): updated_at} of earlier releases
    PRUNE_AT = 20_000

    def __init__(self, state: dict[str, Any], lag_seconds: float) -> None:
        self._state = state
        self._previous: dict[Any, int] = decode_versions(
            state.get(self.STATE_KEY), state.get(self.LEGACY_STATE_KEY)
        )
        self._current: dict[Any, str] = {}
        self._lag = timedelta(seconds=lag_seconds)
        self._newest: str | None = None
        self._cutoff: str | None = None  # newest - lag, in the API's timestamp form
        self._prune_at = self.PRUNE_AT

    def fresh(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        previous = self._previous
        out = records
        if previous:
            out = [
                r
                for r in records
                if (seen := previous.get(r.get("id"))) is None
                or seen != _micros(r.get(CURSOR_COLUMN))
            ]
        stamps = [u for r in records if isinstance(u := r.get(CURSOR_COLUMN), str)]
        if not stamps:
            return out
        page_newest = max(stamps)
        if self._newest is None or page_newest > self._newest:
            self._newest = page_newest
            self._cutoff = self._cutoff_of(page_newest)
        # only versions that may still be inside the lag when the run ends: the cutoff only
        # moves forward, so nothing that belongs in the saved tail is left out
        cutoff = self._cutoff
        self._current.update(
            (r.get("id"), u)
            for r in records
            if isinstance(u := r.get(CURSOR_COLUMN), str) and (cutoff is None or u >= cutoff)
        )
        if len(self._current) > self._prune_at:
            self._prune()
            # amortized: a tail longer than PRUNE_AT is not re-scanned on every page
            self._prune_at = max(self.PRUNE_AT, 2 * len(self._current))
        return out

    def _cutoff_of(self, newest: str) -> str | None:
        moment = parse_cursor(newest)
        return None if moment is None else format_cursor(moment - self._lag)

    def _prune(self) -> None:
        cutoff = self._cutoff
        if cutoff is not None:
            self._current = {k: v for k, v in self._current.items() if v >= cutoff}

    def save(self) -> None:
        self._prune()
        self._state.pop(self.LEGACY_STATE_KEY, None)
        self._state[self.STATE_KEY] = encode_versions(self._current)


def encode_versions(versions: dict[Any, str]) -> dict[str, Any]:
    """{"packed": base64 of int64 (id, microseconds) pairs} when every id is an integer and
    every version a timestamp, else {"versions": {id: updated_at}}."""
    pairs = array("q")
    for key, updated_at in versions.items():
        micros = _micros(updated_at)
        if type(key) is not int or micros is None or not -(2**63) <= key < 2**63:
            return {"versions": dict(versions)}
        pairs.append(key)
        pairs.append(micros)
    return {"packed": base64.b64encode(pairs.tobytes()).decode("ascii")}


def decode_versions(stored: dict[str, Any] | None, legacy: dict[str, str] | None) -> dict[Any, int]:
    """Record id → updated_at in microseconds, from `encode_versions` or the legacy map."""
    if stored and "packed" in stored:
        pairs = array("q")
        pairs.frombytes(base64.b64decode(stored["packed"]))
        return dict(zip(pairs[::2], pairs[1::2], strict=True))
    versions = (stored or {}).get("versions") or legacy or {}
    out: dict[Any, int] = {}
    for key, updated_at in versions.items():
        micros = _micros(updated_at)
        if micros is not None:
            out[int(key) if isinstance(key, str) and key.isdigit() else key] = micros
    return out
