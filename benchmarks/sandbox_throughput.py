"""The sandbox's raw page throughput: every list at limit=1000, server in its own process.

    python -m benchmarks.sandbox_throughput --size large [--record]

Client: one httpx connection + orjson (the floor a connector can reach). Reports pages/s,
records/s and MB/s per list and overall; `--record` writes benchmarks/results/.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import httpx
import orjson

from benchmarks._common import LIST_PATHS, peak_rss_mb_of, sandbox_process


def walk(client: httpx.Client, path: str, limit: int) -> tuple[int, int, int]:
    """(pages, records, bytes) of one full listing."""
    pages = records = size = 0
    cursor = None
    while True:
        response = client.get(path, params={"limit": limit} | ({"cursor": cursor} if cursor else {}))
        response.raise_for_status()
        page = orjson.loads(response.content)
        pages, records, size = pages + 1, records + len(page["data"]), size + len(response.content)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages, records, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--record", action="store_true", help="write benchmarks/results/")
    args = parser.parse_args()

    built = time.perf_counter()
    with sandbox_process(args.size, args.seed, startup_timeout=1800) as sandbox:
        startup = time.perf_counter() - built
        token = sandbox.login()
        per_list = {}
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=sandbox.url, headers=headers, timeout=300) as client:
            started = time.perf_counter()
            for table, path in LIST_PATHS.items():
                if path is None:
                    continue
                t0 = time.perf_counter()
                pages, records, size = walk(client, path, args.limit)
                seconds = time.perf_counter() - t0
                per_list[table] = {"pages": pages, "records": records, "bytes": size,
                                   "seconds": round(seconds, 3),
                                   "records_per_s": round(records / seconds)}
            wall = time.perf_counter() - started
        server_rss = peak_rss_mb_of(sandbox.process.pid)
    pages = sum(v["pages"] for v in per_list.values())
    records = sum(v["records"] for v in per_list.values())
    size = sum(v["bytes"] for v in per_list.values())
    result = {
        "size": args.size, "seed": args.seed, "limit": args.limit,
        "startup_seconds": round(startup, 1), "wall_seconds": round(wall, 2),
        "pages": pages, "records": records, "megabytes": round(size / 1e6, 1),
        "pages_per_s": round(pages / wall, 1), "records_per_s": round(records / wall),
        "megabytes_per_s": round(size / 1e6 / wall, 1), "server_peak_rss_mb": round(server_rss),
        "per_list": per_list,
    }
    for table, row in per_list.items():
        print(f"{table:16} {row['pages']:6} pages {row['records']:9} records {row['seconds']:8.2f}s "
              f"{row['records_per_s']:9} rec/s")
    print(orjson.dumps({k: v for k, v in result.items() if k != "per_list"}).decode())
    if args.record:
        out = Path(__file__).parent / "results" / f"sandbox_throughput_{args.size}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))


if __name__ == "__main__":
    main()
