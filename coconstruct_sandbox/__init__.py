"""A local, deterministic emulator of a CoConstruct tenant speaking the contract.

`SandboxServer` and `serve` are imported lazily so `import coconstruct_sandbox` stays cheap
and the data side (store, generator) can be imported without the HTTP stack.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SandboxServer", "add_serve_arguments", "serve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from coconstruct_sandbox import server

        return getattr(server, name)
    raise AttributeError(name)
