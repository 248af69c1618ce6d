"""A sample ERP (QuickBooks) export of the sandbox tenant, with planted differences.

    python -m coconstruct_sandbox.erp_sample --size small --seed 1 --out dbt_models/seeds

Writes `erp_sample_transactions.csv` (a dbt seed: what QuickBooks holds for the tenant's
bills, per job x item x bill number, and invoices, per job x invoice number) and
`erp_sample_manifest.json` (every planted difference, and the CoConstruct documents that
cannot reach QuickBooks because their job or cost code is unmapped). The dbt model
`erp_reconciliation` must report exactly the manifest's differences.

Planted on purpose: amounts that differ (by a cent and by more), documents missing from the
ERP (CoConstruct only), documents only in the ERP (one on an unknown QuickBooks job), plus
harmless noise that must still match: re-cased / re-spaced QuickBooks names and a document
split over two ERP lines.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

TRANSACTIONS_FILE = "erp_sample_transactions.csv"
MANIFEST_FILE = "erp_sample_manifest.json"
COLUMNS = ["tenant_id", "erp_txn_id", "doc_type", "doc_number", "customer_job_qb_id",
           "customer_job_name", "item_qb_id", "item_name", "txn_date", "amount"]
EXCLUDED_STATUSES = {"draft", "void"}
DIFF_DELTAS = (Decimal("0.01"), Decimal("-125.00"), Decimal("310.40"), Decimal("-0.05"))


class Exports(Protocol):
    company: dict

    def export(self, table: str) -> list[dict]: ...


@dataclass(frozen=True)
class Document:
    """A CoConstruct document at the ERP's grain (the dbt model int_erp__coconstruct_documents)."""

    doc_type: str
    project_id: int
    cost_code_id: int | None
    doc_number: str
    amount: Decimal
    txn_date: str

    @property
    def key(self) -> tuple:
        return (self.doc_type, self.project_id, self.cost_code_id, self.doc_number)


def coconstruct_documents(store: Exports) -> list[Document]:
    """Bills (not draft/void) summed per project x cost code x bill number; invoices (not
    draft/void) totals per project x invoice number."""
    bills = {b["id"]: b for b in store.export("bills") if b["status"] not in EXCLUDED_STATUSES}
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    dates: dict[tuple, str] = {}
    for line in store.export("bill_lines"):
        bill = bills.get(line["bill_id"])
        if bill is None:
            continue
        key = ("bill", bill["project_id"], line["cost_code_id"], bill["number"])
        sums[key] += Decimal(line["amount"])
        dates[key] = min(dates.get(key, bill["bill_date"]), bill["bill_date"])
    for inv in store.export("invoices"):
        if inv["status"] in EXCLUDED_STATUSES:
            continue
        key = ("invoice", inv["project_id"], None, inv["number"])
        sums[key] += Decimal(inv["total"])
        dates[key] = min(dates.get(key, inv["invoice_date"]), inv["invoice_date"])
    docs = [Document(*key, amount=amount, txn_date=dates[key]) for key, amount in sums.items()]
    return sorted(docs, key=lambda d: (d.doc_type, d.project_id, d.cost_code_id or 0, d.doc_number))


def _mappings(store: Exports) -> tuple[dict[int, dict], dict[int, dict]]:
    """project id -> customer:job mapping; cost code id -> item mapping (code level first,
    else the lowest QuickBooks id: the rule of int_cost_codes__hierarchy)."""
    jobs: dict[int, dict] = {}
    items: dict[int, list[dict]] = defaultdict(list)
    for m in store.export("qb_mappings"):
        if m["kind"] == "customer_job":
            pid = int(m["local_id"])
            if pid not in jobs or m["qb_id"] < jobs[pid]["qb_id"]:
                jobs[pid] = m
        elif m["kind"] == "item" and m["local_type"] == "cost_code":
            items[int(m["local_id"])].append(m)
    chosen = {}
    for code_id, maps in items.items():
        code_level = [m for m in maps if m.get("category") is None]
        chosen[code_id] = min(code_level or maps, key=lambda m: m["qb_id"])
    return jobs, chosen


def _noisy(name: str, rng: random.Random) -> str:
    """The same QuickBooks name as an export might spell it: other case, stray spaces."""
    return rng.choice([name.upper(), f"  {name} ", name.replace(" ", "  ", 1), name.lower()])


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def _diff(status: str, doc: Document | None, *, erp_amount: Decimal | None = None,
          key: tuple | None = None) -> dict[str, Any]:
    doc_type, project_id, cost_code_id, doc_number = key or doc.key  # type: ignore[union-attr]
    return {"status": status, "doc_type": doc_type, "project_id": project_id,
            "cost_code_id": cost_code_id, "doc_number": doc_number,
            "coconstruct_amount": _money(doc.amount) if doc else None,
            "erp_amount": _money(erp_amount) if erp_amount is not None else None}


