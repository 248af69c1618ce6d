"""What each role may see: a row filter on `RecordMeta` per entity, or no access at all (403).

Staff (admin, project manager, bookkeeper) see everything. A client sees its own projects and,
on them, client-visible documents. A trade partner sees its own POs and bills, the schedules
of the projects it works on (`store.projects_of_trade_partner`: POs, bills or tasks), its own row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from coconstruct_sandbox.accounts import Account

RowFilter = Callable[[Any], bool]
ALL: RowFilter | None = None


class Forbidden(Exception):
    pass


class ScopeStore(Protocol):
    def projects_of_client(self, client_id: int) -> frozenset[int]: ...
    def projects_of_trade_partner(self, trade_partner_id: int) -> frozenset[int]: ...


_CLIENT_VISIBLE_DOCS = frozenset({"change_orders", "invoices", "attachments"})
_CLIENT_PROJECT_ROWS = frozenset({"selections", "schedule_tasks", "payments"})


def row_filter(account: Account, entity: str, store: ScopeStore) -> RowFilter | None:
    """The filter for `entity` (None: every row); raises Forbidden when the role may not list it."""
    if account.sees_everything:
        return ALL
    if account.role == "client" and account.client_id is not None:
        return _client_filter(entity, account.client_id, store)
    if account.role == "trade_partner" and account.trade_partner_id is not None:
        return _trade_partner_filter(entity, account.trade_partner_id, store)
    raise Forbidden(entity)


def _client_filter(entity: str, client_id: int, store: ScopeStore) -> RowFilter:
    projects = store.projects_of_client(client_id)
    if entity in _CLIENT_VISIBLE_DOCS:
        return lambda m: m.project_id in projects and m.client_visible is True
    if entity in _CLIENT_PROJECT_ROWS:
        return lambda m: m.project_id in projects
    if entity == "projects":
        return lambda m: m.id in projects
    if entity == "clients":
        return lambda m: m.id == client_id
    raise Forbidden(entity)


def _trade_partner_filter(entity: str, tp_id: int, store: ScopeStore) -> RowFilter:
    if entity in ("purchase_orders", "bills"):
        return lambda m: m.trade_partner_id == tp_id
    if entity == "schedule_tasks":
        projects = store.projects_of_trade_partner(tp_id)
        return lambda m: m.project_id in projects
    if entity == "trade_partners":
        return lambda m: m.id == tp_id
    raise Forbidden(entity)


def project_allowed(account: Account, project_id: int, store: ScopeStore) -> bool:
    """May the account open the per-project routes of `project_id` at all."""
    if account.sees_everything:
        return True
    if account.role == "client" and account.client_id is not None:
        return project_id in store.projects_of_client(account.client_id)
    if account.role == "trade_partner" and account.trade_partner_id is not None:
        return project_id in store.projects_of_trade_partner(account.trade_partner_id)
    return False
