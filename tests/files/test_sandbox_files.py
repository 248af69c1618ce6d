"""The sandbox's file bytes: real checksums, signed expiring URLs, Range, faults, uploads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pytest

from coconstruct_sandbox.files.records import version_fields
from coconstruct_sandbox.server import SandboxServer


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(size="small", seed=3) as s:
        yield s


@pytest.fixture(scope="module")
def api(server: SandboxServer) -> Iterator[httpx.Client]:
    account = server.account("admin", "none")
    token = httpx.post(f"{server.url}/sessions", json={"username": account.username,
                                                       "password": account.password}).json()
    with httpx.Client(base_url=server.url, headers={
            "Authorization": f"Bearer {token['access_token']}"}) as client:
        yield client


def _faults(server: SandboxServer, **config: object) -> dict:
    return httpx.post(f"{server.url}/_sandbox/file-faults", json=config).json()


def _fresh(api: httpx.Client, aid: int) -> dict:
    answer = api.get(f"/attachments/{aid}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_bytes_hash_to_the_listed_checksum_and_ranges_are_exact(server, api) -> None:
    listed = api.get("/attachments", params={"limit": 40}).json()["data"]
    empty = httpx.post(f"{server.url}/_sandbox/files", json={"sizes": [0, 1500]}).json()
    for attachment in [*listed[:6], *(server.store.get("attachments", e["id"]) for e in empty)]:
        body = httpx.get(server.url + _fresh(api, attachment["id"])["url"])
        assert body.status_code == 200
        assert len(body.content) == attachment["size_bytes"]
        assert hashlib.sha256(body.content).hexdigest() == attachment["checksum_sha256"]
        assert body.headers["etag"] == f'"{attachment["checksum_sha256"]}"'
    attachment = max(listed, key=lambda a: a["size_bytes"])
    url, size = server.url + _fresh(api, attachment["id"])["url"], attachment["size_bytes"]
    whole = httpx.get(url).content
    for asked, start, end in (("bytes=100-", 100, size), ("bytes=5-9", 5, 10),
                              ("bytes=-7", size - 7, size)):
        part = httpx.get(url, headers={"Range": asked})
        assert part.status_code == 206 and part.content == whole[start:end], asked
        assert part.headers["content-range"] == f"bytes {start}-{end - 1}/{size}"
    refused = httpx.get(url, headers={"Range": f"bytes={size}-"})
    assert refused.status_code == 416 and refused.headers["content-range"] == f"bytes */{size}"


def test_urls_are_signed_expire_and_die_with_their_version(server, api) -> None:
    listed = api.get("/attachments", params={"limit": 3}).json()["data"][0]
    assert httpx.get(server.url + listed["url"]).json()["error"]["code"] == "url_expired"
    fresh = _fresh(api, listed["id"])
    assert fresh["url_expires_at"] > listed["url_expires_at"]
    tampered = fresh["url"].replace("expires=", "expires=1")
    assert httpx.get(server.url + tampered).json()["error"]["code"] == "url_invalid"
    other = fresh["url"].replace(f"/files/{listed['id']}?", f"/files/{listed['id'] + 1}?")
    assert httpx.get(server.url + other).status_code == 403  # a URL opens one file only
    httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": 3600})
    try:
        assert httpx.get(server.url + fresh["url"]).json()["error"]["code"] == "url_expired"
    finally:
        httpx.post(f"{server.url}/_sandbox/clock", json={"advance_seconds": -3600})
    assert httpx.get(server.url + fresh["url"]).status_code == 200
    record = server.store.get("attachments", listed["id"])
    name = "v2_" + record["file_name"]
    server.store.put("attachments", {**record, "file_name": name, **version_fields(
        server.store.seed, record["id"], name, record["size_bytes"], record["url_expires_at"])})
    answer = httpx.get(server.url + fresh["url"])
    assert answer.status_code == 410 and answer.json()["error"]["code"] == "file_changed"
    assert _fresh(api, listed["id"])["checksum_sha256"] != listed["checksum_sha256"]


@pytest.mark.parametrize("profile", ["truncate", "wrong_bytes", "expire_mid"])
def test_file_faults_do_what_they_say(server, api, profile) -> None:
    attachment = max(api.get("/attachments", params={"limit": 50}).json()["data"],
                     key=lambda a: a["size_bytes"])
    url = server.url + _fresh(api, attachment["id"])["url"]
    _faults(server, profile=profile, rate=1.0)
    try:
        if profile == "expire_mid":
            with pytest.raises(httpx.RemoteProtocolError):
                httpx.get(url)
            assert httpx.get(url).json()["error"]["code"] == "url_expired"
            return
        body = httpx.get(url).content
    finally:
        described = _faults(server, profile="none")
    assert described["injected"] == {}
    if profile == "truncate":
        assert 0 < len(body) < attachment["size_bytes"]
    else:
        assert len(body) == attachment["size_bytes"]
        assert hashlib.sha256(body).hexdigest() != attachment["checksum_sha256"]


def test_staged_upload_needs_the_declared_bytes_and_checksum(server, api) -> None:
    data = b"punch list photo " * 5000
    good = hashlib.sha256(data).hexdigest()
    declared = {"project_id": 2, "parent_type": "project", "parent_id": 2, "file_name": "punch.jpg",
                "content_type": "image/jpeg", "size_bytes": len(data), "checksum_sha256": good}
    upload = api.post("/attachments/uploads", json=declared).json()
    assert upload["upload_url"].startswith("/uploads/") and "Authorization" not in upload
    complete = f"/attachments/uploads/{upload['upload_id']}/complete"
    assert api.post(complete, json={"checksum_sha256": good}).json()["error"]["code"] == "checksum_mismatch"
    assert httpx.put(server.url + upload["upload_url"], content=data + b"!").status_code == 413
    receipt = httpx.put(server.url + upload["upload_url"], content=data[:-1] + b"?").json()
    assert receipt["received_bytes"] == len(data) and receipt["checksum_sha256"] != good
    refused = api.post(complete, json={"checksum_sha256": good})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "checksum_mismatch"
    assert httpx.put(server.url + upload["upload_url"], content=data).json()["checksum_sha256"] == good
    created = api.post(complete, json={"checksum_sha256": good})
    assert created.status_code == 201
    attachment = created.json()
    again = api.post(complete, json={"checksum_sha256": good})
    assert again.status_code == 200 and again.json()["id"] == attachment["id"]
    assert httpx.get(server.url + attachment["url"]).content == data
    exported = {a["id"]: a for a in httpx.get(f"{server.url}/_sandbox/export/attachments").json()}
    assert exported[attachment["id"]]["checksum_sha256"] == good
    assert httpx.put(server.url + upload["upload_url"], content=data).status_code == 409
    bad_parent = api.post("/attachments/uploads", json={**declared, "parent_type": "bill",
                                                        "parent_id": 999999})
    assert bad_parent.status_code == 404
