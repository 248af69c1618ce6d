"""The real pipeline (coconstruct_source via coconstruct_elt.run) from the sandbox into the
(fake) Snowflake: every warehouse table's row count and money sums equal the sandbox's
ground truth, after a first run and after an incremental run with creates, edits and
deletes in between.
"""

from __future__ import annotations

import dlt
import httpx
import pytest

from tests.ground_truth import state_mismatches
from tests.snowflake.fakesnow_server import DLT_DESTINATION_SETTINGS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

DATASET = "coconstruct_raw"


def _mismatches(sandbox, fakesnow_server, database: str) -> list[str]:
    """Tables whose count or money sums differ from the sandbox's /_sandbox/state."""
    import snowflake.connector

    state = httpx.get(f"{sandbox.url}/_sandbox/state", timeout=120).json()
    with snowflake.connector.connect(**fakesnow_server.connect_kwargs(database)) as conn:
        cur = conn.cursor()
        return state_mismatches(
            state, lambda sql: cur.execute(sql).fetchone(), DATASET, require_decimal=True
        )


def test_sandbox_to_snowflake_matches_ground_truth(fakesnow_server, fakesnow_database, tmp_path):
    from coconstruct_sandbox.server import SandboxServer
    from tests.pipeline.sandbox_helpers import options_in, sync

    destination = dlt.destinations.snowflake(
        credentials=fakesnow_server.dlt_credentials(fakesnow_database), **DLT_DESTINATION_SETTINGS
    )
    with SandboxServer(size="small", seed=1) as sandbox:
        options = options_in(tmp_path, destination=destination)
        sync(sandbox, options)
        assert _mismatches(sandbox, fakesnow_server, fakesnow_database) == []

        changed = httpx.post(
            f"{sandbox.url}/_sandbox/advance", json={"changes": 200}, timeout=120
        ).json()
        assert changed["deleted"] and changed["updated"] and changed["created"]
        sync(sandbox, options)
        assert _mismatches(sandbox, fakesnow_server, fakesnow_database) == []