def build_sample(store: Exports, seed: int) -> tuple[list[dict], list[dict]]:
    """(ERP rows, planted differences). Deterministic for a given tenant and seed."""
    rng = random.Random(f"erp-sample-{seed}")
    tenant = store.company["slug"]
    jobs, items = _mappings(store)
    docs = coconstruct_documents(store)
    mapped = [d for d in docs if d.project_id in jobs
              and (d.doc_type == "invoice" or d.cost_code_id in items)]
    mapped_keys = {d.key for d in mapped}
    differences = [_diff("unmapped", d) for d in docs if d.key not in mapped_keys]

    per_kind = max(1, min(4, len(mapped) // 40))
    picked = rng.sample(range(len(mapped)), 3 * per_kind + 2)
    differing = set(picked[:per_kind])
    missing = set(picked[per_kind:2 * per_kind])
    split = picked[2 * per_kind]
    renamed = set(picked[2 * per_kind + 1:])

    rows: list[dict] = []

    def emit(doc_type, number, job, item, txn_date, amount, *, noisy=False) -> None:
        job_name = _noisy(job["qb_name"], rng) if noisy else job["qb_name"]
        rows.append({"tenant_id": tenant, "erp_txn_id": f"TXN-{len(rows) + 1:05d}",
                     "doc_type": doc_type, "doc_number": number,
                     "customer_job_qb_id": job["qb_id"], "customer_job_name": job_name,
                     "item_qb_id": item["qb_id"] if item else "",
                     "item_name": item["qb_name"] if item else "",
                     "txn_date": txn_date, "amount": _money(amount)})

    for n, doc in enumerate(mapped):
        job, item = jobs[doc.project_id], items.get(doc.cost_code_id) if doc.cost_code_id else None
        if n in missing:
            differences.append(_diff("coconstruct_only", doc))
            continue
        amount = doc.amount
        if n in differing:
            amount += DIFF_DELTAS[len([d for d in differences if d["status"] == "amount_differs"]) % len(DIFF_DELTAS)]
            differences.append(_diff("amount_differs", doc, erp_amount=amount))
        if n == split:
            half = (amount / 2).quantize(Decimal("0.01"))
            emit(doc.doc_type, doc.doc_number, job, item, doc.txn_date, half)
            emit(doc.doc_type, doc.doc_number, job, item, doc.txn_date, amount - half)
        else:
            emit(doc.doc_type, doc.doc_number, job, item, doc.txn_date, amount, noisy=n in renamed)

    # documents only QuickBooks has: on mapped jobs, and one on a job CoConstruct never had
    some_bill = next(d for d in mapped if d.doc_type == "bill")
    for k in range(per_kind):
        base = mapped[rng.randrange(len(mapped))]
        job, item = jobs[base.project_id], items.get(base.cost_code_id) if base.cost_code_id else None
        number, amount = f"QB-{9001 + k}", Decimal(rng.randrange(5_000, 900_000)) / 100
        emit(base.doc_type, number, job, item, base.txn_date, amount)
        differences.append(_diff("erp_only", None, erp_amount=amount,
                                 key=(base.doc_type, base.project_id, base.cost_code_id, number)))
    ghost_job = {"qb_id": "QB-JOB-GHOST", "qb_name": "Closed Customer:Old Job"}
    item = items[some_bill.cost_code_id]
    emit("bill", "QB-9999", ghost_job, item, some_bill.txn_date, Decimal("777.77"))
    differences.append(_diff("erp_only", None, erp_amount=Decimal("777.77"),
                             key=("bill", None, some_bill.cost_code_id, "QB-9999")))
    differences.sort(key=lambda d: (d["status"], d["doc_type"], d["project_id"] or 0,
                                    d["cost_code_id"] or 0, d["doc_number"]))
    return rows, differences


def write_sample(store: Exports, seed: int, out: Path, *, size: str) -> tuple[Path, Path]:
    """Write the seed CSV and the manifest into `out`; returns their paths."""
    rows, differences = build_sample(store, seed)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, manifest_path = out / TRANSACTIONS_FILE, out / MANIFEST_FILE
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    counts = defaultdict(int)
    for d in differences:
        counts[d["status"]] += 1
    manifest = {"size": size, "seed": seed, "tenant_id": store.company["slug"],
                "erp_rows": len(rows), "counts": dict(sorted(counts.items())),
                "differences": differences}
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return csv_path, manifest_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("dbt_models/seeds"))
    args = parser.parse_args(argv)
    from coconstruct_sandbox.store import TenantStore

    store = TenantStore.build(args.size, args.seed)
    csv_path, manifest_path = write_sample(store, args.seed, args.out, size=args.size)
    print(f"wrote {csv_path} and {manifest_path}")


if __name__ == "__main__":
    main()
