"""Attachment bytes generated on demand, never stored: a 200 MB file costs no memory.

A file of `size` bytes is the first `size - TAIL` bytes of one of a few shared pseudo-random
streams, followed by a tail unique to the file's key (`seed:id:file_name`). The streams
keep a SHA-256 state every `CHECKPOINT` bytes, so a file's digest costs a copy of a state
and a few KiB of hashing instead of reading the whole file: the generator can put a real
`checksum_sha256` on every attachment of a `large` tenant. Any byte range can be produced
on its own (HTTP Range).
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterator
from functools import cache

BLOCK = 1 << 20  # the unit of generation: one rotated copy of a stream's random block
CHUNK = 1 << 18  # what a download yields at a time
TAIL = 1024  # bytes unique to each file
CHECKPOINT = 1 << 12  # a stream keeps its hash state every 4 KiB
STREAMS = 8


class _Stream:
    """An endless pseudo-random byte stream: block k is a random 1 MiB block rotated by a
    k-dependent offset. Thread-safe."""

    def __init__(self, number: int) -> None:
        self.block = random.Random(f"coconstruct-sandbox-files:{number}").randbytes(BLOCK)
        self._states = [hashlib.sha256()]  # state after i * CHECKPOINT bytes
        self._lock = threading.Lock()

    def _piece(self, k: int, start: int, end: int) -> bytes:
        """Bytes [start, end) of block k (the block rotated by a k-dependent offset),
        without building the whole block."""
        offset = (k * 2_654_435_761 + 97) % BLOCK
        a, b = (offset + start) % BLOCK, (offset + end) % BLOCK or BLOCK
        return self.block[a:b] if a < b else self.block[a:] + self.block[:b]

    def read(self, start: int, end: int, chunk: int = CHUNK) -> Iterator[bytes]:
        """Bytes [start, end) in pieces of at most `chunk`."""
        while start < end:
            k, offset = divmod(start, BLOCK)
            stop = min(end - start, BLOCK - offset, chunk)
            yield self._piece(k, offset, offset + stop)
            start += stop

    def state_at(self, length: int) -> hashlib._Hash:
        """A SHA-256 object that has consumed bytes [0, length)."""
        index = length // CHECKPOINT
        with self._lock:
            while len(self._states) <= index:
                n = len(self._states) - 1
                state = self._states[-1].copy()
                state.update(next(self.read(n * CHECKPOINT, (n + 1) * CHECKPOINT)))
                self._states.append(state)
            state = self._states[index].copy()
        for piece in self.read(index * CHECKPOINT, length):
            state.update(piece)
        return state


@cache
def _stream(number: int) -> _Stream:
    return _Stream(number)


class FileContent:
    """The bytes of one attachment version."""

    def __init__(self, key: str, size: int) -> None:
        if size < 0:
            raise ValueError("size must be >= 0")
        seed = hashlib.blake2b(key.encode(), digest_size=8).digest()
        self.key, self.size = key, size
        self._stream = _stream(seed[0] % STREAMS)
        self.prefix = max(0, size - TAIL)
        self._tail = hashlib.shake_256(key.encode()).digest(size - self.prefix) if size else b""

    def sha256(self) -> str:
        state = self._stream.state_at(self.prefix)
        state.update(self._tail)
        return state.hexdigest()

    def read(self, start: int = 0, end: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
        """Bytes [start, end) in pieces of at most `chunk`."""
        end = self.size if end is None else min(end, self.size)
        if start < self.prefix:
            yield from self._stream.read(start, min(end, self.prefix), chunk)
        if end > self.prefix:
            yield self._tail[max(start, self.prefix) - self.prefix:end - self.prefix]


def content_key(seed: int, attachment_id: int, file_name: str) -> str:
    """What identifies one version of an attachment's bytes (with its size). Not the upload
    time: the bytes stay a function of the seed and the order of changes, like the data."""
    return f"{seed}:{attachment_id}:{file_name}"


def attachment_content(seed: int, record: dict) -> FileContent:
    return FileContent(content_key(seed, record["id"], record["file_name"]), record["size_bytes"])
