"""Attachment files: download throughput against a raw httpx stream, and peak memory.

    python -m benchmarks.files [--files 8 --file-mb 25 --workers 4 --rounds 3]

Against a sandbox in its own process on loopback:
- `download_vs_raw_to_file`: the connector's download path (Downloader: ranged, hashed,
  written to a part file, verified, committed to the file store) against a raw httpx stream
  of the same files written to files (no hash, no checks), both with `--workers` threads,
  fresh URLs fetched beforehand, rounds alternated, the best round of each;
  `download_vs_raw`: the same against a raw stream that only reads (nothing on disk).
- `cli_vs_raw`: `coconstruct files` end to end (login, listing, a fresh URL per file, the
  dlt load of the `attachment_files` rows) over the whole tenant against the raw stream of
  the same files.
- `peak_rss_1mb` / `peak_rss_200mb`: peak RSS of `coconstruct files` downloading 100 files
  of 1 MB, and one of 200 MB (each on a fresh sandbox).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from benchmarks._common import Sandbox, env_without_secrets, sandbox_process
from coconstruct_source.files.download import Downloader, DownloadSettings
from coconstruct_source.files.store import FileStore

MB = 1_000_000


def _account(sandbox: Sandbox) -> dict[str, Any]:
    with sandbox.admin() as admin:
        return next(a for a in admin.get("/_sandbox/accounts").json()
                    if a["role"] == "admin" and a["mfa"] == "none")


def _api(sandbox: Sandbox) -> httpx.Client:
    account = _account(sandbox)
    token = httpx.post(f"{sandbox.url}/sessions", json={"username": account["username"],
                                                        "password": account["password"]}).json()
    return httpx.Client(base_url=sandbox.url, timeout=300,
                        headers={"Authorization": f"Bearer {token['access_token']}"})


def _all_attachments(api: httpx.Client) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        page = api.get("/attachments", params={"limit": 1000, **({"cursor": cursor} if cursor else {})}).json()
        out += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return out


def _fresh(api: httpx.Client, ids: list[int]) -> list[dict[str, Any]]:
    return [api.get(f"/attachments/{i}").json() for i in ids]


def raw_stream(base_url: str, attachments: list[dict[str, Any]], workers: int,
               into: Path | None = None) -> float:
    """Seconds to read every file with plain httpx streams: nothing kept, or each written to
    a file in `into` (no hashing, no checks)."""
    with httpx.Client(base_url=base_url, timeout=300,
                      limits=httpx.Limits(max_connections=workers)) as http:
        def read(attachment: dict[str, Any]) -> int:
            n = 0
            with http.stream("GET", attachment["url"]) as response:
                if into is None:
                    for chunk in response.iter_raw():
                        n += len(chunk)
                else:
                    with open(into / str(attachment["id"]), "wb") as out:
                        for chunk in response.iter_raw():
                            out.write(chunk)
                            n += len(chunk)
            assert n == attachment["size_bytes"], (n, attachment["size_bytes"])
            return n

        if into is not None:
            into.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(read, attachments))
        return time.perf_counter() - started


def connector_download(base_url: str, api: httpx.Client, attachments: list[dict[str, Any]],
                       workers: int, root: Path) -> float:
    """Seconds for the connector's download path: every file verified and in the store."""
    store = FileStore(str(root))
    with httpx.Client(timeout=300, limits=httpx.Limits(max_connections=workers)) as http:
        downloader = Downloader(http, base_url, lambda aid: api.get(f"/attachments/{aid}").json(),
                                lambda meta: store.part("bench", meta), DownloadSettings())

        def fetch(attachment: dict[str, Any]) -> None:
            outcome = downloader.download(attachment)
            assert outcome.status == "stored", outcome.reason
            assert outcome.part is not None
            store.commit(outcome.part, store.location("bench", outcome.attachment))

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(fetch, attachments))
        return time.perf_counter() - started


