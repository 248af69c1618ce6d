"""Retries, backoff and error mapping of ApiClient, against the fake API."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import httpx
import pytest

from coconstruct_source.errors import (
    ApiError,
    CoconstructError,
    MalformedResponse,
    PermissionDenied,
    SessionError,
)
from coconstruct_source.http import ApiClient, HttpSettings, retry_after_seconds, tls_verify
from tests.source_client.fake_api import FakeApi, error
from tests.source_client.helpers import FAST, Sleeps, client_for

LOGIN_PAGE = b"<!DOCTYPE html><html><body><form action='/login'>Log in</form></body></html>"


def html_page() -> httpx.Response:
    return httpx.Response(200, content=LOGIN_PAGE, headers={"content-type": "text/html"})


def test_429_honours_retry_after_and_floors_zero() -> None:
    api = FakeApi()
    api.inject("/projects", error(429, "rate_limited", {"Retry-After": "2"}), error(429, "rate_limited", {"Retry-After": "0"}))
    sleeps = Sleeps()
    client, _ = client_for(api, sleep=sleeps)
    assert client.get("/projects")["data"]
    assert len(sleeps) == 2
    assert 2.0 <= sleeps[0] <= 2.2
    assert FAST.retry_after_floor <= sleeps[1] <= FAST.retry_after_floor * 1.1
    assert api.calls["GET /projects"] == 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_backoff_is_exponential_and_bounded(status: int) -> None:
    api = FakeApi()
    api.inject("/projects", *[error(status, "service_unavailable")] * 3)
    sleeps = Sleeps()
    settings = HttpSettings(max_retries=5, backoff_base=1.0, backoff_max=3.0)
    client, _ = client_for(api, settings=settings, sleep=sleeps)
    assert client.get("/projects")["data"]
    # equal jitter: attempt n waits in [cap/2, cap], cap = min(max, base * 2**n)
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0 and 1.5 <= sleeps[2] <= 3.0


def test_retries_exhausted_names_the_path() -> None:
    api = FakeApi()
    api.inject("/projects", *[error(503, "service_unavailable")] * 10)
    client, _ = client_for(api)
    with pytest.raises(ApiError, match=r"503 \(service_unavailable\) on /projects: still failing after 4 retries") as exc:
        client.get("/projects")
    assert exc.value.status == 503 and exc.value.path == "/projects"
    assert api.calls["GET /projects"] == FAST.max_retries + 1


def test_dropped_connection_is_retried() -> None:
    api = FakeApi()
    api.inject("/projects", httpx.RemoteProtocolError("peer closed connection"), httpx.ReadTimeout("slow"))
    client, _ = client_for(api)
    assert client.get("/projects")["data"]


def test_connection_failure_after_retries_is_clear() -> None:
    api = FakeApi()
    api.inject("/projects", *[httpx.ConnectError("refused")] * 10)
    client, _ = client_for(api)
    with pytest.raises(CoconstructError, match=r"GET /projects failed after 5 attempt\(s\): ConnectError; check the network"):
        client.get("/projects")


def test_truncated_json_is_retried_then_malformed() -> None:
    api = FakeApi()
    cut = httpx.Response(200, content=b'{"data": [{"id": 1, "tot', headers={"content-type": "application/json"})
    api.inject("/projects", cut)
    client, _ = client_for(api)
    assert client.get("/projects")["data"]
    api.inject("/projects", *[cut] * 10)
    with pytest.raises(MalformedResponse, match=r"/projects: not valid JSON \(24 bytes") as exc:
        client.get("/projects")
    assert exc.value.path == "/projects"


def test_html_login_page_is_a_dead_session_not_data() -> None:
    api = FakeApi()
    client, auth = client_for(api)
    client.get("/projects")
    api.inject("/projects", html_page())
    page = client.get("/projects")
    assert page["data"][0]["id"] == 1
    assert auth.refresh_count == 1  # renewed, then re-sent


def test_persistent_login_page_ends_in_session_error() -> None:
    api = FakeApi()
    client, _ = client_for(api)
    api.inject("/projects", *[html_page()] * 20)
    with pytest.raises(SessionError, match="kept refusing the session"):
        client.get("/projects")


def test_redirect_to_login_is_a_dead_session() -> None:
    api = FakeApi()
    client, auth = client_for(api)
    api.inject("/projects", httpx.Response(302, headers={"location": "/login?next=/projects"}))
    assert client.get("/projects")["data"]
    assert auth.login_count == 1 and auth.refresh_count == 1


def test_403_and_404_are_not_retried() -> None:
    api = FakeApi()
    client, _ = client_for(api)
    with pytest.raises(PermissionDenied, match="permission denied on /forbidden") as denied:
        client.get("/forbidden")
    assert denied.value.code == "forbidden" and denied.value.path == "/forbidden"
    with pytest.raises(ApiError, match=r"404 \(not_found\) on /nowhere"):
        client.get("/nowhere")
    assert api.calls["GET /forbidden"] == 1 and api.calls["GET /nowhere"] == 1


def test_post_without_key_is_not_retried_with_key_is() -> None:
    api = FakeApi()
    client, _ = client_for(api)
    api.inject("/projects/1/change-orders", error(503, "service_unavailable"))
    with pytest.raises(ApiError, match="503"):
        client.post("/projects/1/change-orders", {"title": "x"}, idempotency_key=None)
    api.inject("/projects/1/change-orders", httpx.RemoteProtocolError("dropped"), error(503, "service_unavailable"))
    created = client.post("/projects/1/change-orders", {"title": "x"}, idempotency_key="k-1")
    assert created["title"] == "x"


def test_no_auth_client_sends_no_authorization() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    with ApiClient("https://x.test", None, FAST, transport=httpx.MockTransport(handler)) as client:
        assert client.get("/ping", params={"a": 1}) == {"ok": True}
    assert "authorization" not in seen[0].headers and seen[0].url.params["a"] == "1"


def test_retry_after_http_date() -> None:
    response = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after_seconds(response) == 0.0
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "junk"})) is None
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "7"})) == 7.0


def test_tls_verification_uses_a_given_ca_bundle(tmp_path: Path) -> None:
    assert tls_verify(True) is True
    ctx = tls_verify(certifi.where())
    assert isinstance(ctx, ssl.SSLContext) and ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.cert_store_stats()["x509_ca"] > 10
    with pytest.raises(CoconstructError, match=r"CA bundle .*missing.pem does not exist"):
        ApiClient("https://x.test", None, HttpSettings(verify=str(tmp_path / "missing.pem")))


def test_plain_text_answer_is_a_dead_session_too() -> None:
    api = FakeApi()
    client, auth = client_for(api)
    client.get("/projects")
    api.inject("/projects", httpx.Response(200, content=b"Session ended. Please sign in.", headers={"content-type": "text/plain"}))
    assert client.get("/projects")["data"]
    assert auth.refresh_count == 1
