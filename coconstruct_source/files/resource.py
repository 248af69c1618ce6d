"""The `attachment_files` dlt resource: new and changed attachments downloaded into a file
store, one row per attachment with its location, size, checksum and status.

Incremental on the attachments' `updated_at` (the API's `updated_since`, minus a lag window
for late writes); the cursor lives in the resource state, which dlt commits with the rows,
so a run killed before its load redoes the same work, and a file already stored is found at
its location and not downloaded again (rows merge on (tenant_id, attachment_id)). Tombstones
remove the files (`on_delete = "remove"`) or keep them (`"keep"`); either way the row says
so. Files that failed or were quarantined are retried on the next runs (their ids stay in
the state until one succeeds). Signed URLs are used, never stored or logged.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import httpx
from dlt.extract.resource import DltResource

from coconstruct_source.errors import ApiError, CoconstructError
from coconstruct_source.files.download import (
    Downloaded,
    Downloader,
    DownloadSettings,
    NotFoundError,
)
from coconstruct_source.files.store import FileStore
from coconstruct_source.http import ApiClient, tls_verify
from coconstruct_source.pagination import iter_pages

logger = logging.getLogger(__name__)

TABLE = "attachment_files"
STATUSES = ("stored", "quarantined", "failed", "removed", "deleted_upstream")
COLUMNS: dict[str, dict[str, Any]] = {
    "tenant_id": {"data_type": "text", "nullable": False},
    "attachment_id": {"data_type": "bigint", "nullable": False},
    "project_id": {"data_type": "bigint"},
    "file_name": {"data_type": "text"},
    "content_type": {"data_type": "text"},
    "size_bytes": {"data_type": "bigint"},
    "checksum_sha256": {"data_type": "text"},
    "location": {"data_type": "text"},
    "status": {"data_type": "text", "nullable": False},
    "reason": {"data_type": "text"},
    "requests": {"data_type": "bigint"},
    "resumed": {"data_type": "bigint"},
    # an attachment listed twice in one run (changed meanwhile): its last row wins
    "checked_at": {"data_type": "timestamp", "nullable": False, "dedup_sort": "desc"},
    "updated_at": {"data_type": "timestamp"},
}


class OutcomeLog:
    """Per tenant, the status of every file this process handled (for `coconstruct files`'s
    report: the runner builds the resource, so the report cannot hold it). Thread-safe."""

    def __init__(self) -> None:
        self._rows: dict[str, list[tuple[int, str, int, str | None]]] = {}
        self._lock = threading.Lock()

    def record(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._rows.setdefault(row["tenant_id"], []).append(
                (row["attachment_id"], row["status"], row.get("size_bytes") or 0, row.get("reason")))

    def take(self, tenant: str) -> list[tuple[int, str, int, str | None]]:
        with self._lock:
            return self._rows.pop(tenant, [])


OUTCOMES = OutcomeLog()


@dataclass
class FilesConfig:
    """`[sources.coconstruct.files]`: where files go and how they are fetched."""

    store_url: str = "coconstruct_files"  # a folder, or any fsspec URL
    staging_dir: str | None = None
    workers: int = 4  # concurrent downloads
    on_delete: str = "remove"  # or "keep": what a deleted attachment does to its file
    lag_seconds: int = 300
    page_size: int = 1000
    settings: DownloadSettings = field(default_factory=DownloadSettings)

    def __post_init__(self) -> None:
        if self.on_delete not in ("remove", "keep"):
            raise CoconstructError(f"[sources.coconstruct.files] on_delete must be \"remove\" or "
                                   f"\"keep\", not {self.on_delete!r}")
        if not 1 <= self.workers <= 64:
            raise CoconstructError(f"[sources.coconstruct.files] workers must be between 1 and 64, "
                                   f"not {self.workers}")

    @classmethod
    def from_dlt_config(cls) -> FilesConfig:
        """`[sources.coconstruct.files]` (or `SOURCES__COCONSTRUCT__FILES__STORE_URL`, ...)."""
        values = {}
        for name, kind in (("store_url", str), ("staging_dir", str), ("workers", int),
                           ("on_delete", str), ("lag_seconds", int), ("page_size", int)):
            value = dlt.config.get(f"sources.coconstruct.files.{name}")
            if value is not None:
                values[name] = kind(value)
        return cls(**values)


def attachment_files(client: ApiClient, tenant_id: str | Callable[[], str],
                     config: FilesConfig | None = None, *, store: FileStore | None = None,
                     selected: bool = True) -> DltResource:
    """The resource over an authenticated ApiClient (`coconstruct_source.source.open_client`);
    without a config, `[sources.coconstruct.files]` is read when it runs."""

    @dlt.resource(name=TABLE, write_disposition="merge", primary_key=("tenant_id", "attachment_id"),
                  columns=COLUMNS, selected=selected)
    def files() -> Iterator[list[dict[str, Any]]]:
        state = dlt.current.resource_state()
        resolved = config or FilesConfig.from_dlt_config()
        tenant = tenant_id if isinstance(tenant_id, str) else tenant_id()
        file_store = store or FileStore(resolved.store_url, resolved.staging_dir)
        yield from _sync(client, tenant, resolved, file_store, state)

    return files


def _sync(client: ApiClient, tenant: str, config: FilesConfig, store: FileStore,
          state: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    cursor: str | None = state.get("cursor")
    retry: dict[str, str] = dict(state.get("retry", {}))
    since = _minus(cursor, config.lag_seconds) if cursor else None
    newest = cursor
    http = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=False,
                        verify=tls_verify(client.settings.verify),
                        limits=httpx.Limits(max_connections=config.workers,
                                            max_keepalive_connections=config.workers))
    downloader = Downloader(http, client.base_url, lambda aid: _refresh(client, aid),
                            lambda meta: store.part(tenant, meta), config.settings)
    done: set[int] = set()
    in_flight: dict[int, Future[dict[str, Any]]] = {}
    try:
        with ThreadPoolExecutor(config.workers, thread_name_prefix="coconstruct-files") as pool:
            pending: deque[Future[dict[str, Any]]] = deque()
            batch: list[dict[str, Any]] = []

            def drain(limit: int) -> Iterator[list[dict[str, Any]]]:
                while len(pending) > limit:
                    future = pending.popleft()
                    row = future.result()
                    if in_flight.get(row["attachment_id"]) is future:
                        del in_flight[row["attachment_id"]]
                    _note(retry, row)
                    OUTCOMES.record(row)
                    batch.append(row)
                    if len(batch) >= 200:
                        yield batch.copy()
                        batch.clear()

            for page in iter_pages(client, "/attachments", limit=config.page_size, updated_since=since):
                for record in page:
                    newest = max(newest or record["updated_at"], record["updated_at"])
                    done.add(record["id"])
                    earlier = in_flight.get(record["id"])
                    if earlier is not None:  # listed again (changed meanwhile): one at a time
                        earlier.result()
                    in_flight[record["id"]] = future = pool.submit(
                        _process, record, tenant, config, store, downloader)
                    pending.append(future)
                    yield from drain(config.workers * 2)
            for key in list(retry):
                if int(key) not in done:
                    pending.append(pool.submit(_retry, int(key), client, tenant, config, store, downloader))
                    yield from drain(config.workers * 2)
            yield from drain(0)
            if batch:
                yield batch
    finally:
        http.close()
    state["cursor"] = newest
    state["retry"] = retry


def _note(retry: dict[str, str], row: dict[str, Any]) -> None:
    """Keep failed and quarantined files for the next run; forget the others."""
    key = str(row["attachment_id"])
    if row["status"] in ("failed", "quarantined"):
        retry[key] = row["status"]
    else:
        retry.pop(key, None)


def _refresh(client: ApiClient, attachment_id: int) -> dict[str, Any]:
    try:
        return client.get(f"/attachments/{attachment_id}")
    except ApiError as exc:
        if exc.status in (404, 410):
            raise NotFoundError(attachment_id) from None
        raise


def _retry(attachment_id: int, client: ApiClient, tenant: str, config: FilesConfig,
           store: FileStore, downloader: Downloader) -> dict[str, Any]:
    try:
        record = _refresh(client, attachment_id)
    except NotFoundError:
        record = {"id": attachment_id, "deleted": True}
    return _process(record, tenant, config, store, downloader)


def _process(record: dict[str, Any], tenant: str, config: FilesConfig, store: FileStore,
             downloader: Downloader) -> dict[str, Any]:
    """Download (or find, or remove) one attachment's file; its row."""
    if record.get("deleted"):
        return _deleted(record, tenant, config, store)
    location = store.location(tenant, record)
    if store.has(location, record["size_bytes"]):
        store.remove_versions(tenant, record["id"], keep=record["checksum_sha256"])
        return _row(tenant, record, "stored", store.uri(location))
    try:
        outcome = downloader.download(record)
    except Exception as exc:  # the API refused the refresh (403, 5xx after retries...): next run
        logger.warning("attachment %s: %s", record["id"], exc)
        return _row(tenant, record, "failed", None, str(exc))
    return _finish(outcome, tenant, config, store)


