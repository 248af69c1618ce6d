"""A client written straight from the OpenAPI document: plain httpx + pyotp, no project code
besides starting the server. It logs in with TOTP and pages every list to /_sandbox/state's counts."""

from __future__ import annotations

import httpx
import pyotp

from tests.sandbox_http.contract import spec


def test_a_client_from_the_contract_reads_exactly_the_ground_truth(sandbox) -> None:
    document = spec()
    lists = {}
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path or path == "/company":
            continue
        page_schema = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        record_schema = page_schema.rsplit("/", 1)[1].removesuffix("Page")
        if "x-resource" in document["components"]["schemas"][record_schema]:  # an entity list
            lists[path] = document["components"]["schemas"][record_schema]["x-resource"]
    assert len(lists) == 16

    with httpx.Client(base_url=sandbox.url, timeout=30) as client:
        account = next(a for a in client.get("/_sandbox/accounts").json()
                       if a["role"] == "admin" and a["mfa"] == "totp")
        challenge = client.post("/sessions", json={"username": account["username"],
                                                   "password": account["password"]}).json()
        assert challenge["mfa_required"] is True and challenge["method"] == "totp"
        tokens = client.post("/sessions/mfa", json={
            "challenge_id": challenge["challenge_id"],
            "code": pyotp.TOTP(account["totp_secret"]).now()}).json()
        client.headers["Authorization"] = f"{tokens['token_type']} {tokens['access_token']}"
        truth = client.get("/_sandbox/state").json()["tables"]

        assert client.get("/company").json()["id"] >= 1
        assert truth["company"]["count"] == 1
        for path, table in lists.items():
            ids, cursor = [], None
            while True:
                params = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
                page = client.get(path, params=params).json()
                ids += [record["id"] for record in page["data"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert len(ids) == len(set(ids)) == truth[table]["count"], table
