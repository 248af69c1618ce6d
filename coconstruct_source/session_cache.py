"""The refresh token cached on disk (mode 0600), so scheduled runs skip a fresh MFA code.

One small JSON file per (base_url, identity) under ~/.cache/coconstruct-elt/. Opt out with
`session_cache = false` in [sources.coconstruct]. Only the refresh token is stored: never
the password, TOTP secret or an MFA code.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from pathlib import Path

import orjson

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path.home() / ".cache" / "coconstruct-elt"
FILE_MODE = 0o600


def cache_path(base_url: str, identity: str, directory: Path | None = None) -> Path:
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{identity}".encode()).hexdigest()[:32]
    return (directory or DEFAULT_DIR) / f"{digest}.json"


class SessionCache:
    """load() -> refresh token or None; save(token); clear(). Corrupt files count as empty."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def for_account(cls, base_url: str, identity: str, directory: Path | None = None) -> SessionCache:
        return cls(cache_path(base_url, identity, directory))

    def load(self) -> str | None:
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, orjson.JSONDecodeError):
            logger.warning("session cache %s unreadable; logging in afresh", self.path)
            return None
        token = data.get("refresh_token") if isinstance(data, dict) else None
        return token if isinstance(token, str) and token else None

    def save(self, refresh_token: str) -> None:
        """Atomic write: a temp file created 0600 in the same directory, then renamed."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".session-", suffix=".tmp")
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps({"refresh_token": refresh_token}))
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def clear(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
