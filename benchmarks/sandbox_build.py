"""Build a sandbox tenant in-process and report build seconds, peak RSS and records per table.

    python -m benchmarks.sandbox_build --size large [--seed 1] [--state]

Records counted are warehouse rows (child lines and timesheets included, via `state()`).
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
