"""Faults on file downloads, deterministic by (profile, seed, request order).

`expire_mid`: the URL expires while its bytes stream (the connection drops part-way and the
same URL then answers 403 `url_expired`); `truncate`: a clean answer that is shorter than the
file (its Content-Length says so too); `wrong_bytes`: the right length with a few bytes
changed; `slow`: the bytes trickle at `slow_bytes_per_second`; `chaos`: any of them.
`corrupt_ids` are attachments whose bytes are always wrong (a file that can never verify);
`ids`, when given, limits the profile to those attachments.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

FILE_FAULT_PROFILES = ("none", "expire_mid", "truncate", "wrong_bytes", "slow", "chaos")
_KINDS = ("expire_mid", "truncate", "wrong_bytes", "slow")


@dataclass
class FileFaultConfig:
    profile: str = "none"
    seed: int = 1
    rate: float = 0.3  # probability of a fault per download request
    slow_bytes_per_second: int = 2_000_000
    corrupt_ids: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # when given, faults hit only these attachments

    def __post_init__(self) -> None:
        if self.profile not in FILE_FAULT_PROFILES:
            raise ValueError(f"unknown file fault profile {self.profile!r}; one of "
                             f"{', '.join(FILE_FAULT_PROFILES)}")
        if not 0 <= self.rate <= 1:
            raise ValueError("file fault rate must be between 0 and 1")
        if self.slow_bytes_per_second < 1:
            raise ValueError("slow_bytes_per_second must be positive")


@dataclass
class FileFaults:
    config: FileFaultConfig = field(default_factory=FileFaultConfig)

    def __post_init__(self) -> None:
        self.configure(self.config)

    def configure(self, config: FileFaultConfig) -> None:
        self.config = config
        self.rng = random.Random(f"file-faults:{config.profile}:{config.seed}")
        self.injected: Counter[str] = Counter()

    def describe(self) -> dict[str, Any]:
        return asdict(self.config) | {"injected": dict(self.injected)}

    def pick(self, attachment_id: int) -> str | None:
        """The fault for the next download of this attachment, or None."""
        profile, ids = self.config.profile, self.config.ids
        if profile == "none" or (ids and attachment_id not in ids):
            return None
        if self.rng.random() >= self.config.rate:
            return None
        kind = self.rng.choice(_KINDS) if profile == "chaos" else profile
        self.injected[kind] += 1
        return kind

    def cut_point(self, length: int) -> int:
        """Where a cut answer stops: somewhere in its middle (at least one byte short)."""
        return max(0, min(length - 1, int(length * self.rng.uniform(0.1, 0.9))))

    def corrupt(self, piece: bytes) -> bytes:
        """The same piece with a few bytes changed."""
        if not piece:
            return piece
        out = bytearray(piece)
        for _ in range(3):
            i = self.rng.randrange(len(out))
            out[i] ^= 0xFF
        return bytes(out)
