"""Look for secret values in run artifacts: files byte-wise (plus gzip members), the string
cells of parquet files, every text column of a DuckDB file (dlt's compressed state decoded),
in their raw, base64 and URL-encoded forms."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import zlib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

import duckdb
import pyarrow.parquet as pq
from dlt.pipeline.state_sync import decompress_state


def forms(secret: str) -> set[bytes]:
    """The ways a secret could be written down: raw, JSON-escaped, URL-encoded, base64."""
    raw = secret.encode()
    out = {raw, json.dumps(secret)[1:-1].encode(), quote(secret, safe="").encode(),
           quote_plus(secret).encode()}
    for encode in (base64.b64encode, base64.urlsafe_b64encode, base64.b32encode):
        encoded = encode(raw)
        out.add(encoded)
        out.add(encoded.rstrip(b"="))
    return out


def _needles(secrets: dict[str, str]) -> list[tuple[str, bytes]]:
    return [(name, form) for name, value in secrets.items() for form in forms(value)]


def _hits(blob: bytes, needles: list[tuple[str, bytes]], where: str) -> list[str]:
    return [f"{name} in {where}" for name, form in needles if form in blob]


def _parquet_cells(path: Path) -> Iterable[bytes]:
    table = pq.read_table(path)
    for column in table.columns:
        if str(column.type) in ("string", "large_string", "binary"):
            yield "\n".join(str(v) for v in column.to_pylist() if v is not None).encode()


def _duckdb_cells(path: Path) -> Iterable[bytes]:
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'").fetchall()
        for schema, table, column in columns:
            values = con.execute(f'select "{column}" from "{schema}"."{table}"').fetchall()
            text = [v for (v,) in values if v is not None]
            if table == "_dlt_pipeline_state" and column == "state":
                text = [json.dumps(decompress_state(v), default=str) for v in text]
            yield "\n".join(text).encode()


def scan_path(root: Path, secrets: dict[str, str], *, skip: Iterable[Path] = ()) -> list[str]:
    """'<secret name> in <file>' for every hit under `root` (files in `skip` left out)."""
    needles = _needles(secrets)
    skipped = {p.resolve() for p in skip}
    found: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.resolve() in skipped:
            continue
        where = str(path.relative_to(root))
        blob = path.read_bytes()
        found += _hits(blob, needles, where)
        parts: list[bytes] = []
        if blob[:2] == b"\x1f\x8b":
            parts.append(gzip.decompress(blob))
        elif blob[:1] == b"\x78":
            with contextlib.suppress(zlib.error):
                parts.append(zlib.decompress(blob))
        if path.suffix == ".parquet":
            parts.extend(_parquet_cells(path))
        if path.suffix == ".duckdb":
            parts.extend(_duckdb_cells(path))
        for part in parts:
            found += _hits(part, needles, f"{where} (decoded)")
    return sorted(set(found))


def scan_text(text: str, secrets: dict[str, str], where: str) -> list[str]:
    return sorted(set(_hits(text.encode(), _needles(secrets), where)))
