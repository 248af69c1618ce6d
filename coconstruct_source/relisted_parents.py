"""Parents listed twice in one run, whose dropped lines must be deleted explicitly."""

from __future__ import annotations

from array import array
from typing import Any

from coconstruct_source.contract import CURSOR_COLUMN, DELETED_COLUMN, TableSpec

ChildKeys = tuple[Any, ...]
"""The keys of one parent version's lines in one child table (a line id, or a tuple)."""


class RelistedParents:
    """Lines of a parent listed twice in one run (edited or deleted while the run was
    listing). The child merge key replaces lines already stored, not lines staged earlier
    in the same load, so the lines the newer version dropped are deleted explicitly.

    Remembers, per parent seen in the run, the child keys beyond the parent key (line ids,
    or client ids for project_clients). Any parent may be edited later in the run, so this
    grows with the tenant: integer keys are packed into one bytes object per parent
    (~100 bytes for a document with six lines instead of ~500 as tuples of ints)."""

    def __init__(self, table: TableSpec) -> None:
        self.children = [
            (prop, child, tuple(k for k in child.primary_key if k != child.parent_key))
            for prop, child in table.children
        ]
        self.seen: dict[Any, bytes | tuple[ChildKeys, ...]] = {}

    def dropped(
        self, records: list[dict[str, Any]]
    ) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
        """Per child table: (keys of the lines to delete, the cursor of the dropping version)."""
        out: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
        for rec in records:
            parent_id = rec.get("id")
            if parent_id is None:
                continue
            gone = rec.get(DELETED_COLUMN) is True
            current = tuple(
                () if gone or not (items := rec.get(prop)) else _keys_of(items, own)
                for prop, _, own in self.children
            )
            stored = self.seen.get(parent_id)
            if any(current):
                self.seen[parent_id] = pack(current)
            elif stored is not None:
                del self.seen[parent_id]
            if stored is None:
                continue
            previous = unpack(stored, len(self.children))
            for (_, child, own), before, now in zip(self.children, previous, current, strict=True):
                for key in set(before) - set(now):
                    values = key if len(own) > 1 else (key,)
                    row = {**dict(zip(own, values, strict=True)), child.parent_key: parent_id}
                    keys, cursors = out.setdefault(child.name, ([], []))
                    keys.append(row)
                    cursors.append(rec.get(CURSOR_COLUMN))
        return out


def _keys_of(items: list[dict[str, Any]], own: tuple[str, ...]) -> ChildKeys:
    if len(own) == 1:
        (key,) = own
        return tuple([i.get(key) for i in items])
    return tuple([tuple(i.get(k) for k in own) for i in items])


def pack(keys: tuple[ChildKeys, ...]) -> bytes | tuple[ChildKeys, ...]:
    """One bytes object for integer keys: the count per child table, then the keys.
    Anything else (composite or text keys) stays as it is."""
    try:
        counts = [len(per_child) for per_child in keys]
        return array("q", counts + [k for per_child in keys for k in per_child]).tobytes()
    except (TypeError, OverflowError):  # not int64s
        return keys


def unpack(stored: bytes | tuple[ChildKeys, ...], tables: int) -> tuple[ChildKeys, ...]:
    """The per-child key tuples `pack` stored for a parent with `tables` child tables."""
    if not isinstance(stored, bytes):
        return stored
    values = array("q")
    values.frombytes(stored)
    out, at = [], tables
    for n in values[:tables]:
        out.append(tuple(values[at : at + n]))
        at += n
    return tuple(out)
