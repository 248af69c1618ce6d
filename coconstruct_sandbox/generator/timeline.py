"""Deterministic generated time: integer microseconds since a fixed base epoch.

Generated history spans BASE (2024-01-01) to END (2026-09-30), always before the real clock,
so every live edit (stamped with the store's real `now()`) sorts after all generated data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

BASE = datetime(2024, 1, 1, tzinfo=UTC)
SECOND = 1_000_000
HOUR = 3600 * SECOND
DAY = 24 * HOUR
END_DAY = (date(2026, 9, 30) - BASE.date()).days
END = END_DAY * DAY
_DATES = tuple((BASE.date() + timedelta(days=d)).isoformat() for d in range(END_DAY + 400))
# The company is in America/Denver: UTC-6 in summer (Mar-Oct, roughly), UTC-7 otherwise.
_UTC_OFFSET_H = tuple(-6 if 3 <= (BASE.date() + timedelta(days=d)).month <= 10 else -7
                      for d in range(END_DAY + 400))


_CLOCK = tuple(f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}." for s in range(86_400))


def iso(us: int) -> str:
    """ISO-8601 UTC with microseconds and a Z, e.g. 2025-03-04T17:02:11.123456Z."""
    secs = us // 1_000_000
    return f"{_DATES[secs // 86_400]}{_CLOCK[secs % 86_400]}{us % 1_000_000:06d}Z"


def day_of(us: int) -> int:
    return us // DAY


def iso_date(day: int) -> str:
    return _DATES[day]


def local_date(us: int) -> str:
    """The company-local calendar date of a UTC instant."""
    day = us // DAY
    return _DATES[(us + _UTC_OFFSET_H[day] * HOUR) // DAY]


def to_us(timestamp: str) -> int:
    """Inverse of `iso` (accepts any ISO-8601 UTC string)."""
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    delta = moment - BASE
    return (delta.days * 86_400 + delta.seconds) * SECOND + delta.microseconds
