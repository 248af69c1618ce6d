"""No secret in any artifact: real CLI syncs (debug logs on) against a sandbox with its own,
unique credentials, successful and failing, then every file they left is scanned for the
password, the TOTP secret, the OAuth client secret and every access / refresh token the
sandbox issued (raw, base64 and URL-encoded), and so are the error texts and the cassettes.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest

from coconstruct_sandbox.server import SandboxServer
from tests.security.request_log import RequestLog, logging_sandboxes
from tests.security.scan import forms, scan_path, scan_text

SEED = 424_242  # a seed no other suite uses: the accounts' passwords and TOTP secrets are unique
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Runs:
    server: SandboxServer
    log: RequestLog
    root: Path
    outputs: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    cache_dir: Path | None = None

    def secrets(self) -> dict[str, str]:
        """Every secret of the tenant's accounts and every token the sandbox ever issued."""
        auth = self.server.state.auth
        out: dict[str, str] = {}
        for account in self.server.accounts:
            out[f"password of {account.username}"] = account.password
            if account.totp_secret:
                out[f"TOTP secret of {account.username}"] = account.totp_secret
        client = self.server.state.oauth_client
        assert client is not None
        out["OAuth client secret"] = client.client_secret
        for i, token in enumerate(auth._sessions):
            out[f"access token #{i}"] = token
        for i, token in enumerate([*auth._refresh, *auth._oauth_refresh]):
            out[f"refresh token #{i}"] = token
        return out


