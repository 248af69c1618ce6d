"""The sandbox's Starlette app: the contract's routes (coconstruct_source/openapi.yaml) and `/_sandbox/*`.

List pages are assembled from the store's pre-encoded bytes; nothing on that path decodes JSON.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from coconstruct_sandbox import scoping
from coconstruct_sandbox.accounts import Account, OAuthClient
from coconstruct_sandbox.auth import AuthError, AuthService, Session
from coconstruct_sandbox.faults import FaultConfig, FaultMiddleware, Faults
from coconstruct_sandbox.idempotency import IdempotencyConflict, IdempotencyStore, StoredAnswer
from coconstruct_sandbox.ratelimit import RateLimiter
from coconstruct_sandbox.store import (
    InvalidCursor,
    InvalidInput,
    NotFound,
    TenantStore,
    canonical_timestamp,
)

LIST_ROUTES = {
    "/users": "users", "/clients": "clients", "/trade-partners": "trade_partners",
    "/projects": "projects", "/cost-codes": "cost_codes", "/budget-lines": "budget_lines",
    "/selections": "selections", "/change-orders": "change_orders",
    "/purchase-orders": "purchase_orders", "/bills": "bills", "/invoices": "invoices",
    "/payments": "payments", "/timesheets": "timesheets", "/schedule-tasks": "schedule_tasks",
    "/quickbooks/mappings": "qb_mappings", "/attachments": "attachments",
}
PROJECT_LIST_ROUTES = {
    "selections": "selections", "change-orders": "change_orders",
    "purchase-orders": "purchase_orders", "schedule": "schedule_tasks",
}
DETAIL_ROUTES = {
    "users": "users", "clients": "clients", "trade-partners": "trade_partners",
    "projects": "projects", "selections": "selections", "change-orders": "change_orders",
    "purchase-orders": "purchase_orders", "bills": "bills", "invoices": "invoices",
}
WRITE_ROUTES = {"change-orders": "create_change_order", "purchase-orders": "create_purchase_order"}
JSON = "application/json"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, details: list | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers or {}


@dataclass
class SandboxState:
    """Everything the app serves from; shared with `SandboxServer` and the admin routes."""

    store: TenantStore
    accounts: list[Account]
    auth: AuthService
    faults: Faults
    limiter: RateLimiter
    oauth_client: OAuthClient | None = None
    activity_every: int = 0
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    list_requests: int = 0
    files: Any = None  # files.service.FileService (file bytes, signed URLs, uploads)
    webhooks: Any = None  # webhooks.delivery.WebhookService (subscriptions, deliveries)


def _parse_limit(raw: str | None) -> int:
    if raw is None:
        return 100
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 1000:
        raise ApiError(422, "validation_error", "limit must be an integer from 1 to 1000.",
                       details=[{"field": "limit", "value": raw}])
    return limit


def _parse_since(raw: str | None) -> str | None:
    """`updated_since` normalized to the store's form (UTC, microseconds, `Z`)."""
    if raw is None:
        return None
    try:
        instant = datetime.fromisoformat(raw)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise ApiError(422, "validation_error",
                       "updated_since must be an ISO-8601 timestamp with a time zone, e.g. 2025-01-31T00:00:00Z.",
                       details=[{"field": "updated_since", "value": raw}])
    return canonical_timestamp(raw)


def _page_body(data: bytes, next_cursor: str | None) -> bytes:
    cursor = b"null" if next_cursor is None else orjson.dumps(next_cursor)
    return b'{"data":' + data + b',"next_cursor":' + cursor + b"}"


