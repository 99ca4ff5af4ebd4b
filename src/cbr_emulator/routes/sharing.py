"""4.2 Backup sharing."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from cbr_emulator.models import members
from cbr_emulator.parsers.members import parse_add_members, parse_member_filter, parse_member_update
from cbr_emulator.routes.common import ApiContext, api, empty_response, json_response

PREFIX = "/v3/{project_id}/backups/{backup_id}/members"


@api
async def add_members(ctx: ApiContext) -> Response:
    backup_id = ctx.path("backup_id")
    member_ids = parse_add_members(ctx.json())
    return json_response(
        await ctx.run(lambda s: members.add_members(s, ctx.project_id, backup_id, member_ids))
    )


@api
async def list_members(ctx: ApiContext) -> Response:
    backup_id = ctx.path("backup_id")
    f = parse_member_filter(ctx.query)
    return json_response(await ctx.run(lambda s: members.list_members(s, ctx.project_id, backup_id, f)))


@api
async def show_member(ctx: ApiContext) -> Response:
    backup_id, member_id = ctx.path("backup_id"), ctx.path("member_id")
    return json_response(
        await ctx.run(lambda s: members.show_member(s, ctx.project_id, backup_id, member_id))
    )


@api
async def update_member(ctx: ApiContext) -> Response:
    backup_id, member_id = ctx.path("backup_id"), ctx.path("member_id")
    status, vault_id = parse_member_update(ctx.json())
    return json_response(
        await ctx.run(
            lambda s: members.update_member(s, ctx.project_id, backup_id, member_id, status, vault_id)
        )
    )


@api
async def delete_member(ctx: ApiContext) -> Response:
    backup_id, member_id = ctx.path("backup_id"), ctx.path("member_id")
    await ctx.run(lambda s: members.delete_member(s, ctx.project_id, backup_id, member_id))
    return empty_response(204)


routes = [
    Route(PREFIX, add_members, methods=["POST"]),
    Route(PREFIX, list_members, methods=["GET"]),
    Route(PREFIX + "/{member_id}", update_member, methods=["PUT"]),
    Route(PREFIX + "/{member_id}", show_member, methods=["GET"]),
    Route(PREFIX + "/{member_id}", delete_member, methods=["DELETE"]),
]
