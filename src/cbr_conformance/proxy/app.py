"""The proxy's ASGI application: one catch-all route that forwards, judges and records, and
`GET /_proxy/report`, which writes the report of the traffic so far and says where it is.

The proxy is never in a client's way: a request the spec does not know is forwarded unchecked,
one it forbids is forwarded too (and recorded as the client's fault), unless `enforce` asks the
proxy to refuse it. Its own answers (that refusal, a target that does not answer) are marked as
the proxy's, by the X-Cbr-Conformance-Proxy header and an error code of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from cbr_conformance.proxy.forwarding import Body, Unreachable, Upstream, response_headers
from cbr_conformance.proxy.judging import Judge
from cbr_conformance.proxy.traffic import Proxied, Traffic
from cbr_conformance.transport.recording import Violation

PROXY_HEADER = "X-Cbr-Conformance-Proxy"
REFUSED_CODE = "CbrConformanceProxy.0400"  # no code of the service's catalogue: a client sees whose it is
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@dataclass
class ProxyState:
    judge: Judge
    traffic: Traffic
    upstream: Upstream
    enforce: bool
    write_report: Callable[[], dict[str, Any]]  # writes the report files; what to answer


def proxy_answer(status: int, code: str, message: str, what: str, **extra: Any) -> JSONResponse:
    """An answer of the proxy's own, in the service's error shape, marked as the proxy's."""
    body = {"error_code": code, "error_msg": f"cbr-conformance proxy: {message}", **extra}
    return JSONResponse(body, status_code=status, headers={PROXY_HEADER: what})


def refusal(violations: Sequence[Violation]) -> JSONResponse:
    return proxy_answer(
        400,
        REFUSED_CODE,
        "the request breaks the contract and was not forwarded (--enforce): "
        + "; ".join(v.message for v in violations),
        "refused",
        request_errors=[v.message for v in violations],
    )


class RelayedResponse(StreamingResponse):
    """The target's answer, passed on as it arrives; `on_end` runs once it is over, whichever way
    (all sent, the client gone, the target cut off)."""

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        status: int,
        raw_headers: list[tuple[bytes, bytes]],
        on_end: Callable[[], Awaitable[None]],
    ) -> None:
        super().__init__(chunks, status_code=status)
        self.raw_headers = raw_headers
        self._on_end = on_end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except Unreachable:
            pass  # the answer broke off: the client's connection closes unfinished, as the target's did
        finally:
            with anyio.CancelScope(shield=True):
                await self._on_end()


async def forward(request: Request) -> Response:
    state: ProxyState = request.app.state.proxy
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + state.upstream.timeout
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string", b"")
    headers = request.headers.raw
    body = await request.body()
    url = state.upstream.url(raw_path, query)
    matched = state.judge.operation(request.method, raw_path.decode("latin-1"))
    operation, path = matched if matched is not None else (None, {})
    exchange, violations = state.judge.request(
        operation, request.method, str(url), headers, body, path, query
    )
    proxied = Proxied(state.traffic.begin(), exchange, violations)
    if violations and state.enforce:
        proxied.refused = True
        exchange.error = "refused by the proxy (--enforce): not forwarded"
        state.traffic.end(proxied)
        return refusal(violations)
    try:
        answer = await state.upstream.open(request.method, url, headers, body, deadline)
    except Unreachable as exc:
        exchange.error = state.judge.redactor.text(str(exc))
        exchange.elapsed = loop.time() - started
        state.traffic.end(proxied)
        return proxy_answer(
            exc.status, f"CbrConformanceProxy.0{exc.status}", str(exc), "unreachable", target=str(url)
        )
    except BaseException:  # the client left, the proxy is stopping: the exchange ends unanswered
        exchange.error = "ended before the target answered"
        state.traffic.end(proxied)
        raise
    received = Body()

    async def judge_and_record() -> None:
        try:
            await answer.aclose()
            elapsed = loop.time() - started
            state.judge.response(exchange, answer.status_code, answer.headers.raw, received, elapsed)
        finally:
            state.traffic.end(proxied)

    return RelayedResponse(
        state.upstream.relay(answer, deadline, received),
        answer.status_code,
        response_headers(answer),
        judge_and_record,
    )


async def report(request: Request) -> Response:
    state: ProxyState = request.app.state.proxy
    await state.traffic.settled(state.upstream.timeout)
    written = await run_in_threadpool(state.write_report)
    return JSONResponse(written, headers={PROXY_HEADER: "report"})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers={PROXY_HEADER: "health"})


def create_app(state: ProxyState) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await state.upstream.aclose()

    app = Starlette(
        routes=[
            Route("/_proxy/report", report, methods=["GET"]),
            Route("/_proxy/health", health, methods=["GET"]),
            Route("/{path:path}", forward, methods=METHODS),
        ],
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # a path goes to the target as sent, slash or not
    app.state.proxy = state
    return app
