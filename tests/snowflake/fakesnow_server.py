"""A local fake Snowflake (fakesnow) for the Snowflake tests: no Snowflake account needed.

fakesnow 0.12.1 pins ``sqlglot~=30.22`` while dlt 1.31 needs ``sqlglot<30.22``, so fakesnow
cannot live in the project's environment. This module therefore

1. creates, once, a separate virtual environment with ``fakesnow[server]==0.12.1`` and
   ``snowflake-connector-python<5`` (``sys.executable -m venv`` + pip, PyPI only), cached in
   ``$COCONSTRUCT_FAKESNOW_VENV`` or ``<repo>/.cache/fakesnow-venv``;
2. starts the fakesnow HTTP server on 127.0.0.1 (a free port) through the TEST-ONLY wrapper
   ``fakesnow_shim.py`` run with that environment's python, and
3. yields a :class:`FakesnowEndpoint` with host, port and a dlt credentials string.

The project's python only talks to the server over loopback with the normal Snowflake
connector, exactly as it would talk to a real account. Everything is bounded by timeouts:
an unhandled fakesnow error would otherwise be an HTTP 500 the connector retries for minutes.

Usage::

    with fakesnow_server() as sf:                      # or the pytest fixture `fakesnow_server`
        dest = dlt.destinations.snowflake(credentials=sf.dlt_credentials("COCO"), **DLT_DESTINATION_SETTINGS)

Run ``python tests/snowflake/fakesnow_server.py`` to create the venv and serve until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SHIM = HERE / "fakesnow_shim.py"

FAKESNOW_REQUIREMENTS = ("fakesnow[server]==0.12.1", "snowflake-connector-python<5")
VENV_ENV_VAR = "COCONSTRUCT_FAKESNOW_VENV"
DEFAULT_VENV_DIR = REPO_ROOT / ".cache" / "fakesnow-venv"
READY_MARKER = "FAKESNOW_SHIM_READY"  # printed by fakesnow_shim.py
_STAMP = ".coconstruct-fakesnow-ready"

VENV_CREATE_TIMEOUT_S = 60
PIP_INSTALL_TIMEOUT_S = 600
SERVER_START_TIMEOUT_S = 60
SERVER_STOP_TIMEOUT_S = 10
# client side: seconds before the Snowflake connector gives up (login / each request)
CLIENT_LOGIN_TIMEOUT_S = 30
CLIENT_NETWORK_TIMEOUT_S = 60

USER, PASSWORD, ACCOUNT, WAREHOUSE, ROLE = "fake", "snow", "fakesnow", "COMPUTE_WH", "SYSADMIN"

# dlt's snowflake destination settings fakesnow needs (besides the credentials):
# one statement per request, and parquet for every table (dlt's own state table included:
# JSONL would load into a single VARIANT column, and fakesnow implements no CSV options).
DLT_DESTINATION_SETTINGS: dict = {
    "supports_multiple_statements": False,
    "preferred_loader_file_format": "parquet",
}


class FakesnowUnavailable(RuntimeError):
    """The fakesnow virtual environment could not be created (no PyPI, no venv module...)."""


def venv_dir() -> Path:
    return Path(os.environ.get(VENV_ENV_VAR) or DEFAULT_VENV_DIR)


def _venv_python(path: Path) -> Path:
    return path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _stamp_text() -> str:
    return "\n".join(FAKESNOW_REQUIREMENTS) + "\n"


def ensure_fakesnow_venv(path: Path | None = None) -> Path:
    """Return the fakesnow venv's python, creating the venv first if needed (cached, locked)."""
    path = Path(path or venv_dir())
    try:
        return _ensure_venv(path)
    except OSError as e:
        raise FakesnowUnavailable(f"creating the fakesnow venv in {path}: {e}") from e


def _ensure_venv(path: Path) -> Path:
    python = _venv_python(path)
    stamp = path / _STAMP
    if python.exists() and stamp.exists() and stamp.read_text() == _stamp_text():
        return python

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be creating it right now
        if python.exists() and stamp.exists() and stamp.read_text() == _stamp_text():
            return python
        shutil.rmtree(path, ignore_errors=True)
        steps = [
            ([sys.executable, "-m", "venv", str(path)], VENV_CREATE_TIMEOUT_S),
            (
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--timeout",
                    "60",
                    *FAKESNOW_REQUIREMENTS,
                ],
                PIP_INSTALL_TIMEOUT_S,
            ),
        ]
        for cmd, timeout in steps:
            try:
                done = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=timeout, check=False
                )
            except (OSError, subprocess.TimeoutExpired) as e:
                shutil.rmtree(path, ignore_errors=True)
                raise FakesnowUnavailable(f"creating the fakesnow venv in {path}: {e}") from e
            if done.returncode != 0:
                shutil.rmtree(path, ignore_errors=True)
                tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
                raise FakesnowUnavailable(
                    f"creating the fakesnow venv in {path}: `{' '.join(cmd[:4])} …` exited "
                    f"{done.returncode}: " + " | ".join(tail)
                )
        stamp.write_text(_stamp_text())
    return python


