"""The deterministic CoConstruct tenant built from (seed, size).

`build(sink, size, seed)` streams every record into `sink` (the TenantStore) in a fixed
order, so the same (seed, size) always yields the same ids, values and bytes. The tenant
carries the oddities a real one has on purpose (DOMAIN.md, "What a realistic tenant
contains"), placed deterministically so even `small` contains each of them.
"""

from __future__ import annotations

import random

from coconstruct_sandbox.generator import tenant
from coconstruct_sandbox.generator.context import Context, Sink
from coconstruct_sandbox.generator.profiles import SIZES, SizeProfile, profile
from coconstruct_sandbox.generator.project import ProjectBuilder

__all__ = ["SIZES", "Context", "Sink", "SizeProfile", "build", "profile"]


def build(sink: Sink, size: str = "small", seed: int = 1) -> Context:
    """Generate the whole tenant into `sink`; returns the build context (people, codes)."""
    ctx = Context(seed=seed, profile=profile(size), sink=sink, rng=random.Random(seed))
    company = tenant.company(ctx)
    sink.load("company", company)
    tenant.staff(ctx)
    tenant.clients(ctx)
    tenant.trade_partners(ctx)
    tenant.cost_codes(ctx)
    tenant.catalog_mappings(ctx)
    for index in range(ctx.profile.projects):
        ProjectBuilder(ctx, index).build()
    return ctx
