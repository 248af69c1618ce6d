"""HTTP for webhooks: the contract's subscription API (admins and project managers) and
`/_sandbox/webhooks` (deliveries so far) and `/_sandbox/webhook-faults`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coconstruct_sandbox.app import ApiError, _json
from coconstruct_sandbox.webhooks.delivery import WebhookFaultConfig, WebhookService

if TYPE_CHECKING:
    from coconstruct_sandbox.app import SandboxApp

URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$")


class WebhookRoutes:
    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.webhooks: WebhookService = app.state.webhooks

    def _admin(self, request: Request) -> None:
        session = self.app._begin(request)
        assert session is not None
        if not session.account.can_write:
            raise ApiError(403, "forbidden", f"The {session.account.role} role may not manage webhooks.")

    async def create(self, request: Request) -> Response:
        self._admin(request)
        body = await self.app._json_body(request)
        if not isinstance(body, dict) or not set(body) <= {"url", "events"}:
            raise ApiError(422, "validation_error", 'The body must be {"url": ..., "events"?: [...]}.')
        url, events = body.get("url"), body.get("events", ["*"])
        if not isinstance(url, str) or len(url) > 2000 or not URL.match(url):
            raise ApiError(422, "validation_error", "url must be an http(s) URL.",
                           details=[{"field": "url"}])
        if not (isinstance(events, list) and 1 <= len(events) <= 100
                and all(isinstance(e, str) and 1 <= len(e) <= 100 for e in events)):
            raise ApiError(422, "validation_error", "events must be a list of event type patterns.",
                           details=[{"field": "events"}])
        subscription = self.webhooks.subscribe(url, events)
        return self.app._ok(request, orjson.dumps(subscription.public(with_secret=True)), 201)

    async def list(self, request: Request) -> Response:
        self._admin(request)
        data = [s.public() for s in self.webhooks.subscriptions.values()]
        return self.app._ok(request, orjson.dumps({"data": data, "next_cursor": None}))

    async def delete(self, request: Request) -> Response:
        self._admin(request)
        if not self.webhooks.unsubscribe(request.path_params["subscription_id"]):
            raise ApiError(404, "not_found", "No such webhook subscription.")
        headers = request.state.rl_headers | {"X-Request-Id": request.state.request_id}
        return Response(status_code=204, headers=headers)

    async def admin_state(self, request: Request) -> Response:
        return _json(self.webhooks.describe())

    async def admin_faults(self, request: Request) -> Response:
        if request.method == "POST":
            body = orjson.loads(await request.body() or b"{}")
            try:
                self.webhooks.configure_faults(WebhookFaultConfig(**body))
            except (TypeError, ValueError) as exc:
                return _json({"error": str(exc)}, 422)
        return _json(self.webhooks.describe()["faults"])

    def api_routes(self) -> list[Route]:
        return [
            Route("/webhook-subscriptions", self._by_method, methods=["GET", "POST"]),
            Route("/webhook-subscriptions/{subscription_id}", self.delete, methods=["DELETE"]),
        ]

    async def _by_method(self, request: Request) -> Response:
        return await (self.create if request.method == "POST" else self.list)(request)

    def admin_routes(self) -> list[Route]:
        return [
            Route("/_sandbox/webhooks", self.admin_state, methods=["GET"]),
            Route("/_sandbox/webhook-faults", self.admin_faults, methods=["GET", "POST"]),
        ]
