"""Webhooks: freshness from a change in the sandbox to its row in the warehouse, and a drill.

    python -m benchmarks.webhooks [--seconds 60 --rate 1]      # freshness at a steady rate
    python -m benchmarks.webhooks --drill --seeds 5            # faults, then the safety net

Freshness: a sandbox in its own process makes `--rate` changes per second (`/_sandbox/advance`,
business events touching one or more records) for `--seconds`; `coconstruct listen`'s
listener (in this process, after a first full sync) receives the webhooks and runs its
debounced incremental syncs. An event's freshness is the end of the first successful sync
that took it minus the change's own timestamp (the record's `updated_at`). Also measured:
how long the receiver took to answer each delivery. Ends with the warehouse compared with
the sandbox's ground truth.

Drill: per seed, webhook faults `chaos` (dropped, duplicated, out-of-order, late and forged
deliveries) at a 30 % rate while changes come; after the last delivery, one catch-up run
(the safety net a scheduled run provides) must leave the warehouse equal to the sandbox.
Last line: `N passed, N failed`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx

from benchmarks._common import Sandbox, sandbox_process
from coconstruct_elt.run import RunOptions, TenantSpec, run_tenants
from coconstruct_elt.webhooks.command import subscribe
from coconstruct_elt.webhooks.listener import Listener, ListenSettings
from coconstruct_elt.webhooks.receiver import Receiver
from coconstruct_elt.webhooks.syncer import Synced
from coconstruct_source.credentials import PasswordMfaCredentials
from tests.ground_truth import state_mismatches

DATASET = "coconstruct_raw"


def _spec(sandbox: Sandbox) -> TenantSpec:
    with sandbox.admin() as admin:
        account = next(a for a in admin.get("/_sandbox/accounts").json()
                       if a["role"] == "admin" and a["mfa"] == "none")
    return TenantSpec(base_url=sandbox.url, credentials=PasswordMfaCredentials(
        username=account["username"], password=account["password"]))


def _mismatches(sandbox: Sandbox, options: RunOptions) -> list[str]:
    state = httpx.get(f"{sandbox.url}/_sandbox/state", timeout=120).json()
    assert options.duckdb_path is not None
    with duckdb.connect(options.duckdb_path, read_only=True) as con:
        return state_mismatches(state, lambda sql: con.execute(sql).fetchone(), DATASET)


class _TimedReceiver:
    """Records how long each delivery took to answer (verify + commit to the queue)."""

    def __init__(self, receiver: Receiver) -> None:
        self.seconds: list[float] = []
        handle = receiver.handle

        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return handle(*args)
            finally:
                self.seconds.append(time.perf_counter() - started)

        receiver.handle = timed  # type: ignore[method-assign]


def _session(sandbox: Sandbox, tmp: Path, seconds: float, rate: float,
             faults: dict[str, Any] | None) -> dict[str, Any]:
    """Changes at a steady rate with the listener running; its runs, answers, gaps, counts."""
    spec = _spec(sandbox)
    options = RunOptions(duckdb_path=str(tmp / "wh.duckdb"), pipelines_dir=str(tmp / "pipelines"),
                         session_cache=False)
    (first,) = run_tenants([spec], options)  # the warehouse a listener starts from
    if not first.ok:
        raise SystemExit(f"the first sync failed: {first.error}")
    if faults:
        httpx.post(f"{sandbox.url}/_sandbox/webhook-faults", json=faults)
    runs: list[Synced] = []
    settings = ListenSettings(port=0, queue_path=str(tmp / "queue.sqlite"), catch_up_every=0)
    with Listener([spec], options, settings, secrets={}, on_synced=runs.append) as listener:
        answers = _TimedReceiver(listener.receiver)
        subscribe(spec, listener)
        stop = threading.Event()
        with httpx.Client(base_url=sandbox.url, timeout=60) as admin:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                admin.post("/_sandbox/advance", json={"changes": 1})
                stop.wait(1 / rate)
            _drain(admin, listener)
        gaps = _mismatches(sandbox, options)
        listener.syncer._next_catch_up = 0  # the safety net: a run of everything
        listener.syncer.notify()
        _wait(lambda: runs and runs[-1].resources is None, 300)
        with httpx.Client(base_url=sandbox.url) as admin:
            described = admin.get("/_sandbox/webhooks").json()
        received = dict(listener.receiver.counts)
    return {"runs": runs, "answers": answers.seconds, "gaps": gaps,
            "after": _mismatches(sandbox, options), "webhooks": described, "received": received}


def _drain(admin: httpx.Client, listener: Listener) -> None:
    """Until the sandbox has nothing left to deliver and the listener nothing left to sync."""
    _wait(lambda: admin.get("/_sandbox/webhooks").json()["pending"] == 0, 300)
    time.sleep(listener.settings.debounce + 0.2)
    _wait(lambda: listener.queue.counts()["pending"] == 0, 300)


def _wait(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("gave up waiting")
        time.sleep(0.1)


def _freshness(runs: list[Synced]) -> list[float]:
    out = []
    for run in runs:
        if run.run.ok and run.resources is not None:
            for event in run.events:
                if event.occurred_at:
                    changed = datetime.fromisoformat(event.occurred_at.replace("Z", "+00:00"))
                    out.append(run.finished - changed.timestamp())
    return out


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def freshness(seconds: float, rate: float) -> int:
    with sandbox_process("small", seed=1) as sandbox, \
            tempfile.TemporaryDirectory(prefix="coconstruct-webhooks-") as tmp:
        result = _session(sandbox, Path(tmp), seconds, rate, None)
    values = _freshness(result["runs"])
    answers_ms = [s * 1000 for s in result["answers"]]
    syncs = [r for r in result["runs"] if r.resources is not None]
    sync_s = [r.finished - r.started for r in syncs]
    steps = {step: statistics.median(r.run.steps.get(step, 0.0) for r in syncs)
             for step in ("extract", "normalize", "count", "load")}
    print(f"{len(values)} events in {seconds:.0f}s at {rate:g} change(s)/s, {len(syncs)} syncs "
          f"(median {statistics.median(sync_s):.2f}s each: "
          + ", ".join(f"{k} {v:.2f}s" for k, v in steps.items())
          + f", the rest {statistics.median(sync_s) - sum(steps.values()):.2f}s)")
    print(f"receiver answers: p50 {_percentile(answers_ms, 0.5):.1f} ms, p99 "
          f"{_percentile(answers_ms, 0.99):.1f} ms, max {max(answers_ms):.1f} ms")
    print(f"tables behind before the catch-up: {len(result['gaps'])}; after: {result['after'] or 'none'}")
    print(f"freshness_p50={_percentile(values, 0.5):.2f}s freshness_p95={_percentile(values, 0.95):.2f}s "
          f"freshness_max={max(values):.2f}s answer_max_ms={max(answers_ms):.0f}")
    return 0 if not result["after"] else 1


def drill(seeds: list[int], seconds: float, rate: float) -> int:
    passed = failed = 0
    for seed in seeds:
        faults = {"profile": "chaos", "rate": 0.3, "seed": seed, "late_after": 2.0}
        with sandbox_process("small", seed=seed) as sandbox, \
                tempfile.TemporaryDirectory(prefix="coconstruct-webhooks-drill-") as tmp:
            result = _session(sandbox, Path(tmp), seconds, rate, faults)
        injected = result["webhooks"]["faults"]["injected"]
        stats = result["webhooks"]["subscriptions"][0]["stats"]
        forged_refused = stats.get("forged_refused", 0) == injected.get("bad_signature", 0)
        ok = not result["after"] and forged_refused and all(r.run.ok for r in result["runs"])
        line = (f"seed {seed}: injected {injected}, received {result['received']}, tables behind "
                f"before the catch-up {len(result['gaps'])}, after {len(result['after'])}")
        print(("ok   " if ok else "FAIL ") + line, flush=True)
        if not ok:
            failed += 1
            for problem in result["after"][:10]:
                print(f"    {problem}")
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=1.0, help="changes per second")
    parser.add_argument("--drill", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.drill:
        seeds = list(range(args.first_seed, args.first_seed + args.seeds))
        return drill(seeds, min(args.seconds, 20.0), max(args.rate, 2.0))
    return freshness(args.seconds, args.rate)


if __name__ == "__main__":
    sys.exit(main())
