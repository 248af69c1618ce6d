"""Parents listed twice in one run, whose dropped lines must be deleted explicitly."""

from __future__ import annotations

from typing import Any

from coconstruct_source.contract import CURSOR_COLUMN, DELETED_COLUMN, TableSpec


class RelistedParents:
    """Lines of a parent listed twice in one run (edited or deleted while the run was
    listing). The child merge key replaces lines already stored, not lines staged earlier
    in the same load, so the lines the newer version dropped are deleted explicitly.

    Remembers, per parent seen in the run, the child keys beyond the parent key (line ids,
    or client ids for project_clients): ids only, not rows."""

    def __init__(self, table: TableSpec) -> None:
        self.children = [
            (prop, child, tuple(k for k in child.primary_key if k != child.parent_key))
            for prop, child in table.children
        ]
        self.seen: dict[Any, tuple[tuple[Any, ...], ...]] = {}

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
                ()
                if gone or not rec.get(prop)
                else tuple(
                    tuple(i.get(k) for k in own) if len(own) > 1 else i.get(own[0])
                    for i in rec[prop]
                )
                for prop, _, own in self.children
            )
            previous = self.seen.get(parent_id)
            if any(current):
                self.seen[parent_id] = current
            elif previous is not None:
                del self.seen[parent_id]
            if previous is None:
                continue
            for (_, child, own), before, now in zip(self.children, previous, current, strict=True):
                for key in set(before) - set(now):
                    values = key if len(own) > 1 else (key,)
                    row = {**dict(zip(own, values, strict=True)), child.parent_key: parent_id}
                    keys, cursors = out.setdefault(child.name, ([], []))
                    keys.append(row)
                    cursors.append(rec.get(CURSOR_COLUMN))
        return out