class SandboxApp:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    # ---- plumbing ----
    def _begin(self, request: Request, *, authenticated: bool = True) -> Session | None:
        """Request id, authentication and the rate limit of one contract request."""
        request.state.request_id = "req_" + secrets.token_hex(8)
        session = None
        key = "ip:" + (request.client.host if request.client else "?")
        if authenticated:
            if getattr(request.state, "expire_token", False):
                self._expire(request.headers.get("authorization"))
            try:
                session = self.state.auth.authenticate(request.headers.get("authorization"))
            except AuthError as exc:
                raise ApiError(exc.status, exc.code, exc.message) from None
            key = f"family:{id(session.family)}"
        allowed, headers, retry_after = self.state.limiter.take(key)
        request.state.rl_headers = headers
        if not allowed:
            raise ApiError(429, "rate_limited", f"Rate limit exceeded; retry after {retry_after} s.",
                           headers={"Retry-After": str(retry_after)})
        return session

    def _expire(self, authorization: str | None) -> None:
        with contextlib.suppress(AuthError):
            self.state.auth.authenticate(authorization).expired_early = True

    @staticmethod
    def _ok(request: Request, body: bytes, status: int = 200,
            headers: dict[str, str] | None = None) -> Response:
        all_headers = getattr(request.state, "rl_headers", {}) | {
            "X-Request-Id": getattr(request.state, "request_id", "")} | (headers or {})
        return Response(body, status_code=status, headers=all_headers, media_type=JSON)

    async def on_api_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        if not hasattr(request.state, "rl_headers") and not request.scope["path"].startswith("/_sandbox"):
            host = request.client.host if request.client else "?"
            request.state.rl_headers = self.state.limiter.take("ip:" + host)[1]
        request_id = getattr(request.state, "request_id", None) or "req_" + secrets.token_hex(8)
        error: dict[str, Any] = {"code": exc.code, "message": exc.message, "request_id": request_id}
        if exc.details is not None:
            error["details"] = exc.details
        request.state.request_id = request_id
        return self._ok(request, orjson.dumps({"error": error}), exc.status, exc.headers)

    async def on_http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = "not_found" if exc.status_code == 404 else "validation_error"
        # keep Starlette's headers: a 405 must say which methods are allowed (Allow)
        return await self.on_api_error(request, ApiError(exc.status_code, code, str(exc.detail),
                                                         headers=dict(exc.headers or {})))

    async def _json_body(self, request: Request) -> Any:
        try:
            return orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise ApiError(422, "validation_error", "The body must be JSON.") from None

    # ---- sessions ----
    async def create_session(self, request: Request) -> Response:
        self._begin(request, authenticated=False)
        body = _fields(await self._json_body(request), {"username": 200, "password": 200})
        try:
            status, answer = self.state.auth.login(body["username"], body["password"])
        except AuthError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        return self._ok(request, orjson.dumps(answer), status)

    async def complete_mfa(self, request: Request) -> Response:
        self._begin(request, authenticated=False)
        body = _fields(await self._json_body(request), {"challenge_id": 512, "code": 6})
        if not (len(body["code"]) == 6 and body["code"].isascii() and body["code"].isdigit()):
            raise ApiError(422, "validation_error", "code must be 6 digits.",
                           details=[{"field": "code"}])
        try:
            answer = self.state.auth.complete_mfa(body["challenge_id"], body["code"])
        except AuthError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        return self._ok(request, orjson.dumps(answer), 201)

    async def refresh_session(self, request: Request) -> Response:
        self._begin(request, authenticated=False)
        body = _fields(await self._json_body(request), {"refresh_token": 512})
        try:
            answer = self.state.auth.refresh(body["refresh_token"])
        except AuthError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        return self._ok(request, orjson.dumps(answer), 201)

    async def revoke_session(self, request: Request) -> Response:
        session = self._begin(request)
        assert session is not None
        self.state.auth.revoke(session)
        headers = request.state.rl_headers | {"X-Request-Id": request.state.request_id}
        return Response(status_code=204, headers=headers)

    async def oauth_token(self, request: Request) -> Response:
        self._begin(request, authenticated=False)
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        try:
            answer = self.state.auth.oauth_refresh(form)
        except AuthError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        return self._ok(request, orjson.dumps(answer), 201)

    # ---- reads ----
    async def company(self, request: Request) -> Response:
        self._begin(request)
        return self._ok(request, orjson.dumps(self.state.store.company))

    def _filter(self, session: Session, entity: str) -> scoping.RowFilter | None:
        try:
            return scoping.row_filter(session.account, entity, self.state.store)
        except scoping.Forbidden:
            raise ApiError(403, "forbidden",
                           f"The {session.account.role} role may not read {entity}.") from None

    def _page(self, request: Request, session: Session, entity: str,
              project_id: int | None = None) -> Response:
        row_filter = self._filter(session, entity)
        params = request.query_params
        limit = _parse_limit(params.get("limit"))
        since = _parse_since(params.get("updated_since"))
        cursor = params.get("cursor")
        if cursor is not None and len(cursor) > 512:
            raise ApiError(422, "validation_error", "cursor is too long.")
        self._tick_activity()
        try:
            page = self.state.store.list_page(entity, limit=limit, cursor=cursor, updated_since=since,
                                              project_id=project_id, row_filter=row_filter)
        except InvalidCursor:
            raise ApiError(422, "validation_error", "Invalid cursor; start the listing again.",
                           details=[{"field": "cursor"}]) from None
        return self._ok(request, _page_body(page.data, page.next_cursor))

    def _tick_activity(self) -> None:
        state = self.state
        state.list_requests += 1
        if state.activity_every and state.list_requests % state.activity_every == 0:
            state.store.advance(1)

    async def list_entity(self, request: Request) -> Response:
        session = self._begin(request)
        assert session is not None
        return self._page(request, session, LIST_ROUTES[request.scope["path"]])

    async def list_project_entity(self, request: Request) -> Response:
        entity = PROJECT_LIST_ROUTES.get(request.path_params["kind"])
        if entity is None:
            raise ApiError(404, "not_found", "No such route.")
        session = self._begin(request)
        assert session is not None
        project_id = self._project(session, request.path_params["project_id"])
        return self._page(request, session, entity, project_id)

    def _project(self, session: Session, project_id: int) -> int:
        meta = self.state.store.meta("projects", project_id)
        if meta is None or meta.deleted:
            raise ApiError(404, "not_found", f"Project {project_id} does not exist.")
        if not scoping.project_allowed(session.account, project_id, self.state.store):
            raise ApiError(403, "forbidden", f"Project {project_id} is not visible to this account.")
        return project_id

    async def get_entity(self, request: Request) -> Response:
        entity = DETAIL_ROUTES.get(request.path_params["collection"])
        if entity is None:
            raise ApiError(404, "not_found", "No such route.")
        session = self._begin(request)
        assert session is not None
        row_filter = self._filter(session, entity)
        record_id = request.path_params["id"]
        meta = self.state.store.meta(entity, record_id)
        if meta is None or meta.deleted:
            raise ApiError(404, "not_found", f"{entity} {record_id} does not exist.")
        if row_filter is not None and not row_filter(meta):
            raise ApiError(403, "forbidden", f"{entity} {record_id} is not visible to this account.")
        return self._ok(request, orjson.dumps(self.state.store.get(entity, record_id)))

    # ---- writes ----
    async def create_document(self, request: Request) -> Response:
        method_name = WRITE_ROUTES.get(request.path_params["kind"])
        if method_name is None:
            raise ApiError(404, "not_found", "No such route.")
        session = self._begin(request)
        assert session is not None
        if not session.account.can_write:
            raise ApiError(403, "forbidden", f"The {session.account.role} role may not write.")
        key = request.headers.get("idempotency-key")
        if not key:
            raise ApiError(422, "idempotency_key_required", "The Idempotency-Key header is required.")
        if len(key) > 255 or not key.isprintable():
            raise ApiError(422, "validation_error", "Idempotency-Key must be 1-255 printable characters.")
        body = await self._json_body(request)
        if not isinstance(body, dict):
            raise ApiError(422, "validation_error", "The body must be a JSON object.")
        canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        fingerprint = IdempotencyStore.fingerprint("POST", request.scope["path"], canonical)
        scope = session.account.username
        try:
            stored = self.state.idempotency.lookup(scope, key, fingerprint)
        except IdempotencyConflict:
            raise ApiError(409, "idempotency_conflict",
                           "This Idempotency-Key was already used with another request body.") from None
        if stored is not None:
            return self._ok(request, stored.body, 200, {"Idempotent-Replayed": "true"})
        project_id = self._project(session, request.path_params["project_id"])
        try:
            record = getattr(self.state.store, method_name)(project_id, body)
        except NotFound as exc:
            raise ApiError(404, "not_found", str(exc) or "Not found.") from None
        except InvalidInput as exc:
            raise ApiError(422, "validation_error", "The request body is invalid.",
                           details=list(getattr(exc, "details", []) or [])) from None
        answer = orjson.dumps(record)
        self.state.idempotency.remember(scope, key, StoredAnswer(fingerprint, 201, answer))
        return self._ok(request, answer, 201)

    # ---- /_sandbox ----
    async def admin_accounts(self, request: Request) -> Response:
        return _json([a.public() for a in self.state.accounts])

    async def admin_oauth_grant(self, request: Request) -> Response:
        client = self.state.oauth_client
        if client is None:
            return _json({"error": "no OAuth client configured"}, 404)
        token = self.state.auth.oauth_grant()
        return _json({"client_id": client.client_id, "client_secret": client.client_secret,
                      "username": client.username, "refresh_token": token})

    async def admin_state(self, request: Request) -> Response:
        return _json(self.state.store.state())

    async def admin_export(self, request: Request) -> Response:
        try:
            rows = self.state.store.export(request.path_params["table"])
        except (KeyError, ValueError):
            return _json({"error": f"unknown table {request.path_params['table']!r}"}, 404)
        return _json(rows)

    async def admin_outbox(self, request: Request) -> Response:
        username = request.query_params.get("username")
        return _json([m for m in self.state.auth.outbox if username in (None, m["username"])])

    async def admin_advance(self, request: Request) -> Response:
        body = orjson.loads(await request.body() or b"{}")
        changes = body.get("changes", 1)
        if not isinstance(changes, int) or changes < 0:
            return _json({"error": "changes must be a non-negative integer"}, 422)
        return _json(self.state.store.advance(changes))

    async def admin_purge(self, request: Request) -> Response:
        """Delete without a tombstone: {"table": warehouse table, "id": n} (for
        `project_clients`, the id is the client_id of the link; the first one found goes)."""
        body = orjson.loads(await request.body() or b"{}")
        table, rid = body.get("table"), body.get("id")
        if not isinstance(rid, int) or not isinstance(table, str):
            return _json({"error": "body must be {\"table\": name, \"id\": integer}"}, 422)
        try:
            purged = self.state.store.purge(table, rid)
        except NotFound:
            return _json({"error": f"unknown table {table!r}"}, 404)
        if not purged:
            return _json({"error": f"{table} {rid} not found"}, 404)
        return _json({"purged": {"table": table, "id": rid}})

    async def admin_faults(self, request: Request) -> Response:
        if request.method == "POST":
            body = orjson.loads(await request.body() or b"{}")
            try:
                self.state.faults.configure(FaultConfig(**body))
            except (TypeError, ValueError) as exc:
                return _json({"error": str(exc)}, 422)
        return _json(self.state.faults.describe())

    async def admin_clock(self, request: Request) -> Response:
        body = orjson.loads(await request.body() or b"{}")
        self.state.auth.clock.shift(float(body.get("advance_seconds", 0)))
        return _json({"offset_seconds": self.state.auth.clock.offset})

    def _project_route(self, kind: str) -> Route:
        """`/projects/{id}/<kind>`: GET, plus POST where the contract has a write."""
        handlers = {"GET": self.list_project_entity}
        if kind in WRITE_ROUTES:
            handlers["POST"] = self.create_document

        async def dispatch(request: Request) -> Response:
            request.path_params["kind"] = kind
            return await handlers[request.method](request)

        return Route(f"/projects/{{project_id:int}}/{kind}", dispatch, methods=list(handlers))

    def routes(self) -> list[Route]:
        from coconstruct_sandbox.files.routes import AttachmentRoutes
        from coconstruct_sandbox.webhooks.routes import WebhookRoutes

        attachments, webhooks = AttachmentRoutes(self), WebhookRoutes(self)
        contract = [
            Route("/sessions", _by_method(POST=self.create_session, DELETE=self.revoke_session),
                  methods=["POST", "DELETE"]),
            Route("/sessions/mfa", self.complete_mfa, methods=["POST"]),
            Route("/sessions/refresh", self.refresh_session, methods=["POST"]),
            Route("/oauth/token", self.oauth_token, methods=["POST"]),
            Route("/company", self.company, methods=["GET"]),
            *(Route(path, self.list_entity, methods=["GET"]) for path in LIST_ROUTES),
            *(self._project_route(kind) for kind in PROJECT_LIST_ROUTES),
            *attachments.api_routes(),
            *webhooks.api_routes(),
            Route("/{collection}/{id:int}", self.get_entity, methods=["GET"]),
        ]
        admin = [
            Route("/_sandbox/accounts", self.admin_accounts, methods=["GET"]),
            Route("/_sandbox/oauth/grant", self.admin_oauth_grant, methods=["POST"]),
            Route("/_sandbox/state", self.admin_state, methods=["GET"]),
            Route("/_sandbox/export/{table}", self.admin_export, methods=["GET"]),
            Route("/_sandbox/outbox", self.admin_outbox, methods=["GET"]),
            Route("/_sandbox/advance", self.admin_advance, methods=["POST"]),
            Route("/_sandbox/purge", self.admin_purge, methods=["POST"]),
            Route("/_sandbox/faults", self.admin_faults, methods=["GET", "POST"]),
            Route("/_sandbox/clock", self.admin_clock, methods=["POST"]),
            *attachments.admin_routes(),
            *webhooks.admin_routes(),
        ]
        return admin + contract