def _finish(outcome: Downloaded, tenant: str, config: FilesConfig, store: FileStore) -> dict[str, Any]:
    meta = outcome.attachment
    if outcome.status == "deleted":
        return _deleted(meta, tenant, config, store)
    if outcome.status != "stored":
        return _row(tenant, meta, outcome.status, None, outcome.reason, outcome)
    assert outcome.part is not None
    location = store.location(tenant, meta)
    store.commit(outcome.part, location)
    store.remove_versions(tenant, meta["id"], keep=meta["checksum_sha256"])
    return _row(tenant, meta, "stored", store.uri(location), None, outcome)


def _deleted(record: dict[str, Any], tenant: str, config: FilesConfig, store: FileStore) -> dict[str, Any]:
    if config.on_delete == "remove":
        store.remove_versions(tenant, record["id"])
        return _row(tenant, record, "removed", None, "deleted in CoConstruct; file removed")
    kept = store.stored_versions(tenant).get(record["id"], [])
    location = store.fs.unstrip_protocol(kept[0]) if kept else None
    return _row(tenant, record, "deleted_upstream", location, "deleted in CoConstruct; file kept")


def _row(tenant: str, record: dict[str, Any], status: str, location: str | None,
         reason: str | None = None, outcome: Downloaded | None = None) -> dict[str, Any]:
    row = {"tenant_id": tenant, "attachment_id": record["id"], "status": status, "location": location,
           "reason": reason, "checked_at": datetime.now(UTC),
           "requests": outcome.requests if outcome else 0, "resumed": outcome.resumed if outcome else 0}
    for column in ("project_id", "file_name", "content_type", "size_bytes", "checksum_sha256", "updated_at"):
        if column in record:
            row[column] = record[column]
    return row


def _minus(timestamp: str, seconds: int) -> str:
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00")) - timedelta(seconds=seconds)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