def cli_files(sandbox: Sandbox, tmp: Path, workers: int) -> tuple[float, float]:
    """(seconds, peak RSS MB) of `coconstruct files` over the whole tenant, in its own process."""
    account = _account(sandbox)
    env = {**env_without_secrets(), "SOURCES__COCONSTRUCT__BASE_URL": sandbox.url,
           "SOURCES__COCONSTRUCT__CREDENTIALS__USERNAME": account["username"],
           "SOURCES__COCONSTRUCT__CREDENTIALS__PASSWORD": account["password"],
           "SOURCES__COCONSTRUCT__SESSION_CACHE": "false", "RUNTIME__DLTHUB_TELEMETRY": "false"}
    command = [sys.executable, "-m", "coconstruct_elt.cli", "files", "--store", str(tmp / "files"),
               "--workers", str(workers), "--duckdb-path", str(tmp / "wh.duckdb"),
               "--pipelines-dir", str(tmp / "pipelines"), "--no-progress"]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out: dict[str, bytes] = {}
    reader = threading.Thread(target=lambda: out.update(err=process.stderr.read()))  # type: ignore[union-attr]
    reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"coconstruct files failed: {out.get('err', b'').decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def throughput(files: int, file_mb: int, workers: int, rounds: int) -> dict[str, float]:
    with sandbox_process("small", seed=1) as sandbox, _api(sandbox) as api, \
            tempfile.TemporaryDirectory(prefix="coconstruct-files-bench-") as tmp:
        created = sandbox.admin().post("/_sandbox/files", json={"sizes": [file_mb * MB] * files}).json()
        ids = [c["id"] for c in created]
        total = sum(c["size_bytes"] for c in created)
        raw_s, to_file_s, connector_s = [], [], []
        for n in range(rounds):
            raw_s.append(raw_stream(sandbox.url, _fresh(api, ids), workers))
            to_file_s.append(raw_stream(sandbox.url, _fresh(api, ids), workers, Path(tmp) / f"raw{n}"))
            connector_s.append(connector_download(sandbox.url, api, _fresh(api, ids), workers,
                                                  Path(tmp) / f"round{n}"))
            print(f"round {n + 1}: raw read {total / MB / raw_s[-1]:.0f} MB/s, raw to file "
                  f"{total / MB / to_file_s[-1]:.0f} MB/s, connector {total / MB / connector_s[-1]:.0f} MB/s",
                  flush=True)
            for folder in (f"raw{n}", f"round{n}"):
                shutil.rmtree(Path(tmp) / folder)
        everything = _all_attachments(api)
        tenant_bytes = sum(a["size_bytes"] for a in everything)
        raw_all = raw_stream(sandbox.url, _fresh(api, [a["id"] for a in everything]), workers)
        cli_s, cli_rss = cli_files(sandbox, Path(tmp), workers)
    return {"files": files, "file_mb": file_mb, "raw_mb_s": total / MB / min(raw_s),
            "to_file_mb_s": total / MB / min(to_file_s),
            "download_mb_s": total / MB / min(connector_s),
            "download_vs_raw": min(raw_s) / min(connector_s),
            "download_vs_raw_to_file": min(to_file_s) / min(connector_s),
            "tenant_mb": tenant_bytes / MB, "tenant_files": len(everything),
            "raw_all_s": raw_all, "cli_s": cli_s, "cli_vs_raw": raw_all / cli_s, "cli_rss_mb": cli_rss}


def peak_rss(sizes: list[int], workers: int) -> float:
    with sandbox_process("small", seed=2) as sandbox, \
            tempfile.TemporaryDirectory(prefix="coconstruct-files-rss-") as tmp:
        sandbox.admin().post("/_sandbox/files", json={"sizes": sizes})
        return cli_files(sandbox, Path(tmp), workers)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--file-mb", type=int, default=25)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = throughput(args.files, args.file_mb, args.workers, args.rounds)
    print(f"{result['files']} x {result['file_mb']} MB, {args.workers} workers: raw read "
          f"{result['raw_mb_s']:.0f} MB/s, raw to file {result['to_file_mb_s']:.0f} MB/s, "
          f"connector download {result['download_mb_s']:.0f} MB/s")
    print(f"coconstruct files, whole tenant ({result['tenant_files']} files, "
          f"{result['tenant_mb']:.0f} MB): {result['cli_s']:.1f}s, raw stream {result['raw_all_s']:.1f}s")
    small = peak_rss([MB] * 100, args.workers)
    big = peak_rss([200 * MB], args.workers)
    print(f"peak RSS of coconstruct files: 100 x 1 MB {small:.0f} MB, 1 x 200 MB {big:.0f} MB")
    print(f"download_vs_raw_to_file={result['download_vs_raw_to_file']:.2f} "
          f"download_vs_raw={result['download_vs_raw']:.2f} cli_vs_raw={result['cli_vs_raw']:.2f} "
          f"peak_rss_1mb={small:.0f} peak_rss_200mb={big:.0f} rss_ratio={big / small:.2f}")


if __name__ == "__main__":
    main()
