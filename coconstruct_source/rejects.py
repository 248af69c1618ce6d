"""Bad records of a run: logged, counted and grouped by table and column."""

from __future__ import annotations

import logging
from collections.abc import Callable

from coconstruct_source.arrow_pages import Reject

logger = logging.getLogger("coconstruct_source")

RejectHandler = Callable[[Reject], None]


def log_reject(reject: Reject) -> None:
    logger.warning("bad record quarantined: %s", reject)


class RejectLog:
    """Bad records of a run, grouped by (table, column): the first few of each group are
    logged as warnings, the rest at debug level, and `summary()` gives one line per group
    (a whole column rejected usually means schema drift on the API side)."""

    def __init__(self, shown_per_group: int = 3) -> None:
        self.shown = shown_per_group
        self.groups: dict[tuple[str, str], list[Reject]] = {}

    def __call__(self, reject: Reject) -> None:
        group = self.groups.setdefault((reject.table, reject.column), [])
        group.append(reject)
        if len(group) <= self.shown:
            log_reject(reject)
        else:
            logger.debug("bad record quarantined: %s", reject)

    @property
    def count(self) -> int:
        return sum(len(g) for g in self.groups.values())

    def summary(self) -> list[str]:
        return [
            f"{table}.{column}: {len(group)} record(s) skipped and quarantined ({group[0].reason})"
            for (table, column), group in sorted(self.groups.items())
        ]
