"""4.4 Vaults."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from cbr_emulator.models import vault_resources, vaults
from cbr_emulator.models.common import Session
from cbr_emulator.parsers import vaults as parse
from cbr_emulator.routes.common import ApiContext, api, empty_response, json_response

PREFIX = "/v3/{project_id}/vaults"


@api
async def create_vault(ctx: ApiContext) -> Response:
    req = parse.parse_vault_create(ctx.json())
    return json_response(await ctx.run(lambda s: vaults.create_vault(s, ctx.project_id, req)))


@api
async def list_vaults(ctx: ApiContext) -> Response:
    f = parse.parse_vault_filter(ctx.query)
    return json_response(await ctx.run(lambda s: vaults.list_vaults(s, ctx.project_id, f)))


@api
async def show_vault(ctx: ApiContext) -> Response:
    vault_id = ctx.path("vault_id")
    return json_response(await ctx.run(lambda s: vaults.show_vault(s, ctx.project_id, vault_id)))


@api
async def update_vault(ctx: ApiContext) -> Response:
    vault_id = ctx.path("vault_id")
    req = parse.parse_vault_update(ctx.json())
    return json_response(await ctx.run(lambda s: vaults.update_vault(s, ctx.project_id, vault_id, req)))


@api
async def delete_vault(ctx: ApiContext) -> Response:
    vault_id = ctx.path("vault_id")
    await ctx.run(lambda s: vaults.delete_vault(s, ctx.project_id, vault_id))
    return empty_response(204)


@api
async def add_resources(ctx: ApiContext) -> Response:
    vault_id = ctx.path("vault_id")
    specs = parse.parse_add_resources(ctx.json())

    def act(s: Session) -> list[str]:
        return vault_resources.add_resources(
            s, ctx.project_id, vaults.get_vault(s, ctx.project_id, vault_id), specs
        )

    return json_response({"add_resource_ids": await ctx.run(act)})


@api
async def remove_resources(ctx: ApiContext) -> Response:
    vault_id = ctx.path("vault_id")
    resource_ids = parse.parse_remove_resources(ctx.json())

    def act(s: Session) -> list[str]:
        vault = vaults.get_vault(s, ctx.project_id, vault_id)
        return vault_resources.remove_resources(s, ctx.project_id, vault, resource_ids)

    return json_response({"remove_resource_ids": await ctx.run(act)})


@api
async def associate_policy(ctx: ApiContext) -> Response:
    vault_id = ctx.path("vault_id")
    body = ctx.json()
    policy_ids = parse.parse_policies_to_apply(body)
    destination = parse.parse_destination_vault(body)

    def act(s: Session) -> dict[str, Any]:
        # a vault has one backup policy: of several, each replaces the one before and the last stays
        applied: dict[str, Any] = {}
        for policy_id in policy_ids:
            applied = vaults.associate_policy(s, ctx.project_id, vault_id, policy_id, destination)
        return applied

    return json_response(await ctx.run(act))


@api
async def dissociate_policy(ctx: ApiContext) -> Response:
    vault_id = ctx.path("vault_id")
    policy_id = parse.parse_policy_reference(ctx.json())
    return json_response(
        await ctx.run(lambda s: vaults.dissociate_policy(s, ctx.project_id, vault_id, policy_id))
    )


routes = [
    Route(PREFIX, create_vault, methods=["POST"]),
    Route(PREFIX, list_vaults, methods=["GET"]),
    Route(PREFIX + "/{vault_id}", show_vault, methods=["GET"]),
    Route(PREFIX + "/{vault_id}", update_vault, methods=["PUT"]),
    Route(PREFIX + "/{vault_id}", delete_vault, methods=["DELETE"]),
    Route(PREFIX + "/{vault_id}/addresources", add_resources, methods=["POST"]),
    Route(PREFIX + "/{vault_id}/removeresources", remove_resources, methods=["POST"]),
    Route(PREFIX + "/{vault_id}/associatepolicy", associate_policy, methods=["POST"]),
    Route(PREFIX + "/{vault_id}/dissociatepolicy", dissociate_policy, methods=["POST"]),
]
