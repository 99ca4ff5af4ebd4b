"""4.1 Tasks (operation logs)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from cbr_emulator.models import operation_logs
from cbr_emulator.parsers.tasks import parse_operation_log_filter
from cbr_emulator.routes.common import ApiContext, api, json_response

PREFIX = "/v3/{project_id}/operation-logs"


@api
async def list_operation_logs(ctx: ApiContext) -> Response:
    f = parse_operation_log_filter(ctx.query)
    return json_response(await ctx.run(lambda s: operation_logs.list_logs(s, ctx.project_id, f)))


@api
async def show_operation_log(ctx: ApiContext) -> Response:
    log_id = ctx.path("operation_log_id")
    return json_response(await ctx.run(lambda s: operation_logs.show(s, ctx.project_id, log_id)))


routes = [
    Route(PREFIX, list_operation_logs, methods=["GET"]),
    Route(PREFIX + "/{operation_log_id}", show_operation_log, methods=["GET"]),
]
