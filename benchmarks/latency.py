"""Incremental runs against an API with latency: resources fetched one after another vs together.

    python -m benchmarks.latency [--size small] [--max-delay 0.1] [--changes 30]

Loopback has no latency, so `run.py` cannot show what a scheduled run against the real API
waits for. Here the sandbox delays every API answer by 0..max_delay seconds (its `slow`
fault on every request; logins are not delayed). For each variant, on a fresh sandbox of the
same seed: a full sync, a run with nothing changed, and a run after `/_sandbox/advance`.
"sequential" is the runner with `_fetch_concurrently` switched off (one resource at a time,
as every run did before); "concurrent" is the runner as shipped. Ends with one line of ratios
(concurrent time / sequential time; lower is better).
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

import coconstruct_elt.run as runner
from coconstruct_elt.run import RunOptions, TenantSpec, run_tenants
from coconstruct_sandbox.faults import FaultConfig
from coconstruct_sandbox.server import SandboxServer
from coconstruct_source.credentials import PasswordMfaCredentials


@contextlib.contextmanager
def _sequential(enabled: bool) -> Iterator[None]:
    """The runner with its concurrent incremental fetch switched off."""
    concurrent = runner._fetch_concurrently
    if enabled:
        runner._fetch_concurrently = lambda source: None
    try:
        yield
    finally:
        runner._fetch_concurrently = concurrent


def _timed_run(spec: TenantSpec, options: RunOptions) -> tuple[float, float]:
    started = time.perf_counter()
    (run,) = run_tenants([spec], options)
    if not run.ok:
        raise SystemExit(f"sync failed: {run.error}")
    return time.perf_counter() - started, run.steps.get("extract", 0.0)


def measure(size: str, max_delay: float, changes: int, sequential: bool) -> dict[str, tuple]:
    faults = FaultConfig(profile="slow", seed=1, rate=1.0, max_delay=max_delay)
    with SandboxServer(size=size, seed=1, faults=faults) as server, tempfile.TemporaryDirectory(
        prefix="coconstruct-latency-"
    ) as tmp, _sequential(sequential):
        account = server.default_account()
        spec = TenantSpec(
            base_url=server.url,
            credentials=PasswordMfaCredentials(
                username=account.username,
                password=account.password,
                mfa_method=account.mfa,
                totp_secret=account.totp_secret,
            ),
        )
        options = RunOptions(
            duckdb_path=str(Path(tmp) / "bench.duckdb"),
            pipelines_dir=str(Path(tmp) / "pipelines"),
            session_cache=False,
        )
        out = {"full sync": _timed_run(spec, options)}
        out["no change"] = _timed_run(spec, options)
        httpx.post(f"{server.url}/_sandbox/advance", json={"changes": changes}).raise_for_status()
        out[f"after {changes} changes"] = _timed_run(spec, options)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["small", "medium"])
    parser.add_argument("--max-delay", type=float, default=0.1, help="seconds (uniform 0..max)")
    parser.add_argument("--changes", type=int, default=30)
    args = parser.parse_args()

    results = {
        variant: measure(args.size, args.max_delay, args.changes, variant == "sequential")
        for variant in ("sequential", "concurrent")
    }
    print(f"sandbox {args.size}, every API answer delayed 0..{args.max_delay:.3f} s")
    print(f"{'run':<22} {'variant':<11} {'wall_s':>7} {'extract_s':>9}")
    for run in results["sequential"]:
        for variant, rows in results.items():
            wall, extract = rows[run]
            print(f"{run:<22} {variant:<11} {wall:7.2f} {extract:9.2f}")
    ratios = " ".join(
        f"{run.replace(' ', '_')}={results['concurrent'][run][0] / results['sequential'][run][0]:.2f}"
        for run in results["sequential"]
    )
    print(ratios)


if __name__ == "__main__":
    main()
