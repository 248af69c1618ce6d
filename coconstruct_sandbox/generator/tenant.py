"""Tenant-wide records: company, staff, clients, trade partners, cost codes and their QB links."""

from __future__ import annotations

from coconstruct_sandbox.generator import timeline as t
from coconstruct_sandbox.generator import vocab
from coconstruct_sandbox.generator.context import Context, CostCode, Staff

COMPANY_CREATED = 0  # BASE
RETIRE_DAY = 400  # legacy codes retired in early 2025; older projects still use them


def _stamp(created: int, rng, spread_days: int = 30) -> dict:
    updated = created + rng.randrange(0, spread_days * t.DAY)
    return {"created_at": t.iso(created), "updated_at": t.iso(updated), "deleted": False}


def company(ctx: Context) -> dict:
    return {"id": 1, "name": "Summit Ridge Custom Homes", "slug": f"summit-ridge-{ctx.seed}",
            "currency": "USD", "timezone": "America/Denver",
            "created_at": t.iso(COMPANY_CREATED), "updated_at": t.iso(5 * t.DAY)}


def staff(ctx: Context) -> None:
    rng = ctx.rng
    count = ctx.profile.staff
    roles = ["admin", "admin", "bookkeeper"] + ["project_manager"] * max(3, count // 3)
    roles += ["site_supervisor"] * (count - len(roles))
    for n, role in enumerate(roles):
        uid = ctx.sink.new_id("users")
        first, last = vocab.FIRST_NAMES[n % 30], vocab.LAST_NAMES[(n * 7 + 3) % 30]
        rate = f"{rng.randrange(38, 95)}.{rng.choice(('00', '50', '25', '75'))}"
        ctx.staff.append(Staff(uid, role, rate, f"{int(rate.split('.')[0]) * 2 + 5}.00"))
        created = rng.randrange(0, 200 * t.DAY)
        ctx.sink.load("users", {
            "id": uid, "name": f"{first} {last}", "email": f"{first.lower()}.{last.lower()}{uid}@summitridge.example",
            "role": role, "phone": f"+1-303-555-{1000 + uid:04d}", "is_active": n % 11 != 10,
            **_stamp(created, rng)})


def clients(ctx: Context) -> None:
    rng = ctx.rng
    count = ctx.profile.projects * 13 // 10 + 4
    for n in range(count):
        if n < len(vocab.ODD_CLIENTS):
            first, last, display = vocab.ODD_CLIENTS[n]
        elif n in (5, 6):  # two different clients with the very same name
            first, last, display = vocab.DUPLICATE_CLIENT
        else:
            first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
            display = f"{first} {last}"
        cid = ctx.sink.new_id("clients")
        ctx.clients.append(cid)
        ctx.client_names[cid] = (first, last)
        ascii_last = last.encode("ascii", "ignore").decode().replace("'", "").lower() or "client"
        ctx.sink.load("clients", {
            "id": cid, "first_name": first, "last_name": last, "display_name": display,
            "email": None if n % 9 == 4 else f"{ascii_last}{cid}@mail.example",
            "phone": None if n % 7 == 3 else f"+1-720-555-{cid % 10000:04d}",
            **_stamp(rng.randrange(0, t.END - 60 * t.DAY), rng)})


def trade_partners(ctx: Context) -> None:
    rng = ctx.rng
    for n in range(ctx.profile.trade_partners):
        trade = vocab.TRADES[n % len(vocab.TRADES)]
        tid = ctx.sink.new_id("trade_partners")
        ctx.trade_partners.setdefault(trade, []).append(tid)
        name = f"{rng.choice(vocab.LAST_NAMES)} {trade.title()} {rng.choice(vocab.TRADE_SUFFIX)}"
        ctx.sink.load("trade_partners", {
            "id": tid, "name": name, "trade": trade,
            "email": f"office{tid}@{trade}-pros.example", "phone": f"+1-303-555-{2000 + tid % 8000:04d}",
            "insurance_expires_on": None if n % 13 == 5 else t.iso_date(rng.randrange(300, t.END_DAY + 365)),
            "is_active": n % 17 != 16, **_stamp(rng.randrange(0, 300 * t.DAY), rng)})


def cost_codes(ctx: Context) -> None:
    rng = ctx.rng
    for division, division_name, names in vocab.DIVISIONS:
        for k, name in enumerate(names):
            cid = ctx.sink.new_id("cost_codes")
            legacy = division == "19" or (k == 8 and division in ("02", "09"))
            retired = RETIRE_DAY + rng.randrange(0, 30) if legacy else None
            labor = "Labor" in name or "Rough" in name or name in ("Supervision", "Cleanup", "Punch List")
            code = CostCode(cid, f"{division}-{(k + 1) * 100}", name, division, retired, labor)
            ctx.cost_codes.append(code)
            updated = retired * t.DAY + rng.randrange(0, t.DAY) if retired else rng.randrange(1, 60) * t.DAY
            ctx.sink.load("cost_codes", {
                "id": cid, "code": code.code, "name": name, "division_code": division,
                "division_name": division_name, "is_active": retired is None,
                "retired_at": t.iso(updated) if retired else None,
                "created_at": t.iso(0), "updated_at": t.iso(updated), "deleted": False})


def catalog_mappings(ctx: Context) -> None:
    """QuickBooks items (per code, some per code * category), classes, accounts; some unmapped."""
    rng = ctx.rng

    def mapping(kind: str, local_type: str, local_id: str, qb_name: str, *,
                category: str | None = None, account_type: str | None = None) -> None:
        mid = ctx.sink.new_id("qb_mappings")
        ctx.sink.load("qb_mappings", {
            "id": mid, "kind": kind, "local_type": local_type, "local_id": local_id,
            "category": category, "qb_id": f"{80000000 + mid * 37}", "qb_name": qb_name,
            "qb_account_type": account_type, **_stamp(rng.randrange(0, 90 * t.DAY), rng, 200)})

    for n, code in enumerate(ctx.cost_codes):
        if n % 10 == 7:
            continue  # unmapped cost code
        if n % 6 == 0:  # mapped per category
            for category in ("labor", "material"):
                mapping("item", "cost_code", str(code.id), f"{code.name}:{category.title()}",
                        category=category)
        else:
            name = code.name if n % 5 else f" {code.name.upper()}"  # QuickBooks' own spelling
            mapping("item", "cost_code", str(code.id), name)
    for division, division_name, _ in vocab.DIVISIONS:
        if division != "19":
            mapping("class", "division", division, f"{division} {division_name}")
    accounts = {"labor": ("Direct Labor", "cogs"), "material": ("Job Materials", "cogs"),
                "subcontractor": ("Subcontractors", "cogs"), "equipment": ("Equipment Rental", "expense"),
                "other": ("Other Job Income", "income")}
    for category, (name, kind) in accounts.items():
        mapping("account", "cost_category", category, name, account_type=kind)
