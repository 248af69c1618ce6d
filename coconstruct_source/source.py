"""The `coconstruct_source` dlt source: the contract's resources over one API session."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.common.schema import Schema
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource

from coconstruct_source.auth import make_auth
from coconstruct_source.contract import load_contract
from coconstruct_source.credentials import TCoconstructCredentials
from coconstruct_source.files.resource import attachment_files
from coconstruct_source.http import ApiClient, HttpSettings
from coconstruct_source.mfa import MfaCodeProvider
from coconstruct_source.pagination import iter_pages
from coconstruct_source.prefetch import prefetched
from coconstruct_source.rejects import RejectHandler, log_reject
from coconstruct_source.resources import PageFetcher, make_resource
from coconstruct_source.session_cache import SessionCache

SOURCE_NAME = "coconstruct"


class TenantResolver:
    """The tenant id: the configured name, else the company's `slug` (asked once, lazily,
    so building the source never logs in)."""

    def __init__(self, configured: str | None, fetch_company: Callable[[], dict[str, Any]]) -> None:
        self._value = configured
        self._fetch_company = fetch_company
        self._lock = threading.Lock()

    def __call__(self) -> str:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = str(self._fetch_company()["slug"])
        return self._value


def build_resources(
    fetch_pages: PageFetcher,
    tenant_id: Callable[[], str],
    *,
    lag_seconds: int = 300,
    on_reject: RejectHandler = log_reject,
    on_denied: Callable[[str, Exception], None] | None = None,
) -> list[DltResource]:
    """Every contract resource over a page fetcher (tests pass fakes here)."""
    return [
        make_resource(
            spec,
            fetch_pages,
            tenant_id,
            lag_seconds=lag_seconds,
            on_reject=on_reject,
            on_denied=on_denied,
        )
        for spec in load_contract().resources.values()
    ]


def api_page_fetcher(client: ApiClient, page_size: int) -> PageFetcher:
    paged = {spec.path for spec in load_contract().resources.values() if spec.paged}

    def fetch(path: str, updated_since: str | None) -> Iterator[list[dict[str, Any]]]:
        if path not in paged:
            yield [client.get(path)]
            return
        yield from prefetched(
            iter_pages(client, path, limit=page_size, updated_since=updated_since)
        )

    return fetch


def open_client(
    base_url: str,
    credentials: Any,
    *,
    session_cache: bool = True,
    mfa_code_provider: MfaCodeProvider | None = None,
    ca_bundle: str | None = None,
) -> ApiClient:
    """One authenticated ApiClient for a run (logs in lazily, on the first request).

    TLS is verified against the system CAs, or against `ca_bundle` (argument, else
    `[sources.coconstruct] ca_bundle`) for a private CA; never switched off.
    """
    ca_bundle = ca_bundle or dlt.config.get(f"sources.{SOURCE_NAME}.ca_bundle")
    cache = None
    if session_cache:
        identity = getattr(credentials, "identity", None)
        cache = SessionCache.for_account(base_url, identity) if identity else None
    auth = make_auth(credentials, base_url, code_provider=mfa_code_provider, session_cache=cache)
    return ApiClient(base_url, auth, HttpSettings(verify=str(ca_bundle) if ca_bundle else True))


def source_from_client(
    client: ApiClient,
    tenant_id: str | None = None,
    *,
    page_size: int = 1000,
    lag_seconds: int = 300,
    on_reject: RejectHandler = log_reject,
    on_denied: Callable[[str, Exception], None] | None = None,
) -> DltSource:
    """The same source over an ApiClient the caller already holds (the pipeline runner,
    which resolves the tenant first to name its pipeline)."""
    tenant = TenantResolver(tenant_id, lambda: client.get("/company"))
    resources = build_resources(
        api_page_fetcher(client, page_size),
        tenant,
        lag_seconds=lag_seconds,
        on_reject=on_reject,
        on_denied=on_denied,
    )
    # the files themselves: only when asked for (`--resources attachment_files`, `coconstruct files`)
    resources.append(attachment_files(client, tenant, selected=False))
    return DltSource(Schema(SOURCE_NAME), SOURCE_NAME, resources)


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def coconstruct_source(
    base_url: str = dlt.config.value,
    credentials: TCoconstructCredentials = dlt.secrets.value,
    tenant_id: str | None = None,
    page_size: int = 1000,
    lag_seconds: int = 300,
    session_cache: bool = True,
    mfa_code_provider: MfaCodeProvider | None = None,
) -> Sequence[DltResource]:
    """All CoConstruct entities of one tenant, incremental and merged on (tenant_id, id).

    Pick a subset with `.with_resources("projects", "bills")`. A resource the account may
    not read (403) logs a warning naming it and the others load. `attachment_files` (the
    files themselves, into `[sources.coconstruct.files] store_url`) is off unless selected.
    """
    client = open_client(
        base_url, credentials, session_cache=session_cache, mfa_code_provider=mfa_code_provider
    )
    tenant = TenantResolver(tenant_id, lambda: client.get("/company"))
    resources = build_resources(api_page_fetcher(client, page_size), tenant, lag_seconds=lag_seconds)
    return [*resources, attachment_files(client, tenant, selected=False)]
