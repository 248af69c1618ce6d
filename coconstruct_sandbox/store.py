"""TenantStore: the sandbox tenant's records, held as encoded JSON, served as keyset pages.

Pagination rule (the contract's, implemented by `list_page`):

* Order is ascending (`updated_at`, `id`). The cursor is an opaque, signed encoding of the
  last (`updated_at`, `id`) served; the next page starts strictly after it. A cursor that
  was altered, or issued for another entity, raises `InvalidCursor`.
* Every write stamps the record with `now()`, which is strictly increasing and later than
  any generated timestamp, and moves its key to the end of the order. Hence, during a
  listing, a record that existed when it began and did not change appears exactly once; a
  record changed meanwhile appears again (newest version) at the end; none is skipped.
* `updated_since` is inclusive and adds tombstones `{"id", "updated_at", "deleted": true,
  "project_id"}` for records deleted at or after it. Tombstones are kept forever.
* Each call scans at most `max(limit * 50, 20_000)` keys, so a selective `row_filter` may
  return a short (even empty) page that still carries a `next_cursor`.
"""

from __future__ import annotations

import base64
import decimal
import hashlib
import random
import re
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from sortedcontainers import SortedList

from coconstruct_sandbox import generator, money
from coconstruct_sandbox.generator import timeline

ENTITIES: tuple[str, ...] = (
    "users", "clients", "trade_partners", "projects", "cost_codes", "budget_lines", "selections",
    "change_orders", "purchase_orders", "bills", "invoices", "payments", "timesheets",
    "schedule_tasks", "qb_mappings", "attachments",
)
NUMBERED = {"change_orders": "CO-{:03d}", "purchase_orders": "PO-{:04d}", "invoices": "INV-{:04d}"}
CATEGORIES = ("labor", "material", "subcontractor", "equipment", "other")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class StoreError(Exception):
    """Base of the store's errors (the HTTP layer maps each to a stable error code)."""


class InvalidCursor(StoreError):
    def __init__(self, message: str = "the cursor is malformed or was not issued for this list") -> None:
        super().__init__(message)


class NotFound(StoreError):
    pass


class UnknownTable(NotFound, KeyError):
    """An export of a table the warehouse does not have (also a KeyError, for lookups)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidInput(StoreError):
    def __init__(self, details: list[dict], message: str = "the request body is invalid") -> None:
        super().__init__(f"{message}: " + "; ".join(f"{d['field']}: {d['issue']}" for d in details))
        self.details = details


@dataclass(frozen=True, slots=True)
class RecordMeta:
    """What the HTTP layer needs for role scoping, without decoding JSON."""

    id: int
    updated_at: str
    project_id: int | None
    trade_partner_id: int | None
    client_visible: bool | None
    deleted: bool


@dataclass(frozen=True, slots=True)
class Page:
    data: bytes
    next_cursor: str | None
    count: int


class _Table:
    """One entity: live blobs, metas (live and deleted), the key order and per-project orders."""

    __slots__ = ("blobs", "by_project", "metas", "name", "order", "pending")

    def __init__(self, name: str) -> None:
        self.name = name
        self.blobs: dict[int, bytes] = {}
        self.metas: dict[int, RecordMeta] = {}
        self.order = SortedList()
        self.by_project: dict[int, SortedList] = {}
        self.pending: list[tuple[str, int]] | None = []  # keys collected while building


def _encode(record: dict) -> bytes:
    """orjson's bytes keep a 4 KiB buffer; an exact-size copy keeps a large tenant small."""
    return bytes(memoryview(orjson.dumps(record)))


def _meta(entity: str, record: dict, deleted: bool = False) -> RecordMeta:
    rid = record["id"]
    project_id = rid if entity == "projects" else record.get("project_id")
    partner = rid if entity == "trade_partners" else record.get("trade_partner_id")
    return RecordMeta(rid, record["updated_at"], project_id, partner, record.get("client_visible"),
                      deleted)


