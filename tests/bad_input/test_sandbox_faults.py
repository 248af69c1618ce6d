"""Bad input from the sandbox itself: `malformed` and `schema_drift` pages, truncated and
non-JSON answers. Every record is in the warehouse or in the quarantine, none is lost."""

from __future__ import annotations

import httpx
import pytest

from coconstruct_source.contract import load_contract
from coconstruct_source.errors import MalformedResponse, SessionError
from coconstruct_source.http import ApiClient, HttpSettings
from coconstruct_source.source import open_client
from tests.bad_input.conftest import columns, quarantined
from tests.pipeline.sandbox_helpers import credentials_of, options_in, sync


def root_counts(server, db_path: str) -> dict[str, tuple[int, int, int]]:
    """Per resource: (sandbox count, warehouse count, quarantined records)."""
    import duckdb

    truth = httpx.get(f"{server.url}/_sandbox/state", timeout=60).json()["tables"]
    held = {}
    table_of = {t.name: s.name for s in load_contract().resources.values() for t in s.all_tables}
    for row in quarantined(db_path):
        resource = table_of[row["table_name"]]
        held[resource] = held.get(resource, 0) + 1
    out = {}
    with duckdb.connect(db_path, read_only=True) as con:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'coconstruct_raw'"
        ).fetchall()}
        for name in load_contract().resources:
            stored = 0  # every record of the table may be quarantined
            if name in tables:
                (stored,) = con.execute(f"select count(*) from coconstruct_raw.{name}").fetchone()
            out[name] = (truth[name]["count"], stored, held.get(name, 0))
    return out


def test_malformed_pages_load_the_good_records_and_quarantine_the_rest(
    sandbox_factory, tmp_path
):
    server = sandbox_factory(faults="malformed", fault_rate=0.5)
    options = options_in(tmp_path, page_size=100)
    run = sync(server, options)
    assert run.rejected > 0 and run.reject_groups
    counts = root_counts(server, options.duckdb_path)
    for name, (truth, stored, held) in counts.items():
        assert stored + held == truth, (name, counts[name])  # nothing lost, nothing invented
    reasons = {r["reason"].split(" (value")[0] for r in quarantined(options.duckdb_path)}
    assert "required value missing" in reasons
    assert any("2025-02-30" in r["reason"] for r in quarantined(options.duckdb_path))


def test_schema_drift_pages_add_a_column_and_keep_every_record(sandbox_factory, tmp_path):
    server = sandbox_factory(faults="schema_drift", fault_rate=1.0, seed=1)
    options = options_in(tmp_path, page_size=100)
    sync(server, options)
    counts = root_counts(server, options.duckdb_path)
    for name, (truth, stored, held) in counts.items():
        assert stored + held == truth, (name, counts[name])
    drifted = [
        name for name in counts if "x_sandbox_added_field" in columns(options.duckdb_path, name)
    ]
    floats = [r for r in quarantined(options.duckdb_path) if "got float" in r["reason"]]
    assert drifted or floats  # the profile did one or the other on some page
    if floats:
        assert all(r["column_name"] and r["record_id"] for r in floats)


@pytest.mark.parametrize(
    ("profile", "error", "fragment"),
    [
        ("truncated", MalformedResponse, "not valid JSON"),
        ("html_login", SessionError, "a login page"),
    ],
)
def test_a_bad_answer_that_never_heals_is_one_clear_error_naming_the_path(
    sandbox_factory, profile, error, fragment
):
    server = sandbox_factory(faults=profile, fault_rate=1.0)
    account = server.account("admin", "none")
    client = open_client(server.url, credentials_of(account), session_cache=False)
    quick = ApiClient(server.url, client.auth, HttpSettings(max_retries=2, backoff_base=0.01))
    with pytest.raises(error) as caught:
        quick.get("/bills", params={"limit": 10})
    assert "/bills" in str(caught.value) and fragment in str(caught.value)
    quick.close()
    client.close()
