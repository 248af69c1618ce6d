"""Listener: the receiver, the durable queue and the syncer of `coconstruct listen`, wired.

Tenants are keyed by their config section (`--tenants north,south` → POST
/webhooks/north, /webhooks/south; one tenant without a section is `default`), each with its
own signing secret: `[sources.coconstruct[.<section>]] webhook_secret = "whsec_..."` in
`.dlt/secrets.toml` (or `SOURCES__COCONSTRUCT__WEBHOOK_SECRET`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dlt

from coconstruct_elt.run import RunOptions, TenantSpec
from coconstruct_elt.webhooks.queue import EventQueue
from coconstruct_elt.webhooks.receiver import Receiver, ReceiverServer
from coconstruct_elt.webhooks.syncer import Synced, Syncer
from coconstruct_source.contract import load_contract
from coconstruct_source.errors import CoconstructError


@dataclass
class ListenSettings:
    host: str = "127.0.0.1"
    port: int = 8787
    queue_path: str = "coconstruct-webhooks.sqlite"
    debounce: float = 0.5
    max_wait: float = 5.0
    catch_up_every: float = 900.0
    files: bool = False  # attachment events also download the files


def tenant_key(spec: TenantSpec) -> str:
    return spec.section or spec.name or "default"


def webhook_secret(spec: TenantSpec) -> str:
    sections = [f"sources.coconstruct.{spec.section}", "sources.coconstruct"] if spec.section else [
        "sources.coconstruct"]
    for section in sections:
        value = dlt.secrets.get(f"{section}.webhook_secret")
        if value:
            return str(value)
    raise CoconstructError(
        f"no webhook signing secret for tenant {tenant_key(spec)}: set webhook_secret under "
        f"[{sections[0]}] in .dlt/secrets.toml (the whsec_... the subscription gave) or "
        f"{sections[0].upper().replace('.', '__')}__WEBHOOK_SECRET")


class Listener:
    def __init__(self, tenants: list[TenantSpec], options: RunOptions,
                 settings: ListenSettings | None = None, *,
                 secrets: dict[str, str] | None = None,
                 on_synced: Callable[[Synced], None] | None = None) -> None:
        self.settings = settings = settings or ListenSettings()
        self.tenants = {tenant_key(t): t for t in tenants}
        if secrets is None:
            secrets = {key: webhook_secret(spec) for key, spec in self.tenants.items()}
        self.queue = EventQueue(Path(settings.queue_path))
        self.syncer = Syncer(self.queue, self.tenants, options, list(load_contract().resources),
                             debounce=settings.debounce, max_wait=settings.max_wait,
                             catch_up_every=settings.catch_up_every, files=settings.files,
                             on_synced=on_synced)
        self.receiver = Receiver(secrets, self.queue, on_event=self.syncer.notify)
        self.server = ReceiverServer(self.receiver, settings.host, settings.port)

    def url_for(self, key: str) -> str:
        return f"{self.server.url}/webhooks/{key}"

    def add_secret(self, key: str, secret: str) -> None:
        self.receiver.add_secret(key, secret)

    def start(self) -> Listener:
        self.server.start()
        self.syncer.start()
        return self

    def stop(self) -> dict[str, int]:
        """Stop receiving, let the run in progress finish; the queue's counts then."""
        self.server.stop()
        self.syncer.stop()
        counts = self.queue.counts()
        self.queue.close()
        return counts

    def __enter__(self) -> Listener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
