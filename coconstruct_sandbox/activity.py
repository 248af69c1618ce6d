"""`advance(n)`: n deterministic changes to the tenant, as a busy builder's office makes them.

Change k draws from `Random(f"{seed}:{k}")`, so the choices depend only on the seed and on
how many changes were applied before (timestamps come from the store's real clock). The mix
creates documents (COs with lines, POs, bills, invoices, payments, timesheets...), edits old
and approved records (child-line edits recompute totals and bump the parent), and deletes
documents, timesheets and now and then a project's field records (schedule, files, labour).
Over time every warehouse table is touched. Referential rules kept: approved COs, POs with
bills and invoices with payments are never deleted; an invoice's `amount_paid` always
equals the sum of its live payments.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from coconstruct_sandbox import money
from coconstruct_sandbox.files.records import version_fields
from coconstruct_sandbox.generator import profiles, vocab

if TYPE_CHECKING:
    from coconstruct_sandbox.store import TenantStore


class _Tally:
    def __init__(self) -> None:
        self.kinds: dict[str, int] = {"created": 0, "updated": 0, "deleted": 0}
        self.tables: dict[str, dict[str, int]] = defaultdict(lambda: {"created": 0, "updated": 0,
                                                                      "deleted": 0})

    def __call__(self, table: str, kind: str, n: int = 1) -> None:
        self.tables[table][kind] += n


Op = Callable[["TenantStore", random.Random, _Tally], bool]


def _pick(store: TenantStore, entity: str, rng: random.Random, test: Callable[[dict], bool] | None = None,
          tries: int = 12) -> dict | None:
    for _ in range(tries):
        rid = store.random_live_id(entity, rng)
        record = store.get(entity, rid) if rid else None
        if record is not None and (test is None or test(record)):
            return record
    return None


def _active_codes(store: TenantStore) -> list[dict]:
    return [c for c in store.records("cost_codes") if c["is_active"]]


def _project_docs(store: TenantStore, entity: str, project_id: int) -> list[dict]:
    return [store.get(entity, i) for i in store.live_ids(entity, project_id)]


def _amount(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randrange(low, high)}.{rng.randrange(100):02d}"


def _category(rng: random.Random) -> str:
    return rng.choice(vocab.CATEGORIES)


# ---- creates ---------------------------------------------------------------------------------

def create_change_order(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    project = _pick(store, "projects", rng, lambda p: p["status"] != "closed")
    if project is None:
        return False
    codes = _active_codes(store)
    lines = [{"cost_code_id": rng.choice(codes)["id"], "category": _category(rng),
              "description": "Field change", "quantity": f"{rng.randrange(1, 20)}.5",
              "unit": rng.choice(vocab.UNITS),
              "unit_cost": ("-" if rng.random() < 0.1 else "") + _amount(rng, 5, 1500),
              "markup_percent": rng.choice(("0", "10", "15.5")), "taxable": rng.random() < 0.4}
             for _ in range(rng.randrange(1, 6))]
    co = store.create_change_order(project["id"], {"title": rng.choice(vocab.CO_TITLES), "lines": lines})
    tally("change_orders", "created")
    tally("change_order_lines", "created", len(co["lines"]))
    return True


def create_purchase_order(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    project = _pick(store, "projects", rng, lambda p: p["status"] in ("open", "presale"))
    partner = _pick(store, "trade_partners", rng)
    if project is None or partner is None:
        return False
    codes = _active_codes(store)
    lines = [{"cost_code_id": rng.choice(codes)["id"], "category": _category(rng),
              "description": "Scope of work", "quantity": str(rng.randrange(1, 50)),
              "unit": rng.choice(vocab.UNITS), "unit_cost": _amount(rng, 10, 2000)}
             for _ in range(rng.randrange(1, 5))]
    po = store.create_purchase_order(project["id"], {"trade_partner_id": partner["id"], "lines": lines,
                                                     "retainage_percent": rng.choice(("0", "5", "10"))})
    tally("purchase_orders", "created")
    tally("purchase_order_lines", "created", len(po["lines"]))
    return True


def create_timesheet(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    old = _pick(store, "timesheets", rng)  # same crew, project and code as an existing entry
    if old is None:
        return False
    stamp = store.now()
    entry = dict(old, id=store.new_id("timesheets"), hours=f"{rng.randrange(1, 10)}.2500",
                 work_date=stamp[:10], started_at=stamp, approved=False, approved_at=None,
                 notes=None, created_at=stamp)
    store.put("timesheets", money.apply_timesheet(entry))
    tally("timesheets", "created")
    return True


def create_bill(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    po = _pick(store, "purchase_orders", rng, lambda p: p["status"] in ("issued", "accepted", "partially_billed"))
    if po is None:
        return False
    bid = store.new_id("bills")
    stamp = store.now()
    lines = [{"id": store.new_id("bill_lines"), "bill_id": bid, "line_number": n + 1,
              "purchase_order_line_id": line["id"], "cost_code_id": line["cost_code_id"],
              "category": line["category"], "description": f"{line['description']} (progress)",
              "amount": money.money(money.percent_of(line["amount"], rng.randrange(10, 40)))}
             for n, line in enumerate(po["lines"])]
    bill = {"id": bid, "project_id": po["project_id"], "purchase_order_id": po["id"],
            "trade_partner_id": po["trade_partner_id"], "number": f"B{po['trade_partner_id']}-{bid}",
            "bill_date": stamp[:10], "due_date": None, "status": "open", "total": None,
            "retainage_amount": None, "qb_sync_status": "pending", "qb_txn_id": None,
            "qb_sync_error": None, "lines": lines, "created_at": stamp, "updated_at": stamp,
            "deleted": False}
    store.put("bills", money.apply_bill(bill, po["retainage_percent"]))
    tally("bills", "created")
    tally("bill_lines", "created", len(lines))
    if po["status"] != "partially_billed":
        store.put("purchase_orders", dict(po, status="partially_billed"))
        tally("purchase_orders", "updated")
    return True


def _sync_invoice(store: TenantStore, invoice: dict) -> dict:
    """Re-derive amount_paid / balance / status from the invoice's live payments."""
    paid = money.total(p["amount"] for p in _project_docs(store, "payments", invoice["project_id"])
                       if p["invoice_id"] == invoice["id"])
    money.apply_invoice(invoice, paid)
    if invoice["status"] != "void" and paid > 0:
        invoice["status"] = "paid" if Decimal(invoice["balance_due"]) <= 0 else "partially_paid"
    elif invoice["status"] in ("paid", "partially_paid"):
        invoice["status"] = "sent"
    return store.put("invoices", invoice)


