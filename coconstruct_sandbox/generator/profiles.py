"""How big each tenant size is (per-project document counts are means)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SizeProfile:
    projects: int
    budget_lines: int = 30
    selections: int = 8
    change_orders: int = 6
    co_lines: int = 4
    purchase_orders: int = 10
    po_lines: int = 4
    invoices: int = 8
    invoice_lines: int = 4
    timesheets: int = 250
    schedule_tasks: int = 25
    attachments: int = 15
    max_file_bytes: int = 9_000_000  # attachment sizes are 2 kB up to this (the bytes are served)

    @property
    def trade_partners(self) -> int:
        return max(24, self.projects * 60 // 100)

    @property
    def staff(self) -> int:
        return max(10, 6 + self.projects // 15)


SIZES: dict[str, SizeProfile] = {
    "small": SizeProfile(projects=20, budget_lines=16, timesheets=40, schedule_tasks=12,
                         attachments=8, max_file_bytes=150_000),
    "medium": SizeProfile(projects=300, timesheets=100),
    "large": SizeProfile(projects=3000, timesheets=330),
}


def profile(size: str) -> SizeProfile:
    try:
        return SIZES[size]
    except KeyError:
        raise ValueError(f"unknown sandbox size {size!r}; expected one of {sorted(SIZES)}") from None
