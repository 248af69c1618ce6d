"""Every answer of every route validates against the OpenAPI document (small, seed 1)."""

from __future__ import annotations

import httpx
import pytest

from coconstruct_sandbox.server import SandboxServer
from tests.sandbox_http.contract import errors_of, response_schema, spec
from tests.sandbox_http.helpers import authed, login, pages


def _entity(path: str) -> bool:
    """A GET answering JSON records (or pages of records) of an `x-resource` schema."""
    content = spec()["paths"][path]["get"]["responses"]["200"]["content"]
    name = content.get("application/json", {}).get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
    schemas = spec()["components"]["schemas"]
    record = name if "x-resource" in schemas.get(name, {}) else name.removesuffix("Page")
    return "x-resource" in schemas.get(record, {})


GET_PATHS = [p for p, ops in spec()["paths"].items() if "get" in ops and _entity(p)]
LIST_PATHS = [p for p in GET_PATHS if "{" not in p and p != "/company"]
DETAIL_PATHS = [p for p in GET_PATHS if p.endswith("/{id}")]
PROJECT_PATHS = [p for p in GET_PATHS if "{projectId}" in p]
# a detail answer carries a fresh signed URL where the list's may have expired
FRESH = {"/attachments/{id}": ("url", "url_expires_at")}


def _check(response: httpx.Response, path: str, method: str = "get") -> None:
    schema = response_schema(path, method, response.status_code)
    assert schema is not None, f"{method.upper()} {path}: status {response.status_code} not in the contract"
    assert response.headers["content-type"].startswith("application/json")
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert header in response.headers, f"{path}: no {header}"
    problems = errors_of(schema, response.json())
    assert not problems, f"{method.upper()} {path} vs {schema}: {problems[:5]}"


@pytest.fixture(scope="module")
def admin(sandbox: SandboxServer) -> httpx.Client:
    with authed(sandbox.url, sandbox.default_account()) as client:
        yield client


def test_the_contract_has_the_routes_the_sandbox_serves() -> None:
    assert len(LIST_PATHS) == 16 and len(DETAIL_PATHS) == 10 and len(PROJECT_PATHS) == 4


@pytest.mark.parametrize("path", LIST_PATHS)
def test_every_page_of_every_list_validates(admin: httpx.Client, sandbox: SandboxServer, path: str) -> None:
    seen, cursor = 0, None
    while True:
        response = admin.get(path, params={"limit": 200} | ({"cursor": cursor} if cursor else {}))
        _check(response, path)
        page = response.json()
        seen += len(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    table = spec()["components"]["schemas"][response_schema(path, "get", 200).removesuffix("Page")]["x-resource"]
    assert seen == sandbox.store.state()["tables"][table]["count"]


@pytest.mark.parametrize("path", DETAIL_PATHS)
def test_detail_routes_validate_and_404_is_json(admin: httpx.Client, path: str) -> None:
    list_path = path.removesuffix("/{id}")
    first = admin.get(list_path, params={"limit": 3}).json()["data"]
    assert first, f"{list_path} is empty in small seed 1"
    for record in first:
        response = admin.get(path.replace("{id}", str(record["id"])))
        assert response.status_code == 200
        _check(response, path)
        fresh = FRESH.get(path, ())
        assert {k: v for k, v in response.json().items() if k not in fresh} == {
            k: v for k, v in record.items() if k not in fresh}
    missing = admin.get(path.replace("{id}", "999999999"))
    assert missing.status_code == 404
    _check(missing, path)
    assert missing.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", PROJECT_PATHS)
def test_project_lists_validate_and_match_the_tenant_wide_list(admin: httpx.Client, path: str) -> None:
    projects = admin.get("/projects", params={"limit": 3}).json()["data"]
    kind = path.rsplit("/", 1)[1]
    tenant_path = {"schedule": "/schedule-tasks"}.get(kind, f"/{kind}")
    everything = [r for p in pages(admin, tenant_path, limit=1000) for r in p["data"]]
    for project in projects:
        concrete = path.replace("{projectId}", str(project["id"]))
        got = []
        for page in pages(admin, concrete, limit=50):
            got += page["data"]
        response = admin.get(concrete)
        _check(response, path)
        expected = sorted(r["id"] for r in everything if r["project_id"] == project["id"])
        assert sorted(r["id"] for r in got) == expected


def test_company_and_session_answers_validate(sandbox: SandboxServer, admin: httpx.Client) -> None:
    _check(admin.get("/company"), "/company")
    with httpx.Client(base_url=sandbox.url) as client:
        account = sandbox.default_account()
        challenge = client.post("/sessions", json={"username": account.username, "password": account.password})
        _check(challenge, "/sessions", "post")
        wrong = client.post("/sessions", json={"username": account.username + "x", "password": "nope"})
        assert wrong.status_code == 401
        _check(wrong, "/sessions", "post")
        bad = client.post("/sessions", json={"username": "only"})
        assert bad.status_code == 422
        _check(bad, "/sessions", "post")
        tokens = login(client, account)
        assert not errors_of("TokenPair", tokens)
        refreshed = client.post("/sessions/refresh", json={"refresh_token": tokens["refresh_token"]})
        _check(refreshed, "/sessions/refresh", "post")


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 1001}, "limit"), ({"limit": 0}, "limit"), ({"limit": "ten"}, "limit"),
     ({"updated_since": "yesterday"}, "updated_since"), ({"updated_since": "2025-01-01T00:00:00"}, "updated_since"),
     ({"cursor": "not-a-cursor"}, "cursor")],
)
def test_bad_list_parameters_are_422(admin: httpx.Client, params: dict, field: str) -> None:
    response = admin.get("/change-orders", params=params)
    assert response.status_code == 422, response.text
    _check(response, "/change-orders")
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.text


def test_tombstones_after_activity_validate(sandbox_factory) -> None:
    server = sandbox_factory()
    with authed(server.url, server.default_account()) as client:
        since = client.get("/company").json()["updated_at"]
        changed = client.post("/_sandbox/advance", json={"changes": 60}).json()
        assert changed["deleted"] > 0, changed
        tombstones = 0
        for path in LIST_PATHS:
            for page in pages(client, path, limit=1000, updated_since=since):
                problems = errors_of(response_schema(path, "get", 200), page)
                assert not problems, f"{path}: {problems[:3]}"
                tombstones += sum(1 for r in page["data"] if r["deleted"])
        assert tombstones > 0