def create_payment(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    invoice = _pick(store, "invoices", rng, lambda i: i["status"] in ("sent", "partially_paid")
                    and Decimal(i["balance_due"]) > 0)
    if invoice is None:
        return False
    due = Decimal(invoice["balance_due"])
    amount = due if rng.random() < 0.5 else money.cents(due * Decimal(rng.randrange(20, 90)) / 100)
    stamp = store.now()
    store.put("payments", {
        "id": store.new_id("payments"), "invoice_id": invoice["id"], "project_id": invoice["project_id"],
        "received_on": stamp[:10], "amount": money.money(amount), "method": rng.choice(("check", "ach")),
        "reference": f"ACH-{rng.randrange(1000, 99999)}", "qb_sync_status": "not_synced",
        "qb_txn_id": None, "qb_sync_error": None, "created_at": stamp, "updated_at": stamp,
        "deleted": False})
    _sync_invoice(store, invoice)
    tally("payments", "created")
    tally("invoices", "updated")
    return True


def create_invoice(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    project = _pick(store, "projects", rng, lambda p: p["status"] in ("open", "warranty"))
    if project is None:
        return False
    iid = store.new_id("invoices")
    stamp = store.now()

    def line(n: int, kind: str, text: str, unit_price: str, co_id: int | None = None) -> dict:
        return {"id": store.new_id("invoice_lines"), "invoice_id": iid, "line_number": n, "kind": kind,
                "description": text, "cost_code_id": None, "change_order_id": co_id,
                "quantity": "1.0000", "unit_price": unit_price, "amount": None,
                "taxable": rng.random() < 0.3, "tax": None}

    lines = [line(1, "draw", "Progress draw", _amount(rng, 5000, 40000))]
    approved = [c for c in _project_docs(store, "change_orders", project["id"]) if c["status"] == "approved"]
    if approved:
        co = rng.choice(approved)
        lines.append(line(2, "change_order", f"{co['number']} {co['title']}", co["total_price"], co["id"]))
    primary = next((c["client_id"] for c in project["clients"] if c["is_primary"]), None)
    invoice = {"id": iid, "project_id": project["id"], "client_id": primary,
               "number": store.next_number("invoices", project["id"]), "invoice_date": stamp[:10],
               "due_date": None, "status": "sent", "client_visible": True,
               "tax_rate_percent": project["tax_rate_percent"], "retainage_percent": "5.0000",
               "subtotal": None, "total_tax": None, "total": None, "retainage_amount": None,
               "amount_paid": "0.00", "balance_due": None, "qb_sync_status": "pending",
               "qb_txn_id": None, "qb_sync_error": None, "lines": lines, "created_at": stamp,
               "updated_at": stamp, "deleted": False}
    store.put("invoices", money.apply_invoice(invoice, "0.00"))
    tally("invoices", "created")
    tally("invoice_lines", "created", len(lines))
    return True


def create_selection(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    project = _pick(store, "projects", rng)
    if project is None:
        return False
    sid = store.new_id("selections")
    stamp = store.now()
    category, room = rng.choice(vocab.SELECTIONS)
    options = [money.apply_option({
        "id": store.new_id("selection_options"), "selection_id": sid,
        "name": f"{vocab.OPTION_GRADES[k]} option", "vendor_id": None, "cost": _amount(rng, 200, 9000),
        "markup_percent": "15.0000", "price": None, "is_chosen": False}) for k in range(3)]
    store.put("selections", {
        "id": sid, "project_id": project["id"], "category": category, "room": room, "cost_code_id": None,
        "due_date": None, "allowance_amount": f"{rng.randrange(10, 100) * 100}.00",
        "status": "pending_client", "chosen_option_id": None, "client_approved_at": None,
        "client_approved_by": None, "options": options, "created_at": stamp, "updated_at": stamp,
        "deleted": False})
    tally("selections", "created")
    tally("selection_options", "created", len(options))
    return True


def create_misc(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    """A budget line, schedule task, attachment, client, trade partner or QB mapping."""
    stamp = store.now()
    base = {"created_at": stamp, "updated_at": stamp, "deleted": False}
    project = _pick(store, "projects", rng)
    kind = rng.choice(("budget_lines", "schedule_tasks", "attachments", "clients", "trade_partners",
                       "qb_mappings", "users"))
    rid = store.new_id(kind)
    if kind == "budget_lines" and project:
        code = rng.choice(_active_codes(store))
        record = money.apply_budget_line({
            "id": rid, "project_id": project["id"], "cost_code_id": code["id"], "category": _category(rng),
            "description": "Added scope", "estimated_cost": _amount(rng, 100, 20000),
            "markup_percent": "15.0000", "estimated_price": None, **base})
    elif kind == "schedule_tasks" and project:
        record = {"id": rid, "project_id": project["id"], "name": rng.choice(vocab.TASKS),
                  "trade_partner_id": None, "cost_code_id": None, "start_date": stamp[:10],
                  "end_date": stamp[:10], "status": "not_started", "percent_complete": 0,
                  "predecessor_id": None, **base}
    elif kind == "attachments" and project:
        record = {"id": rid, "project_id": project["id"], "parent_type": "project",
                  "parent_id": project["id"], "file_name": f"site_photo_{rid}.jpg",
                  "content_type": "image/jpeg",
                  **version_fields(store.seed, rid, f"site_photo_{rid}.jpg",
                                   rng.randrange(10_000, _max_file_bytes(store)), stamp),
                  "client_visible": True, "uploaded_by": None,
                  "uploaded_at": stamp, **base}
    elif kind == "clients":
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        record = {"id": rid, "first_name": first, "last_name": last, "display_name": f"{first} {last}",
                  "email": None, "phone": None, **base}
    elif kind == "trade_partners":
        trade = rng.choice(vocab.TRADES)
        record = {"id": rid, "name": f"{rng.choice(vocab.LAST_NAMES)} {trade.title()} LLC",
                  "trade": trade, "email": None, "phone": None, "insurance_expires_on": None,
                  "is_active": True, **base}
    elif kind == "users":
        record = {"id": rid, "name": f"New Hire {rid}", "email": f"hire{rid}@summitridge.example",
                  "role": "site_supervisor", "phone": None, "is_active": True, **base}
    else:
        code = rng.choice(_active_codes(store))
        kind = "qb_mappings"
        record = {"id": rid, "kind": "item", "local_type": "cost_code", "local_id": str(code["id"]),
                  "category": "equipment", "qb_id": f"9{rid:07d}", "qb_name": f"{code['name']}:Equipment",
                  "qb_account_type": None, **base}
    store.put(kind, record)
    tally(kind, "created")
    return True


# ---- edits ------------------------------------------------------------------------------------

def edit_change_order(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    """Move a CO along its workflow, or edit a line (approved ones too: edited after approval)."""
    co = _pick(store, "change_orders", rng)
    if co is None:
        return False
    stamp = store.now()
    manager = _pick(store, "users", rng)
    actor = manager["id"] if manager else 1
    step = {"draft": ("submitted", "pending_approval"), "pending_approval": ("approved", "approved")}
    if co["status"] in step and rng.random() < 0.6:
        action, status = step[co["status"]]
        co["approvals"].append({"id": store.new_id("change_order_approvals"), "change_order_id": co["id"],
                                "action": action, "actor_type": "user", "actor_id": actor,
                                "acted_at": stamp, "method": "portal"})
        co["status"] = status
        if status == "approved":
            co["approved_at"], co["qb_sync_status"] = stamp, "pending"
        tally("change_order_approvals", "created")
    else:
        line = rng.choice(co["lines"])
        line["quantity"] = money.scale4(Decimal(line["quantity"]) + 1)
        line["description"] = line["description"].removesuffix(" (revised)") + " (revised)"
        tally("change_order_lines", "updated")
    store.put("change_orders", money.apply_change_order(co))
    tally("change_orders", "updated")
    return True


def edit_purchase_order(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    po = _pick(store, "purchase_orders", rng, lambda p: p["status"] != "void")
    if po is None:
        return False
    if po["status"] in ("draft", "issued") and rng.random() < 0.5:
        po["status"] = "issued" if po["status"] == "draft" else "accepted"
        po["issued_at"] = po["issued_at"] or store.now()
    else:
        line = rng.choice(po["lines"])
        line["unit_cost"] = money.money(Decimal(line["unit_cost"]) * Decimal("1.05"))
        tally("purchase_order_lines", "updated")
    store.put("purchase_orders", money.apply_purchase_order(po))
    tally("purchase_orders", "updated")
    return True


def edit_bill(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    bill = _pick(store, "bills", rng)
    if bill is None:
        return False
    po = store.get("purchase_orders", bill["purchase_order_id"]) if bill["purchase_order_id"] else None
    if bill["status"] == "open" and rng.random() < 0.5:
        bill["status"] = "paid"
    else:
        line = rng.choice(bill["lines"])
        line["amount"] = money.money(Decimal(line["amount"]) + Decimal(rng.randrange(-50, 200)))
        tally("bill_lines", "updated")
    if rng.random() < 0.3:
        bill["qb_sync_status"], bill["qb_sync_error"] = "error", rng.choice(vocab.QB_SYNC_ERRORS)
        bill["qb_txn_id"] = None
    store.put("bills", money.apply_bill(bill, po["retainage_percent"] if po else None))
    tally("bills", "updated")
    return True


def edit_invoice(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    invoice = _pick(store, "invoices", rng, lambda i: i["status"] != "void")
    if invoice is None:
        return False
    line = rng.choice(invoice["lines"])
    if line["kind"] in ("draw", "cost_plus", "allowance"):
        line["unit_price"] = money.money(Decimal(line["unit_price"]) + Decimal(rng.randrange(1, 500)))
    else:
        line["description"] = f"{line['description']} *"
    _sync_invoice(store, invoice)
    tally("invoice_lines", "updated")
    tally("invoices", "updated")
    return True


def edit_timesheet(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    entry = _pick(store, "timesheets", rng)
    if entry is None:
        return False
    if not entry["approved"] and rng.random() < 0.5:
        entry["approved"], entry["approved_at"] = True, store.now()
    else:  # an old, maybe approved, entry corrected
        entry["hours"] = money.scale4(Decimal(entry["hours"]) + Decimal("0.25"))
        entry["notes"] = "hours corrected"
    store.put("timesheets", money.apply_timesheet(entry))
    tally("timesheets", "updated")
    return True


def edit_selection(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    selection = _pick(store, "selections", rng, lambda s: s["status"] not in ("ordered",))
    if selection is None:
        return False
    chosen = rng.choice(selection["options"])
    for option in selection["options"]:
        option["is_chosen"] = option is chosen
    selection["chosen_option_id"] = chosen["id"]
    if rng.random() < 0.5:
        chosen["cost"] = money.money(Decimal(chosen["cost"]) + 100)
        money.apply_option(chosen)
    selection["status"] = "approved" if rng.random() < 0.5 else "selected"
    if selection["status"] == "approved":
        project = store.get("projects", selection["project_id"])
        selection["client_approved_at"] = store.now()
        selection["client_approved_by"] = project["clients"][0]["client_id"] if project else None
    else:
        selection["client_approved_at"] = selection["client_approved_by"] = None
    store.put("selections", selection)
    tally("selections", "updated")
    tally("selection_options", "updated")
    return True


def edit_project(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    project = _pick(store, "projects", rng)
    if project is None:
        return False
    if rng.random() < 0.4:
        client = _pick(store, "clients", rng)
        linked = {c["client_id"] for c in project["clients"]}
        if client and client["id"] not in linked:
            project["clients"].append({"project_id": project["id"], "client_id": client["id"],
                                       "is_primary": False})
        elif len(project["clients"]) > 1:
            project["clients"].pop()
        tally("project_clients", "updated")
    else:
        order = ("lead", "presale", "open", "warranty", "closed")
        project["status"] = order[min(order.index(project["status"]) + 1, 4)]
    store.put("projects", project)
    tally("projects", "updated")
    return True


def edit_misc(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    """Small edits on the other tables (old records included)."""
    kind = rng.choice(("users", "clients", "trade_partners", "cost_codes", "budget_lines", "payments",
                       "schedule_tasks", "qb_mappings", "attachments", "company"))
    if kind == "company":
        store.put("company", dict(store.company, name=store.company["name"].rstrip(".") + "."))
        tally("company", "updated")
        return True
    record = _pick(store, kind, rng)
    if record is None:
        return False
    if kind == "users":
        record["phone"] = f"+1-303-555-{rng.randrange(10000):04d}"
    elif kind == "clients":
        record["email"] = f"{record['id']}@newmail.example"
    elif kind == "trade_partners":
        record["insurance_expires_on"] = store.now()[:10]
    elif kind == "cost_codes":
        if rng.random() < 0.3 and record["is_active"]:
            record["is_active"], record["retired_at"] = False, store.now()
        else:
            record["name"] = f"{record['name']} (renamed)" if "(renamed)" not in record["name"] else record["name"]
    elif kind == "budget_lines":
        record["estimated_cost"] = money.money(Decimal(record["estimated_cost"]) + rng.randrange(-100, 500))
        money.apply_budget_line(record)
    elif kind == "payments":
        record["reference"] = f"REF-{rng.randrange(100000)}"
        record["qb_sync_status"], record["qb_txn_id"] = "synced", f"PMT-{record['id']}"
    elif kind == "schedule_tasks":
        record["percent_complete"] = min(100, record["percent_complete"] + 25)
        record["status"] = "complete" if record["percent_complete"] == 100 else "in_progress"
    elif kind == "qb_mappings":
        record["qb_name"] = record["qb_name"].upper()
    else:  # renamed and re-uploaded: a new version of the file (same size, new bytes)
        stamp = store.now()
        record["file_name"] = f"renamed_{record['file_name']}"
        record["uploaded_at"] = stamp
        record.update(version_fields(store.seed, record["id"], record["file_name"],
                                     record["size_bytes"], stamp))
    store.put(kind, record)
    tally(kind, "updated")
    return True


def _max_file_bytes(store: TenantStore) -> int:
    return min(5_000_000, profiles.profile(store.size).max_file_bytes)


# ---- deletes ----------------------------------------------------------------------------------

def delete_document(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    kind = rng.choice(("timesheets", "timesheets", "schedule_tasks", "attachments", "payments",
                       "change_orders", "purchase_orders", "bills", "invoices", "budget_lines",
                       "qb_mappings", "selections"))
    deletable: dict[str, Callable[[dict], bool]] = {
        "change_orders": lambda c: c["status"] in ("draft", "declined", "void"),
        "purchase_orders": lambda p: p["status"] in ("draft", "void")
        and not any(b["purchase_order_id"] == p["id"] for b in _project_docs(store, "bills", p["project_id"])),
        "bills": lambda b: b["status"] in ("draft", "void"),
        "invoices": lambda i: i["status"] in ("draft", "void", "sent") and i["amount_paid"] == "0.00",
        "qb_mappings": lambda m: m["kind"] == "item",
        "selections": lambda s: not any(c["selection_id"] == s["id"]
                                        for c in _project_docs(store, "change_orders", s["project_id"])),
    }
    record = _pick(store, kind, rng, deletable.get(kind))
    if record is None:
        return False
    store.delete(kind, record["id"])
    tally(kind, "deleted")
    if kind == "payments":
        invoice = store.get("invoices", record["invoice_id"])
        if invoice is not None:
            _sync_invoice(store, invoice)
            tally("invoices", "updated")
    return True


def delete_project_field_records(store: TenantStore, rng: random.Random, tally: _Tally) -> bool:
    """A project's schedule, files and labour wiped (e.g. re-imported by the office)."""
    project = _pick(store, "projects", rng)
    if project is None:
        return False
    for kind in ("schedule_tasks", "attachments", "timesheets"):
        ids = store.live_ids(kind, project["id"])
        for rid in ids:
            store.delete(kind, rid)
        tally(kind, "deleted", len(ids))
    return True


OPS: tuple[tuple[str, int, Op], ...] = (
    ("created", 8, create_change_order), ("created", 5, create_purchase_order),
    ("created", 12, create_timesheet), ("created", 5, create_bill), ("created", 5, create_payment),
    ("created", 3, create_invoice), ("created", 2, create_selection), ("created", 5, create_misc),
    ("updated", 10, edit_change_order), ("updated", 5, edit_purchase_order), ("updated", 5, edit_bill),
    ("updated", 5, edit_invoice), ("updated", 8, edit_timesheet), ("updated", 4, edit_selection),
    ("updated", 3, edit_project), ("updated", 8, edit_misc),
    ("deleted", 11, delete_document), ("deleted", 1, delete_project_field_records),
)


def advance(store: TenantStore, changes: int) -> dict:
    """Apply `changes` deterministic changes; returns what changed, overall and per table."""
    if changes < 0:
        raise ValueError("changes must be >= 0")
    tally = _Tally()
    weights = [w for _, w, _ in OPS]
    for _ in range(changes):
        rng = random.Random(f"{store.seed}:{store.changes_applied}")
        kind, _, op = rng.choices(OPS, weights)[0]
        if not op(store, rng, tally):
            kind = "created"
            create_misc(store, rng, tally)
        tally.kinds[kind] += 1
        store.changes_applied += 1
    return {**tally.kinds, "by_table": {t: dict(v) for t, v in sorted(tally.tables.items())}}
