"""Fixtures of the Snowflake suite: a fakesnow server (no Snowflake account needed).

* ``fakesnow_server`` (session): a running :class:`FakesnowEndpoint` behind the test-only
  statement shim. Skips (with the reason) only when the fakesnow venv cannot be created.
* ``fakesnow_database`` (function): a database name of its own for the test, so tests
  sharing the one in-memory server never see each other's tables.
"""

from __future__ import annotations

import re

import pytest

from tests.snowflake.fakesnow_server import FakesnowUnavailable, ensure_fakesnow_venv
from tests.snowflake.fakesnow_server import fakesnow_server as _server


def _require_client() -> None:
    # the client side is the project's `snowflake` extra (dlt[snowflake], dbt-snowflake)
    pytest.importorskip(
        "snowflake.connector",
        reason="the `snowflake` extra is not installed: pip install -e '.[snowflake]'",
    )


@pytest.fixture(scope="session")
def fakesnow_venv_python():
    try:
        return ensure_fakesnow_venv()
    except FakesnowUnavailable as e:
        pytest.skip(f"fakesnow venv unavailable: {e}")


@pytest.fixture(scope="session")
def fakesnow_server(fakesnow_venv_python, tmp_path_factory):
    _require_client()
    with _server(log_dir=tmp_path_factory.mktemp("fakesnow")) as endpoint:
        yield endpoint


@pytest.fixture
def fakesnow_database(request) -> str:
    return "T_" + re.sub(r"[^A-Za-z0-9]", "_", request.node.name).upper()[:60]