def _by_method(**handlers: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """One route per path serving several methods, so a 405's Allow header names them all
    (two Starlette routes on one path each answer 405 with only their own methods)."""

    async def dispatch(request: Request) -> Response:
        return await handlers[request.method](request)

    return dispatch


def _fields(body: Any, limits: dict[str, int]) -> dict[str, str]:
    """The required string fields of a small JSON body (and nothing else), or 422."""
    if not isinstance(body, dict):
        raise ApiError(422, "validation_error", "The body must be a JSON object.")
    details = [{"field": k, "problem": "required non-empty string"}
               for k, limit in limits.items()
               if not isinstance(body.get(k), str) or not 1 <= len(body[k]) <= max(limit, 1)]
    details += [{"field": k, "problem": "unknown field"} for k in body if k not in limits]
    if details:
        raise ApiError(422, "validation_error", "Invalid request body.", details=details)
    return body


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type=JSON)


def build_app(state: SandboxState) -> ASGIApp:
    """The ASGI app: Starlette routes wrapped in the fault middleware; file bytes beside it."""
    app = SandboxApp(state)
    starlette = Starlette(
        routes=app.routes(),
        exception_handlers={ApiError: app.on_api_error, HTTPException: app.on_http_error},
    )
    starlette.state.sandbox = state
    from coconstruct_sandbox.files.routes import FileBytes

    # signed file URLs stream outside the fault middleware (it buffers whole answers)
    return FileBytes(state.files, FaultMiddleware(starlette, state.faults))
