"""Cursor paging bounds and idempotent, validated writes."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from coconstruct_source.errors import CoconstructError
from coconstruct_source.pagination import iter_pages
from coconstruct_source.writes import ValidationError, create_change_order, create_purchase_order
from tests.source_client.fake_api import FakeApi, error
from tests.source_client.helpers import client_for

CO = {
    "title": "Upgrade kitchen tile",
    "lines": [{"cost_code_id": 3, "category": "material", "description": "Tile", "quantity": "12.5",
               "unit": "sqft", "unit_cost": "8.40", "markup_percent": "15", "taxable": True}],
}
PO = {"trade_partner_id": 4, "lines": [{"cost_code_id": 3, "category": "subcontractor",
                                        "description": "Install", "quantity": "1", "unit": "ls", "unit_cost": "950.00"}]}


def test_pages_stream_every_record_once_and_sum_to_the_cent() -> None:
    api = FakeApi(records=37)
    client, _ = client_for(api)
    pages = list(iter_pages(client, "/projects", limit=10, updated_since="2025-01-01T00:00:00Z"))
    assert [len(p) for p in pages] == [10, 10, 10, 7]
    assert sum(Decimal(r["total"]) for p in pages for r in p) == Decimal("7039.25")  # 10*(1+..+37) + 37*0.25
    assert all(r.url.params["updated_since"] == "2025-01-01T00:00:00Z" for r in api.seen_requests if r.url.path == "/projects")


def test_repeated_cursor_raises() -> None:
    api = FakeApi()
    client, _ = client_for(api)
    loop = httpx.Response(200, json={"data": [{"id": 1}], "next_cursor": "c1"})
    api.inject("/projects", loop, loop)
    with pytest.raises(CoconstructError, match="returned the cursor of an earlier page again"):
        list(iter_pages(client, "/projects"))


def test_max_pages_bounds_the_loop() -> None:
    api = FakeApi(records=50)
    client, _ = client_for(api)
    with pytest.raises(CoconstructError, match="more than max_pages=2"):
        list(iter_pages(client, "/projects", limit=10, max_pages=2))


def test_page_without_data_is_malformed() -> None:
    api = FakeApi()
    client, _ = client_for(api)
    api.inject("/projects", httpx.Response(200, json={"items": []}))
    with pytest.raises(CoconstructError, match="expected a page object"):
        list(iter_pages(client, "/projects"))


def test_retried_post_creates_one_change_order() -> None:
    api = FakeApi()
    client, _ = client_for(api)
    # the first attempt is processed but its answer is lost; the retry replays it
    api.inject("/projects/7/change-orders", lambda req: (api.handle(req), error(503, "service_unavailable"))[1])
    created = create_change_order(client, 7, CO)
    assert created["title"] == CO["title"]
    assert len(api.created) == 1
    keys = {r.headers["idempotency-key"] for r in api.seen_requests if r.url.path == "/projects/7/change-orders"}
    assert len(keys) == 1


def test_explicit_key_replays() -> None:
    api = FakeApi()
    client, _ = client_for(api)
    first = create_purchase_order(client, 7, PO, idempotency_key="po-abc")
    again = create_purchase_order(client, 7, PO, idempotency_key="po-abc")
    assert first == again and len(api.created) == 1


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({**CO, "lines": [{**CO["lines"][0], "unit_cost": "8.4"}]}, r"lines\[0\]\.unit_cost"),
        ({**CO, "lines": []}, "lines"),
        ({"lines": CO["lines"]}, r"\(body\): 'title' is a required property"),
        ({**CO, "colour": "red"}, "Additional properties"),
        ({**CO, "lines": [{**CO["lines"][0], "category": "snacks"}]}, r"lines\[0\]\.category"),
    ],
)
def test_invalid_change_order_is_refused_before_sending(body: dict, where: str) -> None:
    api = FakeApi()
    client, _ = client_for(api)
    with pytest.raises(ValidationError, match=where):
        create_change_order(client, 7, body)
    assert api.calls["POST /sessions"] == 0 and not api.created


def test_invalid_purchase_order_names_the_field() -> None:
    api = FakeApi()
    client, _ = client_for(api)
    with pytest.raises(ValidationError, match=r"PurchaseOrderCreate invalid at trade_partner_id"):
        create_purchase_order(client, 7, {**PO, "trade_partner_id": 0})
