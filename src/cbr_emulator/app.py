"""The Starlette application: routes, and error bodies for everything that can go wrong.

* CBRError -> its status and ``{"error_code", "error_msg"}`` body;
* an unknown route -> 404 APIGW.0101; a known route with another method -> 405 APIGW.0101;
* any other exception -> 500 BackupService.9910, never a stack trace (it is logged instead).
"""

from __future__ import annotations

import logging
import re
import uuid

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cbr_emulator import errors
from cbr_emulator.config import Settings
from cbr_emulator.models.backend import Backend
from cbr_emulator.routes import backups, checkpoints, control, policies, sharing, tasks, vaults

logger = logging.getLogger("cbr_emulator")


def all_routes() -> list[BaseRoute]:
    return [
        *control.routes,
        *tasks.routes,
        *sharing.routes,
        *checkpoints.routes,
        *vaults.routes,
        *backups.routes,
        *policies.routes,
    ]


def error_response(error: errors.CBRError) -> Response:
    headers = {}
    # why the request failed, for humans; the body stays exactly the documented one. A header value
    # is printable ASCII with no space at either end (h11 refuses to send "vault  " for /vaults/%20).
    detail = re.sub(r"[^\x20-\x7e]", "?", error.detail or "")[:300].strip()
    if detail:
        headers["X-Emulator-Error-Detail"] = detail
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


async def on_cbr_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.CBRError)
    return error_response(exc)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(errors.api_not_found())
    if exc.status_code == 405:
        response = error_response(errors.method_not_allowed())
        response.headers["Allow"] = ", ".join(_allowed_methods(request))  # RFC 9110, 15.5.6
        return response
    return error_response(errors.invalid_parameter(f"HTTP {exc.status_code}: {exc.detail}"))


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path (one route per method and path here)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route.methods or ())
    return sorted(methods - {"HEAD"})


async def on_unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(errors.unknown_error())


class RequestIdMiddleware:
    """Every answer carries X-Request-Id, as the real service's do (the SDK reports it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex.encode("ascii")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id)]
            await send(message)

        await self.app(scope, receive, send_with_id)


def create_app(settings: Settings | None = None, backend: Backend | None = None) -> Starlette:
    app = Starlette(
        routes=all_routes(),
        middleware=[Middleware(RequestIdMiddleware)],
        exception_handlers={
            errors.CBRError: on_cbr_error,
            HTTPException: on_http_exception,
            Exception: on_unexpected,
        },
    )
    app.router.redirect_slashes = False  # the gateway does not redirect: /vaults/ is an unknown API
    app.state.backend = backend or Backend(settings or Settings())
    return app
