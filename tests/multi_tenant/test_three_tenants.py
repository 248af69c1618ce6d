"""Three builder companies in one scheduled run: one pipeline (and state) each, one dataset,
a failing tenant reported without stopping the others, fixed on the next run without
re-loading the ones already synced (one of them on its cached session alone: no password,
no MFA code), and dbt marts over the union of tenants."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from coconstruct_elt.cli import main as cli_main
from coconstruct_elt.dbt_runner import run_dbt
from coconstruct_elt.orchestration.tenants_file import load_tenants
from coconstruct_elt.run import RunOptions, run_tenants
from coconstruct_elt.status import pipeline_statuses
from coconstruct_elt.summary import TenantRun
from coconstruct_sandbox.server import SandboxServer
from tests.multi_tenant.helpers import (
    DATASET,
    configure_section,
    fingerprints,
    tenant_mismatches,
    write_tenants_file,
)

SEEDS = {"alpha": 1, "beta": 2, "gamma": 3}
BAD_PASSWORD = "not-the-password-1234"
STALE_PASSWORD = "changed-since-the-last-login"


@dataclass
class Runs:
    servers: dict[str, SandboxServer]
    tmp: Path
    options: RunOptions
    first_code: int = -1
    first_out: str = ""
    first_err: str = ""
    before_fix: dict[str, dict] = field(default_factory=dict)
    second: list[TenantRun] = field(default_factory=list)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """First run through the CLI (gamma has a wrong password), then the password is fixed and
    the tenants file is run again."""
    tmp = tmp_path_factory.mktemp("three_tenants")
    with contextlib.ExitStack() as stack, pytest.MonkeyPatch.context() as mp:
        servers = {
            name: stack.enter_context(SandboxServer(size="small", seed=seed))
            for name, seed in SEEDS.items()
        }
        mp.setenv("RUNTIME__LOG_LEVEL", "WARNING")
        mp.setattr("coconstruct_source.session_cache.DEFAULT_DIR", tmp / "session_cache")
        for name, server in servers.items():
            configure_section(mp, name, server, BAD_PASSWORD if name == "gamma" else None)
        options = RunOptions(
            duckdb_path=str(tmp / "wh.duckdb"), pipelines_dir=str(tmp / "pipelines")
        )
        state = Runs(servers, tmp, options)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            state.first_code = cli_main(
                [
                    "run",
                    "--tenants",
                    ",".join(SEEDS),
                    "--duckdb-path",
                    options.duckdb_path,
                    "--pipelines-dir",
                    options.pipelines_dir,
                    "--no-dbt",
                    "--no-progress",
                ]
            )
        state.first_out, state.first_err = out.getvalue(), err.getvalue()
        state.before_fix = {t: fingerprints(options.duckdb_path, t) for t in ("alpha", "beta")}

        configure_section(mp, "gamma", servers["gamma"])
        # alpha's password and TOTP secret are now wrong: only its cached refresh token
        # (session cache) can let the run in, with no login and no MFA code
        configure_section(mp, "alpha", servers["alpha"], password=STALE_PASSWORD)
        mp.setenv("SOURCES__COCONSTRUCT__ALPHA__CREDENTIALS__TOTP_SECRET", "JBSWY3DPEHPK3PXP")
        tenants_file = write_tenants_file(tmp / "tenants.toml", {t: t for t in SEEDS})
        state.second = run_tenants(load_tenants(tenants_file), options)
        yield state


def test_partial_failure_exits_1_and_names_the_failing_tenant_once(runs: Runs) -> None:
    assert runs.first_code == 1, runs.first_out + runs.first_err
    summary = runs.first_out
    assert "2 of 3 tenant(s) loaded" in summary
    assert "tenant alpha (coconstruct_alpha): ok" in summary
    assert "tenant beta (coconstruct_beta): ok" in summary
    (failed,) = [line for line in summary.splitlines() if "FAILED" in line]
    assert failed.startswith("tenant gamma (coconstruct_gamma): FAILED")
    errors = [line for line in runs.first_err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: tenant gamma: ")
    assert "password" in errors[0].lower() or "credentials" in errors[0].lower()
    assert BAD_PASSWORD not in runs.first_out + runs.first_err


def test_the_loaded_tenants_equal_their_sandboxes_and_the_failed_one_has_no_rows(
    runs: Runs,
) -> None:
    # the state after the first run: alpha and beta loaded, gamma nothing
    for tenant in ("alpha", "beta"):
        assert sum(n for n, _ in runs.before_fix[tenant].values()) > 1000
    # the second run left alpha and beta as they were, so this holds for the first run too
    for tenant in ("alpha", "beta", "gamma"):
        assert tenant_mismatches(runs.servers[tenant], runs.options.duckdb_path, tenant) == []


def test_each_tenant_has_its_own_pipeline_state_and_cursors(runs: Runs) -> None:
    statuses = {s.pipeline_name: s for s in pipeline_statuses(runs.options.pipelines_dir)}
    assert set(statuses) == {f"coconstruct_{t}" for t in SEEDS}
    with duckdb.connect(runs.options.duckdb_path, read_only=True) as con:
        for tenant in SEEDS:
            cursor = statuses[f"coconstruct_{tenant}"].cursors["projects"]
            (newest,) = con.execute(
                f"select max(updated_at) from {DATASET}.projects where tenant_id = ?", [tenant]
            ).fetchone()
            assert cursor is not None
            assert datetime.fromisoformat(cursor) == newest, tenant
    cursors = [statuses[f"coconstruct_{t}"].cursors["projects"] for t in SEEDS]
    assert len(set(cursors)) == 3  # three companies, three histories


def test_the_second_run_loads_the_fixed_tenant_and_changes_nothing_for_the_others(
    runs: Runs,
) -> None:
    by_tenant = {r.tenant: r for r in runs.second}
    assert [r.tenant for r in runs.second] == list(SEEDS)
    assert all(r.ok for r in runs.second), [r.error for r in runs.second]
    assert by_tenant["alpha"].rows == 0 and by_tenant["beta"].rows == 0
    # alpha ran on its cached session although its password and TOTP secret were wrong
    assert by_tenant["alpha"].ok
    gamma_projects = len(runs.servers["gamma"].store.export("projects"))
    assert by_tenant["gamma"].changes["projects"].inserted == gamma_projects > 0
    for tenant in ("alpha", "beta"):
        assert fingerprints(runs.options.duckdb_path, tenant) == runs.before_fix[tenant]


@pytest.mark.slow
def test_dbt_marts_keep_tenant_id_over_the_union_of_tenants(runs: Runs) -> None:
    outcome = run_dbt("build", duckdb_path=runs.options.duckdb_path, dataset=DATASET, echo=False)
    assert outcome.success, outcome.failures
    with duckdb.connect(runs.options.duckdb_path, read_only=True) as con:
        per_tenant = dict(
            con.execute(
                "select tenant_id, count(*) from analytics.dim_projects group by 1"
            ).fetchall()
        )
        job_cost_tenants = {
            r[0]
            for r in con.execute("select distinct tenant_id from analytics.fct_job_cost").fetchall()
        }
    assert per_tenant == {t: len(s.store.export("projects")) for t, s in runs.servers.items()}
    assert job_cost_tenants == set(SEEDS)
