"""`coconstruct listen`: run the listener until interrupted (or `--duration` seconds), one
line per sync on stderr. With `--sandbox`, the bundled tenant is started, the listener
subscribes to it (its secret stays in memory) and `--sandbox-changes-every` makes changes."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from coconstruct_elt.run import RunOptions, TenantSpec
from coconstruct_elt.webhooks.listener import Listener, ListenSettings, tenant_key
from coconstruct_elt.webhooks.syncer import Synced, describe
from coconstruct_source.source import open_client


def add_listen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--queue", default="coconstruct-webhooks.sqlite",
                        help="the durable event queue (SQLite file)")
    parser.add_argument("--debounce", type=float, default=0.5,
                        help="seconds of quiet before a sync (default 0.5)")
    parser.add_argument("--max-wait", type=float, default=5.0,
                        help="longest an event waits for quiet (default 5)")
    parser.add_argument("--catch-up-every", type=float, default=900.0,
                        help="seconds between full incremental runs, also at start (0: off)")
    parser.add_argument("--files", action="store_true",
                        help="attachment events also download the files (attachment_files)")
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    parser.add_argument("--sandbox-changes-every", type=float,
                        help="with --sandbox: one change in the sandbox every N seconds")


def settings_from(args: argparse.Namespace) -> ListenSettings:
    return ListenSettings(host=args.host, port=args.port, queue_path=args.queue,
                          debounce=args.debounce, max_wait=args.max_wait,
                          catch_up_every=args.catch_up_every, files=args.files)


def _print(synced: Synced) -> None:
    print(describe(synced), file=sys.stderr, flush=True)


def listen(tenants: list[TenantSpec], options: RunOptions, args: argparse.Namespace,
           sandbox: bool = False) -> int:
    settings = settings_from(args)
    listener = Listener(tenants, options, settings, secrets={} if sandbox else None, on_synced=_print)
    with _running(listener):
        if sandbox:
            (spec,) = tenants
            subscribe(spec, listener)
            print(f"sandbox tenant at {spec.base_url} (POST {spec.base_url}/_sandbox/advance "
                  "makes changes)", file=sys.stderr, flush=True)
        for key in listener.tenants:
            print(f"listening on {listener.url_for(key)}", file=sys.stderr, flush=True)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        changes = None
        if sandbox and args.sandbox_changes_every:
            changes = threading.Thread(target=_make_changes, daemon=True,
                                       args=(tenants[0].base_url, args.sandbox_changes_every, stop))
            changes.start()
        stop.wait(timeout=args.duration)
        stop.set()
    return 0


@contextmanager
def _running(listener: Listener) -> Iterator[None]:
    listener.start()
    try:
        yield
    finally:
        counts = listener.stop()
        print(f"stopped; queue: {counts['pending']} pending, {counts['done']} done",
              file=sys.stderr)


def subscribe(spec: TenantSpec, listener: Listener) -> None:
    """Subscribe the listener to every event of the tenant; its secret goes to the receiver."""
    assert spec.base_url is not None
    key = tenant_key(spec)
    with open_client(spec.base_url, spec.credentials, session_cache=False) as client:
        answer = client.post("/webhook-subscriptions", {"url": listener.url_for(key)},
                             idempotency_key=None)
    listener.add_secret(key, answer["secret"])


def _make_changes(base_url: str, every: float, stop: threading.Event) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while not stop.wait(every):
            client.post("/_sandbox/advance", json={"changes": 1})
