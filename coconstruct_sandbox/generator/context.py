"""What the generator writes into (a Sink, i.e. the store) and what it remembers while building."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol

from coconstruct_sandbox.generator.profiles import SizeProfile


class Sink(Protocol):
    """Receives generated records; the TenantStore implements it."""

    def new_id(self, entity: str) -> int: ...

    def load(self, entity: str, record: dict) -> None: ...


@dataclass(slots=True)
class CostCode:
    id: int
    code: str
    name: str
    division: str
    retired_day: int | None  # day index it was retired on, None when active
    labor: bool


@dataclass(slots=True)
class Staff:
    id: int
    role: str
    cost_rate: str
    billable_rate: str


@dataclass
class Context:
    seed: int
    profile: SizeProfile
    sink: Sink
    rng: random.Random
    staff: list[Staff] = field(default_factory=list)
    clients: list[int] = field(default_factory=list)
    client_names: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (first, last)
    trade_partners: dict[str, list[int]] = field(default_factory=dict)  # trade -> ids
    cost_codes: list[CostCode] = field(default_factory=list)

    def project_rng(self, index: int) -> random.Random:
        """Each project from its own stream, so sizes share their first projects' shape."""
        return random.Random(self.seed * 1_000_003 + index)

    @property
    def managers(self) -> list[int]:
        return [s.id for s in self.staff if s.role == "project_manager"]

    @property
    def field_staff(self) -> list[Staff]:
        return [s for s in self.staff if s.role in ("project_manager", "site_supervisor")]
