"""4.6 Policies."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from cbr_emulator.models import policies
from cbr_emulator.parsers import policies as parse
from cbr_emulator.routes.common import ApiContext, api, empty_response, json_response

PREFIX = "/v3/{project_id}/policies"


@api
async def create_policy(ctx: ApiContext) -> Response:
    req = parse.parse_policy_create(ctx.json())
    return json_response(await ctx.run(lambda s: policies.create_policy(s, ctx.project_id, req)))


@api
async def list_policies(ctx: ApiContext) -> Response:
    operation_type, vault_id = parse.parse_policy_filter(ctx.query)
    return json_response(
        await ctx.run(lambda s: policies.list_policies(s, ctx.project_id, operation_type, vault_id))
    )


@api
async def show_policy(ctx: ApiContext) -> Response:
    policy_id = ctx.path("policy_id")
    return json_response(await ctx.run(lambda s: policies.show_policy(s, ctx.project_id, policy_id)))


@api
async def update_policy(ctx: ApiContext) -> Response:
    policy_id = ctx.path("policy_id")
    req = parse.parse_policy_update(ctx.json())
    return json_response(await ctx.run(lambda s: policies.update_policy(s, ctx.project_id, policy_id, req)))


@api
async def delete_policy(ctx: ApiContext) -> Response:
    policy_id = ctx.path("policy_id")
    await ctx.run(lambda s: policies.delete_policy(s, ctx.project_id, policy_id))
    return empty_response(204)


routes = [
    Route(PREFIX, create_policy, methods=["POST"]),
    Route(PREFIX, list_policies, methods=["GET"]),
    Route(PREFIX + "/{policy_id}", show_policy, methods=["GET"]),
    Route(PREFIX + "/{policy_id}", update_policy, methods=["PUT"]),
    Route(PREFIX + "/{policy_id}", delete_policy, methods=["DELETE"]),
]
