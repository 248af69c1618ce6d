"""A token bucket per session, and the `X-RateLimit-*` headers every answer carries."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

# what an unlimited sandbox reports: a number no client will ever run down
_UNLIMITED = {"X-RateLimit-Limit": "1000000", "X-RateLimit-Remaining": "1000000", "X-RateLimit-Reset": "0"}


@dataclass
class Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """`rate` requests per second sustained, bursts up to `burst`; `rate <= 0` disables it."""

    def __init__(self, rate: float = 500.0, burst: int | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1, int(rate * 2))
        self._buckets: dict[str, Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> tuple[bool, dict[str, str], int]:
        """(allowed, headers, retry_after seconds) for one request of `key`."""
        if not self.enabled:
            return True, _UNLIMITED, 0
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        allowed = bucket.tokens >= 1
        if allowed:
            bucket.tokens -= 1
        reset = math.ceil((self.burst - bucket.tokens) / self.rate)
        retry_after = 0 if allowed else max(1, math.ceil((1 - bucket.tokens) / self.rate))
        headers = {
            "X-RateLimit-Limit": str(self.burst),
            "X-RateLimit-Remaining": str(int(bucket.tokens)),
            "X-RateLimit-Reset": str(reset),
        }
        return allowed, headers, retry_after