def _env(root: Path, base_url: str, home: Path, **credentials: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SOURCES__", "DESTINATION__", "RUNTIME__", "DLT_"))}
    env.update({
        "HOME": str(home),
        "DLT_DATA_DIR": str(root / "dlt_data"),
        "RUNTIME__LOG_LEVEL": "DEBUG",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "SOURCES__COCONSTRUCT__BASE_URL": base_url,
    })
    for key, value in credentials.items():
        env[key.upper()] = value
    return env


def _run(runs: Runs, name: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`coconstruct run -v` in a subprocess; its stdout/stderr are kept as files under root."""
    root = runs.root
    done = subprocess.run(
        [sys.executable, "-m", "coconstruct_elt.cli", "run", "-v", "--no-dbt", "--no-progress",
         "--duckdb-path", str(root / "warehouse.duckdb"), "--pipelines-dir", str(root / "pipelines")],
        cwd=root / "work", env=env, capture_output=True, text=True, timeout=180)
    (root / "logs" / f"{name}.stdout").write_text(done.stdout)
    (root / "logs" / f"{name}.stderr").write_text(done.stderr)
    runs.outputs[name] = done
    return done


def _password_env(runs: Runs, home: Path, *, password: str | None = None,
                  totp_secret: str | None = None, cache: bool = True) -> dict[str, str]:
    account = runs.server.default_account()
    prefix = "sources__coconstruct__credentials__"
    env = _env(runs.root, runs.server.url, home, **{
        prefix + "username": account.username,
        prefix + "password": password or account.password,
        prefix + "mfa_method": "totp",
        prefix + "totp_secret": totp_secret or account.totp_secret or "",
    })
    if not cache:
        env["SOURCES__COCONSTRUCT__SESSION_CACHE"] = "false"
    return env


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("security")
    for sub in ("work", "logs", "home", "home_nocache"):
        (root / sub).mkdir()
    with pytest.MonkeyPatch.context() as mp, logging_sandboxes(mp) as log, \
            SandboxServer(size="small", seed=SEED, token_ttl=3600) as server:
        r = Runs(server, log, root)
        home, nocache = root / "home", root / "home_nocache"
        assert _run(r, "first", _password_env(r, home)).returncode == 0, r.outputs["first"].stderr
        # the second run refreshes from the cached token (rotation), then syncs incrementally
        assert _run(r, "cached", _password_env(r, home)).returncode == 0
        # the cached session revoked server-side: the run logs in afresh and still succeeds
        for family in {id(s.family): s.family for s in server.state.auth._sessions.values()}.values():
            server.state.auth.revoke(next(s for s in server.state.auth._sessions.values()
                                          if s.family is family))
        assert _run(r, "revoked_cache", _password_env(r, home)).returncode == 0
        _run(r, "bad_password", _password_env(r, nocache, password="not-" + "x" * 12, cache=False))
        _run(r, "bad_totp", _password_env(r, nocache, totp_secret="JBSWY3DPEHPK3PXP" * 2,
                                           cache=False))
        # an OAuth refresh token already rotated (as when another machine used it first)
        grant = server.oauth_credentials()
        form = {"grant_type": "refresh_token", **grant}
        assert httpx.post(f"{server.url}/oauth/token", data=form).status_code == 201
        env = _env(root, server.url, nocache, **{
            f"sources__coconstruct__credentials__{k}": v for k, v in grant.items()})
        env["SOURCES__COCONSTRUCT__SESSION_CACHE"] = "false"
        _run(r, "stale_oauth", env)
        r.cache_dir = home / ".cache" / "coconstruct-elt"
        yield r


def test_failing_runs_fail_with_one_clear_message(runs: Runs) -> None:
    expected = {"bad_password": "invalid_credentials", "bad_totp": "invalid_mfa_code",
                "stale_oauth": "refresh_token_reused"}
    for name, code in expected.items():
        done = runs.outputs[name]
        assert done.returncode == 1, name
        errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and f"({code})" in errors[0], (name, errors)


def test_no_secret_in_any_artifact(runs: Runs) -> None:
    secrets = runs.secrets()
    tokens = [k for k in secrets if "token" in k]
    assert len(tokens) >= 8, "the runs should have made several sessions and rotations"
    assert (runs.root / "warehouse.duckdb").stat().st_size > 0
    assert any((runs.root / "pipelines").rglob("*.parquet")), "load packages were kept"
    cache_files = list(runs.cache_dir.glob("*.json")) if runs.cache_dir else []
    assert len(cache_files) == 1
    leaks = scan_path(runs.root, secrets, skip=cache_files)
    assert not leaks, leaks


def test_no_secret_in_error_texts(runs: Runs) -> None:
    secrets = runs.secrets()
    leaks: list[str] = []
    for name, done in runs.outputs.items():
        leaks += scan_text(done.stdout + done.stderr, secrets, name)
    assert not leaks, leaks
    assert "Traceback" in runs.outputs["bad_password"].stderr  # -v really logged the details


def test_session_cache_is_private_and_holds_only_the_current_refresh_token(runs: Runs) -> None:
    assert runs.cache_dir is not None
    (cache,) = runs.cache_dir.glob("*.json")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(runs.cache_dir.stat().st_mode) == 0o700
    content = orjson.loads(cache.read_bytes())
    assert list(content) == ["refresh_token"]
    current = [f.current_refresh for f in runs.server.state.auth._refresh.values()]
    assert content["refresh_token"] in current
    # the scanner does find a token where one is: the cache file itself
    assert scan_path(runs.cache_dir, runs.secrets()), "the scanner missed the cached token"
    others = {k: v for k, v in runs.secrets().items() if v != content["refresh_token"]}
    assert not scan_path(runs.cache_dir, others)
    assert not (runs.root / "home_nocache" / ".cache").exists(), "session_cache=false still wrote"


def test_no_credential_in_any_url(runs: Runs) -> None:
    requests = runs.log.contract_requests()
    assert len(requests) > 50
    secrets = runs.secrets()
    urls = "\n".join(r.url for r in requests)
    assert not scan_text(urls, secrets, "a request URL")
    # the bearer header only ever carries an access token the sandbox issued
    access = {v for k, v in secrets.items() if k.startswith("access token")}
    bearers = {r.authorization.removeprefix("Bearer ") for r in requests if r.authorization}
    assert bearers and bearers <= access


def test_cassettes_hold_no_secret(sandbox: SandboxServer) -> None:
    """The recorded cassettes (seed 1 sandbox) hold none of that tenant's secrets."""
    secrets = {a.username: a.password for a in sandbox.accounts}
    secrets |= {f"totp {a.username}": a.totp_secret for a in sandbox.accounts if a.totp_secret}
    assert sandbox.state.oauth_client is not None
    secrets["oauth"] = sandbox.state.oauth_client.client_secret
    cassettes = REPO / "cassettes"
    assert any(cassettes.glob("*.yaml"))
    assert not scan_path(cassettes, secrets)


def test_the_scanner_finds_encoded_secrets(tmp_path: Path) -> None:
    secret = "s3cr3t/Pass+word=="
    for i, form in enumerate(sorted(forms(secret))):
        (tmp_path / f"f{i}.bin").write_bytes(b"prefix " + form + b" suffix")
    assert len(scan_path(tmp_path, {"pw": secret})) == len(forms(secret))
    assert not scan_path(tmp_path, {"other": "not-there-at-all"})


def test_the_scanner_reads_compressed_duckdb_columns_and_dlt_state(tmp_path: Path) -> None:
    """DuckDB compresses strings (a byte grep can miss them) and dlt stores its state
    zlib+base64 in `_dlt_pipeline_state`: the scanner reads both through SQL."""
    import duckdb
    from dlt.pipeline.state_sync import compress_state

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema s; create table s.t as "
                    "select 'row ' || i || ' Xyz-SECRET-pw' as v from range(50000) r(i)")
        con.execute("create table s._dlt_pipeline_state (state varchar)")
        con.execute("insert into s._dlt_pipeline_state values (?)",
                    [compress_state({"sources": {"token": "tok-ABC123-zzz"}})])
    found = scan_path(tmp_path, {"pw": "Xyz-SECRET-pw", "tok": "tok-ABC123-zzz", "no": "absent"})
    assert {"pw in w.duckdb (decoded)", "tok in w.duckdb (decoded)"} <= set(found)
    assert not [f for f in found if f.startswith("no ")]
