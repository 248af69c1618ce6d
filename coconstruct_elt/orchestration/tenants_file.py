"""The tenants file: which builder companies one scheduled run syncs.

TOML (`tenants.toml`) or YAML (`tenants.yaml`), a list named `tenants`:

    [[tenants]]
    name = "garcia-homes"            # tenant_id on every row; pipeline coconstruct_garcia_homes
    credentials_section = "garcia"   # secrets in [sources.coconstruct.garcia.credentials]
    base_url = "https://..."         # optional; else sources.coconstruct.garcia.base_url

The file names no secret: each tenant points at its own dlt config section, resolved the
usual dlt way (`.dlt/secrets.toml` or SOURCES__COCONSTRUCT__GARCIA__CREDENTIALS__PASSWORD).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from coconstruct_elt.run import TenantSpec, pipeline_name_for
from coconstruct_source.errors import CoconstructError

KEYS = {"name", "credentials_section", "base_url"}
_SECTION = re.compile(r"^[A-Za-z0-9_]+$")


class TenantsFileError(CoconstructError):
    """The tenants file is missing, unreadable or invalid (message names file and entry)."""


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TenantsFileError(f"cannot read the tenants file {path}: {e.strerror}") from e
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as e:
        raise TenantsFileError(f"the tenants file {path} is not valid: {e}") from e


def _spec(path: Path, index: int, entry: Any) -> TenantSpec:
    where = f"{path}: tenants[{index}]"
    if not isinstance(entry, dict):
        raise TenantsFileError(f"{where} must be a table with name and credentials_section")
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise TenantsFileError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(KEYS))}"
        )
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TenantsFileError(f"{where}: `name` (the tenant id) is required")
    section = entry.get("credentials_section", name)
    if not isinstance(section, str) or not _SECTION.match(section):
        raise TenantsFileError(
            f"{where}: credentials_section {section!r} must be letters, digits and underscores "
            "(it becomes [sources.coconstruct.<section>] and SOURCES__COCONSTRUCT__<SECTION>__...)"
        )
    base_url = entry.get("base_url")
    if base_url is not None and not (isinstance(base_url, str) and base_url.startswith("http")):
        raise TenantsFileError(f"{where}: base_url must be an http(s) URL")
    return TenantSpec(name=name.strip(), section=section, base_url=base_url)


def load_tenants(path: str | os.PathLike[str]) -> list[TenantSpec]:
    """The tenants of a tenants file, in file order. Raises TenantsFileError."""
    path = Path(path)
    data = _read(path)
    entries = data.get("tenants") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise TenantsFileError(f"{path}: no tenants (expected a non-empty `tenants` list)")
    specs = [_spec(path, i, e) for i, e in enumerate(entries)]
    _check_unique(path, specs)
    return specs


def _check_unique(path: Path, specs: Sequence[TenantSpec]) -> None:
    """Two tenants sharing a pipeline would share incremental state: refuse."""
    seen: dict[str, str] = {}
    for spec in specs:
        pipeline = pipeline_name_for(spec.name or "")
        if pipeline in seen:
            raise TenantsFileError(
                f"{path}: tenants {seen[pipeline]!r} and {spec.name!r} map to the same "
                f"pipeline {pipeline} (and the same tenant state); rename one"
            )
        seen[pipeline] = spec.name or ""
