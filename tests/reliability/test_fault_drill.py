"""The fault drill in CI: a few seeds (faults, SIGKILLs, activity, reruns) must all pass, and
its comparison must catch a warehouse that differs from the sandbox."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

from benchmarks.fault_drill import Plan, compare, drill_seed
from tests.pipeline.sandbox_helpers import options_in, sync

SEEDS = (1, 2, 3)


@pytest.mark.timeout(240)
def test_a_few_drill_seeds_pass():
    with ProcessPoolExecutor(len(SEEDS)) as pool:
        outcomes = list(pool.map(drill_seed, SEEDS))
    for outcome in outcomes:
        assert outcome.problems == [], outcome.line() + "\n" + "\n".join(outcome.problems)
        assert any(run.startswith("killed in") for run in outcome.runs), outcome.line()
        assert outcome.runs[-1] == "ok"


def test_a_plan_replays_from_its_seed():
    assert Plan.draw(7) == Plan.draw(7)
    assert Plan.draw(7) != Plan.draw(8)


def test_the_comparison_names_a_missed_deletion_and_a_wrong_sum(sandbox_factory, tmp_path):
    server = sandbox_factory()
    options = options_in(tmp_path)
    sync(server, options)
    assert compare(server.store, tmp_path / "wh.duckdb") == []
    bill = next(server.store.records("bills"))
    server.store.delete("bills", bill["id"])  # the warehouse has not seen it
    problems = compare(server.store, tmp_path / "wh.duckdb")
    assert any(p.startswith(f"bills: 1 deleted key(s) still stored, e.g. ({bill['id']},)")
               for p in problems), problems
    assert any(p.startswith("bills.total: sum") for p in problems), problems
    assert any(p.startswith("bills: ") and "rows, sandbox" in p for p in problems), problems


def test_a_kill_inside_the_normalize_commit_is_recovered_by_the_next_run(tmp_path):
    """Found by the drill (seeds 57, 74, 141): the package left both normalized and
    extracted made every later run fail at load."""
    from benchmarks.fault_drill import KILL_IN_COMMIT, _env, run_sync
    from coconstruct_sandbox.server import SandboxServer

    with SandboxServer(size="small", seed=1, rate_limit=0) as server:
        env = _env(server)
        assert run_sync({**env, KILL_IN_COMMIT: "1"}, tmp_path, None).startswith("failed (-9)")
        assert run_sync(env, tmp_path, None) == "ok"
        server.store.advance(20)
        assert run_sync(env, tmp_path, None) == "ok"
        assert compare(server.store, tmp_path / "wh.duckdb") == []


def test_a_load_folder_left_half_created_is_completed_by_the_next_run(tmp_path):
    """Found by the drill (seed 35): killed while dlt first created its load folder."""
    import shutil

    from benchmarks.fault_drill import _env, run_sync
    from coconstruct_sandbox.server import SandboxServer

    with SandboxServer(size="small", seed=1, rate_limit=0) as server:
        env = _env(server)
        assert run_sync(env, tmp_path, None) == "ok"
        (load,) = (tmp_path / "pipelines").glob("*/load")
        for sub in ("normalized", "loaded", "new"):
            shutil.rmtree(load / sub)
        server.store.advance(20)
        assert run_sync(env, tmp_path, None) == "ok"
        assert compare(server.store, tmp_path / "wh.duckdb") == []
