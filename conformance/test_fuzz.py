"""Property-based fuzzing of all 27 operations, positive and negative (schemathesis + hypothesis).

Positive cases are valid per the spec: the target accepts them or answers a documented error,
never a 5xx. Negative cases break the spec: the target refuses them with a documented 4xx, never
a 2xx or a 5xx. Every response also passes the automatic contract checks. The budget is
`--fuzz-examples` cases per operation and mode, the seed `--fuzz-seed` (both in the report).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from cbr_conformance import bodies
from cbr_conformance.checks import CheckContext
from cbr_conformance.client import CBRClient
from cbr_conformance.config import SuiteConfig
from cbr_conformance.contract import Contract
from cbr_conformance.fuzzing import NotApplicable, fuzz_operation, replay_command
from cbr_conformance.inventory import SERVER, Inventory
from cbr_conformance.plugin.fixtures import make_client, new_cleanups
from cbr_conformance.plugin.keys import PENDING_LEFTOVERS
from cbr_conformance.preconditions import Stage
from cbr_conformance.recording import Redactor
from cbr_conformance.resources import Resources
from cbr_conformance.service_rules import RealIds
from cbr_conformance.target import Target

# Destructive operations last, so that the shared resources serve the others first.
_LAST = ("delete_share_member", "delete_backup", "delete_policy", "delete_vault")


def _cases() -> list[Any]:
    operations = sorted(
        Contract.load(), key=lambda op: _LAST.index(op.operation_id) + 1 if op.operation_id in _LAST else 0
    )
    return [
        pytest.param(
            op.operation_id,
            mode,
            id=f"{op.operation_id}-{mode}",
            marks=pytest.mark.cbr(
                operation=op.operation_id,
                kind="fuzz",
                mutates=op.method != "GET",
                id=f"fuzz-{op.operation_id}-{mode}",
            ),
        )
        for op in operations
        for mode in ("positive", "negative")
    ]


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


@pytest.fixture(scope="module")
def fuzz_stage(
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
    cleanups = new_cleanups(cbr_target)
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
            ids.values.update({k: v for k, v in _existing_ids(client).items() if k == "operation_log_id"})
        yield Stage(client, ids, resources, member)
    finally:
        PENDING_LEFTOVERS.extend(cleanups.run())


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
        except pytest.skip.Exception:  # no restore target in the inventory: restores name nothing
            (vault, server), for_restore = resources.vault_with_resource(SERVER), False
        ids.resources = [server.as_vault_resource()]
        if resources.inventory.count(SERVER) > 1:
            ids.spare = resources.lease(SERVER).as_vault_resource()
        backup = resources.backup(vault["id"])
        ids.values.update(vault_id=vault["id"], backup_id=backup["id"], checkpoint_id=backup["checkpoint_id"])
        if for_restore:
            ids.restore = bodies.server_restore_body(backup)["restore"]
        if member is not None:
            share = {"members": [member.project_id]}
            client.call("add_share_members", path={"backup_id": backup["id"]}, json_body=share)
    ids.values["policy_id"] = resources.policy()["id"]


@pytest.mark.parametrize(("operation_id", "mode"), _cases())
def test_fuzz(
    request: pytest.FixtureRequest,
    cbr: CBRClient,
    cbr_config: SuiteConfig,
    fuzz_stage: Stage,
    cbr_prefix: str,
    record_property: Callable[[str, object], None],
    operation_id: str,
    mode: str,
) -> None:
    """4.1 to 4.6: fuzzed valid requests get a documented answer, invalid ones a documented 4xx."""
    try:
        tally = fuzz_operation(
            cbr,
            operation_id,
            mode,
            fuzz_stage.ids,
            examples=cbr_config.fuzz_examples,
            seed=cbr_config.fuzz_seed,
            seconds=cbr_config.fuzz_seconds,
            name_prefix=cbr_prefix,
            # the test's own client sends the cases, so that what they make is deleted at its end
            stage=replace(fuzz_stage, client=cbr),
            replay=cbr_config.fuzz_replay,
        )
    except NotApplicable as exc:
        pytest.skip(str(exc))
    except AssertionError as failure:
        command = replay_command(
            request.node.nodeid, cbr_config.fuzz_seed, getattr(failure, "fuzz_replay", None)
        )
        failure.add_note(f"replay it (with the run's target options): {command}")
        raise
    # What the target answered, for the report's fuzzing table (a target refusing every valid case
    # with a documented error passes positive fuzzing; the table shows it).
    record_property("cbr_fuzz", json.dumps({"mode": mode, "answers": dict(tally.answers)}))
    assert tally.sent > 0, f"setup: no {mode} case of {operation_id} could be generated from the spec"
