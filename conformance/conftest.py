"""The conformance suite. Fixtures and options come from the cbr_conformance pytest plugin; the
stage of resources the generated tests (fuzzing, the state machine) start from is made here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from cbr_conformance.contract.checks import CheckContext
from cbr_conformance.contract.resource_types import SERVER
from cbr_conformance.contract.service_rules import RealIds
from cbr_conformance.generation.preconditions import Stage
from cbr_conformance.outcome import NotTested, Why
from cbr_conformance.plugin.fixtures import make_client, new_cleanups
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.resources.provision import Resources
from cbr_conformance.resources.tasks import extra
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.creations import (
    SECOND_PROJECT,
    check_created,
    creates,
    declared_by,
    total_of,
    with_default_gb,
)
from cbr_conformance.target.endpoint import Target
from cbr_conformance.testkit import bodies
from cbr_conformance.testkit.bodies import DEFAULT_VAULT_SIZE
from cbr_conformance.transport.recording import Redactor


def _existing_ids(client: CBRClient) -> dict[str, str]:
    """Ids of resources the project already has, found through the list operations."""
    found: dict[str, str] = {}
    for operation, key, name in (
        ("list_vaults", "vaults", "vault_id"),
        ("list_backups", "backups", "backup_id"),
        ("list_operation_logs", "operation_logs", "operation_log_id"),
    ):
        items = client.call(operation, query={"limit": 1}).json()[key]
        if items:
            found[name] = items[0]["id"]
            if name == "backup_id":
                found["checkpoint_id"] = items[0]["checkpoint_id"]
    policies = client.call("list_policies").json()["policies"]
    if policies:
        found["policy_id"] = policies[0]["id"]
    return found


def _stage_task(client: CBRClient, ids: RealIds) -> dict[str, str]:
    """The operation log the cases name: the task of the stage's own backup, the same in every run
    of a seed; without one, the project's newest, which is whatever the run's other tests did last."""
    vault_id, backup_id = ids.values.get("vault_id"), ids.values.get("backup_id")
    if vault_id and backup_id:
        query = {"vault_id": vault_id, "operation_type": "backup", "limit": "1000"}
        answer = client.call("list_operation_logs", query=query, check=False)
        tasks = answer.json().get("operation_logs", []) if answer.status == 200 else []
        for task in tasks if isinstance(tasks, list) else []:
            if isinstance(task, dict) and (
                task.get("checkpoint_id") == ids.values.get("checkpoint_id")
                or extra(task, "backup").get("backup_id") == backup_id
            ):
                return {"operation_log_id": str(task["id"])}
    return {k: v for k, v in _existing_ids(client).items() if k == "operation_log_id"}


@pytest.fixture(scope="module")
@creates(policy=1)
@creates(vault=1, server_backup=1, needs=(SERVER,))  # a vault with a server, and its backup
@creates(vault=1, needs=(SECOND_PROJECT,))  # the second project's, to accept the share in
@creates(share=1, needs=(SERVER, SECOND_PROJECT))
def cbr_stage(
    cbr_target: Target,
    cbr_check_context: CheckContext,
    cbr_redactor: Redactor,
    cbr_http: requests.Session,
    cbr_inventory: Inventory,
    cbr_prefix: str,
) -> Iterator[Stage]:
    """The run's resources that valid cases name: a vault with a server, its backup and restore
    point, a policy, a spare server in no vault, a share with the second project (and a vault of
    that project to accept it in), an operation log.

    In read-only mode nothing is created: the ids are those of whatever the project already has.
    """
    cleanups = new_cleanups(cbr_target, "cbr_stage")
    config = cbr_target.config
    client = make_client(cbr_target, cbr_check_context, cbr_redactor, cbr_http, cleanups=cleanups)
    member = None
    if config.second_project_id and config.secondary() is not None:
        member = make_client(
            cbr_target, cbr_check_context, cbr_redactor, cbr_http, second=True, cleanups=cleanups
        )
    resources = Resources(
        client,
        cbr_inventory,
        f"{cbr_prefix}-fuzz",
        cleanups,
        max_wait=config.max_wait,
        poll_interval=config.poll_interval,
        read_only=config.read_only,
    )
    try:
        ids = RealIds({"member_id": config.second_project_id or "unknown-project"})
        if config.read_only:
            ids.values.update(_existing_ids(client))
        else:
            _make_resources(resources, ids, member, for_restore=client.allow_restore)
            declared = total_of(declared_by(cbr_stage) or [])
            check_created(with_default_gb(declared, DEFAULT_VAULT_SIZE), cleanups.created)
            ids.values.update(_stage_task(client, ids))
        yield Stage(client, ids, resources, member)
    finally:
        cbr_target.workspace.pending.leftovers.extend(cleanups.run())


def _spare(resources: Resources) -> dict[str, str] | None:
    """A server in no vault for the cases that move one in and out of the stage's vault; None
    when the inventory has none free (those cases then name none of the run's)."""
    try:
        return resources.lease(SERVER).as_vault_resource()
    except NotTested as exc:
        if exc.why is not Why.INVENTORY:
            raise
        return None


def _make_resources(
    resources: Resources, ids: RealIds, member: CBRClient | None, *, for_restore: bool
) -> None:
    client = resources.client
    if member is not None:  # made first, so that it is deleted after the share accepted in it
        made = Resources(member, Inventory.empty(), resources.prefix, resources.cleanups,
                         max_wait=resources.max_wait, poll_interval=resources.poll_interval)  # fmt: skip
        ids.member_vault_id = made.vault()["id"]
    if resources.inventory.count(SERVER):
        # a server the run may restore onto, when restores are allowed: the fuzzer restores its backup
        try:
            vault, server = resources.vault_with_resource(SERVER, for_restore=for_restore)
        except NotTested as exc:  # no restore target in the inventory: restores name nothing
            if exc.why is not Why.INVENTORY:
                raise
            (vault, server), for_restore = resources.vault_with_resource(SERVER), False
        ids.resources = [server.as_vault_resource()]
        if resources.inventory.count(SERVER) > 1:
            ids.lease_spare = lambda: _spare(resources)
        backup = resources.backup(vault["id"])
        ids.values.update(vault_id=vault["id"], backup_id=backup["id"], checkpoint_id=backup["checkpoint_id"])
        if for_restore:
            ids.restore = bodies.server_restore_body(backup)["restore"]
        if member is not None:
            share = {"members": [member.project_id]}
            client.call("add_share_members", path={"backup_id": backup["id"]}, json_body=share)
    ids.values["policy_id"] = resources.policy()["id"]
