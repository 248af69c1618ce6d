"""FileStore: where verified attachment files live, and where partial downloads wait.

The store is any fsspec URL (a local folder by default; `s3://…`, `gcs://…`, `memory://…`).
A file lands at `<tenant>/attachments/<id>/<sha256[:16]>/<file name>` only after its bytes
were verified, so a file present at its location with the right size is a verified
version: a rerun after a kill skips it, and a new version never overwrites the old one
until it is itself verified. Partial downloads are `.part` files in a local staging
folder (next to the files for a local store, so committing is a rename), kept across kills
so the next run resumes them with an HTTP Range request.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

STAGING_FOLDER = ".coconstruct-staging"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_file_name(name: str) -> str:
    """A file name that cannot escape its folder (no separators, no `..`, no controls)."""
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "file"
    return cleaned[:150]


class FileStore:
    def __init__(self, url: str, staging_dir: str | os.PathLike[str] | None = None) -> None:
        self.url = url
        self.fs, root = fsspec.core.url_to_fs(url)
        self.root = root.rstrip("/")
        self.is_local = isinstance(self.fs, LocalFileSystem)
        if staging_dir is None:
            if self.is_local:
                staging_dir = Path(self.root) / STAGING_FOLDER
            else:
                tag = hashlib.sha256(url.encode()).hexdigest()[:12]
                staging_dir = Path.home() / ".cache" / "coconstruct-elt" / "file-staging" / tag
        self.staging = Path(staging_dir)

    # ---- names ----
    @staticmethod
    def location(tenant: str, attachment: dict[str, Any]) -> str:
        """The file's path inside the store (relative)."""
        return (f"{safe_file_name(tenant)}/attachments/{attachment['id']}/"
                f"{attachment['checksum_sha256'][:16]}/{safe_file_name(attachment['file_name'])}")

    def _full(self, relative: str) -> str:
        return f"{self.root}/{relative}" if self.root else relative

    def uri(self, relative: str) -> str:
        """What the warehouse records: the store's URL of the file."""
        return self.fs.unstrip_protocol(self._full(relative))

    def part(self, tenant: str, attachment: dict[str, Any]) -> Path:
        """The local partial download of one version (same version → same part file)."""
        name = f"{attachment['id']}-{attachment['checksum_sha256'][:32]}.part"
        return self.staging / safe_file_name(tenant) / name

    # ---- state ----
    def has(self, relative: str, size: int) -> bool:
        full = self._full(relative)
        try:
            return self.fs.size(full) == size
        except (FileNotFoundError, OSError):
            return False

    def commit(self, part: Path, relative: str) -> None:
        """Move a verified part file to its location."""
        full = self._full(relative)
        if self.is_local:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            os.replace(part, full)
            return
        self.fs.makedirs(full.rsplit("/", 1)[0], exist_ok=True)
        self.fs.put_file(str(part), full)
        part.unlink()

    def remove_versions(self, tenant: str, attachment_id: int, keep: str | None = None) -> int:
        """Delete the attachment's stored versions except the one whose checksum is `keep`
        (all of them, and its partial downloads, when None); how many were removed."""
        folder = self._full(f"{safe_file_name(tenant)}/attachments/{attachment_id}")
        try:
            versions = self.fs.ls(folder, detail=False)
        except (FileNotFoundError, OSError):
            versions = []
        doomed = [v for v in versions if keep is None or v.rstrip("/").rsplit("/", 1)[-1] != keep[:16]]
        for version in doomed:
            self.fs.rm(version, recursive=True)
        if keep is None:
            parts = self.staging / safe_file_name(tenant)
            for part in parts.glob(f"{attachment_id}-*.part") if parts.is_dir() else ():
                part.unlink(missing_ok=True)
        return len(doomed)

    def stored_versions(self, tenant: str) -> dict[int, list[str]]:
        """Every stored file per attachment id (for checks and drills)."""
        base = self._full(f"{safe_file_name(tenant)}/attachments")
        out: dict[int, list[str]] = {}
        try:
            files = self.fs.find(base)
        except (FileNotFoundError, OSError):
            return out
        for path in files:
            relative = path[len(base):].lstrip("/")
            head = relative.split("/", 1)[0]
            if head.isdigit():
                out.setdefault(int(head), []).append(path)
        return out

    def clear_staging(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
