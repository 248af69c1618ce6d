"""Fixtures: a read-only small tenant shared by the module, fresh ones for tests that write."""

from __future__ import annotations

import pytest

from coconstruct_sandbox.store import TenantStore


@pytest.fixture(scope="session")
def small() -> TenantStore:
    """Shared and never modified: build a fresh store in tests that write."""
    return TenantStore.build("small", seed=1)


@pytest.fixture(scope="session")
def medium() -> TenantStore:
    return TenantStore.build("medium", seed=3)


@pytest.fixture
def fresh() -> TenantStore:
    return TenantStore.build("small", seed=7)
