"""4.5 Backups."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from cbr_emulator.models import backup_query, backups
from cbr_emulator.parsers.backups import parse_backup_filter, parse_restore
from cbr_emulator.routes.common import ApiContext, api, empty_response, json_response

PREFIX = "/v3/{project_id}/backups"


@api
async def list_backups(ctx: ApiContext) -> Response:
    f = parse_backup_filter(ctx.query)
    return json_response(await ctx.run(lambda s: backup_query.list_backups(s, ctx.project_id, f)))


@api
async def show_backup(ctx: ApiContext) -> Response:
    backup_id = ctx.path("backup_id")
    return json_response(await ctx.run(lambda s: backups.show_backup(s, ctx.project_id, backup_id)))


@api
async def delete_backup(ctx: ApiContext) -> Response:
    backup_id = ctx.path("backup_id")
    await ctx.run(lambda s: backups.delete_backup(s, ctx.project_id, backup_id))
    return empty_response(204)


@api
async def restore_backup(ctx: ApiContext) -> Response:
    backup_id = ctx.path("backup_id")
    req = parse_restore(ctx.json())
    await ctx.run(lambda s: backups.restore_backup(s, ctx.project_id, backup_id, req))
    return empty_response(202)


routes = [
    Route(PREFIX, list_backups, methods=["GET"]),
    Route(PREFIX + "/{backup_id}", show_backup, methods=["GET"]),
    Route(PREFIX + "/{backup_id}", delete_backup, methods=["DELETE"]),
    Route(PREFIX + "/{backup_id}/restore", restore_backup, methods=["POST"]),
]
