"""Shared plumbing of the benchmarks: a sandbox in its own process, demo login, timing."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pyotp

LIST_PATHS = {
    "company": None,  # a single object, not a list
    "users": "/users",
    "clients": "/clients",
    "trade_partners": "/trade-partners",
    "projects": "/projects",
    "cost_codes": "/cost-codes",
    "budget_lines": "/budget-lines",
    "selections": "/selections",
    "change_orders": "/change-orders",
    "purchase_orders": "/purchase-orders",
    "bills": "/bills",
    "invoices": "/invoices",
    "payments": "/payments",
    "timesheets": "/timesheets",
    "schedule_tasks": "/schedule-tasks",
    "qb_mappings": "/quickbooks/mappings",
    "attachments": "/attachments",
}


@dataclass
class Sandbox:
    url: str
    process: subprocess.Popen

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=300)

    def default_account(self) -> dict:
        with self.admin() as client:
            accounts = client.get("/_sandbox/accounts").json()
        return next(a for a in accounts if a["role"] == "admin" and a["mfa"] == "totp")

    def login(self) -> str:
        """An access token for the default demo account (admin + TOTP)."""
        account = self.default_account()
        with httpx.Client(base_url=self.url, timeout=60) as client:
            answer = client.post(
                "/sessions", json={"username": account["username"], "password": account["password"]}
            ).json()
            if answer.get("mfa_required"):
                code = pyotp.TOTP(account["totp_secret"]).now()
                answer = client.post(
                    "/sessions/mfa", json={"challenge_id": answer["challenge_id"], "code": code}
                ).json()
        return answer["access_token"]


def advance_records(admin: httpx.Client, records: int, max_rounds: int = 200) -> dict[str, int]:
    """`/_sandbox/advance` until at least `records` API records (list entities, not their
    nested lines) were created, updated or deleted; returns the count per kind.

    The sandbox's `changes` are business events: one may touch a single record or delete a
    project's whole field records (thousands of timesheets), so asking for 1% of the records
    as events changes several percent of them."""
    top_level = set(LIST_PATHS)
    done = {"created": 0, "updated": 0, "deleted": 0}
    for _ in range(max_rounds):
        remaining = records - sum(done.values())
        if remaining <= 0:
            return done
        # small steps: one event may delete thousands of records, so stop near the target
        step = remaining // 4 + 1
        answer = admin.post("/_sandbox/advance", json={"changes": step}).json()
        for table, kinds in answer["by_table"].items():
            if table in top_level:
                for kind, n in kinds.items():
                    done[kind] += n
    raise RuntimeError(f"advance did not reach {records} changed records in {max_rounds} rounds")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def sandbox_process(size: str, seed: int = 1, startup_timeout: float = 300.0) -> Iterator[Sandbox]:
    """`coconstruct sandbox serve` in its own process, so it never shares a core's GIL with the client."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "coconstruct_sandbox", "serve", "--host", "127.0.0.1",
        "--port", str(port), "--size", size, "--seed", str(seed), "--token-ttl", "86400",
        "--rate-limit", "0",
    ]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"sandbox exited: {process.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/_sandbox/accounts", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("sandbox did not start in time")
            time.sleep(0.25)
        yield Sandbox(url=url, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def peak_rss_mb_of(pid: int) -> float:
    """Peak RSS (VmHWM) of a live process, in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def env_without_secrets() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
