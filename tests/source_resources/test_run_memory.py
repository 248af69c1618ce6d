"""What a run keeps between pages and between runs stays small and exact: the lag window's
versions in the dlt state and the child keys of parents listed in the run."""

from __future__ import annotations

import json

import pytest

from coconstruct_source.contract import load_contract
from coconstruct_source.lag_window import LagWindow
from coconstruct_source.relisted_parents import RelistedParents, pack, unpack


def _rec(rid, updated_at, **extra):
    return {"id": rid, "updated_at": updated_at, **extra}


def test_lag_window_skips_exactly_the_versions_loaded_before():
    state: dict = {}
    first = LagWindow(state, lag_seconds=300)
    loaded = [_rec(i, f"2026-11-27T10:00:{i:02d}.000001Z") for i in range(1, 40)]
    assert first.fresh(loaded) == loaded  # nothing known yet
    first.save()
    assert set(state) == {LagWindow.STATE_KEY} and "packed" in state[LagWindow.STATE_KEY]
    json.dumps(state)  # dlt stores it as JSON

    second = LagWindow(state, lag_seconds=300)
    relisted = loaded[:5]
    edited = _rec(6, "2026-11-27T10:07:00.000000Z")  # newer version of a loaded record
    late = _rec(7, "2026-11-27T10:00:07.000002Z")  # 1 µs differs: not the loaded version
    new = _rec(99, "2026-11-27T10:00:30.000001Z")
    assert second.fresh([*relisted, edited, late, new]) == [edited, late, new]


def test_lag_window_keeps_only_the_tail_within_the_lag():
    state: dict = {}
    window = LagWindow(state, lag_seconds=60)
    window.fresh([_rec(1, "2026-11-27T09:00:00.000000Z"), _rec(2, "2026-11-27T10:00:00.000000Z")])
    window.save()
    again = LagWindow(state, lag_seconds=60)
    old, recent = _rec(1, "2026-11-27T09:00:00.000000Z"), _rec(2, "2026-11-27T10:00:00.000000Z")
    assert again.fresh([old, recent]) == [old]  # only the tail was remembered


def test_lag_window_reads_the_state_of_earlier_releases():
    state = {LagWindow.LEGACY_STATE_KEY: {"5": "2026-11-27T10:00:00.000000Z"}}
    window = LagWindow(state, lag_seconds=300)
    seen, changed = _rec(5, "2026-11-27T10:00:00.000000Z"), _rec(5, "2026-11-27T10:01:00.000000Z")
    assert window.fresh([seen]) == []
    assert window.fresh([changed]) == [changed]
    window.save()
    assert LagWindow.LEGACY_STATE_KEY not in state and LagWindow.STATE_KEY in state


def test_lag_window_with_text_ids_keeps_a_plain_map():
    state: dict = {}
    window = LagWindow(state, lag_seconds=300)
    window.fresh([_rec("a-1", "2026-11-27T10:00:00.000000Z")])
    window.save()
    assert state[LagWindow.STATE_KEY] == {"versions": {"a-1": "2026-11-27T10:00:00.000000Z"}}
    again = LagWindow(state, lag_seconds=300)
    assert again.fresh([_rec("a-1", "2026-11-27T10:00:00.000000Z")]) == []


@pytest.mark.parametrize(
    "keys",
    [((1, 2, 3), (4,)), ((), (5, 6)), ((2**62,), ()), (((1, "a"),),), (("x",),), ((2**70,),)],
)
def test_child_keys_pack_and_unpack_unchanged(keys):
    stored = pack(keys)
    assert unpack(stored, len(keys)) == keys
    if all(type(k) is int and k < 2**63 for per_child in keys for k in per_child):
        assert isinstance(stored, bytes)


def test_relisted_parent_drops_the_lines_its_newer_version_lost():
    spec = load_contract().resources["change_orders"]
    relisted = RelistedParents(spec.table)
    first = _rec(
        10, "2026-11-27T10:00:00.000000Z",
        lines=[{"id": 1}, {"id": 2}, {"id": 3}], approvals=[{"id": 7}],
    )
    assert relisted.dropped([first]) == {}
    assert isinstance(relisted.seen[10], bytes)  # packed, not tuples of ints
    newer = _rec(10, "2026-11-27T10:05:00.000000Z", lines=[{"id": 2}], approvals=[{"id": 7}])
    dropped = relisted.dropped([newer])
    keys, cursors = dropped["change_order_lines"]
    assert sorted(k["id"] for k in keys) == [1, 3]
    assert {k["change_order_id"] for k in keys} == {10}
    assert cursors == ["2026-11-27T10:05:00.000000Z"] * 2
    assert "change_order_approvals" not in dropped


def test_a_load_over_duckdbs_memory_cap_names_the_setting_and_a_rerun_loads(
    fake, run_fake, options, monkeypatch
):
    from tests.source_resources.conftest import warehouse_state

    monkeypatch.setenv("DESTINATION__DUCKDB__MEMORY_LIMIT", "2MB")
    monkeypatch.setenv("LOAD__RAISE_ON_MAX_RETRIES", "1")
    starved = run_fake()
    assert not starved.ok
    assert "memory_limit" in starved.error and "[destination.duckdb]" in starved.error
    monkeypatch.delenv("DESTINATION__DUCKDB__MEMORY_LIMIT")
    rerun = run_fake()
    assert rerun.ok, rerun.error
    assert warehouse_state(options.duckdb_path) == fake.expected()
