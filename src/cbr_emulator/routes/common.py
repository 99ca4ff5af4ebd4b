"""What every /v3 endpoint does before its own work: read the body, authenticate, then act."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cbr_emulator import errors
from cbr_emulator.auth import IncomingRequest
from cbr_emulator.models.backend import Backend
from cbr_emulator.models.common import Session
from cbr_emulator.validation import Query, parse_json

T = TypeVar("T")
# AK/SK-signed requests may carry at most 12 MB (3.2); the emulator applies that to every request.
MAX_BODY_BYTES = 12 * 1024 * 1024


@dataclass(frozen=True)
class ApiContext:
    request: Request
    backend: Backend
    project_id: str
    body: bytes

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def json(self) -> Any:
        return parse_json(self.body)

    @property
    def query(self) -> Query:
        return Query(self.request.query_params.multi_items())

    async def run(self, fn: Callable[[Session], T]) -> T:
        """The model work, on a worker thread (SQLite calls block)."""
        return await self.backend.run_async(self.backend.run, fn)


Handler = Callable[[ApiContext], Awaitable[Response]]


async def read_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise errors.invalid_parameter("the request body is larger than 12 MB")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def incoming(request: Request, body: bytes) -> IncomingRequest:
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    return IncomingRequest(
        method=request.method,
        raw_path=raw_path.decode("latin-1"),
        raw_query=request.scope.get("query_string", b"").decode("latin-1"),
        headers=[(_decode(k), _decode(v)) for k, v in request.headers.raw],
        body=body,
    )


def api(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: authentication (401/403) comes before any validation of the request."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        backend: Backend = request.app.state.backend
        body = await read_body(request)
        project_id = str(request.path_params["project_id"])
        backend.authenticator.authenticate(incoming(request, body), project_id)
        return await handler(ApiContext(request=request, backend=backend, project_id=project_id, body=body))

    return endpoint


def json_response(payload: Any, status: int = 200) -> Response:
    return JSONResponse(payload, status_code=status)


def empty_response(status: int) -> Response:
    return Response(status_code=status)
