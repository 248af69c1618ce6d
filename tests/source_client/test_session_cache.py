"""The refresh-token cache: 0600 on disk, reused by the next run (no MFA), opt-out."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from coconstruct_source.session_cache import SessionCache, cache_path
from tests.source_client.fake_api import FakeApi
from tests.source_client.helpers import BASE, client_for


def test_file_is_0600_and_holds_only_the_refresh_token(tmp_path: Path) -> None:
    api = FakeApi(mfa="totp")
    cache = SessionCache.for_account(BASE, "alice", tmp_path / "cache")
    client, _ = client_for(api, session_cache=cache)
    client.get("/projects")
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    text = cache.path.read_text()
    assert api.refresh_current in text and "s3cret" not in text
    assert [p.name for p in cache.path.parent.iterdir()] == [cache.path.name]  # no temp files left


def test_next_run_refreshes_from_cache_without_mfa(tmp_path: Path) -> None:
    api = FakeApi(mfa="sms")
    cache = SessionCache.for_account(BASE, "alice", tmp_path)
    client, _ = client_for(api, session_cache=cache, code_provider=lambda m, h: api.outbox[-1])
    client.get("/projects")
    assert api.calls["POST /sessions/mfa"] == 1

    def no_code(method: str, hint: str | None) -> str:
        raise AssertionError("a cached session must not ask for an MFA code")

    second, auth = client_for(api, session_cache=cache, code_provider=no_code)
    assert second.get("/projects")["data"]
    assert auth.login_count == 0 and api.calls["POST /sessions/refresh"] == 1
    assert cache.load() == api.refresh_current  # the rotated token replaced the old one


def test_refused_cached_token_falls_back_to_login(tmp_path: Path) -> None:
    api = FakeApi()
    cache = SessionCache.for_account(BASE, "alice", tmp_path)
    cache.save("revoked-long-ago")
    client, auth = client_for(api, session_cache=cache)
    assert client.get("/projects")["data"]
    assert auth.login_count == 1 and cache.load() == api.refresh_current


def test_opt_out_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("coconstruct_source.session_cache.DEFAULT_DIR", tmp_path)
    api = FakeApi()
    client, _ = client_for(api, session_cache=None)
    client.get("/projects")
    assert list(tmp_path.iterdir()) == []


def test_path_depends_on_url_and_user_and_corrupt_file_is_ignored(tmp_path: Path) -> None:
    assert cache_path("https://a", "u", tmp_path) != cache_path("https://a", "v", tmp_path)
    assert cache_path("https://a/", "u", tmp_path) == cache_path("https://a", "u", tmp_path)
    cache = SessionCache(tmp_path / "x.json")
    cache.path.write_text("{not json")
    assert cache.load() is None
    cache.clear()
    cache.clear()  # idempotent
    assert not cache.path.exists()
