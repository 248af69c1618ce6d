"""One `coconstruct run` (no dbt) against a running sandbox, in its own process.

    python -m benchmarks.sync_once --base-url URL --account-json JSON --duckdb PATH --pipelines-dir DIR

The same code path as the CLI (`coconstruct_elt.run.run_tenants`); prints one JSON line with the
wall time, the time per step, rows changed (per table too) and this process tree's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import time

import orjson

from coconstruct_elt.run import RunOptions, TenantSpec, run_tenants
from coconstruct_source.credentials import PasswordMfaCredentials


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--account-json", required=True, help="a /_sandbox/accounts entry")
    parser.add_argument("--duckdb", required=True)
    parser.add_argument("--pipelines-dir", required=True)
    args = parser.parse_args()

    account = orjson.loads(args.account_json)
    tenant = TenantSpec(
        base_url=args.base_url,
        credentials=PasswordMfaCredentials(
            username=account["username"],
            password=account["password"],
            mfa_method=account["mfa"],
            totp_secret=account["totp_secret"],
        ),
    )
    options = RunOptions(
        duckdb_path=args.duckdb, pipelines_dir=args.pipelines_dir, session_cache=False
    )
    started = time.perf_counter()
    (run,) = run_tenants([tenant], options)
    wall = time.perf_counter() - started
    if not run.ok:
        raise SystemExit(f"sync failed: {run.error}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        orjson.dumps(
            {
                "wall": wall,
                "steps": run.steps,
                "rows": run.rows,
                "changes": {
                    table: [c.inserted, c.updated or 0, c.deleted or 0]
                    for table, c in run.changes.items()
                },
                "peak_rss_mb": max(own, children),
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
