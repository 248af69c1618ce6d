"""Pages fetched ahead in a background thread arrive in order, errors arrive where they
happened, and a consumer that stops early stops the producer."""

from __future__ import annotations

import threading
import time

import pytest

from coconstruct_source.errors import PermissionDenied
from coconstruct_source.prefetch import prefetched


def test_items_arrive_in_order_and_complete():
    assert list(prefetched(iter(range(1000)), depth=2)) == list(range(1000))
    assert list(prefetched(iter([]))) == []


def test_the_producers_error_is_raised_after_the_items_before_it():
    def pages():
        yield 1
        yield 2
        raise PermissionDenied("/bills", "403")

    seen = []
    with pytest.raises(PermissionDenied):
        for page in prefetched(pages()):
            seen.append(page)
    assert seen == [1, 2]


def test_the_producer_runs_at_most_depth_items_ahead():
    produced = []

    def pages():
        for i in range(100):
            produced.append(i)
            yield i

    consumer = prefetched(pages(), depth=2)
    assert next(consumer) == 0
    time.sleep(0.3)
    # one handed over, two queued, one waiting to be queued
    assert len(produced) <= 4
    consumer.close()


def test_closing_the_consumer_stops_the_producer():
    stopped = threading.Event()

    def pages():
        try:
            yield from range(10_000)
        finally:
            stopped.set()

    consumer = prefetched(pages(), depth=1)
    assert next(consumer) == 0
    consumer.close()
    assert stopped.wait(5), "the producer kept running after the consumer stopped"
