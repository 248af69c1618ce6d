"""Build a sandbox tenant in-process and report build seconds, peak RSS and records per table.

    python -m benchmarks.sandbox_build --size large [--seed 1] [--advance 1000]

Records counted are warehouse rows (child lines and timesheets included, via `state()`).

Recorded (2026-11-27, 2 cores shared with other jobs, load ~5): large seed 1 -> 1,590,368
records; build 26-50 s wall (20.7-22.3 s CPU), peak RSS 1,046 MB; state() 4-10 s;
advance(1000) 0.14-0.5 s; walking 792k timesheets at limit 1000: 2.1-5 s.
medium: 1.8 s, 82 MB. small: 0.1 s, 29 MB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from coconstruct_sandbox.store import TenantStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=("small", "medium", "large"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--advance", type=int, default=1000, help="changes to time after the build")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    cpu = time.process_time()
    store = TenantStore.build(args.size, args.seed)
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_build_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    state = store.state()
    state_s = time.perf_counter() - started

    counts = {table: info["count"] for table, info in state["tables"].items()}
    width = max(map(len, counts))
    for table, count in counts.items():
        print(f"{table:<{width}}  {count:>10,}")
    print(f"{'TOTAL records':<{width}}  {sum(counts.values()):>10,}")
    print(f"size={args.size} seed={args.seed}")
    print(f"build seconds (wall) {build_s:.1f}  (cpu {build_cpu:.1f})")
    print(f"peak RSS after build MB {peak_build_mb:.0f}")
    print(f"state() seconds {state_s:.1f}; peak RSS MB "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")

    started = time.perf_counter()
    result = store.advance(args.advance)
    advance_s = time.perf_counter() - started
    print(f"advance({args.advance}) seconds {advance_s:.2f}: created {result['created']}, "
          f"updated {result['updated']}, deleted {result['deleted']}")
    started, pages, rows, cursor = time.perf_counter(), 0, 0, None
    while True:
        page = store.list_page("timesheets", limit=1000, cursor=cursor)
        pages, rows, cursor = pages + 1, rows + page.count, page.next_cursor
        if cursor is None:
            break
    walk_s = time.perf_counter() - started
    print(f"timesheets walk: {rows:,} rows in {pages:,} pages, {walk_s:.1f} s "
          f"({rows / walk_s:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
