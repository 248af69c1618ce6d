"""Run the sync: one dlt pipeline per tenant (`coconstruct_<tenant>`, shared dataset), so
each tenant keeps its own incremental state and one failing does not stop the others."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import dlt
from dlt.common.configuration import resolve_configuration
from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.extract import DltSource

from coconstruct_elt.duckdb_session import held_open
from coconstruct_elt.lost_destination import restart_if_destination_lost_state
from coconstruct_elt.memory import release_freed_memory
from coconstruct_elt.recovery import drop_committed_extracts
from coconstruct_elt.summary import TableChanges, TenantRun, count_changes_duckdb, count_new_tables
from coconstruct_source.arrow_pages import Reject
from coconstruct_source.credentials import (
    OAuthRefreshTokenCredentials,
    PasswordMfaCredentials,
    TCoconstructCredentials,
    resolve_flat_credentials,
)
from coconstruct_source.errors import AuthenticationError, CoconstructError
from coconstruct_source.mfa import MfaCodeProvider
from coconstruct_source.rejects import RejectLog
from coconstruct_source.resources import PageFetcher, table_hints
from coconstruct_source.source import (
    SOURCE_NAME,
    TenantResolver,
    api_page_fetcher,
    open_client,
    source_from_client,
)
from coconstruct_source.sweep import extract_sweep

if TYPE_CHECKING:
    import duckdb

logger = logging.getLogger("coconstruct")

DEFAULT_DATASET = "coconstruct_raw"
DEFAULT_DUCKDB_FILE = "coconstruct.duckdb"

# Non-secret performance defaults, applied unless the user configured them (env or toml).
PERFORMANCE_DEFAULTS: dict[str, str] = {
    "data_writer.disable_compression": "true",
    "data_writer.buffer_max_items": "10000",
    "data_writer.file_max_items": "200000",
    # one resource at a time: round-robin keeps a batch of every table in flight (~60 MB on large)
    "extract.next_item_mode": "fifo",
}

DLT_LOAD_WORKERS = 20
BULK_LOAD_BYTES = 16 * 1024 * 1024  # staged parquet worth a garbage collection before the load

# DuckDB's buffer cap for the load and the change count (it spills beyond it), so that the
# peak RSS stays flat as tenants grow. `large` full sync, 2 load workers: 64 MB → ~310 MB
# peak, 96 MB → ~340 MB, 256 MB → ~450 MB; the load takes ~0.4 s longer at 64 MB than at
# 256 MB. A tenant whose merges fail with "Out of Memory" needs more, and a machine with
# memory to spare loads a little faster with more: `[destination.duckdb] memory_limit`.
DUCKDB_MEMORY_LIMIT = "64MB"


@dataclass
class TenantSpec:
    """One tenant to sync. Without explicit values, `base_url` and `credentials` are read
    the dlt way from `sources.coconstruct[.<section>]`."""

    name: str | None = None  # tenant_id written to every row; None → the company slug
    section: str | None = None
    base_url: str | None = None
    credentials: TCoconstructCredentials | None = None
    mfa_code_provider: MfaCodeProvider | None = None


@dataclass
class RunOptions:
    destination: str = "duckdb"
    duckdb_path: str | None = None
    dataset: str = DEFAULT_DATASET
    resources: Sequence[str] | None = None
    full_refresh: bool = False
    pipelines_dir: str | None = None
    progress: bool = False
    page_size: int = 1000
    lag_seconds: int = 300
    session_cache: bool = True
    sweep: bool = False  # a full key sweep now, whatever `full_sweep_every` says


@dataclass
class _Events:
    denied: list[str] = field(default_factory=list)
    rejects: RejectLog = field(default_factory=RejectLog)
    cleanup: list[Callable[[], None]] = field(default_factory=list)
    fetch_pages: PageFetcher | None = None  # for the full key sweep (sweep.py)
    sweep_every: Any = None

    def on_denied(self, resource: str, _error: Exception) -> None:
        self.denied.append(resource)

    def on_reject(self, reject: Reject) -> None:
        self.rejects(reject)


def apply_performance_defaults() -> None:
    """Parquet, uncompressed files, big buffers and file rotation, unless configured."""
    for key, value in PERFORMANCE_DEFAULTS.items():
        if dlt.config.get(key) is None:
            os.environ[key.upper().replace(".", "__")] = value


def pipeline_name_for(tenant: str) -> str:
    return "coconstruct_" + re.sub(r"[^a-z0-9_]+", "_", tenant.lower()).strip("_")


def duckdb_path(options: RunOptions) -> str:
    """--duckdb-path, else DESTINATION__DUCKDB__CREDENTIALS / toml, else ./coconstruct.duckdb."""
    if options.duckdb_path:
        return options.duckdb_path
    configured = dlt.config.get("destination.duckdb.credentials")
    if isinstance(configured, str) and configured:
        return configured
    return os.path.abspath(DEFAULT_DUCKDB_FILE)


def make_destination(options: RunOptions) -> Any:
    if options.destination == "duckdb":
        path = duckdb_path(options)
        if os.path.splitext(os.path.basename(path))[0] == options.dataset:
            raise CoconstructError(
                f"the DuckDB file stem and the dataset are both {options.dataset!r}; "
                "pick another --duckdb-path or --dataset"
            )
        folder = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(folder, exist_ok=True)  # `--duckdb-path out/warehouse.duckdb` just works
        except OSError as e:
            raise CoconstructError(f"cannot create the folder of the DuckDB file {path}: {e}") from e
        return dlt.destinations.duckdb(DuckDbCredentials(path, global_config=duckdb_settings()))
    return options.destination


def duckdb_settings() -> dict[str, str]:
    """DuckDB settings of the load and of the change count before it."""
    memory = dlt.config.get("destination.duckdb.memory_limit") or DUCKDB_MEMORY_LIMIT
    return {"memory_limit": str(memory)}


def resolve_credentials(section: str | None) -> TCoconstructCredentials:
    """Credentials from `sources.coconstruct[.<section>].credentials` (password or OAuth),
    else the flat password form `sources.coconstruct[.<section>].username`, ..."""
    sections: tuple[str, ...] = ("sources", SOURCE_NAME) + ((section,) if section else ())
    for spec in (PasswordMfaCredentials, OAuthRefreshTokenCredentials):
        try:
            return resolve_configuration(spec(), sections=sections)
        except ConfigFieldMissingException:
            pass
    with contextlib.suppress(AuthenticationError):
        return resolve_flat_credentials(sections)
    where = ".".join((*sections, "credentials"))
    raise AuthenticationError(
        f"CoConstruct credentials missing in [{where}]: set username and password (or "
        f"client_id, client_secret, refresh_token) in .dlt/secrets.toml or as environment "
        f"variables ({where.upper().replace('.', '__')}__USERNAME, ...)"
    )


def resolve_base_url(tenant: TenantSpec) -> str:
    if tenant.base_url:
        return tenant.base_url
    keys = [f"sources.{SOURCE_NAME}.base_url"]
    if tenant.section:
        keys.insert(0, f"sources.{SOURCE_NAME}.{tenant.section}.base_url")
    for key in keys:
        value = dlt.config.get(key)
        if value:
            return str(value)
    raise CoconstructError(
        f"no API base_url configured: set [{keys[0].rsplit('.', 1)[0]}] base_url"
    )


def _staged_files(pipeline: dlt.Pipeline) -> dict[str, list[str]]:
    files: dict[str, list[str]] = {}
    for load_id in pipeline.list_normalized_load_packages():
        info = pipeline.get_load_package_info(load_id)
        for job in info.jobs.get("new_jobs", []):
            if job.file_path.endswith(".parquet"):
                files.setdefault(job.job_file_info.table_name, []).append(job.file_path)
    return files


def _rows_loaded(normalized: dict[str, int]) -> dict[str, TableChanges]:
    return {t: TableChanges(inserted=n, updated=None, deleted=None) for t, n in normalized.items()}


def run_tenant(
    tenant: TenantSpec,
    options: RunOptions,
    *,
    source_factory: Callable[[TenantSpec, RunOptions, _Events], tuple[str, Any]] | None = None,
) -> TenantRun:
    """Extract, normalize, count the changes, load. Never raises: the error is in the result."""
    started = time.perf_counter()
    events = _Events()
    run = TenantRun(tenant=tenant.name or "?", pipeline_name=pipeline_name_for(tenant.name or "?"))
    try:
        tenant_id, source = (source_factory or _api_source)(tenant, options, events)
        run.tenant = tenant_id
        run.pipeline_name = pipeline_name_for(tenant_id)
        if options.resources:
            unknown = sorted(set(options.resources) - set(source.resources.keys()))
            if unknown:
                raise CoconstructError(
                    f"unknown resource(s) {', '.join(unknown)}; choose from {', '.join(source.resources.keys())}"
                )
            source = source.with_resources(*options.resources)
        pipeline = dlt.pipeline(
            pipeline_name=run.pipeline_name,
            destination=make_destination(options),
            dataset_name=options.dataset,
            pipelines_dir=options.pipelines_dir,
            progress=dlt.progress.log(log_period=5.0, logger=sys.stderr, dump_system_stats=False)
            if options.progress
            else None,
        )
        drop_committed_extracts(pipeline)
        pipeline = restart_if_destination_lost_state(pipeline)
        if pipeline.has_pending_data:
            logger.info("finishing the pending load of an interrupted run first")
            pipeline.load()
        if pipeline.state.get("sources") and not options.full_refresh:
            _fetch_concurrently(source)
        mark = time.perf_counter()
        pipeline.extract(
            source,
            refresh="drop_resources" if options.full_refresh else None,
            loader_file_format="parquet",
        )
        run.steps["extract"] = time.perf_counter() - mark
        run.changes = _normalize_count_load(pipeline, options, run.steps)
        # after the load, so the sweep compares the API's keys with everything stored
        mark = time.perf_counter()
        if events.fetch_pages and extract_sweep(
            pipeline,
            source,
            run.tenant,
            events.fetch_pages,
            forced=options.sweep,
            every=events.sweep_every,
            hints=table_hints,
        ):
            steps: dict[str, float] = {}
            swept = _normalize_count_load(pipeline, options, steps)
            run.steps["sweep"] = time.perf_counter() - mark
            for table, change in swept.items():
                run.changes[table] = _add_changes(run.changes.get(table), change)
    except Exception as e:  # one tenant failing must not stop the others
        run.error = _describe(e)
        logger.debug("tenant %s failed", run.tenant, exc_info=True)
    finally:
        run.seconds = time.perf_counter() - started
        run.denied = events.denied
        run.rejected = events.rejects.count
        run.reject_groups = events.rejects.summary()
        for close in events.cleanup:
            close()
    return run


def _fetch_concurrently(source: DltSource) -> None:
    """An incremental run reads a page or two per resource, so its time is the API's latency
    times its requests: those go out together (dlt's extract workers, 5 by default) instead
    of one resource after another. Sandbox answering in 0-100 ms: a run with nothing
    changed 1.3 s → 0.6 s (`benchmarks/latency.py`). A first sync stays one resource at a
    time (fifo), which keeps its memory flat.

    On the bound resources, not `dlt.resource(parallelized=True)`: dlt drops that wrapper
    when it binds a resource with an incremental argument (the clone restores the
    undecorated function)."""
    for resource in source.selected_resources.values():
        resource.parallelize()


def _normalize_count_load(
    pipeline: dlt.Pipeline, options: RunOptions, steps: dict[str, float]
) -> dict[str, TableChanges]:
    """Normalize the extracted packages, count their changes per table, load them."""
    mark = time.perf_counter()
    normalize_info = pipeline.normalize()
    steps["normalize"] = time.perf_counter() - mark
    mark = time.perf_counter()
    counts = {
        t: n for t, n in (normalize_info.row_counts or {}).items() if not t.startswith("_dlt")
    }
    staged = _staged_files(pipeline)
    staged_bytes = sum(os.path.getsize(f) for files in staged.values() for f in files)
    # before DuckDB's buffers come on top of what the extract left resident
    release_freed_memory(collect_cycles=staged_bytes >= BULK_LOAD_BYTES)
    with _held_warehouse(options) as connection:
        new_tables: list[str] = []
        if connection is not None and counts:
            try:
                changes, new_tables = count_changes_duckdb(
                    connection, options.dataset, staged, dest_empty=options.full_refresh
                )
            except Exception as e:  # counting is informative only; never block the load
                logger.warning("could not count changes per table (%s); showing rows loaded", e)
                changes = _rows_loaded(counts)
        else:
            changes = _rows_loaded(counts)
        steps["count"] = time.perf_counter() - mark
        mark = time.perf_counter()
        pipeline.load(workers=load_workers(options, staged_bytes))
        steps["load"] = time.perf_counter() - mark
        if new_tables:
            try:
                changes.update(count_new_tables(connection, options.dataset, new_tables))
            except Exception as e:
                logger.warning("could not count the rows of new tables (%s); showing rows loaded", e)
                changes.update(_rows_loaded({t: counts.get(t, 0) for t in new_tables}))
    return changes


def _held_warehouse(
    options: RunOptions,
) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection | None]:
    """The DuckDB file held open for the count and the load (`duckdb_session`); nothing
    for other destinations."""
    if options.destination != "duckdb":
        return contextlib.nullcontext()
    return held_open(duckdb_path(options), duckdb_settings())


def load_workers(options: RunOptions, staged_bytes: int) -> int:
    """Parallel load jobs. DuckDB's memory cap is shared by the jobs that run at once and a
    merge job holds more the more rows it stages, so a DuckDB load runs as many jobs as the
    cap holds copies of the package, between the cores and dlt's 20. Measured on `large`
    at the 64 MB cap: 1 % changed (~2 MB staged) keeps 20, which hide the per-job latency
    of 48 small jobs (0.8 s vs 1.2 s at 2); 20 % changed (13 MB) runs 4 (at 20 DuckDB ran
    out of memory and dlt retried jobs); a full load (72 MB) runs 2 (3.9 s, 4.8 s at 20).
    `load.workers` in the config wins."""
    configured = dlt.config.get("load.workers")
    if configured:
        return int(configured)
    if options.destination != "duckdb":
        return DLT_LOAD_WORKERS
    cap = size_in_bytes(duckdb_settings()["memory_limit"]) or size_in_bytes(DUCKDB_MEMORY_LIMIT) or 0
    fits = cap // max(staged_bytes, 1)
    return max(2, os.cpu_count() or 2, min(DLT_LOAD_WORKERS, fits))


_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def size_in_bytes(setting: str) -> int | None:
    """A DuckDB size setting ("64MB", "1.5GiB") in bytes; None if it is not one."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", setting)
    if not match or match.group(2).lower() not in _UNITS:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _plus(x: int | None, y: int | None) -> int | None:
    return None if x is None or y is None else x + y


