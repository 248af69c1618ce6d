"""Peer baseline: dlt's declarative `rest_api` source over the same endpoints.

Run as its own process (so its peak RSS is its own):
    python benchmarks/rest_api_baseline.py --base-url URL --token T --duckdb PATH [--tuned]
Prints one JSON line: wall and per-stage seconds, rows loaded.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import LIST_PATHS


def rest_api_config(base_url: str, token: str, limit: int) -> dict:
    return {
        "client": {
            "base_url": base_url,
            "auth": {"type": "bearer", "token": token},
            "paginator": {
                "type": "cursor",
                "cursor_path": "next_cursor",
                "cursor_param": "cursor",
            },
        },
        "resource_defaults": {
            "primary_key": "id",
            "write_disposition": "merge",
            "endpoint": {"params": {"limit": limit}, "data_selector": "data"},
        },
        "resources": [
            {"name": name, "endpoint": {"path": path.lstrip("/")}}
            for name, path in LIST_PATHS.items()
            if path
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--duckdb", required=True)
    parser.add_argument("--tuned", action="store_true")
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()

    if args.tuned:
        os.environ["DATA_WRITER__DISABLE_COMPRESSION"] = "true"
        os.environ["NORMALIZE__WORKERS"] = "2"
        os.environ["DATA_WRITER__FILE_MAX_ITEMS"] = "100000"
        os.environ["DATA_WRITER__BUFFER_MAX_ITEMS"] = "10000"
    os.environ["RUNTIME__LOG_LEVEL"] = "WARNING"

    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(rest_api_config(args.base_url, args.token, args.limit))
    with tempfile.TemporaryDirectory() as pipelines_dir:
        pipeline = dlt.pipeline(
            pipeline_name="rest_api_baseline",
            destination=dlt.destinations.duckdb(args.duckdb),
            dataset_name="rest_api_raw",
            pipelines_dir=pipelines_dir,
        )
        started = time.perf_counter()
        pipeline.extract(source, **({"loader_file_format": "parquet"} if args.tuned else {}))
        extracted = time.perf_counter()
        normalize_info = pipeline.normalize()
        normalized = time.perf_counter()
        pipeline.load()
        loaded = time.perf_counter()
        rows = sum(
            count for table, count in normalize_info.row_counts.items() if not table.startswith("_dlt")
        )
    print(
        orjson.dumps(
            {
                "wall": loaded - started,
                "extract": extracted - started,
                "normalize": normalized - extracted,
                "load": loaded - normalized,
                "rows": rows,
                "peak_rss_mb": max(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                )
                / 1024,
            }
        ).decode()
    )


if __name__ == "__main__":
    main()
