"""The dbt step: run the bundled dbt project (dbt_models/) in-process with dbt's dbtRunner.

Works from any working directory: the project and its profiles.yml are located next to this
package (or at $COCONSTRUCT_DBT_PROJECT_DIR). Output is quiet except one summary line.
On Snowflake the connection comes from dlt's `[destination.snowflake.credentials]`, so it is
configured once for the load and the dbt step (see snowflake_profile_env).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
from dbt.cli.main import dbtRunner
from dlt.common.configuration.exceptions import (
    ConfigFieldMissingException,
    ConfigurationException,
    LookupTraces,
)
from dlt.common.normalizers.naming.snake_case import NamingConvention

DESTINATIONS = ("duckdb", "snowflake")
_FAILED_STATUSES = {"error", "fail", "runtime error"}


class DbtFailed(Exception):
    """dbt ran but models or tests failed (or dbt could not run at all)."""

    def __init__(self, failures: list[str], outcome: DbtOutcome | None = None,
                 log_file: Path | None = None) -> None:
        self.failures = failures
        self.outcome = outcome
        shown = "; ".join(failures[:10]) + (f" (+{len(failures) - 10} more)" if len(failures) > 10 else "")
        where = (f" (the full log is {log_file})" if log_file
                 else " (see the dbt log)" if outcome else "")  # no outcome: dbt did not start
        super().__init__(f"dbt failed: {shown}{where}")


@dataclass(frozen=True)
class NodeResult:
    name: str          # e.g. "fct_job_cost" or "unique_combination_fct_job_cost_..."
    resource_type: str  # model, test, seed, ...
    status: str        # success, pass, error, fail, warn, skipped
    message: str | None = None


@dataclass
class DbtOutcome:
    command: str
    success: bool
    elapsed_seconds: float
    results: list[NodeResult] = field(default_factory=list)
    target_path: Path | None = None  # dbt's artifacts: manifest.json, run_results.json, catalog.json

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.status for r in self.results))

    @property
    def failures(self) -> list[str]:
        return [f"{r.resource_type} {r.name}: {r.message or r.status}"
                for r in self.results if r.status in _FAILED_STATUSES]

    def summary(self) -> str:
        parts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items())) or "nothing ran"
        verdict = "ok" if self.success else "FAILED"
        return f"dbt {self.command} {verdict} in {self.elapsed_seconds:.1f}s: {parts}"

    __str__ = summary


def project_dir() -> Path:
    """The bundled dbt project (contains dbt_project.yml and profiles.yml)."""
    override = os.environ.get("COCONSTRUCT_DBT_PROJECT_DIR")
    here = Path(__file__).resolve().parent
    # a wheel installs it inside this package; a checkout (or `pip install -e`) keeps it
    # beside this package, at the top of the repository
    path = Path(override) if override else next(
        (p for p in (here / "dbt_models", here.parent / "dbt_models")
         if (p / "dbt_project.yml").is_file()),
        here.parent / "dbt_models",
    )
    if not (path / "dbt_project.yml").is_file():
        raise DbtFailed([f"no dbt project at {path} (set COCONSTRUCT_DBT_PROJECT_DIR)"])
    return path


@contextmanager
def temporary_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _work_dir(location: str, destination: str) -> Path:
    """dbt's target/ and logs/: $COCONSTRUCT_DBT_WORK_DIR, else one dir per warehouse (DuckDB
    file, or Snowflake account and database), so concurrent runs on different ones do not collide."""
    override = os.environ.get("COCONSTRUCT_DBT_WORK_DIR")
    if override:
        path = Path(override).expanduser().resolve()
    else:
        key = hashlib.sha256(f"{destination}:{location}".encode()).hexdigest()[:12]
        path = Path(tempfile.gettempdir()) / "coconstruct-dbt" / key
    path.mkdir(parents=True, exist_ok=True)
    return path


def dbt_dataset(dataset: str) -> str:
    """The schema dlt actually loads for `dataset`: dlt normalizes dataset names (snake_case),
    e.g. `CoCo-Raw` is loaded as `co_co_raw` (upper-cased by Snowflake); dbt must read that one."""
    return NamingConvention().normalize_table_identifier(dataset)


# dbt profile variable → dlt SnowflakeCredentials field. DBT_ENV_SECRET_* values are
# scrubbed from dbt's logs and never stored in its artifacts.
_SNOWFLAKE_FIELDS = {
    "SNOWFLAKE_ACCOUNT": "host",
    "SNOWFLAKE_USER": "username",
    "SNOWFLAKE_DATABASE": "database",
    "SNOWFLAKE_WAREHOUSE": "warehouse",
    "SNOWFLAKE_ROLE": "role",
    "SNOWFLAKE_AUTHENTICATOR": "authenticator",
    "DBT_ENV_SECRET_SNOWFLAKE_PASSWORD": "password",
    "DBT_ENV_SECRET_SNOWFLAKE_TOKEN": "token",
    "SNOWFLAKE_PRIVATE_KEY_PATH": "private_key_path",
    "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY": "private_key",
    "DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "private_key_passphrase",
}
# connector parameters dlt takes from the credentials' query string (no effect on a real
# account unless set; they let a local emulator stand in for the account)
_SNOWFLAKE_QUERY = {"SNOWFLAKE_HOST": "host", "SNOWFLAKE_PORT": "port",
                    "SNOWFLAKE_PROTOCOL": "protocol"}


def snowflake_profile_env() -> dict[str, str]:
    """The dbt profile's Snowflake variables from dlt's resolved Snowflake credentials
    (`[destination.snowflake.credentials]` in secrets.toml, or DESTINATION__SNOWFLAKE__*).

    Every variable is set (empty when unused), so a stray SNOWFLAKE_PASSWORD cannot mix into
    a key-pair login. Without dlt credentials, returns {} when SNOWFLAKE_ACCOUNT is set (the
    profile then reads SNOWFLAKE_* as dbt on its own does), else raises DbtFailed.
    """
    factory = dlt.destinations.snowflake()
    initial = factory.spec()
    initial.dataset_name = "unused"  # the spec requires one; only the credentials matter
    try:
        credentials = factory.configuration(initial).credentials
    except ConfigurationException as e:
        if os.environ.get("SNOWFLAKE_ACCOUNT"):
            return {}
        raise DbtFailed([
            "no Snowflake connection for dbt: set [destination.snowflake.credentials] in "
            ".dlt/secrets.toml (or DESTINATION__SNOWFLAKE__CREDENTIALS__* variables), or "
            f"SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER, ... for dbt alone ({_why(e)})"
        ]) from e
    values = {var: credentials.get(name) for var, name in _SNOWFLAKE_FIELDS.items()}
    if values["SNOWFLAKE_PRIVATE_KEY_PATH"]:
        # dlt also reads the file into private_key; dbt refuses both at once
        values["DBT_ENV_SECRET_SNOWFLAKE_PRIVATE_KEY"] = None
    if (values["SNOWFLAKE_AUTHENTICATOR"] or "").lower() == "snowflake":
        values["SNOWFLAKE_AUTHENTICATOR"] = None
    query = credentials.query or {}
    values.update({var: query.get(name) for var, name in _SNOWFLAKE_QUERY.items()})
    # the profile's defaults for port and protocol (a real account's)
    values["SNOWFLAKE_PORT"] = values["SNOWFLAKE_PORT"] or "443"
    values["SNOWFLAKE_PROTOCOL"] = values["SNOWFLAKE_PROTOCOL"] or "https"
    for plain in ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY", "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
                  "SNOWFLAKE_TOKEN"):
        values[plain] = ""  # the profile's fallbacks for dbt alone: not used here
    return {var: "" if value is None else str(value) for var, value in values.items()}


def _why(error: ConfigurationException) -> str:
    """One line: the missing credential fields, not dlt's page-long lookup trace."""
    if isinstance(error, ConfigFieldMissingException):
        missing = [name for traces in error.traces.values() for trace in traces
                   if isinstance(trace, LookupTraces) for name in trace.traces]
        return "missing: " + ", ".join(missing or error.fields)
    return str(error).splitlines()[0]


