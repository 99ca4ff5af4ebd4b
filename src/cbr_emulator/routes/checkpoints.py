"""4.3 Restore points."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from cbr_emulator.models import checkpoints
from cbr_emulator.parsers.checkpoints import parse_checkpoint_create
from cbr_emulator.routes.common import ApiContext, api, json_response

PREFIX = "/v3/{project_id}/checkpoints"


@api
async def create_checkpoint(ctx: ApiContext) -> Response:
    req = parse_checkpoint_create(ctx.json())
    return json_response(await ctx.run(lambda s: checkpoints.create_checkpoint(s, ctx.project_id, req)))


@api
async def show_checkpoint(ctx: ApiContext) -> Response:
    checkpoint_id = ctx.path("checkpoint_id")
    return json_response(
        await ctx.run(lambda s: checkpoints.show_checkpoint(s, ctx.project_id, checkpoint_id))
    )


routes = [
    Route(PREFIX, create_checkpoint, methods=["POST"]),
    Route(PREFIX + "/{checkpoint_id}", show_checkpoint, methods=["GET"]),
]
