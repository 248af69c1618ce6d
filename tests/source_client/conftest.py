"""`--record` (or RECORD_CASSETTES=1) re-records the client's cassettes against the sandbox."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--record", action="store_true", default=False,
                     help="re-record cassettes/ against a fresh sandbox")


@pytest.fixture
def record_cassettes(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--record", default=False)) or os.environ.get("RECORD_CASSETTES") == "1"
