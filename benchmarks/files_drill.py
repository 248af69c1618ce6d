"""Kill drill for attachment files: SIGKILL `coconstruct files` during downloads, rerun.

    python -m benchmarks.files_drill --seeds 10 [--first-seed 1] [--seed N ...]

Per seed, against a sandbox in its own process (small tenant plus a few files of 2-12 MB,
file faults `chaos` at a 20 % rate: URLs expiring mid-download, truncated and wrong bytes,
slow links): up to three runs of `coconstruct files` are killed at a random moment, with
activity in the sandbox between runs (new, edited and deleted attachments); then a run
without faults finishes. The seed passes when every live attachment has exactly one file in
the store and its bytes hash to the attachment's checksum (nothing missing, nothing
duplicated, no file of a deleted attachment), no partial download is left, and the
`attachment_files` table says `stored` with that checksum for each live attachment and
`removed` for each deleted one it had seen. Last line: `N passed, N failed`.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from benchmarks._common import Sandbox, env_without_secrets, sandbox_process
from coconstruct_source.files.store import FileStore


@dataclass
class Outcome:
    seed: int
    kills: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)


def _env(sandbox: Sandbox) -> dict[str, str]:
    with sandbox.admin() as admin:
        account = next(a for a in admin.get("/_sandbox/accounts").json()
                       if a["role"] == "admin" and a["mfa"] == "none")
    return {**env_without_secrets(), "SOURCES__COCONSTRUCT__BASE_URL": sandbox.url,
            "SOURCES__COCONSTRUCT__CREDENTIALS__USERNAME": account["username"],
            "SOURCES__COCONSTRUCT__CREDENTIALS__PASSWORD": account["password"],
            "SOURCES__COCONSTRUCT__SESSION_CACHE": "false", "RUNTIME__DLTHUB_TELEMETRY": "false"}


def _command(tmp: Path) -> list[str]:
    return [sys.executable, "-m", "coconstruct_elt.cli", "files", "--store", str(tmp / "files"),
            "--duckdb-path", str(tmp / "wh.duckdb"), "--pipelines-dir", str(tmp / "pipelines"),
            "--no-progress"]


def drill_seed(seed: int) -> Outcome:
    rng = random.Random(f"files-drill:{seed}")
    outcome = Outcome(seed)
    with sandbox_process("small", seed=seed) as sandbox, \
            tempfile.TemporaryDirectory(prefix="coconstruct-files-drill-") as folder:
        tmp, env = Path(folder), _env(sandbox)
        admin = sandbox.admin()
        admin.post("/_sandbox/files", json={"sizes": [rng.randrange(2_000_000, 12_000_000)
                                                      for _ in range(4)]})
        admin.post("/_sandbox/file-faults", json={"profile": "chaos", "rate": 0.2, "seed": seed,
                                                  "slow_bytes_per_second": 3_000_000})
        for _ in range(rng.randint(1, 3)):
            process = subprocess.Popen(_command(tmp), env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            try:
                process.wait(timeout=rng.uniform(2.0, 9.0))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                outcome.kills += 1
            admin.post("/_sandbox/advance", json={"changes": rng.randint(5, 40)})
            admin.post("/_sandbox/files", json={"sizes": [rng.randrange(100_000, 4_000_000)]})
        admin.post("/_sandbox/file-faults", json={"profile": "none"})
        final = subprocess.run(_command(tmp), env=env, capture_output=True, timeout=900)
        if final.returncode:
            outcome.problems.append(f"the final run failed: {final.stderr.decode()[-500:]}")
            return outcome
        truth = {a["id"]: a for a in admin.get("/_sandbox/export/attachments").json()}
        outcome.files = len(truth)
        outcome.problems += _check(tmp, truth)
    return outcome


def _check(tmp: Path, truth: dict[int, dict[str, Any]]) -> list[str]:
    problems = []
    with duckdb.connect(str(tmp / "wh.duckdb"), read_only=True) as con:
        rows = {r[0]: r[1:] for r in con.execute(
            "select attachment_id, tenant_id, status, checksum_sha256 from "
            "coconstruct_raw.attachment_files").fetchall()}
    tenants = {r[0] for r in rows.values()}
    if len(tenants) != 1:
        return [f"expected one tenant in attachment_files, found {sorted(tenants)}"]
    (tenant,) = tenants
    store = FileStore(str(tmp / "files"))
    stored = store.stored_versions(tenant)
    for aid, attachment in truth.items():
        paths = stored.get(aid, [])
        if len(paths) != 1:
            problems.append(f"attachment {aid}: {len(paths)} files stored")
            continue
        digest = hashlib.sha256()
        with open(paths[0], "rb") as f:
            while piece := f.read(1 << 20):
                digest.update(piece)
        if digest.hexdigest() != attachment["checksum_sha256"]:
            problems.append(f"attachment {aid}: the stored bytes do not hash to its checksum")
        row = rows.get(aid)
        if row is None or row[1:] != ("stored", attachment["checksum_sha256"]):
            problems.append(f"attachment {aid}: row {row}")
    for aid in set(stored) - set(truth):
        problems.append(f"attachment {aid} is deleted but its file is still stored")
    for aid, row in rows.items():
        if aid not in truth and row[1] != "removed":
            problems.append(f"deleted attachment {aid}: row says {row[1]}")
    leftovers = list(store.staging.rglob("*.part")) if store.staging.exists() else []
    if leftovers:
        problems.append(f"{len(leftovers)} partial download(s) left in the staging folder")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--seed", type=int, action="append", help="replay these seeds only")
    args = parser.parse_args(argv)
    seeds = args.seed or list(range(args.first_seed, args.first_seed + args.seeds))
    passed = failed = 0
    for seed in seeds:
        started = time.perf_counter()
        outcome = drill_seed(seed)
        line = (f"seed {seed}: {outcome.kills} kill(s), {outcome.files} files, "
                f"{time.perf_counter() - started:.0f}s")
        if outcome.problems:
            failed += 1
            print(f"FAIL {line}", flush=True)
            for problem in outcome.problems[:20]:
                print(f"    {problem}", flush=True)
            print(f"    replay: python -m benchmarks.files_drill --seed {seed}", flush=True)
        else:
            passed += 1
            print(f"ok   {line}", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
