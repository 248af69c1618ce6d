"""One project (job) and every document it owns, generated from the project's own random stream."""

from __future__ import annotations

from decimal import Decimal

from coconstruct_sandbox import money
from coconstruct_sandbox.files.records import version_fields
from coconstruct_sandbox.generator import timeline as t
from coconstruct_sandbox.generator import vocab
from coconstruct_sandbox.generator.context import Context, CostCode
from coconstruct_sandbox.generator.tenant import RETIRE_DAY

PROJECT_STATUSES = ("lead", "presale", "open", "warranty", "closed")
PROJECT_MIX = ("lead", "open", "closed", "presale", "open", "warranty", "open", "closed", "open",
               "warranty")
CONTRACT_TYPES = ("fixed_price", "cost_plus", "cost_plus_fee_cap")
MARKUPS = ("0.0000", "10.0000", "15.0000", "18.5000", "20.0000", "12.2500")
TAX_RATES = ("0.0000", "4.8100", "7.6500", "8.8100")
CO_STATUS = (("approved", 50), ("pending_approval", 14), ("draft", 10), ("declined", 12), ("void", 14))
PO_STATUS = (("draft", 10), ("issued", 14), ("accepted", 14), ("partially_billed", 27),
             ("closed", 25), ("void", 10))
SELECTION_STATUS = ("not_started", "pending_client", "selected", "approved", "ordered")
INVOICE_STATUS = (("draft", 10), ("sent", 20), ("partially_paid", 20), ("paid", 42), ("void", 8))
QB_STATUS = (("synced", 60), ("not_synced", 14), ("pending", 11), ("error", 15))
HOURS = tuple(f"{q // 4}.{('00', '25', '50', '75')[q % 4]}00" for q in range(1, 41))
PAY_METHODS = ("check", "ach", "card", "wire", "cash")
APPROVAL_METHODS = ("portal", "e_signature", "in_person", "email")


