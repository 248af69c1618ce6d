"""`coconstruct_source()` configured the dlt way (env vars), on the shared sandbox."""

from __future__ import annotations

import dlt
import duckdb
import httpx

from coconstruct_source import coconstruct_source


def test_source_from_env_config_with_a_resource_subset(
    sandbox, demo_account, monkeypatch, tmp_path
):
    prefix = "SOURCES__COCONSTRUCT__"
    monkeypatch.setenv(prefix + "BASE_URL", sandbox.url)
    monkeypatch.setenv(prefix + "CREDENTIALS__USERNAME", demo_account.username)
    monkeypatch.setenv(prefix + "CREDENTIALS__PASSWORD", demo_account.password)
    monkeypatch.setenv(prefix + "CREDENTIALS__MFA_METHOD", "totp")
    monkeypatch.setenv(prefix + "CREDENTIALS__TOTP_SECRET", demo_account.totp_secret)
    monkeypatch.setenv(prefix + "SESSION_CACHE", "false")

    source = coconstruct_source().with_resources("projects", "bills")
    assert set(source.selected_resources) == {"projects", "bills"}
    db = str(tmp_path / "w.duckdb")
    pipeline = dlt.pipeline(
        "coconstruct_cfg",
        destination=dlt.destinations.duckdb(db),
        dataset_name="raw",
        pipelines_dir=str(tmp_path / "p"),
    )
    pipeline.run(source, loader_file_format="parquet")

    truth = httpx.get(f"{sandbox.url}/_sandbox/state").json()["tables"]
    company = httpx.get(f"{sandbox.url}/_sandbox/export/company").json()
    with duckdb.connect(db, read_only=True) as con:
        for table in ("projects", "project_clients", "bills", "bill_lines"):
            (count,) = con.execute(f"select count(*) from raw.{table}").fetchone()
            assert count == truth[table]["count"], table
        (total,) = con.execute("select sum(total) from raw.bills").fetchone()
        assert str(total) == truth["bills"]["sums"]["total"]
        tenants = con.execute("select distinct tenant_id from raw.bills").fetchall()
        assert tenants == [(company[0]["slug"],)]  # the company's slug by default
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        assert "users" not in tables