def _snowflake_location(env: Mapping[str, str]) -> str:
    get = env.get if env else os.environ.get
    return "/".join(str(get(k) or "") for k in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_HOST",
                                                 "SNOWFLAKE_PORT", "SNOWFLAKE_DATABASE"))


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a run, so the
    caller (or a BI tool) can open the file again, read-only included. dbt-duckdb has no
    public call for it; without the attribute this is a no-op."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    manager: Any = DuckDBConnectionManager
    with manager._LOCK:
        if getattr(manager, "_ENV", None) is not None:
            manager._ENV.close()
            manager._ENV = None


def _node_results(result: Any) -> list[NodeResult]:
    nodes = []
    for r in getattr(result, "results", None) or []:
        node = getattr(r, "node", None)
        nodes.append(NodeResult(
            name=getattr(node, "name", "?"),
            resource_type=str(getattr(node, "resource_type", "?")),
            status=str(r.status),
            message=getattr(r, "message", None),
        ))
    return nodes


def build_args(command: str, *, destination: str, dataset: str, select: str | Sequence[str] | None,
               vars: Mapping[str, Any] | None, work_dir: Path) -> list[str]:
    """The dbt command line (without the `dbt` program name)."""
    project = project_dir()
    args = [*command.split(), "--project-dir", str(project), "--profiles-dir", str(project),
            "--target", destination, "--target-path", str(work_dir / "target"),
            "--log-path", str(work_dir / "logs"), "--log-level", "none",
            "--log-level-file", "info", "--no-use-colors",
            "--vars", json.dumps({"coconstruct_dataset": dataset, **(vars or {})})]
    if select:
        args += ["--select", *([select] if isinstance(select, str) else list(select))]
    return args