@dataclass
class FakesnowEndpoint:
    """A running fakesnow server (one shared in-memory instance: isolate tests by database)."""

    host: str
    port: int
    log_path: Path
    user: str = USER
    password: str = PASSWORD
    account: str = ACCOUNT
    warehouse: str = WAREHOUSE
    role: str = ROLE
    _proc: subprocess.Popen | None = field(default=None, repr=False)

    def dlt_credentials(self, database: str) -> str:
        """``snowflake://…`` for dlt: host, port and protocol are query parameters, the
        authority is the account (as on real Snowflake)."""
        query = urlencode(
            {
                "warehouse": self.warehouse,
                "role": self.role,
                "host": self.host,
                "port": self.port,
                "protocol": "http",
                "login_timeout": CLIENT_LOGIN_TIMEOUT_S,
                "network_timeout": CLIENT_NETWORK_TIMEOUT_S,
            }
        )
        return (
            f"snowflake://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@{self.account}/{database}?{query}"
        )

    def connect_kwargs(self, database: str | None = None, schema: str | None = None) -> dict:
        """Keyword arguments for ``snowflake.connector.connect``."""
        kwargs = {
            "user": self.user,
            "password": self.password,
            "account": self.account,
            "host": self.host,
            "port": self.port,
            "protocol": "http",
            "warehouse": self.warehouse,
            "role": self.role,
            "login_timeout": CLIENT_LOGIN_TIMEOUT_S,
            "network_timeout": CLIENT_NETWORK_TIMEOUT_S,
            "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
        }
        if database:
            kwargs["database"] = database
        if schema:
            kwargs["schema"] = schema
        return kwargs

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None


def _wait_ready(proc: subprocess.Popen, timeout: float) -> int:
    """Read the shim's stdout until it prints the READY marker with its port."""
    result: dict = {}
    ready = threading.Event()

    def reader() -> None:  # keeps draining stdout so the server never blocks on a full pipe
        assert proc.stdout
        for line in proc.stdout:
            if not ready.is_set() and line.startswith(READY_MARKER):
                result["port"] = int(line.split()[1])
                ready.set()
        ready.set()  # EOF: the server exited

    threading.Thread(target=reader, name="fakesnow-stdout", daemon=True).start()
    ready.wait(timeout)
    if "port" not in result:
        why = (
            f"exited with {proc.poll()}"
            if proc.poll() is not None
            else f"not ready within {timeout:.0f}s"
        )
        raise TimeoutError(f"fakesnow server {why}")
    return result["port"]


@contextlib.contextmanager
def fakesnow_server(
    *,
    rewrite: bool = True,
    start_timeout: float = SERVER_START_TIMEOUT_S,
    log_dir: Path | None = None,
    log_level: str = "info",
) -> Iterator[FakesnowEndpoint]:
    """Start fakesnow (behind the test-only shim) on 127.0.0.1; stop it on exit.

    ``rewrite=False`` serves stock fakesnow statement handling (HTTP 500s still become
    quick failures). ``log_level="debug"`` logs every statement (after rewriting) to
    ``endpoint.log_path``. Raises :class:`FakesnowUnavailable` when the venv cannot be made.
    """
    python = ensure_fakesnow_venv()
    own_dir = log_dir is None
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="fakesnow-"))
    log_path = log_dir / "fakesnow-server.log"
    cmd = [str(python), str(SHIM), "--host", "127.0.0.1", "--log-level", log_level]
    if not rewrite:
        cmd.append("--no-rewrite")
    # fakesnow keeps staged (PUT) files in a temp "bucket" dir: keep it inside log_dir
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["TMPDIR"] = str(log_dir)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=log_dir,
            env=env,
        )
    try:
        try:
            port = _wait_ready(proc, start_timeout)
        except TimeoutError as e:
            raise RuntimeError(f"{e}; log {log_path}:\n{_tail(log_path)}") from None
        yield FakesnowEndpoint(host="127.0.0.1", port=port, log_path=log_path, _proc=proc)
    finally:
        proc.terminate()
        try:
            proc.wait(SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(SERVER_STOP_TIMEOUT_S)
        if proc.stdout:
            proc.stdout.close()
        if own_dir:
            shutil.rmtree(log_dir, ignore_errors=True)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def main() -> int:
    t0 = time.monotonic()
    python = ensure_fakesnow_venv()
    print(f"fakesnow venv: {python.parent.parent} ({time.monotonic() - t0:.1f}s)", flush=True)
    with fakesnow_server(log_dir=Path(tempfile.mkdtemp(prefix="fakesnow-"))) as sf:
        print(f"fakesnow on {sf.host}:{sf.port}; log {sf.log_path}", flush=True)
        print(f"dlt credentials: {sf.dlt_credentials('COCONSTRUCT')}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while sf.alive():
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
