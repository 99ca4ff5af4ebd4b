"""The control API, outside /v3 and without authentication (see README.md)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cbr_emulator.errors import CBRError
from cbr_emulator.models.backend import Backend
from cbr_emulator.models.inventory import InventoryError
from cbr_emulator.routes.common import read_body
from cbr_emulator.validation import parse_json

PREFIX = "/_emulator"
MAX_ADVANCE_SECONDS = 10 * 366 * 86400


def control_error(message: str) -> CBRError:
    """Control API errors say what is wrong in error_msg (they are the emulator's own)."""
    return CBRError(400, "Emulator.0400", message)


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


async def _seconds(request: Request, maximum: float) -> float:
    try:
        body = parse_json(await read_body(request))
    except CBRError:
        raise control_error('the body must be JSON: {"seconds": N}') from None
    value: Any = body.get("seconds") if isinstance(body, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= maximum:
        raise control_error(f'"seconds" must be a number between 0 and {maximum:g}')
    return float(value)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", **_backend(request).clock_state()})


async def reset(request: Request) -> Response:
    await _backend(request).run_async(_backend(request).reset)
    return JSONResponse({"status": "reset"})


async def get_inventory(request: Request) -> Response:
    return JSONResponse(_backend(request).inventory.as_json())


async def put_inventory(request: Request) -> Response:
    try:
        document = parse_json(await read_body(request))
    except CBRError:
        raise control_error("the inventory must be a JSON document") from None
    try:
        _backend(request).set_inventory(document)
    except InventoryError as exc:
        raise control_error(str(exc)) from None
    return JSONResponse(_backend(request).inventory.as_json())


async def get_clock(request: Request) -> Response:
    return JSONResponse(_backend(request).clock_state())


async def advance_clock(request: Request) -> Response:
    seconds = await _seconds(request, MAX_ADVANCE_SECONDS)
    return JSONResponse(await _backend(request).run_async(_backend(request).advance_clock, seconds))


async def set_async_delay(request: Request) -> Response:
    seconds = await _seconds(request, 86400)
    _backend(request).set_async_delay(seconds)
    return JSONResponse({"seconds": seconds})


routes = [
    Route(PREFIX + "/health", health, methods=["GET"]),
    Route(PREFIX + "/reset", reset, methods=["POST"]),
    Route(PREFIX + "/inventory", get_inventory, methods=["GET"]),
    Route(PREFIX + "/inventory", put_inventory, methods=["PUT"]),
    Route(PREFIX + "/clock", get_clock, methods=["GET"]),
    Route(PREFIX + "/clock/advance", advance_clock, methods=["POST"]),
    Route(PREFIX + "/async-delay", set_async_delay, methods=["PUT"]),
]
