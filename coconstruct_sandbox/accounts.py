"""Demo accounts of the sandbox tenant: every role and every MFA kind, deterministic by seed."""

from __future__ import annotations

import random
import string
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

Role = Literal["admin", "project_manager", "bookkeeper", "client", "trade_partner"]
MfaKind = Literal["none", "totp", "sms", "email"]

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_PASSWORD_ALPHABET = string.ascii_letters + string.digits + "-_.!"


class PeopleSource(Protocol):
    """The part of `TenantStore` the accounts are built from."""

    company: dict

    def people(self) -> dict: ...
    def projects_of_client(self, client_id: int) -> frozenset[int]: ...
    def projects_of_trade_partner(self, trade_partner_id: int) -> frozenset[int]: ...
    def list_page(self, entity: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    password: str
    role: Role
    mfa: MfaKind
    totp_secret: str | None
    user_id: int | None
    client_id: int | None
    trade_partner_id: int | None
    destination: str | None  # where SMS / e-mail codes go

    @property
    def sees_everything(self) -> bool:
        return self.role in ("admin", "project_manager", "bookkeeper")

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "project_manager")

    def public(self) -> dict[str, Any]:
        """The row `GET /_sandbox/accounts` shows (the sandbox is a test double: secrets included)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class OAuthClient:
    """The vendor's official API client the OAuth2 refresh-token grant is provisioned for."""

    client_id: str
    client_secret: str
    username: str  # the account the grant acts as


# (handle, role, mfa, which person of the role to pick)
_PLAN: tuple[tuple[str, Role, MfaKind, int], ...] = (
    ("admin", "admin", "totp", 0),
    ("admin.sms", "admin", "sms", 0),
    ("admin.email", "admin", "email", 0),
    ("admin.nomfa", "admin", "none", 0),
    ("pm", "project_manager", "totp", 0),
    ("bookkeeper", "bookkeeper", "none", 0),
    ("client", "client", "email", 0),
    ("trade", "trade_partner", "sms", 0),
    ("trade.nomfa", "trade_partner", "none", 1),
)


def _pick(ids: list[int], index: int, has_projects: Any = None) -> int | None:
    """The index-th id (wrapping), preferring people with projects when a predicate is given."""
    if not ids:
        return None
    preferred = [i for i in ids if has_projects(i)] if has_projects else []
    pool = preferred or list(ids)
    return pool[index % len(pool)]


def _partners_with_purchase_orders(store: PeopleSource) -> set[int]:
    """Trade partners that hold a PO, read from record metadata only (no JSON decoding)."""
    found: set[int] = set()

    def collect(meta: Any) -> bool:
        found.add(meta.trade_partner_id)
        return False

    cursor = None
    while True:
        page = store.list_page("purchase_orders", limit=1000, cursor=cursor, row_filter=collect)
        cursor = page.next_cursor
        if cursor is None:
            return found


def build_accounts(store: PeopleSource, seed: int) -> list[Account]:
    """The demo accounts; the first is the default one (admin with TOTP)."""
    rng = random.Random(f"coconstruct-sandbox-accounts:{seed}")
    people = store.people()
    domain = f"{store.company.get('slug', 'tenant')}.sandbox.test"
    admins = list(people.get("admins", []))
    user_pool: dict[str, list[int]] = {
        "admin": admins,
        "project_manager": list(people.get("project_managers", [])) or admins,
        "bookkeeper": list(people.get("bookkeepers", [])) or admins,
    }
    with_pos = _partners_with_purchase_orders(store)
    accounts = []
    for handle, role, mfa, index in _PLAN:
        user_id = client_id = tp_id = None
        if role == "client":
            client_id = _pick(list(people.get("clients", [])), index, store.projects_of_client)
        elif role == "trade_partner":
            tp_id = _pick(list(people.get("trade_partners", [])), index, with_pos.__contains__)
        else:
            user_id = _pick(user_pool[role], index)
        username = f"{handle}@{domain}"
        password = "".join(rng.choice(_PASSWORD_ALPHABET) for _ in range(20))
        secret = "".join(rng.choice(_BASE32) for _ in range(32))
        phone = "+1555" + "".join(rng.choice(string.digits) for _ in range(7))
        destination = {"sms": phone, "email": username}.get(mfa)
        accounts.append(
            Account(
                username=username,
                password=password,
                role=role,
                mfa=mfa,
                totp_secret=secret if mfa == "totp" else None,
                user_id=user_id,
                client_id=client_id,
                trade_partner_id=tp_id,
                destination=destination,
            )
        )
    return accounts


def build_oauth_client(accounts: list[Account], seed: int) -> OAuthClient:
    """The OAuth2 client, acting as the default admin account."""
    rng = random.Random(f"coconstruct-sandbox-oauth:{seed}")
    secret = "".join(rng.choice(_PASSWORD_ALPHABET) for _ in range(32))
    return OAuthClient(
        client_id=f"sandbox-client-{seed}", client_secret=secret, username=accounts[0].username
    )
