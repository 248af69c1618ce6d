"""`coconstruct run|transform --destination snowflake` end to end against fakesnow.

The connection is configured once, the dlt way (DESTINATION__SNOWFLAKE__CREDENTIALS__*),
and the dbt step derives its profile from it: no SNOWFLAKE_* variables are set here. The
fakesnow-only settings are test configuration (a destination type registered through
DESTINATION__SNOWFLAKE__DESTINATION_TYPE and the credentials' query), not product code.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx
import pytest
from dlt.destinations import snowflake

from coconstruct_elt.cli import main
from coconstruct_elt.dbt_runner import DbtFailed, dbt_dataset, run_dbt, snowflake_profile_env
from tests.ground_truth import state_mismatches
from tests.snowflake.fakesnow_server import DLT_DESTINATION_SETTINGS

REPO = Path(__file__).resolve().parents[2]
DATASET = "CoCo-Raw"  # dlt loads it as CO_CO_RAW; dbt must read the same schema
LOADED_SCHEMA = "co_co_raw"
CREDS = "DESTINATION__SNOWFLAKE__CREDENTIALS__"


class fakesnow_snowflake(snowflake):  # lower case, like dlt's destination factories
    """dlt's Snowflake destination with the two capabilities fakesnow needs (test-only)."""

    def _raw_capabilities(self):  # type: ignore[no-untyped-def]
        caps = super()._raw_capabilities()
        caps.update(DLT_DESTINATION_SETTINGS)
        return caps


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No SNOWFLAKE_*/DESTINATION__/SOURCES__ variables from outside; cwd a temp dir."""
    import os

    for key in list(os.environ):
        if key.startswith(("SNOWFLAKE_", "DBT_ENV_SECRET_", "DESTINATION__", "SOURCES__")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DLT_PROJECT_DIR", str(REPO))
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def _key_pair(directory: Path, passphrase: str) -> Path:
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    path = directory / "rsa_key.p8"
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


# ---- the dbt profile derived from dlt's credentials (fast, no server) -------------------


def test_profile_env_from_dlt_password_credentials(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SNOWFLAKE_PASSWORD", "stale")  # must not mix into the derived login
    for key, value in {"DATABASE": "COCO", "HOST": "myorg-acct", "USERNAME": "LOADER",
                       "PASSWORD": "pw", "WAREHOUSE": "LOAD_WH", "ROLE": "LOADER_R"}.items():
        clean_env.setenv(CREDS + key, value)
    env = snowflake_profile_env()
    assert {k: env[k] for k in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_DATABASE",
                                "SNOWFLAKE_WAREHOUSE", "SNOWFLAKE_ROLE")} == {
        "SNOWFLAKE_ACCOUNT": "myorg-acct", "SNOWFLAKE_USER": "LOADER",
        "SNOWFLAKE_DATABASE": "COCO", "SNOWFLAKE_WAREHOUSE": "LOAD_WH",
        "SNOWFLAKE_ROLE": "LOADER_R"}
    assert env["DBT_ENV_SECRET_SNOWFLAKE_PASSWORD"] == "pw"
    assert env["SNOWFLAKE_PASSWORD"] == "" and env["SNOWFLAKE_PRIVATE_KEY_PATH"] == ""
    # a real account: no host override, the profile's https on 443
    assert (env["SNOWFLAKE_HOST"], env["SNOWFLAKE_PORT"], env["SNOWFLAKE_PROTOCOL"]) == (
        "", "443", "https")


def test_profile_env_from_dlt_key_pair(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = _key_pair(tmp_path, "phrase")
    for name, value in {"DATABASE": "COCO", "HOST": "myorg-acct", "USERNAME": "LOADER",
                        "PRIVATE_KEY_PATH": str(key), "PRIVATE_KEY_PASSPHRASE": "phrase"}.items():
        clean_env.setenv(CREDS + name, value)
    env = snowflake_profile_env()
    assert env["SNOWFLAKE_PRIVATE_KEY_PATH"] == str(key)
    assert env["DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"] == "phrase"
    # dlt read the file into private_key too; dbt refuses both, so only the path is passed
    assert env["DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY"] == ""
    assert env["DBT_ENV_SECRET_SNOWFLAKE_PASSWORD"] == ""


def test_profile_env_without_dlt_credentials(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(DbtFailed, match=r"no Snowflake connection for dbt: set "
                       r"\[destination\.snowflake\.credentials\].*\(missing: database, host\)$"):
        snowflake_profile_env()
    clean_env.setenv("SNOWFLAKE_ACCOUNT", "myorg-acct")  # dbt configured on its own
    assert snowflake_profile_env() == {}


def test_dbt_reads_the_schema_dlt_loads() -> None:
    assert dbt_dataset(DATASET) == LOADED_SCHEMA
    assert dbt_dataset("coconstruct_raw") == "coconstruct_raw"


# ---- the CLI against fakesnow -------------------------------------------------------------


def _mismatches(sandbox, fakesnow_server, database: str) -> list[str]:
    """Tables whose count or money sums differ from the sandbox's /_sandbox/state."""
    import snowflake.connector

    state = httpx.get(f"{sandbox.url}/_sandbox/state", timeout=120).json()
    with snowflake.connector.connect(**fakesnow_server.connect_kwargs(database)) as conn:
        cur = conn.cursor()
        return state_mismatches(
            state, lambda sql: cur.execute(sql).fetchone(), LOADED_SCHEMA
        )


def _job_cost_rows(fakesnow_server, database: str) -> int:
    import snowflake.connector

    with snowflake.connector.connect(**fakesnow_server.connect_kwargs(database)) as conn:
        return conn.cursor().execute("select count(*) from analytics.fct_job_cost").fetchone()[0]


