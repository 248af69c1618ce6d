"""Rate-limit headers and 429s; activity while a listing runs."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.sandbox_http.helpers import authed, records


def test_token_bucket_per_session(sandbox_factory) -> None:
    server = sandbox_factory(rate_limit=1, rate_burst=3)
    with authed(server.url, server.account("admin", "none")) as client:
        answers = [client.get("/users", params={"limit": 1}) for _ in range(4)]
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        assert [int(a.headers["X-RateLimit-Remaining"]) for a in answers[:3]] == [2, 1, 0]
        assert all(a.headers["X-RateLimit-Limit"] == "3" for a in answers)
        limited = answers[3]
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1
        with authed(server.url, server.account("admin", "sms")) as other:
            assert other.get("/users", params={"limit": 1}).status_code == 200


def test_activity_every_n_list_requests(sandbox_factory) -> None:
    server = sandbox_factory(activity_every=2)
    since = datetime.now(UTC).isoformat()
    with authed(server.url, server.default_account()) as client:
        for _ in range(8):
            assert client.get("/cost-codes", params={"limit": 1}).status_code == 200
        paths = ["/users", "/clients", "/trade-partners", "/projects", "/cost-codes", "/budget-lines",
                 "/selections", "/change-orders", "/purchase-orders", "/bills", "/invoices", "/payments",
                 "/timesheets", "/schedule-tasks", "/quickbooks/mappings", "/attachments"]
        changed = sum(len(records(client, p, limit=1000, updated_since=since)) for p in paths)
    assert changed >= 4  # the 4 changes applied during the 8 requests (plus those of this count)


def test_activity_is_off_by_default(sandbox_factory) -> None:
    server = sandbox_factory()
    since = datetime.now(UTC).isoformat()
    with authed(server.url, server.default_account()) as client:
        for _ in range(5):
            client.get("/cost-codes", params={"limit": 1})
        assert records(client, "/cost-codes", updated_since=since) == []
    assert httpx.get(f"{server.url}/_sandbox/state").status_code == 200