def _add_changes(a: TableChanges | None, b: TableChanges) -> TableChanges:
    if a is None:
        return b
    return TableChanges(
        a.inserted + b.inserted, _plus(a.updated, b.updated), _plus(a.deleted, b.deleted)
    )


def _describe(error: BaseException) -> str:
    """One clear line: the innermost CoconstructError if dlt wrapped it."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, CoconstructError):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    text = f"{type(error).__name__}: {error}"
    if "Out of Memory" in text:
        return (
            "DuckDB ran out of its memory cap while loading; raise [destination.duckdb] "
            f"memory_limit (default {DUCKDB_MEMORY_LIMIT}) and run again: nothing loaded "
            f"is lost. {text}"
        )
    return text


def _configured(tenant: TenantSpec, key: str, default: Any) -> Any:
    """`sources.coconstruct[.<section>].<key>` from the dlt config, else the default."""
    sections = [f"{SOURCE_NAME}.{tenant.section}", SOURCE_NAME] if tenant.section else [SOURCE_NAME]
    for section in sections:
        value = dlt.config.get(f"sources.{section}.{key}")
        if value is not None:
            return value
    return default


def _api_source(tenant: TenantSpec, options: RunOptions, events: _Events) -> tuple[str, Any]:
    base_url = resolve_base_url(tenant)
    credentials = tenant.credentials or resolve_credentials(tenant.section)
    configured_cache = dlt.config.get(f"sources.{SOURCE_NAME}.session_cache")
    use_cache = options.session_cache and str(configured_cache).lower() not in ("false", "0", "no")
    client = open_client(
        base_url, credentials, session_cache=use_cache, mfa_code_provider=tenant.mfa_code_provider
    )
    events.cleanup.append(client.close)
    tenant_id = TenantResolver(tenant.name, lambda: client.get("/company"))()
    source = source_from_client(
        client,
        tenant_id,
        page_size=int(_configured(tenant, "page_size", options.page_size)),
        lag_seconds=int(_configured(tenant, "lag_seconds", options.lag_seconds)),
        on_reject=events.on_reject,
        on_denied=events.on_denied,
    )
    events.fetch_pages = api_page_fetcher(
        client, int(_configured(tenant, "page_size", options.page_size))
    )
    events.sweep_every = _configured(tenant, "full_sweep_every", None)
    return tenant_id, source


def run_tenants(tenants: Sequence[TenantSpec], options: RunOptions) -> list[TenantRun]:
    apply_performance_defaults()
    return [run_tenant(t, options) for t in tenants]
