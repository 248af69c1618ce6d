"""The sandbox's webhooks: every entity, Standard Webhooks signatures, retries, faults."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import orjson
import pytest
import yaml
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from coconstruct_sandbox.server import SandboxServer
from tests.dbt.raw_schema import CONTRACT
from tests.webhooks.capture import Delivery, capture, wait_until


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(size="small", seed=21, webhook_retry_schedule=(0.2, 0.4, 0.8)) as s:
        yield s


def _subscribe(server: SandboxServer, url: str) -> dict:
    account = server.account("admin", "none")
    token = httpx.post(f"{server.url}/sessions", json={"username": account.username,
                                                       "password": account.password}).json()
    answer = httpx.post(f"{server.url}/webhook-subscriptions", json={"url": url},
                        headers={"Authorization": f"Bearer {token['access_token']}"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def _changed_since(server: SandboxServer, mark: str) -> set[tuple[str, int]]:
    """(resource, id) of every record changed since `mark`: what events must name."""
    out = set()
    for entity in server.store.entities:
        page = orjson.loads(server.store.list_page(entity, limit=1000, updated_since=mark).data)
        out |= {(entity, r["id"]) for r in page}
    return out


def _stats(server: SandboxServer) -> dict:
    return server.state.webhooks.describe()["subscriptions"][0]["stats"]


def _unsubscribe_all(server: SandboxServer) -> None:
    for key in list(server.state.webhooks.subscriptions):
        server.state.webhooks.unsubscribe(key)


def test_events_cover_every_entity_of_the_contract(server) -> None:
    schemas = yaml.safe_load(CONTRACT.read_text())["components"]["schemas"]
    resources = {s["x-resource"] for s in schemas.values() if "x-resource" in s}
    assert {*server.store.entities, "company"} == resources


def test_deliveries_are_signed_retried_and_name_every_change(server) -> None:
    failed_once: set[str] = set()

    def first_attempt_fails(delivery: Delivery) -> int:
        if delivery.headers["webhook-id"] not in failed_once:
            failed_once.add(delivery.headers["webhook-id"])
            return 503
        return 204

    with capture(first_attempt_fails) as (url, got):
        subscription = _subscribe(server, url)
        assert subscription["secret"].startswith("whsec_")
        mark = server.store.now()
        changed = server.store.advance(40)
        expected = _changed_since(server, mark)
        wait_until(lambda: _stats(server).get("delivered", 0) >= len(expected) and
                   server.state.webhooks.describe()["pending"] == 0, what="retried deliveries")
        _unsubscribe_all(server)
    verifier = Webhook(subscription["secret"])
    events = {}
    attempts: dict[str, list[Delivery]] = {}
    for delivery in got:
        event = verifier.verify(delivery.body, delivery.headers)
        events[delivery.headers["webhook-id"]] = event
        attempts.setdefault(delivery.headers["webhook-id"], []).append(delivery)
    assert all(len(a) == 2 and a[0].body == a[1].body for a in attempts.values())  # same event
    kinds = Counter(e["type"].split(".")[1] for e in events.values())
    assert kinds["created"] and kinds["updated"], kinds
    # every (table, id) the sandbox changed is named by an event, once
    named = Counter((e["data"]["resource"], e["data"]["id"]) for e in events.values())
    assert set(named) == expected and len(events) >= len(expected)
    assert changed["created"] + changed["updated"] + changed["deleted"] == 40


@pytest.mark.parametrize("profile", ["drop", "duplicate", "out_of_order", "late_retry", "bad_signature"])
def test_webhook_faults_do_what_they_say(server, profile) -> None:
    httpx.post(f"{server.url}/_sandbox/webhook-faults",
               json={"profile": profile, "rate": 1.0, "late_after": 0.5, "max_hold": 0.8})
    try:
        with capture() as (url, got):
            subscription = _subscribe(server, url)
            mark = server.store.now()
            server.store.advance(6)
            events = len(_changed_since(server, mark))
            sent = {"drop": 0, "duplicate": 2, "late_retry": 2, "bad_signature": 2}.get(profile, 1)
            wait_until(lambda: _stats(server).get("events", 0) >= events and
                       server.state.webhooks.describe()["pending"] == 0 and
                       len(got) >= sent * events, what="deliveries")
            final = _stats(server)
            _unsubscribe_all(server)
    finally:
        httpx.post(f"{server.url}/_sandbox/webhook-faults", json={"profile": "none"})
    verifier = Webhook(subscription["secret"])
    ids = [d.headers["webhook-id"] for d in got]
    if profile == "drop":
        assert not got and final["dropped"] > 0
    elif profile in ("duplicate", "late_retry"):
        assert all(n == 2 for n in Counter(ids).values()) and got
        if profile == "late_retry":
            first = {}
            for d in got:
                first.setdefault(d.headers["webhook-id"], d.at)
            assert all(d.at - first[d.headers["webhook-id"]] >= 0.4 for d in got
                       if d.at != first[d.headers["webhook-id"]])
    elif profile == "out_of_order":
        stamps = [verifier.verify(d.body, d.headers)["timestamp"] for d in got]
        assert stamps != sorted(stamps)
    else:
        forged = [d for d in got if _refused(verifier, d)]
        assert forged and len(forged) == len(got) // 2
        assert final["forged_accepted"] == len(forged)  # this endpoint says 204 to anything


def _refused(verifier: Webhook, delivery: Delivery) -> bool:
    try:
        verifier.verify(delivery.body, delivery.headers)
    except WebhookVerificationError:
        return True
    return False
