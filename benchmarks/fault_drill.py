"""Fault drill: seeded syncs under faults and SIGKILLs must still equal the sandbox.

For each seed: a fresh sandbox (in this process) under a random transport fault profile; a
sync (`coconstruct run --no-dbt`, a subprocess) killed with SIGKILL at a random moment of a
random dlt phase (extract, normalize, load), again and again, with sandbox activity
(`advance`, and deletions without tombstone: the runs after one use `--sweep`) between
runs; then reruns until one finishes (bounded). The warehouse must hold
exactly the sandbox's live rows: same keys, counts and money sums per table, no duplicate
key. A failing seed is printed with what differs; `--seed S` replays it.

    python benchmarks/fault_drill.py --seeds 200 --size small

The last line is exactly `P passed, F failed`.
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PROFILES = (
    "rate_limit_storm", "flaky", "slow", "drops", "truncated", "token_expiry", "html_login",
)
PHASES = ("extract", "normalize", "load")
PHASE_MARK = "fault-drill phase: "
KILL_IN_COMMIT = "FAULT_DRILL_KILL_IN_NORMALIZE_COMMIT"
DATASET = "coconstruct_raw"
MAX_RUNS = 8  # kills included: a seed whose sync never finishes within these fails
RUN_TIMEOUT = 120.0


@dataclass
class Plan:
    """Everything random about one seed, drawn up front so the seed replays."""

    seed: int
    sandbox_seed: int
    profile: str
    rate: float
    kills: list[tuple[str, float]]  # (phase, delay after the phase began)
    activity: list[int]  # changes applied before each rerun
    purges: list[int]  # records deleted without a tombstone before each rerun (then --sweep)

    @classmethod
    def draw(cls, seed: int) -> Plan:
        rng = random.Random(f"fault-drill:{seed}")
        kills = [(rng.choice(PHASES), rng.uniform(0.0, 0.4)) for _ in range(rng.randint(1, 2))]
        return cls(
            seed=seed,
            sandbox_seed=rng.randint(1, 5),
            profile=rng.choice(PROFILES),
            rate=round(rng.uniform(0.02, 0.12), 3),
            kills=kills,
            activity=[rng.choice((0, 5, 20, 40)) for _ in range(MAX_RUNS)],
            purges=[rng.choice((0, 0, 0, 1, 3)) for _ in range(MAX_RUNS)],
        )


@dataclass
class Outcome:
    plan: Plan
    runs: list[str] = field(default_factory=list)  # per run: "killed in X", "ok", "failed: ..."
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        p = self.plan
        return (
            f"seed {p.seed}: profile={p.profile} rate={p.rate} sandbox_seed={p.sandbox_seed} "
            f"runs=[{'; '.join(self.runs)}] {self.seconds:.1f}s"
        )


# ---- the child: one sync, announcing each dlt phase on stdout ----------------------------------


def child_main(argv: list[str]) -> int:
    """`coconstruct run --no-dbt`, with a line on stdout as each pipeline phase begins."""
    import dlt

    from coconstruct_elt.cli import main

    for phase in PHASES:
        original = getattr(dlt.Pipeline, phase)

        def announced(self: Any, *a: Any, _phase: str = phase, _orig: Any = original, **kw: Any) -> Any:
            print(PHASE_MARK + _phase, flush=True)
            return _orig(self, *a, **kw)

        setattr(dlt.Pipeline, phase, announced)
    if os.environ.get(KILL_IN_COMMIT):
        _die_inside_normalize_commit()
    return main(["run", "--no-dbt", "--no-progress", *argv])


def _die_inside_normalize_commit() -> None:
    """SIGKILL in dlt's normalize commit window: the normalized package renamed into place,
    its extracted copy not yet deleted (a moment a random kill rarely hits)."""
    from dlt.common.storages.load_storage import LoadStorage

    commit = LoadStorage.commit_new_load_package

    def commit_then_die(self: Any, load_id: str) -> None:
        commit(self, load_id)
        os.kill(os.getpid(), signal.SIGKILL)

    LoadStorage.commit_new_load_package = commit_then_die


# ---- the parent ---------------------------------------------------------------------------------


def _reader(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def run_sync(
    env: dict[str, str], work: Path, kill: tuple[str, float] | None, sweep: bool = False
) -> str:
    """One sync subprocess; SIGKILLed `delay` s after `phase` began when `kill` is given."""
    cmd = [
        sys.executable, __file__, "--child",
        "--duckdb-path", str(work / "wh.duckdb"), "--pipelines-dir", str(work / "pipelines"),
        *(["--sweep"] if sweep else []),
    ]
    proc = subprocess.Popen(
        cmd, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    errors: list[str] = []
    threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True).start()
    deadline = time.monotonic() + RUN_TIMEOUT
    phase = "start"
    kill_at: float | None = None
    while True:
        timeout = max(0.0, (kill_at or deadline) - time.monotonic())
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            line = ""
        if line is None:  # the child closed stdout: it is exiting
            break
        if line.startswith(PHASE_MARK):
            phase = line[len(PHASE_MARK):]
            if kill and phase == kill[0] and kill_at is None:
                kill_at = time.monotonic() + kill[1]
        now = time.monotonic()
        if kill_at is not None and now >= kill_at and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return f"killed in {phase}"
        if now >= deadline:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return f"failed: timed out in {phase}"
    code = proc.wait()
    if code == 0:
        return "ok"
    text = "".join(errors)
    start = text.rfind("error: ")
    return f"failed ({code}): {' '.join(text[start if start >= 0 else -600:].split())[:600]}"


def compare(store: Any, db_path: Path) -> list[str]:
    """Differences between the warehouse and the sandbox's ground truth (empty: equal)."""
    import duckdb

    from coconstruct_source.contract import load_contract

    keys = {t.name: t.primary_key for s in load_contract().resources.values() for t in s.all_tables}
    truth = store.state()["tables"]
    problems: list[str] = []
    with duckdb.connect(str(db_path), read_only=True) as con:
        stored = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [DATASET]
        ).fetchall()}
        for table, expected in truth.items():
            cols = keys[table]
            want = {tuple(r[c] for c in cols) for r in store.export(table)}
            if table not in stored:
                if want:
                    problems.append(f"{table}: missing in the warehouse")
                continue
            sums = list(expected["sums"])
            exprs = ", ".join(["count(*)", f"count(distinct ({', '.join(cols)}))",
                               *(f"sum({c})" for c in sums)])
            count, distinct, *got = con.execute(f"select {exprs} from {DATASET}.{table}").fetchone()
            if count != distinct:
                problems.append(f"{table}: {count - distinct} duplicate key(s)")
            if count != expected["count"]:
                problems.append(f"{table}: {count} rows, sandbox {expected['count']}")
            for column, value in zip(sums, got, strict=True):
                if Decimal(value or 0) != Decimal(expected["sums"][column]):
                    problems.append(
                        f"{table}.{column}: sum {value}, sandbox {expected['sums'][column]}"
                    )
            have = set(con.execute(f"select {', '.join(cols)} from {DATASET}.{table}").fetchall())
            if extra := have - want:
                problems.append(f"{table}: {len(extra)} deleted key(s) still stored, e.g. {min(extra)}")
            if missing := want - have:
                problems.append(f"{table}: {len(missing)} key(s) missing, e.g. {min(missing)}")
    return problems


