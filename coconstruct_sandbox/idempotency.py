"""Idempotency keys of the write routes: same key + same body → the first answer, once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


class IdempotencyConflict(Exception):
    pass


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    fingerprint: str
    status: int
    body: bytes


class IdempotencyStore:
    """Keys are scoped per account (two users may pick the same key) and never expire."""

    def __init__(self) -> None:
        self._answers: dict[tuple[str, str], StoredAnswer] = {}

    @staticmethod
    def fingerprint(method: str, path: str, body: bytes) -> str:
        return hashlib.sha256(b"\0".join((method.encode(), path.encode(), body))).hexdigest()

    def lookup(self, scope: str, key: str, fingerprint: str) -> StoredAnswer | None:
        """The stored answer of a replay; raises IdempotencyConflict for another body."""
        stored = self._answers.get((scope, key))
        if stored is None:
            return None
        if stored.fingerprint != fingerprint:
            raise IdempotencyConflict(key)
        return stored

    def remember(self, scope: str, key: str, answer: StoredAnswer) -> None:
        self._answers[(scope, key)] = answer
