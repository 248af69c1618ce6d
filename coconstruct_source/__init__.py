"""coconstruct-elt's dlt source: `from coconstruct_source import coconstruct_source`.

Imported lazily, so the session/HTTP modules can be used without loading dlt.
"""

from __future__ import annotations

from typing import Any

__all__ = ["coconstruct_source", "source_from_client"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from coconstruct_source import source

        return getattr(source, name)
    raise AttributeError(f"module 'coconstruct_source' has no attribute {name!r}")