def _purge_one(store: Any, rng: random.Random) -> bool:
    """Delete a random live record without a tombstone (only a sweep can see it)."""
    entity = rng.choice(store.entities)
    rid = store.random_live_id(entity, rng)
    return rid is not None and store.purge(entity, rid)


def _env(server: Any) -> dict[str, str]:
    account = next(a for a in server.accounts if a.role == "admin" and a.mfa == "none")
    env = dict(os.environ)
    env.update({
        "SOURCES__COCONSTRUCT__BASE_URL": server.url,
        "SOURCES__COCONSTRUCT__CREDENTIALS__USERNAME": account.username,
        "SOURCES__COCONSTRUCT__CREDENTIALS__PASSWORD": account.password,
        "SOURCES__COCONSTRUCT__SESSION_CACHE": "false",
        "DLT_PROJECT_DIR": str(REPO),
        "RUNTIME__LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    })
    return env


def drill_seed(seed: int, size: str = "small") -> Outcome:
    """One seed: kills, activity and reruns, then the comparison."""
    from coconstruct_sandbox.faults import FaultConfig
    from coconstruct_sandbox.server import SandboxServer

    plan = Plan.draw(seed)
    outcome = Outcome(plan)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fault-drill-") as tmp, SandboxServer(
        size=size, seed=plan.sandbox_seed, token_ttl=3600, rate_limit=0,
        faults=FaultConfig(profile=plan.profile, seed=seed, rate=plan.rate),
    ) as server:
        work, env = Path(tmp), _env(server)
        kills = list(plan.kills)
        finished = sweep = False
        rng = random.Random(f"fault-drill-purge:{seed}")
        for attempt in range(MAX_RUNS):
            if attempt:
                server.store.advance(plan.activity[attempt])
                for _ in range(plan.purges[attempt]):
                    sweep |= _purge_one(server.store, rng)
            result = run_sync(env, work, kills.pop(0) if kills else None, sweep)
            outcome.runs.append(result)
            if result == "ok" and not kills:
                finished = True
                break
        if not finished:
            outcome.problems.append(f"no run finished in {MAX_RUNS} attempts")
        elif (work / "wh.duckdb").exists():
            outcome.problems.extend(compare(server.store, work / "wh.duckdb"))
        else:
            outcome.problems.append("the warehouse file was never created")
    outcome.seconds = time.perf_counter() - started
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--seed", type=int, action="append", help="replay these seeds only")
    parser.add_argument("--size", default="small", help="sandbox size (small)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds run side by side")
    parser.add_argument("-v", "--verbose", action="store_true", help="a line per seed")
    args = parser.parse_args(argv)
    seeds = args.seed or list(range(args.first_seed, args.first_seed + args.seeds))
    passed = failed = 0
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        outcomes = pool.map(drill_seed, seeds, [args.size] * len(seeds))
        for seed, outcome in zip(seeds, outcomes, strict=True):
            passed, failed = _report(seed, outcome, args, passed, failed)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


def _report(seed: int, outcome: Outcome, args: argparse.Namespace, passed: int, failed: int
            ) -> tuple[int, int]:
    if outcome.problems:
        failed += 1
        print("FAIL " + outcome.line(), flush=True)
        for problem in outcome.problems:
            print("    " + problem, flush=True)
        print(f"    replay: python benchmarks/fault_drill.py --seed {seed} --size {args.size}")
    else:
        passed += 1
        if args.verbose:
            print("ok   " + outcome.line(), flush=True)
    return passed, failed


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(REPO))
        sys.exit(child_main(sys.argv[2:]))
    sys.path.insert(0, str(REPO))
    sys.exit(main())