def _weighted(rng, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def qb_sync(rng, prefix: str, doc_id: int, eligible: bool = True) -> dict:
    """QuickBooks sync fields; only `eligible` (final) documents get synced or fail."""
    status = _weighted(rng, QB_STATUS) if eligible else "not_synced"
    return {"qb_sync_status": status,
            "qb_txn_id": f"{prefix}-{doc_id * 7 + 1000}" if status == "synced" else None,
            "qb_sync_error": rng.choice(vocab.QB_SYNC_ERRORS) if status == "error" else None}


def _amount(rng, low: int, high: int) -> str:
    return f"{rng.randrange(low, high)}.{rng.randrange(100):02d}"


def _quantity(rng) -> str:
    return f"{rng.randrange(1, 40)}.{rng.choice(('0000', '5000', '2500', '0000'))}"


class ProjectBuilder:
    """Builds project `index` of the tenant; call `build()` once."""

    def __init__(self, ctx: Context, index: int) -> None:
        self.ctx, self.sink, self.index = ctx, ctx.sink, index
        self.rng = ctx.project_rng(index)
        span = t.END_DAY - 150
        start_day = index * span // ctx.profile.projects + self.rng.randrange(0, 20)
        self.start = start_day * t.DAY + self.rng.randrange(14, 23) * t.HOUR
        self.end = min(self.start + self.rng.randrange(150, 520) * t.DAY, t.END - t.DAY)
        self.status = PROJECT_MIX[index % 10]
        self.active = self.status not in ("lead", "presale")
        self.ids: dict[str, list[int]] = {"project": [], "selection": [], "change_order": [],
                                          "purchase_order": [], "bill": [], "invoice": []}
        self.overages: list[tuple[int, int | None, Decimal]] = []  # selection, code, variance
        self.approved_cos: list[dict] = []

    # ---- helpers --------------------------------------------------------------------------
    def when(self, after: int | None = None) -> int:
        low = max(self.start + t.HOUR, after or 0)
        return low + self.rng.randrange(0, max(self.end - low, t.HOUR))

    def stamps(self, created: int, edited_late: float = 0.1, floor: int = 0) -> dict:
        """created_at / updated_at; `floor` is the record's latest inner event (approval...)."""
        rng = self.rng
        if rng.random() < edited_late:
            updated = created + rng.randrange(1, max(2, (t.END - created) // t.DAY)) * t.DAY
        else:
            updated = created + rng.randrange(0, 3 * t.DAY)
        updated = max(min(updated, t.END), floor + rng.randrange(0, t.HOUR) if floor else 0)
        return {"created_at": t.iso(created), "updated_at": t.iso(updated), "deleted": False}

    def category(self, code: CostCode) -> str:
        return "labor" if code.labor else self.rng.choice(("material", "subcontractor",
                                                           "equipment", "other", "material"))

    def trade_partner(self) -> int:
        trades = self.ctx.trade_partners
        return self.rng.choice(trades[self.rng.choice(list(trades))])

    # ---- the project ------------------------------------------------------------------------
    def build(self) -> None:
        rng = self.rng
        self.pid = self.sink.new_id("projects")
        self.ids["project"].append(self.pid)
        self.choose_codes()
        estimate = self.budget()
        self.project(estimate)
        self.selections()
        if self.active or rng.random() < 0.3:
            self.change_orders()
        if self.active:
            self.purchase_orders()
            self.invoices()
            self.timesheets()
        self.schedule()
        self.attachments()
        self.qb_customer_job()

    def choose_codes(self) -> None:
        codes = self.ctx.cost_codes
        legacy_ok = self.start // t.DAY < RETIRE_DAY
        usable = [c for c in codes if c.retired_day is None or legacy_ok]
        count = min(len(usable), max(4, self.ctx.profile.budget_lines + self.rng.randrange(-4, 5)))
        self.codes = self.rng.sample(usable, count)
        if legacy_ok and not any(c.retired_day for c in self.codes):
            self.codes[-1] = next(c for c in codes if c.retired_day)  # old job, retired code
        self.labor_codes = [c for c in self.codes if c.labor] or self.codes[:3]

    def budget(self) -> Decimal:
        rng, estimate = self.rng, Decimal(0)
        for n, code in enumerate(self.codes):
            bid = self.sink.new_id("budget_lines")
            cost = "0.00" if rng.random() < 0.03 else _amount(rng, 300, 60000)
            line = money.apply_budget_line({
                "id": bid, "project_id": self.pid, "cost_code_id": code.id,
                "category": self.category(code),
                "description": None if n % 4 == 3 else f"{code.name} per plans",
                "estimated_cost": cost, "markup_percent": rng.choice(MARKUPS),
                "estimated_price": None, **self.stamps(self.start + rng.randrange(0, 10 * t.DAY), 0.15)})
            estimate += Decimal(line["estimated_price"])
            self.sink.load("budget_lines", line)
        return estimate

    def project(self, estimate: Decimal) -> None:
        rng, ctx, index = self.rng, self.ctx, self.index
        kind = vocab.PROJECT_KINDS[index % len(vocab.PROJECT_KINDS)]
        primary = ctx.clients[index % len(ctx.clients)]
        self.client_ids = [primary]
        if rng.random() < 0.3:
            other = rng.choice(ctx.clients)
            if other != primary:
                self.client_ids.append(other)
        last = ctx.client_names[primary][1]
        self.name = f"Lot {index + 1} New Build" if kind == "New Build" else f"{last} {kind}"
        contract_type = CONTRACT_TYPES[(index // 2) % 3]
        city, state, postal = vocab.CITIES[index % len(vocab.CITIES)]
        self.tax_rate = rng.choice(TAX_RATES)
        closed = self.status in ("warranty", "closed")
        self.sink.load("projects", {
            "id": self.pid, "job_number": f"{t.iso_date(self.start // t.DAY)[:4]}-{index + 1:03d}",
            "name": self.name, "street": f"{rng.randrange(100, 9999)} {rng.choice(vocab.STREETS)}",
            "city": city, "state": state, "postal_code": postal, "status": self.status,
            "contract_type": contract_type, "original_contract_amount": money.money(estimate),
            "fee_cap_amount": money.money(money.percent_of(estimate, 12))
            if contract_type == "cost_plus_fee_cap" else None,
            "tax_rate_percent": self.tax_rate, "start_date": t.iso_date(self.start // t.DAY + 7)
            if self.status != "lead" else None,
            "target_completion_date": t.iso_date(self.end // t.DAY),
            "actual_completion_date": t.iso_date(self.end // t.DAY + rng.randrange(-10, 40))
            if closed else None,
            "project_manager_id": rng.choice(ctx.managers),
            "clients": [{"project_id": self.pid, "client_id": c, "is_primary": n == 0}
                        for n, c in enumerate(self.client_ids)],
            **self.stamps(self.start, 0.3)})

    # ---- selections -------------------------------------------------------------------------
    def selections(self) -> None:
        rng = self.rng
        allowance_codes = [c for c in self.ctx.cost_codes if c.division == "18"]
        count = max(1, self.ctx.profile.selections + rng.randrange(-2, 3))
        for n in range(count):
            sid = self.sink.new_id("selections")
            self.ids["selection"].append(sid)
            category, room = vocab.SELECTIONS[(self.index + n) % len(vocab.SELECTIONS)]
            allowance = Decimal(rng.randrange(10, 240) * 50)
            status = SELECTION_STATUS[(self.index + n) % 5] if self.active else \
                SELECTION_STATUS[n % 2]
            options, chosen = [], None
            pick = rng.randrange(3 + (n % 2))
            for k in range(3 + (n % 2)):
                markup = rng.choice(MARKUPS)
                target = allowance * Decimal(rng.randrange(60, 160)) / 100
                cost = money.cents(target / (1 + Decimal(markup) / 100))
                oid = self.sink.new_id("selection_options")
                is_chosen = status in ("selected", "approved", "ordered") and k == pick
                options.append(money.apply_option({
                    "id": oid, "selection_id": sid,
                    "name": f"{vocab.OPTION_GRADES[k]} {category.split()[-1].lower()}",
                    "vendor_id": self.trade_partner() if k % 3 else None,
                    "cost": money.money(cost), "markup_percent": markup, "price": None,
                    "is_chosen": is_chosen}))
                if is_chosen:
                    chosen = options[-1]
            code = allowance_codes[n % len(allowance_codes)].id if n % 5 != 4 else None
            created = self.when()
            approved = status in ("approved", "ordered")
            if approved and chosen:
                variance = Decimal(chosen["price"]) - allowance
                if variance > 0:
                    self.overages.append((sid, code, variance))
            self.sink.load("selections", {
                "id": sid, "project_id": self.pid, "category": category, "room": room,
                "cost_code_id": code, "due_date": t.iso_date(created // t.DAY + 30),
                "allowance_amount": money.money(allowance), "status": status,
                "chosen_option_id": chosen["id"] if chosen else None,
                "client_approved_at": t.iso(created + 5 * t.DAY) if approved else None,
                "client_approved_by": self.client_ids[0] if approved else None,
                "options": options, **self.stamps(created, 0.15, created + 5 * t.DAY if approved else 0)})

    # ---- change orders ----------------------------------------------------------------------
    def change_orders(self) -> None:
        rng = self.rng
        count = max(1, self.ctx.profile.change_orders + rng.randrange(-2, 3))
        for n in range(count):
            coid = self.sink.new_id("change_orders")
            self.ids["change_order"].append(coid)
            status = _weighted(rng, CO_STATUS) if self.active else "draft"
            selection_id, lines = None, []
            title = rng.choice(vocab.CO_TITLES)
            if n == 0 and self.overages:
                selection_id, code_id, variance = self.overages[0]
                title = "Allowance overage"
                lines.append(self.co_line(coid, 1, code_id or self.codes[0].id, unit_cost=money.money(variance),
                                          markup="0.0000", quantity="1.0000"))
            credit = title.startswith("Credit") or (n == 1 and self.index % 4 == 0)
            if credit:
                title = "Credit: delete fireplace"
            for _ in range(max(1, self.ctx.profile.co_lines + rng.randrange(-2, 3)) - len(lines)):
                zero = rng.random() < 0.04 or (n == 0 and not lines and self.index % 4 == 0)
                unit = "0.00" if zero else _amount(rng, 5, 2500)
                lines.append(self.co_line(coid, len(lines) + 1, rng.choice(self.codes).id,
                                          unit_cost=f"-{unit}" if credit and not zero else unit))
            created = self.when()
            approvals, approved_at = self.approvals(coid, status, created)
            co = money.apply_change_order({
                "id": coid, "project_id": self.pid, "number": f"CO-{n + 1:03d}", "title": title,
                "status": status, "client_visible": status != "draft" and rng.random() < 0.9,
                "selection_id": selection_id, "tax_rate_percent": self.tax_rate,
                "approved_at": t.iso(approved_at) if approved_at else None,
                "total_cost": None, "total_price": None, "total_tax": None, "total": None,
                **qb_sync(rng, "CO", coid, status == "approved"),
                "lines": lines, "approvals": approvals, **self.stamps(created)})
            last_act = approved_at or created
            if approvals:
                last_act = max(last_act, t.to_us(approvals[-1]["acted_at"]))
            edited = last_act + (rng.randrange(20, 90) * t.DAY if rng.random() < 0.25 else
                                 rng.randrange(0, 2 * t.HOUR))
            co["updated_at"] = t.iso(min(max(edited, created), max(t.END, last_act + t.HOUR)))
            if status == "approved":
                self.approved_cos.append(co)
            self.sink.load("change_orders", co)

    def co_line(self, coid: int, number: int, code_id: int, *, unit_cost: str,
                markup: str | None = None, quantity: str | None = None) -> dict:
        rng = self.rng
        code = next((c for c in self.codes if c.id == code_id), None)
        return {"id": self.sink.new_id("change_order_lines"), "change_order_id": coid,
                "line_number": number, "cost_code_id": code_id,
                "category": self.category(code) if code else "material",
                "description": f"{code.name if code else 'Allowance'} change",
                "quantity": quantity or _quantity(rng), "unit": rng.choice(vocab.UNITS),
                "unit_cost": unit_cost, "markup_percent": markup or rng.choice(MARKUPS),
                "taxable": rng.random() < 0.4, "cost": None, "price": None, "tax": None}

    def approvals(self, coid: int, status: str, created: int) -> tuple[list[dict], int | None]:
        rng = self.rng
        steps: list[tuple[str, str]] = []
        if status == "pending_approval":
            steps = [("submitted", "user")]
        elif status == "approved":
            steps = [("submitted", "user"), ("approved", "client")]
        elif status == "declined":
            steps = [("submitted", "user"), ("declined", "client")]
        elif status == "void":
            steps = [("submitted", "user"), ("voided", "user")]
        elif rng.random() < 0.3:  # a draft that was submitted and taken back
            steps = [("submitted", "user"), ("reopened", "user")]
        rows, moment, approved_at = [], created, None
        for action, actor in steps:
            moment += rng.randrange(1, 5 * t.DAY)
            rows.append({"id": self.sink.new_id("change_order_approvals"), "change_order_id": coid,
                         "action": action, "actor_type": actor,
                         "actor_id": self.client_ids[0] if actor == "client" else
                         rng.choice(self.ctx.managers),
                         "acted_at": t.iso(moment), "method": rng.choice(APPROVAL_METHODS)})
            if action == "approved":
                approved_at = moment
        return rows, approved_at

    # ---- commitments and bills ------------------------------------------------------------
    def purchase_orders(self) -> None:
        rng = self.rng
        for n in range(max(1, self.ctx.profile.purchase_orders + rng.randrange(-3, 4))):
            poid = self.sink.new_id("purchase_orders")
            self.ids["purchase_order"].append(poid)
            status = _weighted(rng, PO_STATUS)
            lines = []
            for k in range(max(1, self.ctx.profile.po_lines + rng.randrange(-2, 3))):
                code = rng.choice(self.codes)
                lines.append({"id": self.sink.new_id("purchase_order_lines"), "purchase_order_id": poid,
                              "line_number": k + 1, "cost_code_id": code.id,
                              "category": self.category(code), "description": f"{code.name} per scope",
                              "quantity": _quantity(rng), "unit": rng.choice(vocab.UNITS),
                              "unit_cost": _amount(rng, 10, 3000), "amount": None})
            created = self.when()
            tp = self.trade_partner()
            po = money.apply_purchase_order({
                "id": poid, "project_id": self.pid, "number": f"PO-{n + 1:04d}",
                "trade_partner_id": tp, "title": None if n % 6 == 5 else f"{lines[0]['description']}",
                "status": status, "retainage_percent": rng.choice(("0.0000", "0.0000", "5.0000", "10.0000")),
                "issued_at": t.iso(created + t.DAY) if status != "draft" else None, "total": None,
                **qb_sync(rng, "PO", poid, status not in ("draft", "void")),
                "lines": lines, **self.stamps(created, floor=created + t.DAY if status != "draft" else 0)})
            self.sink.load("purchase_orders", po)
            if status == "partially_billed":
                parts = rng.randrange(1, 3)  # together 20-78 % of the PO
                self.bills_for(po, created, [Decimal(rng.randrange(20, 79)) / 100 / parts] * parts)
            elif status == "closed":
                first = Decimal(rng.randrange(30, 70)) / 100
                self.bills_for(po, created, [first, 1 - first])
        for _ in range(rng.randrange(1, 4)):  # vendor bills without a PO
            self.bill(None, self.trade_partner(), self.when(), None,
                      [(None, rng.choice(self.codes), _amount(rng, -300, 4000))],
                      rng.choice(("draft", "open", "paid", "void")))

    def bills_for(self, po: dict, after: int, fractions: list[Decimal]) -> None:
        """Bills covering `fractions` of every PO line (the last one of a closed PO takes the rest)."""
        codes = {c.id: c for c in self.codes}
        billed = [Decimal(0)] * len(po["lines"])
        moment = after
        for n, fraction in enumerate(fractions):
            last = po["status"] == "closed" and n == len(fractions) - 1
            parts = []
            for k, line in enumerate(po["lines"]):
                full = Decimal(line["amount"])
                amount = full - billed[k] if last else money.cents(full * fraction)
                billed[k] += amount
                parts.append((line["id"], codes[line["cost_code_id"]], money.money(amount)))
            moment += self.rng.randrange(5, 40) * t.DAY
            status = "paid" if last or self.rng.random() < 0.5 else "open"
            self.bill(po["id"], po["trade_partner_id"], min(moment, t.END - t.DAY),
                      po["retainage_percent"], parts, status)

    def bill(self, poid: int | None, tp: int, created: int, retainage: str | None,
             parts: list[tuple[int | None, CostCode, str]], status: str) -> None:
        rng = self.rng
        bid = self.sink.new_id("bills")
        self.ids["bill"].append(bid)
        lines = [{"id": self.sink.new_id("bill_lines"), "bill_id": bid, "line_number": k + 1,
                  "purchase_order_line_id": pol, "cost_code_id": code.id,
                  "category": self.category(code), "description": f"{code.name} billed",
                  "amount": amount} for k, (pol, code, amount) in enumerate(parts)]
        self.sink.load("bills", money.apply_bill({
            "id": bid, "project_id": self.pid, "purchase_order_id": poid, "trade_partner_id": tp,
            "number": f"B{tp}-{rng.randrange(1000, 99999)}", "bill_date": t.iso_date(created // t.DAY),
            "due_date": t.iso_date(created // t.DAY + 30) if rng.random() < 0.9 else None,
            "status": status, "total": None, "retainage_amount": None,
            **qb_sync(rng, "BILL", bid, status in ("open", "paid")),
            "lines": lines, **self.stamps(created)}, retainage))

    # ---- invoices and payments ------------------------------------------------------------
    def invoices(self) -> None:
        rng = self.rng
        cos = list(self.approved_cos)
        for n in range(max(1, self.ctx.profile.invoices + rng.randrange(-2, 3))):
            iid = self.sink.new_id("invoices")
            self.ids["invoice"].append(iid)
            lines = [self.invoice_line(iid, 1, "draw", "Progress draw", None, None, "1.0000",
                                       _amount(rng, 8000, 60000))]
            for _ in range(max(0, self.ctx.profile.invoice_lines + rng.randrange(-2, 2))):
                kind = rng.choice(("cost_plus", "change_order", "allowance", "credit", "other", "draw"))
                number = len(lines) + 1
                if kind == "change_order" and cos:
                    co = cos.pop()
                    lines.append(self.invoice_line(iid, number, kind, f"{co['number']} {co['title']}",
                                                   None, co["id"], "1.0000", co["total_price"]))
                elif kind == "cost_plus":
                    code = rng.choice(self.codes)
                    lines.append(self.invoice_line(iid, number, kind, f"{code.name} at cost", code.id,
                                                   None, _quantity(rng), _amount(rng, 20, 400)))
                elif kind == "credit":
                    lines.append(self.invoice_line(iid, number, kind, "Credit for owner-supplied item",
                                                   None, None, "1.0000", f"-{_amount(rng, 50, 1500)}"))
                elif kind == "other":
                    lines.append(self.invoice_line(iid, number, kind, "No-charge punch item", None,
                                                   None, "1.0000", "0.00"))
                else:
                    lines.append(self.invoice_line(iid, number, "allowance" if kind == "allowance"
                                                   else "draw", "Allowance billing", None, None,
                                                   "1.0000", _amount(rng, 100, 5000)))
            status = _weighted(rng, INVOICE_STATUS)
            created = self.when()
            invoice = money.apply_invoice({
                "id": iid, "project_id": self.pid, "client_id": self.client_ids[0],
                "number": f"INV-{n + 1:04d}", "invoice_date": t.iso_date(created // t.DAY),
                "due_date": t.iso_date(created // t.DAY + 15), "status": status,
                "client_visible": status != "draft", "tax_rate_percent": self.tax_rate,
                "retainage_percent": rng.choice(("0.0000", "5.0000", "10.0000")),
                "subtotal": None, "total_tax": None, "total": None, "retainage_amount": None,
                "amount_paid": "0.00", "balance_due": None,
                **qb_sync(rng, "INV", iid, status not in ("draft", "void")),
                "lines": lines, **self.stamps(created, 0.05)}, "0.00")
            due = Decimal(invoice["balance_due"])
            if due <= 0 and status in ("paid", "partially_paid"):
                invoice["status"] = status = "sent"
            amounts: list[Decimal] = []
            if status == "paid":
                first = money.cents(due * Decimal(rng.choice((100, 100, 60, 50))) / 100)
                amounts = [first] + ([due - first] if first != due else [])
            elif status == "partially_paid":
                amounts = [money.cents(due * Decimal(rng.randrange(30, 80)) / 100)]
            moment = created
            for amount in amounts:
                moment += rng.randrange(3, 30) * t.DAY
                self.payment(iid, min(moment, t.END - t.DAY), amount)
            if amounts:
                money.apply_invoice(invoice, money.total(amounts))
                invoice["updated_at"] = t.iso(max(t.to_us(invoice["updated_at"]), min(moment, t.END - t.DAY)))
            self.sink.load("invoices", invoice)

    def invoice_line(self, iid: int, number: int, kind: str, description: str, code_id: int | None,
                     co_id: int | None, quantity: str, unit_price: str) -> dict:
        return {"id": self.sink.new_id("invoice_lines"), "invoice_id": iid, "line_number": number,
                "kind": kind, "description": description, "cost_code_id": code_id,
                "change_order_id": co_id, "quantity": quantity, "unit_price": unit_price,
                "amount": None, "taxable": kind != "credit" and self.rng.random() < 0.3, "tax": None}

    def payment(self, iid: int, moment: int, amount: Decimal) -> None:
        rng = self.rng
        pid = self.sink.new_id("payments")
        method = rng.choice(PAY_METHODS)
        self.sink.load("payments", {
            "id": pid, "invoice_id": iid, "project_id": self.pid,
            "received_on": t.iso_date(moment // t.DAY), "amount": money.money(amount), "method": method,
            "reference": f"{method.upper()}-{rng.randrange(1000, 99999)}" if method != "cash" else None,
            **qb_sync(rng, "PMT", pid), **self.stamps(moment, 0.02)})

    # ---- labour ----------------------------------------------------------------------------
    def timesheets(self) -> None:
        """The bulk of a large tenant: kept to plain arithmetic on `rng.random()` draws."""
        rng, sink, pid = self.rng, self.sink, self.pid
        rand, iso, new_id, load = rng.random, t.iso, sink.new_id, sink.load
        crew, codes = self.ctx.field_staff, self.labor_codes
        first_day = self.start // t.DAY + 3
        days = max(1, self.end // t.DAY - first_day)
        count = self.ctx.profile.timesheets * rng.randrange(80, 121) // 100
        for _ in range(count):
            member = crew[int(rand() * len(crew))]
            day = first_day + int(rand() * days)
            if rand() < 0.08:  # clocked in around midnight UTC (evening, local time)
                started = day * t.DAY + (84_600 + int(rand() * 3600)) * t.SECOND
            else:
                started = day * t.DAY + (46_800 + int(rand() * 14_400)) * t.SECOND + int(rand() * 1e6)
            hours = HOURS[int(rand() * len(HOURS))]
            approved = rand() < 0.85
            approved_at = started + t.DAY + int(rand() * 3 * t.DAY) if approved else None
            last_event = approved_at or started + 10 * t.HOUR
            updated = last_event + int(rand() * t.HOUR)
            if approved and rand() < 0.05:  # corrected after approval
                updated = min(updated + (20 + int(rand() * 40)) * t.DAY, max(t.END, updated))
            load("timesheets", money.apply_timesheet({
                "id": new_id("timesheets"), "project_id": pid, "user_id": member.id,
                "cost_code_id": codes[int(rand() * len(codes))].id, "work_date": t.local_date(started),
                "started_at": iso(started), "hours": hours, "cost_rate": member.cost_rate,
                "billable_rate": member.billable_rate, "cost": None, "billable_amount": None,
                "approved": approved, "approved_at": iso(approved_at) if approved_at else None,
                "notes": "overtime" if rand() < 0.2 else None,
                "created_at": iso(started + 9 * t.HOUR), "updated_at": iso(updated),
                "deleted": False}))

    # ---- schedule, files, QuickBooks -------------------------------------------------------
    def schedule(self) -> None:
        rng = self.rng
        count = max(3, self.ctx.profile.schedule_tasks + rng.randrange(-3, 4))
        first, last = self.start // t.DAY + 7, self.end // t.DAY
        step = max(1, (last - first) // count)
        as_of, previous = t.END_DAY - 45, None  # the schedule was last updated then
        for n in range(count):
            tid = self.sink.new_id("schedule_tasks")
            start = first + n * step
            end = start + rng.randrange(1, step + 4)
            status = "complete" if end < as_of - 10 else "in_progress" if start <= as_of else "not_started"
            code = rng.choice(self.codes)
            self.sink.load("schedule_tasks", {
                "id": tid, "project_id": self.pid, "name": vocab.TASKS[n % len(vocab.TASKS)],
                "trade_partner_id": self.trade_partner() if n % 3 else None,
                "cost_code_id": code.id if n % 4 else None, "start_date": t.iso_date(start),
                "end_date": t.iso_date(end), "status": status,
                "percent_complete": 100 if status == "complete" else 0 if status == "not_started"
                else rng.randrange(5, 95), "predecessor_id": previous,
                **self.stamps(self.start + rng.randrange(0, 10 * t.DAY), 0.4)})
            previous = tid

    def attachments(self) -> None:
        rng = self.rng
        parents = [(kind, ids) for kind, ids in self.ids.items() if ids]
        staff = [s.id for s in self.ctx.staff]
        for n in range(max(1, self.ctx.profile.attachments + rng.randrange(-3, 4))):
            aid = self.sink.new_id("attachments")
            kind, ids = parents[n % len(parents)]
            label, ext, content_type = rng.choice(vocab.FILE_KINDS)
            uploaded = self.when()
            name = f"{label}_{aid}.{ext}" if n % 7 else f"{label} {aid} (final) ñ.{ext}"
            parent_id = rng.choice(ids)
            size = 0 if n % 29 == 28 else rng.randrange(2_000, self.ctx.profile.max_file_bytes)
            self.sink.load("attachments", {
                "id": aid, "project_id": self.pid, "parent_type": kind, "parent_id": parent_id,
                "file_name": name, "content_type": content_type,
                **version_fields(self.ctx.seed, aid, name, size, t.iso(uploaded + 7 * t.DAY)),
                "client_visible": rng.random() < 0.6, "uploaded_by": rng.choice(staff),
                "uploaded_at": t.iso(uploaded), **self.stamps(uploaded, 0.05)})

    def qb_customer_job(self) -> None:
        if self.status == "lead":
            return  # leads are not in QuickBooks yet: an unmapped project
        first, last = self.ctx.client_names[self.client_ids[0]]
        customer, job = f"{last}, {first}", self.name
        variant = self.index % 10
        if variant == 1:  # renamed in CoConstruct after it was linked
            job = job.rsplit(" ", 1)[0] + " Project"
        elif variant == 2:
            customer, job = customer.upper(), job.lower()
        elif variant == 3:
            customer, job = f"{last},  {first} ", f"{job} "
        path = f"{customer}:{job}"
        if variant in (4, 9):
            path += ":Phase 2" if variant == 4 else ":Change Orders"
        mid = self.sink.new_id("qb_mappings")
        self.sink.load("qb_mappings", {
            "id": mid, "kind": "customer_job", "local_type": "project", "local_id": str(self.pid),
            "category": None, "qb_id": f"{80000000 + mid * 37}", "qb_name": path, "qb_account_type": None,
            **self.stamps(self.start + t.DAY, 0.1)})
