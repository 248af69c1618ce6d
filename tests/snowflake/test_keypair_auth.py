"""Key-pair authentication settings for dlt and dbt-snowflake (docs/snowflake.md).

fakesnow accepts any credentials, so this does NOT prove Snowflake accepts the key: it
proves the documented settings parse, the encrypted key is read with its passphrase, the
connector takes the key-pair (JWT) login path with no password, and the run completes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlencode

import dlt
import pyarrow as pa
import pytest

from tests.snowflake.fakesnow_server import DLT_DESTINATION_SETTINGS
from tests.snowflake.test_dbt_snowflake import FIXTURE, _dbt

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def private_key_file(tmp_path_factory) -> Path:
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    path = tmp_path_factory.mktemp("keys") / "rsa_key.p8"
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


def test_dlt_keypair_credentials(fakesnow_server, fakesnow_database, private_key_file, tmp_path):
    from dlt.common.configuration import resolve_configuration
    from dlt.destinations.impl.snowflake.configuration import SnowflakeCredentials

    query = {
        "warehouse": fakesnow_server.warehouse,
        "role": fakesnow_server.role,
        "private_key_path": str(private_key_file),
        "private_key_passphrase": PASSPHRASE,
        "host": fakesnow_server.host,
        "port": fakesnow_server.port,
        "protocol": "http",
        "login_timeout": 30,
        "network_timeout": 60,
    }
    url = f"snowflake://{fakesnow_server.user}@{fakesnow_server.account}/{fakesnow_database}?{urlencode(query)}"

    creds = resolve_configuration(SnowflakeCredentials(url))
    params = creds.to_connector_params()
    assert params.get("password") is None
    assert isinstance(params["private_key"], bytes)  # decrypted DER, passphrase consumed
    assert "private_key_passphrase" not in params

    pipeline = dlt.pipeline(
        pipeline_name=f"sf_{fakesnow_database.lower()}",
        destination=dlt.destinations.snowflake(credentials=url, **DLT_DESTINATION_SETTINGS),
        dataset_name="keypair",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    info = pipeline.run(pa.table({"id": [1, 2]}), table_name="ping")
    assert not info.has_failed_jobs
    assert pipeline.dataset().query("select count(*) from ping").fetchall() == [(2,)]
    assert _logins(fakesnow_server, "SNOWFLAKE_JWT")


def _logins(fakesnow_server, authenticator: str) -> list[str]:
    """Key-pair logins the shim saw: JWT authenticator, a token, no password."""
    return [
        line
        for line in fakesnow_server.log_path.read_text().splitlines()
        if f"authenticator={authenticator} password=no token=yes" in line
    ]


def test_dbt_keypair_profile(
    fakesnow_server, fakesnow_database, private_key_file, tmp_path, monkeypatch
):
    pytest.importorskip("dbt.adapters.snowflake", reason="dbt-snowflake is not installed")
    project = tmp_path / "dbt_tiny"
    shutil.copytree(FIXTURE, project)
    monkeypatch.setenv("FAKESNOW_PRIVATE_KEY_PATH", str(private_key_file))
    monkeypatch.setenv("FAKESNOW_PRIVATE_KEY_PASSPHRASE", PASSPHRASE)
    before = len(_logins(fakesnow_server, "SNOWFLAKE_JWT"))
    out = _dbt(project, fakesnow_server, fakesnow_database, "debug", "--target", "fakesnow_keypair")
    assert "All checks passed" in out.stdout
    assert len(_logins(fakesnow_server, "SNOWFLAKE_JWT")) > before
