"""`coconstruct files`: the `attachment_files` resource through the runner, then a report of
what this run stored, quarantined, failed or removed (from the resource's outcome log).

Exit status 1 when any file failed (network, refused; retried next run) or a tenant failed;
quarantined files (bytes that never matched their checksum) are listed with the reason but
are data problems upstream, like quarantined records.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from coconstruct_elt.run import RunOptions, TenantSpec, run_tenants
from coconstruct_elt.summary import TenantRun
from coconstruct_source.files.resource import OUTCOMES, TABLE

LISTED = 10  # problem files named per tenant


@dataclass
class FilesReport:
    tenant: str
    ok: bool
    error: str | None = None
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # status → (files, bytes)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (id, status, reason)

    @property
    def failed(self) -> int:
        return self.counts.get("failed", (0, 0))[0]


def configure_files(store: str | None, workers: int | None, on_delete: str | None) -> None:
    """Command-line settings win over `[sources.coconstruct.files]`."""
    for key, value in (("STORE_URL", store), ("WORKERS", workers), ("ON_DELETE", on_delete)):
        if value is not None:
            os.environ[f"SOURCES__COCONSTRUCT__FILES__{key}"] = str(value)


def sync_files(tenants: Sequence[TenantSpec], options: RunOptions) -> list[FilesReport]:
    options.resources = [TABLE]
    return [_report(run) for run in run_tenants(tenants, options)]


def _report(run: TenantRun) -> FilesReport:
    report = FilesReport(run.tenant, run.ok, run.error)
    for aid, status, size, reason in OUTCOMES.take(run.tenant):
        files, total = report.counts.get(status, (0, 0))
        report.counts[status] = (files + 1, total + size)
        if status in ("failed", "quarantined") and len(report.problems) < LISTED:
            report.problems.append((aid, status, reason or ""))
    return report


def format_files_report(reports: Sequence[FilesReport], seconds: float) -> str:
    lines = [f"files: {len(reports)} tenant(s) in {seconds:.1f}s"]
    for report in reports:
        if not report.ok:
            lines.append(f"  {report.tenant}: FAILED ({report.error})")
            continue
        parts = [f"{status} {n} ({size / 1e6:.1f} MB)" if status == "stored" else f"{status} {n}"
                 for status, (n, size) in sorted(report.counts.items())]
        lines.append(f"  {report.tenant}: " + (", ".join(parts) or "nothing new"))
        lines += [f"    {status} attachment {aid}: {reason}" for aid, status, reason in report.problems]
    return "\n".join(lines)
