"""The listener's receiving end: signatures, stale timestamps, replays, the durable queue."""

from __future__ import annotations

import base64
import os
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from standardwebhooks import Webhook

from coconstruct_elt.webhooks.queue import EventQueue, QueuedEvent
from coconstruct_elt.webhooks.receiver import Receiver, ReceiverServer

SECRET = "whsec_" + base64.b64encode(b"k" * 24).decode()
BODY = orjson.dumps({"type": "change_orders.updated", "timestamp": "2026-01-01T00:00:00.000000Z",
                     "data": {"resource": "change_orders", "id": 7, "project_id": 2,
                              "updated_at": "2026-01-01T00:00:00.000000Z"}})


def _headers(msg_id: str, body: bytes = BODY, secret: str = SECRET,
             when: datetime | None = None) -> dict[str, str]:
    when = when or datetime.now(UTC)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, when, body.decode()),
            "content-type": "application/json"}


@pytest.fixture
def server(tmp_path):
    queue = EventQueue(tmp_path / "queue.sqlite")
    woken = []
    receiver = Receiver({"north": SECRET}, queue, on_event=lambda: woken.append(1))
    with_server = ReceiverServer(receiver, port=0).start()
    yield with_server, queue, woken
    with_server.stop()
    queue.close()


def test_a_signed_event_is_queued_once_and_replays_are_acknowledged_not_requeued(server) -> None:
    http, queue, woken = server
    url = f"{http.url}/webhooks/north"
    first = httpx.post(url, content=BODY, headers=_headers("msg_1"))
    assert first.status_code == 202 and first.json() == {"status": "queued"}
    again = httpx.post(url, content=BODY, headers=_headers("msg_1"))  # a retry, or a replay
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    (event,) = queue.pending()
    assert (event.tenant, event.id, event.resource, event.type) == (
        "north", "msg_1", "change_orders", "change_orders.updated")
    assert woken == [1]
    health = httpx.get(f"{http.url}/health").json()
    assert health["queue"] == {"pending": 1, "done": 0} and health["received"]["duplicate"] == 1


@pytest.mark.parametrize("how", ["wrong_secret", "tampered_body", "stale", "future", "unsigned",
                                 "malformed_signature"])
def test_unverifiable_deliveries_are_refused_and_not_queued(server, how) -> None:
    http, queue, _ = server
    headers = _headers("msg_2")
    body = BODY
    if how == "wrong_secret":
        headers = _headers("msg_2", secret="whsec_" + base64.b64encode(b"x" * 24).decode())
    elif how == "tampered_body":
        body = BODY.replace(b'"id":7', b'"id":8')
    elif how in ("stale", "future"):
        shift = timedelta(minutes=6 if how == "future" else -6)
        headers = _headers("msg_2", when=datetime.now(UTC) + shift)  # correctly signed
    elif how == "unsigned":
        del headers["webhook-signature"]
    else:
        headers["webhook-signature"] = "v1"
    answer = httpx.post(f"{http.url}/webhooks/north", content=body, headers=headers)
    assert answer.status_code == 401, answer.text
    assert queue.pending() == []


def test_unknown_tenants_paths_and_huge_bodies_are_refused(server) -> None:
    http, queue, _ = server
    assert httpx.post(f"{http.url}/webhooks/south", content=BODY, headers=_headers("m")).status_code == 404
    assert httpx.post(f"{http.url}/elsewhere", content=BODY, headers=_headers("m")).status_code == 404
    huge = httpx.post(f"{http.url}/webhooks/north", content=b"x" * 300_000, headers=_headers("m"))
    assert huge.status_code == 413
    assert queue.pending() == []


def test_the_queue_keeps_events_and_ids_across_a_reopen(tmp_path) -> None:
    path = tmp_path / "queue.sqlite"
    queue = EventQueue(path)
    event = QueuedEvent("north", "msg_9", "bills", "bills.created", None, time.time())
    assert queue.add(event)
    queue._db.close()  # as a killed process leaves it: no orderly close
    reopened = EventQueue(path)
    assert reopened.pending() == [event] and not reopened.add(event)
    reopened.mark_done([event])
    assert reopened.pending() == [] and not reopened.add(event)  # still known once done
    assert os.path.exists(path)
