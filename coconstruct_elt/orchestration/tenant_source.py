"""One tenant's real source and pipeline, resolved the way `coconstruct run` resolves them
(same config sections, same pipeline name and so the same incremental state)."""

from __future__ import annotations

from typing import Any

import dlt
from dlt.extract.source import DltSource

from coconstruct_elt.run import (
    RunOptions,
    TenantSpec,
    make_destination,
    pipeline_name_for,
    resolve_base_url,
    resolve_credentials,
)
from coconstruct_source.source import TenantResolver, open_client, source_from_client


def tenant_source(tenant: TenantSpec, options: RunOptions) -> tuple[str, DltSource, Any]:
    """(tenant_id, source, client): the caller closes the client after the run. Logs in only
    when the tenant has no configured name (to read the company slug)."""
    credentials = tenant.credentials or resolve_credentials(tenant.section)
    client = open_client(
        resolve_base_url(tenant),
        credentials,
        session_cache=options.session_cache,
        mfa_code_provider=tenant.mfa_code_provider,
    )
    tenant_id = TenantResolver(tenant.name, lambda: client.get("/company"))()
    source = source_from_client(
        client, tenant_id, page_size=options.page_size, lag_seconds=options.lag_seconds
    )
    return tenant_id, source, client


def tenant_pipeline(tenant_id: str, options: RunOptions) -> dlt.Pipeline:
    """The tenant's pipeline `coconstruct_<tenant>` into the shared dataset."""
    return dlt.pipeline(
        pipeline_name=pipeline_name_for(tenant_id),
        destination=make_destination(options),
        dataset_name=options.dataset,
        pipelines_dir=options.pipelines_dir,
    )