def run_dbt(command: str = "build", *, destination: str = "duckdb",
            duckdb_path: str | os.PathLike[str] | None = None, dataset: str = "coconstruct_raw",
            select: str | Sequence[str] | None = None, vars: Mapping[str, Any] | None = None,
            echo: bool = True) -> DbtOutcome:
    """Run a dbt command (build, run, test, seed, docs generate ...) on the bundled project.

    `duckdb_path` defaults to $COCONSTRUCT_DUCKDB_PATH, else ./coconstruct.duckdb (resolved
    against the current directory, like `coconstruct run`). On Snowflake the connection is
    dlt's (snowflake_profile_env). `dataset` is normalized as dlt normalizes it. Raises
    DbtFailed naming the failed models and tests.
    """
    if destination not in DESTINATIONS:
        raise ValueError(f"destination must be one of {DESTINATIONS}, not {destination!r}")
    env: dict[str, str] = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if destination == "duckdb":
        raw = duckdb_path or os.environ.get("COCONSTRUCT_DUCKDB_PATH") or "coconstruct.duckdb"
        path = Path(raw).expanduser().resolve()
        if not path.is_file():
            raise DbtFailed([f"no DuckDB warehouse at {path}: run `coconstruct run` first"])
        env["COCONSTRUCT_DUCKDB_PATH"] = location = str(path)
    else:
        profile_env = snowflake_profile_env()
        env.update(profile_env)
        location = _snowflake_location(profile_env)
    work_dir = _work_dir(location, destination)
    args = build_args(command, destination=destination, dataset=dbt_dataset(dataset),
                      select=select, vars=vars, work_dir=work_dir)
    started = time.perf_counter()
    with temporary_environ(env):
        try:
            res = dbtRunner().invoke(args)
        finally:
            if destination == "duckdb":
                _release_duckdb()
    outcome = DbtOutcome(command=command, success=bool(res.success),
                         elapsed_seconds=time.perf_counter() - started,
                         results=_node_results(res.result), target_path=work_dir / "target")
    if echo:
        print(outcome.summary())
    log_file = work_dir / "logs" / "dbt.log"
    if res.exception is not None:
        raise DbtFailed([f"dbt could not run: {res.exception}"], outcome, log_file)
    if not res.success:
        raise DbtFailed(outcome.failures or ["dbt reported failure without a failed node"],
                        outcome, log_file)
    return outcome
