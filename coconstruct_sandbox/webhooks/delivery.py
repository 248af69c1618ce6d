"""Webhook subscriptions and their deliveries: Standard Webhooks signing, retries with
backoff, and fault profiles. One scheduler thread polls the change feed and sends what is
due on a small pool, so a slow or dead endpoint does not hold the others up.

Signing (standardwebhooks.com): headers `webhook-id` (one per event, kept across retries),
`webhook-timestamp` (unix seconds of the attempt) and `webhook-signature`
(`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` with the base64 key after `whsec_`).
A 2xx is delivered; anything else (or no answer in `timeout` seconds) is retried after
`retry_schedule[attempt]` seconds (± 20 % jitter), then given up.

Faults, per event with probability `rate` (chaos picks one): `drop` (never sent),
`duplicate` (sent twice), `out_of_order` (held back so later events overtake it),
`late_retry` (sent again, same id, seconds after it was delivered), `bad_signature` (a
forged copy signed with another key goes first; a receiver must refuse it).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import heapq
import hmac
import itertools
import logging
import random
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from coconstruct_sandbox.store import TenantStore
from coconstruct_sandbox.webhooks.feed import Change, ChangeFeed

logger = logging.getLogger(__name__)

WEBHOOK_FAULT_PROFILES = ("none", "drop", "duplicate", "out_of_order", "late_retry",
                          "bad_signature", "chaos")
_KINDS = WEBHOOK_FAULT_PROFILES[1:-1]
# the sandbox only calls back to this machine (a real API must also guard against SSRF)
LOOPBACK = frozenset({"127.0.0.1", "localhost"})
RETRY_SCHEDULE = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)  # seconds (a real API: minutes to days)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


@dataclass
class WebhookFaultConfig:
    profile: str = "none"
    seed: int = 1
    rate: float = 0.2
    max_hold: float = 2.0  # seconds an out-of-order event is held back
    late_after: float = 3.0  # seconds after delivery a late retry comes

    def __post_init__(self) -> None:
        if self.profile not in WEBHOOK_FAULT_PROFILES:
            raise ValueError(f"unknown webhook fault profile {self.profile!r}; one of "
                             f"{', '.join(WEBHOOK_FAULT_PROFILES)}")
        if not 0 <= self.rate <= 1:
            raise ValueError("webhook fault rate must be between 0 and 1")


@dataclass
class Subscription:
    id: str
    url: str
    secret: str
    events: list[str]
    created_at: str
    stats: Counter = field(default_factory=Counter)

    def wants(self, change: Change) -> bool:
        return any(fnmatch.fnmatchcase(change.type, pattern) for pattern in self.events)

    def public(self, with_secret: bool = False) -> dict[str, Any]:
        out = {"id": self.id, "url": self.url, "events": self.events, "created_at": self.created_at}
        return out | {"secret": self.secret} if with_secret else out


@dataclass
class _Message:
    subscription: Subscription
    id: str
    body: bytes
    attempt: int = 0
    late: bool = False  # send again after delivery (late_retry)
    forged: bool = False


class WebhookService:
    """Subscriptions, the change feed and the delivery thread (started by the first subscription)."""

    def __init__(self, store: TenantStore, *, retry_schedule: tuple[float, ...] = RETRY_SCHEDULE,
                 timeout: float = 5.0, poll_every: float = 0.05) -> None:
        self.store, self.retry_schedule, self.timeout, self.poll_every = store, retry_schedule, timeout, poll_every
        self.subscriptions: dict[str, Subscription] = {}
        self.fault_config = WebhookFaultConfig()
        self.injected: Counter[str] = Counter()
        self._rng = random.Random("webhook-faults:none:1")
        self._feed: ChangeFeed | None = None
        self._queue: list[tuple[float, int, _Message]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._http: httpx.Client | None = None

    # ---- configuration ----
    def configure_faults(self, config: WebhookFaultConfig) -> None:
        with self._lock:
            self.fault_config = config
            self._rng = random.Random(f"webhook-faults:{config.profile}:{config.seed}")
            self.injected = Counter()

    def subscribe(self, url: str, events: list[str]) -> Subscription:
        with self._lock:
            subscription = Subscription("whsub_" + secrets.token_hex(8), url, new_secret(), events,
                                        self.store.now())
            self.subscriptions[subscription.id] = subscription
            if self._feed is None:
                self._feed = ChangeFeed(self.store)
        self._start()
        return subscription

    def unsubscribe(self, subscription_id: str) -> bool:
        with self._lock:
            return self.subscriptions.pop(subscription_id, None) is not None

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"faults": asdict(self.fault_config) | {"injected": dict(self.injected)},
                    "pending": len(self._queue),
                    "subscriptions": [s.public() | {"stats": dict(s.stats)}
                                      for s in self.subscriptions.values()]}

    # ---- the delivery thread ----
    def _start(self) -> None:
        if self._thread is None:
            self._http = httpx.Client(timeout=self.timeout, follow_redirects=False)
            self._pool = ThreadPoolExecutor(4, thread_name_prefix="sandbox-webhooks")
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._http is not None:
            self._http.close()
        self._thread = self._pool = self._http = None

    def _run(self) -> None:
        while not self._stop.wait(self.poll_every):
            try:
                self._enqueue_changes()
                self._send_due()
            except Exception:  # the sandbox keeps delivering whatever one poll did
                logger.exception("webhook delivery loop")

    def _enqueue_changes(self) -> None:
        with self._lock:
            if self._feed is None or not self.subscriptions:
                return
            changes = self._feed.poll()
            now = time.monotonic()
            for change in changes:
                body = orjson.dumps(change.payload())
                for subscription in self.subscriptions.values():
                    if subscription.wants(change):
                        self._plan(_Message(subscription, "msg_" + secrets.token_hex(12), body), now)

    def _plan(self, message: _Message, now: float) -> None:
        """Queue a new event's first attempt, with its fault (lock held)."""
        kind = self._fault()
        due = now
        message.subscription.stats["events"] += 1
        if kind == "drop":
            message.subscription.stats["dropped"] += 1
            return
        if kind == "duplicate":
            self._push(now, _Message(message.subscription, message.id, message.body))
        elif kind == "out_of_order":
            due = now + self._rng.uniform(0.3, self.fault_config.max_hold)
        elif kind == "late_retry":
            message.late = True
        elif kind == "bad_signature":
            forged = orjson.loads(message.body)
            forged["data"]["id"] = forged["data"]["id"] + 1_000_000
            self._push(now, _Message(message.subscription, "msg_" + secrets.token_hex(12),
                                     orjson.dumps(forged), forged=True))
        self._push(due, message)

    def _fault(self) -> str | None:
        config = self.fault_config
        if config.profile == "none" or self._rng.random() >= config.rate:
            return None
        kind = self._rng.choice(_KINDS) if config.profile == "chaos" else config.profile
        self.injected[kind] += 1
        return kind

    def _push(self, due: float, message: _Message) -> None:
        heapq.heappush(self._queue, (due, next(self._seq), message))

    def _send_due(self) -> None:
        now = time.monotonic()
        due: list[_Message] = []
        with self._lock:
            while self._queue and self._queue[0][0] <= now:
                due.append(heapq.heappop(self._queue)[2])
        for message in due:
            assert self._pool is not None
            self._pool.submit(self._send, message)

    def _send(self, message: _Message) -> None:
        subscription = message.subscription
        if subscription.id not in self.subscriptions:
            return
        if urlsplit(subscription.url).hostname not in LOOPBACK:
            with self._lock:
                subscription.stats["blocked"] += 1  # never leave the machine
            return
        stamp = int(time.time())
        secret = new_secret() if message.forged else subscription.secret
        headers = {"content-type": "application/json", "webhook-id": message.id,
                   "webhook-timestamp": str(stamp),
                   "webhook-signature": sign(secret, message.id, stamp, message.body)}
        assert self._http is not None
        try:
            status = self._http.post(subscription.url, content=message.body, headers=headers).status_code
        except httpx.HTTPError:
            status = 0
        with self._lock:
            subscription.stats["attempts"] += 1
            if message.forged:
                subscription.stats["forged_refused" if 400 <= status < 500 else "forged_accepted"] += 1
                return
            if 200 <= status < 300:
                subscription.stats["delivered"] += 1
                if message.late:
                    message.late = False
                    self._push(time.monotonic() + self.fault_config.late_after, message)
                return
            if message.attempt >= len(self.retry_schedule):
                subscription.stats["failed"] += 1
                return
            delay = self.retry_schedule[message.attempt] * self._rng.uniform(0.8, 1.2)
            message.attempt += 1
            subscription.stats["retried"] += 1
            self._push(time.monotonic() + delay, message)