def canonical_timestamp(value: str) -> str:
    """Any ISO-8601 instant → the contract's UTC form with microseconds and Z."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00: before (or after) every representable instant
        utc = (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)
    # isoformat pads the year to four digits (strftime's %Y does not below 1000 on glibc),
    # so the text still sorts like the instant
    return utc.isoformat(timespec="microseconds").replace("+00:00", "Z")


class TenantStore:
    """The whole tenant in memory; thread-safe (one lock) for the HTTP layer's worker threads."""

    def __init__(self, size: str, seed: int) -> None:
        self.seed, self.size = seed, size
        self.entities = ENTITIES
        self.company: dict = {}
        self.changes_applied = 0
        self.clock_offset_us = 0
        self._tables = {name: _Table(name) for name in ENTITIES}
        self._next_ids: dict[str, int] = defaultdict(lambda: 1)
        self._numbers: dict[tuple[str, int], int] = defaultdict(int)
        self._client_projects: dict[int, set[int]] = defaultdict(set)
        self._partner_projects: dict[int, set[int]] = defaultdict(set)
        self._lock = threading.RLock()
        self._last_now = self._unix_us(timeline.BASE) + timeline.END + 15 * timeline.DAY
        self._secret = hashlib.sha256(f"coconstruct-sandbox-cursor:{seed}".encode()).digest()

    # ---- building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, size: str = "small", seed: int = 1) -> TenantStore:
        store = cls(size, seed)
        generator.build(store, size, seed)
        for table in store._tables.values():
            keys, table.pending = table.pending or [], None
            keys.sort()
            table.order = SortedList(keys)
            per_project: dict[int, list] = defaultdict(list)
            metas = table.metas
            for key in keys:
                project_id = metas[key[1]].project_id
                if project_id is not None:
                    per_project[project_id].append(key)
            table.by_project = {p: SortedList(k) for p, k in per_project.items()}
        return store

    def new_id(self, entity: str) -> int:
        """Next id of an entity or child table (sequential, never reused)."""
        nid = self._next_ids[entity]
        self._next_ids[entity] = nid + 1
        return nid

    def load(self, entity: str, record: dict) -> None:
        """Sink for the generator: store a record without ordering it yet."""
        if entity == "company":
            self.company = record
            return
        table = self._tables[entity]
        rid = record["id"]
        table.blobs[rid] = _encode(record)
        table.metas[rid] = _meta(entity, record)
        table.pending.append((record["updated_at"], rid))
        self._index(entity, record)

    def _index(self, entity: str, record: dict) -> None:
        if entity == "projects":
            for link in record["clients"]:
                self._client_projects[link["client_id"]].add(record["id"])
        elif entity in ("purchase_orders", "bills", "schedule_tasks") and record.get("trade_partner_id"):
            self._partner_projects[record["trade_partner_id"]].add(record["project_id"])
        if entity in NUMBERED:
            number = int(record["number"].rsplit("-", 1)[1])
            slot = (entity, record["project_id"])
            self._numbers[slot] = max(self._numbers[slot], number)

    # ---- clock ------------------------------------------------------------------------------
    @staticmethod
    def _unix_us(moment: datetime) -> int:
        delta = moment - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    def now(self) -> str:
        """The real clock (plus `clock_offset_us`), strictly increasing, after all generated data."""
        with self._lock:
            real = time.time_ns() // 1000 + self.clock_offset_us
            self._last_now = max(real, self._last_now + 1)
            return (_EPOCH + timedelta(microseconds=self._last_now)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    # ---- reading ----------------------------------------------------------------------------
    def _table(self, entity: str) -> _Table:
        try:
            return self._tables[entity]
        except KeyError:
            raise NotFound(f"unknown entity {entity!r}") from None

    def encode_cursor(self, entity: str, key: tuple[str, int]) -> str:
        payload = orjson.dumps([entity, key[0], key[1]])
        sig = hashlib.blake2b(payload, key=self._secret, digest_size=8).digest()
        return base64.urlsafe_b64encode(payload + sig).decode().rstrip("=")

    def decode_cursor(self, entity: str, cursor: str) -> tuple[str, int]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            payload, sig = raw[:-8], raw[-8:]
            expected = hashlib.blake2b(payload, key=self._secret, digest_size=8).digest()
            name, updated_at, rid = orjson.loads(payload)
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            raise InvalidCursor() from exc
        if sig != expected or name != entity or not isinstance(rid, int) or not isinstance(updated_at, str):
            raise InvalidCursor()
        return updated_at, rid

    def list_page(self, entity: str, *, limit: int, cursor: str | None = None,
                  updated_since: str | None = None, project_id: int | None = None,
                  row_filter: Callable[[RecordMeta], bool] | None = None) -> Page:
        """One keyset page (see the module docstring for the rule)."""
        if not 1 <= limit <= 1000:
            raise InvalidInput([{"field": "limit", "issue": "must be between 1 and 1000"}])
        since = None
        if updated_since is not None:
            try:
                since = canonical_timestamp(updated_since)
            except ValueError:
                raise InvalidInput([{"field": "updated_since",
                                     "issue": "must be an ISO-8601 date-time"}]) from None
        after = self.decode_cursor(entity, cursor) if cursor else None
        with self._lock:
            table = self._table(entity)
            order = table.order if project_id is None else table.by_project.get(project_id)
            if order is None:
                return Page(b"[]", None, 0)
            start = order.bisect_right(after) if after else 0
            if since is not None:
                start = max(start, order.bisect_left((since, 0)))
            budget = max(limit * 50, 20_000)
            blobs, last, scanned = [], None, 0
            metas, live = table.metas, table.blobs
            for key in order.islice(start):
                scanned += 1
                last = key
                meta = metas[key[1]]
                if (since is not None or not meta.deleted) and (row_filter is None or row_filter(meta)):
                    blobs.append(self._tombstone(meta) if meta.deleted else live[key[1]])
                    if len(blobs) == limit:
                        break
                if scanned >= budget:
                    break
            more = last is not None and start + scanned < len(order)
            next_cursor = self.encode_cursor(entity, last) if more else None
            return Page(b"[" + b",".join(blobs) + b"]", next_cursor, len(blobs))

    @staticmethod
    def _tombstone(meta: RecordMeta) -> bytes:
        return orjson.dumps({"id": meta.id, "updated_at": meta.updated_at, "deleted": True,
                             "project_id": meta.project_id})

    def get(self, entity: str, id: int) -> dict | None:
        blob = self._table(entity).blobs.get(id)
        return orjson.loads(blob) if blob is not None else None

    def meta(self, entity: str, id: int) -> RecordMeta | None:
        return self._table(entity).metas.get(id)

    def records(self, entity: str) -> Iterator[dict]:
        """Every live record of an entity, decoded, in id order."""
        table = self._table(entity)
        with self._lock:
            blobs = [table.blobs[i] for i in sorted(table.blobs)]
        return (orjson.loads(b) for b in blobs)

    def count(self, entity: str) -> int:
        return len(self._table(entity).blobs)

    def live_ids(self, entity: str, project_id: int) -> list[int]:
        table = self._table(entity)
        keys = table.by_project.get(project_id, ())
        return [k[1] for k in keys if not table.metas[k[1]].deleted]

    def random_live_id(self, entity: str, rng: random.Random, tries: int = 30) -> int | None:
        """A random live id (ids are dense, deletions rare: a few draws suffice)."""
        table = self._table(entity)
        top = self._next_ids[entity] - 1
        for _ in range(tries if top else 0):
            rid = rng.randint(1, top)
            if rid in table.blobs:
                return rid
        return None

    def projects_of_client(self, client_id: int) -> frozenset[int]:
        return frozenset(self._client_projects.get(client_id, ()))

    def projects_of_trade_partner(self, trade_partner_id: int) -> frozenset[int]:
        return frozenset(self._partner_projects.get(trade_partner_id, ()))

    def people(self) -> dict:
        """Ids for demo accounts: staff by role, clients and trade partners that have projects."""
        users = list(self.records("users"))
        return {
            "admins": [u["id"] for u in users if u["role"] == "admin" and u["is_active"]],
            "project_managers": [u["id"] for u in users if u["role"] == "project_manager" and u["is_active"]],
            "clients": sorted(c for c, p in self._client_projects.items() if p),
            "trade_partners": sorted(t for t, p in self._partner_projects.items() if p),
        }

    # ---- writing ----------------------------------------------------------------------------
    def put(self, entity: str, record: dict) -> dict:
        """Insert or replace a record, stamping `updated_at` with `now()` (moves it to the end)."""
        with self._lock:
            if entity == "company":
                record["updated_at"] = self.now()
                self.company = record
                return record
            table = self._table(entity)
            record["updated_at"] = self.now()
            rid = record["id"]
            if entity == "projects" and rid in table.blobs:  # client links may have changed
                for link in orjson.loads(table.blobs[rid])["clients"]:
                    self._client_projects[link["client_id"]].discard(rid)
            self._unorder(table, rid)
            table.blobs[rid] = _encode(record)
            meta = table.metas[rid] = _meta(entity, record)
            self._order(table, meta)
            self._index(entity, record)
            return record

    def delete(self, entity: str, id: int) -> bool:
        """Hard-delete a record, leaving a tombstone stamped `now()`."""
        with self._lock:
            table = self._table(entity)
            if id not in table.blobs:
                return False
            old = table.metas[id]
            self._unorder(table, id)
            del table.blobs[id]
            meta = table.metas[id] = RecordMeta(id, self.now(), old.project_id, old.trade_partner_id,
                                                old.client_visible, True)
            self._order(table, meta)
            return True

    def purge(self, table: str, id: int) -> bool:
        """Delete without a tombstone, as an API that does not announce some deletes: a
        record of an entity, or a line of a child table (its parent keeps its `updated_at`)."""
        from coconstruct_sandbox.ground_truth import CHILDREN

        with self._lock:
            if table in CHILDREN:
                parent, field = CHILDREN[table]
                key = "client_id" if table == "project_clients" else "id"
                for pid, blob in self._table(parent).blobs.items():
                    record = orjson.loads(blob)
                    kept = [c for c in record[field] if c.get(key) != id]
                    if len(kept) < len(record[field]):
                        record[field] = kept
                        self._table(parent).blobs[pid] = _encode(record)
                        return True
                return False
            entity = self._table(table)
            if id not in entity.blobs:
                return False
            self._unorder(entity, id)
            del entity.blobs[id]
            del entity.metas[id]
            return True

    @staticmethod
    def _unorder(table: _Table, rid: int) -> None:
        old = table.metas.get(rid)
        if old is None:
            return
        key = (old.updated_at, rid)
        table.order.discard(key)
        if old.project_id is not None and old.project_id in table.by_project:
            table.by_project[old.project_id].discard(key)

    @staticmethod
    def _order(table: _Table, meta: RecordMeta) -> None:
        key = (meta.updated_at, meta.id)
        table.order.add(key)
        if meta.project_id is not None:
            table.by_project.setdefault(meta.project_id, SortedList()).add(key)

    def next_number(self, entity: str, project_id: int) -> str:
        slot = (entity, project_id)
        self._numbers[slot] += 1
        return NUMBERED[entity].format(self._numbers[slot])

    def create_change_order(self, project_id: int, body: dict) -> dict:
        """A draft CO: number assigned, lines and totals computed (money rule)."""
        with self._lock:
            project = self._require("projects", project_id, "project")
            lines = _validate_change_order(self, project_id, body)
            rate = money.scale4(body.get("tax_rate_percent") or project["tax_rate_percent"])
            _check_amounts(money.apply_change_order, {"tax_rate_percent": rate}, lines)
            coid = self.new_id("change_orders")
            stamp = self.now()
            co = {"id": coid, "project_id": project_id,
                  "number": self.next_number("change_orders", project_id), "title": body["title"],
                  "status": "draft",
                  "client_visible": True if body.get("client_visible") is None else body["client_visible"],
                  "selection_id": body.get("selection_id"),
                  "tax_rate_percent": money.scale4(body.get("tax_rate_percent") or project["tax_rate_percent"]),
                  "approved_at": None, "total_cost": None, "total_price": None, "total_tax": None,
                  "total": None, "qb_sync_status": "not_synced", "qb_txn_id": None, "qb_sync_error": None,
                  "lines": [dict(line, id=self.new_id("change_order_lines"), change_order_id=coid,
                                 line_number=n + 1) for n, line in enumerate(lines)],
                  "approvals": [], "created_at": stamp, "updated_at": stamp, "deleted": False}
            return self.put("change_orders", money.apply_change_order(co))

    def create_purchase_order(self, project_id: int, body: dict) -> dict:
        """A draft PO: number assigned, line amounts and total computed."""
        with self._lock:
            self._require("projects", project_id, "project")
            lines = _validate_purchase_order(self, body)
            _check_amounts(money.apply_purchase_order, {}, lines)
            poid = self.new_id("purchase_orders")
            stamp = self.now()
            po = {"id": poid, "project_id": project_id,
                  "number": self.next_number("purchase_orders", project_id),
                  "trade_partner_id": body["trade_partner_id"], "title": body.get("title"),
                  "status": "draft", "retainage_percent": money.scale4(body.get("retainage_percent") or "0"),
                  "issued_at": None, "total": None, "qb_sync_status": "not_synced", "qb_txn_id": None,
                  "qb_sync_error": None,
                  "lines": [dict(line, id=self.new_id("purchase_order_lines"), purchase_order_id=poid,
                                 line_number=n + 1) for n, line in enumerate(lines)],
                  "created_at": stamp, "updated_at": stamp, "deleted": False}
            return self.put("purchase_orders", money.apply_purchase_order(po))

    def _require(self, entity: str, id: object, label: str) -> dict:
        record = self.get(entity, id) if isinstance(id, int) and not isinstance(id, bool) else None
        if record is None:
            raise NotFound(f"{label} {id} not found")
        return record

    # ---- activity and ground truth ---------------------------------------------------------
    def advance(self, changes: int) -> dict:
        from coconstruct_sandbox import activity

        with self._lock:
            return activity.advance(self, changes)

    def state(self) -> dict:
        from coconstruct_sandbox import ground_truth

        with self._lock:
            return ground_truth.state(self)

    def export(self, table: str) -> list[dict]:
        from coconstruct_sandbox import ground_truth

        with self._lock:
            return ground_truth.export(self, table)


# ---- write validation (the contract's ChangeOrderCreate / PurchaseOrderCreate) ---------------

_PATTERNS = {"money": re.compile(r"^-?[0-9]{1,15}\.[0-9]{2}$"),
             "quantity": re.compile(r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$"),
             "rate": re.compile(r"^-?[0-9]{1,5}(\.[0-9]{1,4})?$")}
_CO_LINE = {"cost_code_id": "id", "category": "category", "description": "text500",
            "quantity": "quantity", "unit": "text20", "unit_cost": "money",
            "markup_percent": "rate", "taxable": "bool"}
_PO_LINE = {k: v for k, v in _CO_LINE.items() if k not in ("markup_percent", "taxable")}


def _check(kind: str, value: object) -> str | None:
    """The issue with `value` as a `kind` field, or None when it is fine."""
    if kind == "id":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        return None if ok else "must be a positive integer id"
    if kind == "bool":
        return None if isinstance(value, bool) else "must be true or false"
    if kind == "category":
        return None if value in CATEGORIES else f"must be one of {', '.join(CATEGORIES)}"
    if kind.startswith("text"):
        top = int(kind[4:])
        ok = isinstance(value, str) and len(value.strip()) >= 1 and len(value) <= top
        return None if ok else f"must be a non-empty string of at most {top} characters"
    if not isinstance(value, str) or not _PATTERNS[kind].match(value):
        return {"money": 'must be a decimal string with two decimals, e.g. "12.50"',
                "quantity": 'must be a decimal string with up to four decimals, e.g. "2.5"',
                "rate": 'must be a percentage string, e.g. "15.0000"'}[kind]
    return None


def _check_fields(body: object, spec: dict[str, str], required: set[str], where: str,
                  details: list[dict]) -> bool:
    if not isinstance(body, dict):
        details.append({"field": where or "body", "issue": "must be a JSON object"})
        return False
    for name in sorted(set(body) - set(spec)):
        details.append({"field": f"{where}{name}", "issue": "is not an allowed field"})
    for name in sorted(required - set(body)):
        details.append({"field": f"{where}{name}", "issue": "is required"})
    for name, kind in spec.items():
        if name in body and (issue := _check(kind, body[name])) is not None:
            details.append({"field": f"{where}{name}", "issue": issue})
    return True


def _validate_lines(store: TenantStore, body: dict, spec: dict[str, str],
                    details: list[dict]) -> list[dict]:
    """Shape errors of the whole body → InvalidInput; an unknown cost code → NotFound."""
    lines = body.get("lines")
    if "lines" not in body:
        details.append({"field": "lines", "issue": "is required"})
    elif not isinstance(lines, list) or not 1 <= len(lines) <= 200:
        details.append({"field": "lines", "issue": "must be a list of 1 to 200 lines"})
    else:
        for n, line in enumerate(lines):
            _check_fields(line, spec, set(spec), f"lines[{n}].", details)
    if details:
        raise InvalidInput(details)
    for n, line in enumerate(lines):
        code = store.get("cost_codes", line["cost_code_id"])
        if code is None:
            raise NotFound(f"cost code {line['cost_code_id']} not found (lines[{n}].cost_code_id)")
        if not code["is_active"]:
            details.append({"field": f"lines[{n}].cost_code_id",
                            "issue": f"cost code {code['code']} is retired"})
    if details:
        raise InvalidInput(details)
    normalized = []
    for line in lines:
        clean = dict(line, quantity=money.scale4(line["quantity"]), unit_cost=money.money(line["unit_cost"]))
        if "markup_percent" in line:
            clean["markup_percent"] = money.scale4(line["markup_percent"])
        normalized.append(clean)
    return normalized


def _head(body: object, spec: dict[str, str], required: set[str]) -> tuple[dict, list[dict]]:
    """Check the document fields other than `lines`; `null` optional ids are allowed."""
    if not isinstance(body, dict):
        raise InvalidInput([{"field": "body", "issue": "must be a JSON object"}])
    details: list[dict] = []
    # only the optional ids are nullable in the contract (IdOrNull); a null rate or title is not
    head = {k: v for k, v in body.items()
            if k != "lines" and not (v is None and k not in required and spec.get(k) == "id")}
    _check_fields(head, spec, required, "", details)
    return body, details


def _validate_change_order(store: TenantStore, project_id: int, body: object) -> list[dict]:
    spec = {"title": "text200", "client_visible": "bool", "tax_rate_percent": "rate",
            "selection_id": "id"}
    body, details = _head(body, spec, {"title"})
    lines = _validate_lines(store, body, _CO_LINE, details)
    selection_id = body.get("selection_id")
    if selection_id is not None:
        selection = store.get("selections", selection_id)
        if selection is None or selection["project_id"] != project_id:
            raise NotFound(f"selection {selection_id} not found in project {project_id}")
    return lines


def _check_amounts(apply: Callable[[dict], dict], head: dict, lines: list[dict]) -> None:
    """Every computed amount must fit the contract's Money (15 digits before the point): a
    schema-valid 12-digit quantity times a 15-digit unit cost does not. Computed on a trial
    copy with enough precision, before any id or number is taken."""
    with decimal.localcontext(prec=80):
        trial = apply({**head, "lines": [dict(line) for line in lines]})
    details = [{"field": f"lines[{n}].quantity",
                "issue": "the line's amounts exceed the largest Money value (15 digits)"}
               for n, line in enumerate(trial["lines"])
               if any(not _PATTERNS["money"].match(v) for k, v in line.items()
                      if k in ("cost", "price", "tax", "amount"))]
    totals = [k for k in ("total_cost", "total_price", "total_tax", "total") if k in trial]
    if not details and any(not _PATTERNS["money"].match(trial[k]) for k in totals):
        details.append({"field": "lines",
                        "issue": "the document total exceeds the largest Money value (15 digits)"})
    if details:
        raise InvalidInput(details)


def _validate_purchase_order(store: TenantStore, body: object) -> list[dict]:
    spec = {"trade_partner_id": "id", "title": "text200", "retainage_percent": "rate"}
    body, details = _head(body, spec, {"trade_partner_id"})
    lines = _validate_lines(store, body, _PO_LINE, details)
    if store.get("trade_partners", body["trade_partner_id"]) is None:
        raise NotFound(f"trade partner {body['trade_partner_id']} not found")
    return lines
