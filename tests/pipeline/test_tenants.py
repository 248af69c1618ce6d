"""Several tenants: one pipeline each, one dataset, one failing does not stop the others."""

from __future__ import annotations

import duckdb

from coconstruct_elt.run import TenantSpec, run_tenants
from tests.pipeline.sandbox_helpers import options_in


def configure(monkeypatch, section: str, url: str, account, password: str | None = None) -> None:
    prefix = f"SOURCES__COCONSTRUCT__{section.upper()}__"
    monkeypatch.setenv(prefix + "BASE_URL", url)
    monkeypatch.setenv(prefix + "CREDENTIALS__USERNAME", account.username)
    monkeypatch.setenv(prefix + "CREDENTIALS__PASSWORD", password or account.password)
    monkeypatch.setenv(prefix + "CREDENTIALS__MFA_METHOD", account.mfa)
    if account.totp_secret:
        monkeypatch.setenv(prefix + "CREDENTIALS__TOTP_SECRET", account.totp_secret)


def test_two_tenants_load_side_by_side_and_a_failing_one_is_reported(
    sandbox, sandbox_factory, monkeypatch, tmp_path
):
    other = sandbox_factory(seed=2)
    configure(monkeypatch, "north", sandbox.url, sandbox.default_account())
    configure(monkeypatch, "south", other.url, other.default_account())
    configure(monkeypatch, "broken", other.url, other.default_account(), password="wrong-password")
    options = options_in(tmp_path)
    tenants = [TenantSpec(name=s, section=s) for s in ("north", "broken", "south")]

    north, broken, south = run_tenants(tenants, options)

    assert north.ok and south.ok, (north.error, south.error)
    assert not broken.ok and broken.tenant == "broken"
    assert "password" in broken.error.lower() or "credentials" in broken.error.lower()
    assert "wrong-password" not in broken.error
    assert (north.pipeline_name, south.pipeline_name) == ("coconstruct_north", "coconstruct_south")
    with duckdb.connect(options.duckdb_path, read_only=True) as con:
        counts = dict(
            con.execute(
                "select tenant_id, count(*) from coconstruct_raw.projects group by 1"
            ).fetchall()
        )
    assert counts == {
        "north": len(sandbox.store.export("projects")),
        "south": len(other.store.export("projects")),
    }
