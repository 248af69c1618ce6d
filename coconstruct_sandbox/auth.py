"""Sessions: password login, MFA challenges, rotating refresh tokens, revocation, lock-out.

Everything is in memory and single-threaded (the app runs on one event loop). Tokens are
`secrets.token_urlsafe`; they and passwords are never logged.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyotp

from coconstruct_sandbox.accounts import Account, OAuthClient

MAX_FAILURES = 5


class AuthError(Exception):
    """An auth failure with the HTTP status and the contract's error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Clock:
    """Wall clock plus an offset that `POST /_sandbox/clock` can move forward (token, challenge
    and lock-out expiry; TOTP codes stay on the real clock)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def shift(self, seconds: float) -> None:
        self.offset += seconds


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Family:
    """A login and every refresh token rotated from it."""

    account: Account
    revoked: bool = False
    current_refresh: str | None = None


@dataclass
class Session:
    """What an access token stands for."""

    token: str
    family: Family
    expires_at: float
    expired_early: bool = False  # set by the token_expiry fault

    @property
    def account(self) -> Account:
        return self.family.account


@dataclass
class Challenge:
    account: Account
    method: str
    expires_at: float
    code: str | None = None  # sms / email


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


@dataclass
class AuthService:
    accounts: list[Account]
    oauth_client: OAuthClient | None = None
    token_ttl: int = 900
    challenge_ttl: int = 300
    lock_seconds: int = 900
    clock: Clock = field(default_factory=Clock)
    outbox: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_username = {a.username: a for a in self.accounts}
        self._sessions: dict[str, Session] = {}
        self._refresh: dict[str, Family] = {}
        self._challenges: dict[str, Challenge] = {}
        self._failures: dict[str, _Failures] = {}
        self._oauth_refresh: dict[str, Family] = {}

    # ---- login ----
    def login(self, username: str, password: str) -> tuple[int, dict[str, Any]]:
        """201 + a token pair, or 200 + an MFA challenge."""
        account = self._by_username.get(username)
        if account is None:
            raise AuthError(401, "invalid_credentials", "Unknown username or wrong password.")
        self._check_lock(account)
        if not hmac.compare_digest(account.password.encode(), password.encode()):
            self._fail(account)
            raise AuthError(401, "invalid_credentials", "Unknown username or wrong password.")
        self._failures.pop(account.username, None)
        if account.mfa == "none":
            return 201, self._issue(Family(account))
        return 200, self._challenge(account)

    def _challenge(self, account: Account) -> dict[str, Any]:
        challenge_id = secrets.token_urlsafe(24)
        challenge = Challenge(account, account.mfa, self.clock.now() + self.challenge_ttl)
        hint = None
        if account.mfa in ("sms", "email"):
            challenge.code = f"{secrets.randbelow(10**6):06d}"
            hint = _mask(account.destination or "")
            self.outbox.append(
                {
                    "username": account.username,
                    "method": account.mfa,
                    "destination": account.destination,
                    "code": challenge.code,
                    "sent_at": iso(self.clock.now()),
                }
            )
        self._challenges[challenge_id] = challenge
        return {
            "mfa_required": True,
            "challenge_id": challenge_id,
            "method": account.mfa,
            "destination_hint": hint,
            "expires_at": iso(challenge.expires_at),
        }

    def complete_mfa(self, challenge_id: str, code: str) -> dict[str, Any]:
        challenge = self._challenges.get(challenge_id)
        if challenge is None:
            raise AuthError(401, "challenge_expired", "Unknown or already used MFA challenge; log in again.")
        if challenge.expires_at < self.clock.now():
            del self._challenges[challenge_id]
            raise AuthError(401, "challenge_expired", "The MFA challenge expired; log in again.")
        account = challenge.account
        self._check_lock(account)
        if challenge.method == "totp":
            # the real clock, not the shifted one: an authenticator app knows nothing of the shift
            ok = pyotp.TOTP(account.totp_secret or "").verify(code, valid_window=1)
        else:
            ok = hmac.compare_digest((challenge.code or "").encode(), code.encode())
        if not ok:
            self._fail(account)
            raise AuthError(401, "invalid_mfa_code", f"Wrong {challenge.method} code.")
        del self._challenges[challenge_id]  # single use
        self._failures.pop(account.username, None)
        return self._issue(Family(account))

    def _check_lock(self, account: Account) -> None:
        failures = self._failures.get(account.username)
        if failures and failures.locked_until > self.clock.now():
            raise AuthError(423, "account_locked", "Too many failed attempts; the account is locked.")

    def _fail(self, account: Account) -> None:
        failures = self._failures.setdefault(account.username, _Failures())
        if failures.locked_until and failures.locked_until <= self.clock.now():
            failures.count, failures.locked_until = 0, 0.0
        failures.count += 1
        if failures.count >= MAX_FAILURES:
            failures.locked_until = self.clock.now() + self.lock_seconds

    # ---- tokens ----
    def _issue(self, family: Family, registry: dict[str, Family] | None = None) -> dict[str, Any]:
        now = self.clock.now()
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        session = Session(access, family, now + self.token_ttl)
        self._sessions[access] = session
        (self._refresh if registry is None else registry)[refresh] = family
        family.current_refresh = refresh
        self._gc(now)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.token_ttl,
            "expires_at": iso(session.expires_at),
            "refresh_token": refresh,
            "role": family.account.role,
        }

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return self._rotate(refresh_token, self._refresh)

    def _rotate(self, refresh_token: str, registry: dict[str, Family]) -> dict[str, Any]:
        family = registry.get(refresh_token)
        if family is None or family.revoked:
            raise AuthError(401, "refresh_token_invalid", "Unknown, expired or revoked refresh token; log in again.")
        if family.current_refresh != refresh_token:
            self._revoke(family)
            raise AuthError(
                401, "refresh_token_reused",
                "This refresh token was already used; the session is revoked. Log in again.",
            )
        return self._issue(family, registry)

    def oauth_grant(self) -> str:
        """A fresh OAuth refresh token (a new grant family) for the configured client."""
        if self.oauth_client is None:
            raise AuthError(401, "invalid_credentials", "No OAuth client is configured.")
        family = Family(self._by_username[self.oauth_client.username])
        token = secrets.token_urlsafe(32)
        self._oauth_refresh[token] = family
        family.current_refresh = token
        return token

    def oauth_refresh(self, form: dict[str, str]) -> dict[str, Any]:
        client = self.oauth_client
        if form.get("grant_type") != "refresh_token" or not form.get("refresh_token"):
            raise AuthError(422, "validation_error", "grant_type must be refresh_token, with a refresh_token.")
        if (
            client is None
            or form.get("client_id") != client.client_id
            or not hmac.compare_digest(client.client_secret.encode(), form.get("client_secret", "").encode())
        ):
            raise AuthError(401, "invalid_credentials", "Unknown OAuth client or wrong client secret.")
        return self._rotate(form["refresh_token"], self._oauth_refresh)

    def authenticate(self, authorization: str | None) -> Session:
        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError(401, "invalid_token", "Missing bearer token.")
        session = self._sessions.get(authorization[7:].strip())
        if session is None or session.family.revoked:
            raise AuthError(401, "invalid_token", "Unknown or revoked access token.")
        if session.expired_early or session.expires_at <= self.clock.now():
            raise AuthError(401, "token_expired", "The access token expired; refresh it.")
        return session

    def revoke(self, session: Session) -> None:
        self._revoke(session.family)

    def _revoke(self, family: Family) -> None:
        family.revoked = True
        family.current_refresh = None

    def _gc(self, now: float) -> None:
        """Forget long-dead access tokens and challenges (keeps memory flat on long runs)."""
        if len(self._sessions) < 10_000:
            return
        horizon = now - 3600
        self._sessions = {k: s for k, s in self._sessions.items() if s.expires_at > horizon}
        self._challenges = {k: c for k, c in self._challenges.items() if c.expires_at > now}


def _mask(destination: str) -> str:
    if "@" in destination:
        name, _, domain = destination.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"***{destination[-4:]}"