def _jwt_logins(fakesnow_server) -> int:
    log = fakesnow_server.log_path.read_text()
    return log.count("authenticator=SNOWFLAKE_JWT password=no token=yes")


def _files_containing(root: Path, needles: list[str]) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file()
            and any(n.encode() in p.read_bytes() for n in needles)]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_cli_runs_twice_and_transforms_on_snowflake(
    fakesnow_server, fakesnow_database, clean_env: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from coconstruct_sandbox.server import SandboxServer

    password, passphrase = f"pw-{secrets.token_hex(8)}", f"pp-{secrets.token_hex(8)}"
    key = _key_pair(tmp_path, passphrase)
    query = {"host": fakesnow_server.host, "port": fakesnow_server.port, "protocol": "http",
             "login_timeout": 30, "network_timeout": 60}
    settings = {
        "DESTINATION__SNOWFLAKE__DESTINATION_TYPE": f"{__name__}.fakesnow_snowflake",
        CREDS + "DATABASE": fakesnow_database, CREDS + "HOST": fakesnow_server.account,
        CREDS + "USERNAME": fakesnow_server.user, CREDS + "PASSWORD": password,
        CREDS + "WAREHOUSE": fakesnow_server.warehouse, CREDS + "ROLE": fakesnow_server.role,
        CREDS + "QUERY": json.dumps(query),  # fakesnow-only: host, port, protocol
        "SOURCES__COCONSTRUCT__SESSION_CACHE": "false",
        "COCONSTRUCT_DBT_WORK_DIR": str(tmp_path / "dbt"),
    }
    for name, value in settings.items():
        clean_env.setenv(name, value)
    common = ["--destination", "snowflake", "--dataset", DATASET,
              "--pipelines-dir", str(tmp_path / "pipes"), "--no-progress"]

    # 1. --sandbox (its own server; same size and seed as ours, so the same ground truth)
    with SandboxServer(size="small", seed=1) as sandbox:
        assert main(["run", "--sandbox", *common]) == 0, capsys.readouterr().err
        printed = [capsys.readouterr()]
        assert "1 of 1 tenant(s) loaded" in printed[0].out and "dbt build ok" in printed[0].out
        assert _mismatches(sandbox, fakesnow_server, fakesnow_database) == []
        assert _job_cost_rows(fakesnow_server, fakesnow_database) > 0

        # 2. changes, then an incremental run of the same tenant, now with a key pair
        changed = httpx.post(f"{sandbox.url}/_sandbox/advance", json={"changes": 200},
                             timeout=120).json()
        assert changed["deleted"] and changed["updated"] and changed["created"]
        account = sandbox.default_account()
        for name, value in {"BASE_URL": sandbox.url, "CREDENTIALS__USERNAME": account.username,
                            "CREDENTIALS__PASSWORD": account.password,
                            "CREDENTIALS__MFA_METHOD": account.mfa,
                            "CREDENTIALS__TOTP_SECRET": account.totp_secret}.items():
            clean_env.setenv(f"SOURCES__COCONSTRUCT__{name}", value)
        clean_env.delenv(CREDS + "PASSWORD")
        clean_env.setenv(CREDS + "PRIVATE_KEY_PATH", str(key))
        clean_env.setenv(CREDS + "PRIVATE_KEY_PASSPHRASE", passphrase)
        jwt_before = _jwt_logins(fakesnow_server)
        assert main(["run", "--no-dbt", *common]) == 0, capsys.readouterr().err
        printed.append(capsys.readouterr())
        assert "1 of 1 tenant(s) loaded" in printed[-1].out
        assert _mismatches(sandbox, fakesnow_server, fakesnow_database) == []
        assert _jwt_logins(fakesnow_server) > jwt_before  # dlt logged in with the key

    # 3. the dbt step alone, on the key pair too
    jwt_before = _jwt_logins(fakesnow_server)
    assert main(["transform", *common[:4]]) == 0, capsys.readouterr().err
    printed.append(capsys.readouterr())
    assert "dbt build ok" in printed[-1].out
    assert _jwt_logins(fakesnow_server) > jwt_before  # dbt logged in with the key
    assert _job_cost_rows(fakesnow_server, fakesnow_database) > 0

    # no secret printed, nor in dbt's log and target/, nor in dlt's pipeline dir
    dbt_log = tmp_path / "dbt" / "logs" / "dbt.log"
    assert dbt_log.stat().st_size > 0 and (tmp_path / "dbt" / "target").is_dir()
    leaks = [password, passphrase, key.read_text().splitlines()[1]]
    assert not [s for s in leaks for p in printed if s in p.out + p.err]
    assert _files_containing(tmp_path / "dbt", leaks) == []
    assert _files_containing(tmp_path / "pipes", leaks) == []

    # 4. dbt on its own: no dlt credentials, the profile reads SNOWFLAKE_* (password)
    for name in [k for k in settings if k.startswith(CREDS)] + [
            CREDS + "PRIVATE_KEY_PATH", CREDS + "PRIVATE_KEY_PASSPHRASE"]:
        clean_env.delenv(name, raising=False)
    for name, value in {"ACCOUNT": fakesnow_server.account, "USER": fakesnow_server.user,
                        "PASSWORD": password, "DATABASE": fakesnow_database,
                        "HOST": fakesnow_server.host, "PORT": str(fakesnow_server.port),
                        "PROTOCOL": "http"}.items():
        clean_env.setenv(f"SNOWFLAKE_{name}", value)
    alone = run_dbt("run", destination="snowflake", dataset=DATASET,
                    select="stg_coconstruct__projects", echo=False)
    assert [(r.name, r.status) for r in alone.results] == [("stg_coconstruct__projects", "success")]
