"""Scenarios of backing up and restoring (reference 5.1, 4.3 to 4.5, 4.1): the ECS backup of the
application case, then restoring, deleting, renaming and expanding, dissociating and deleting a vault.

Each scenario records its steps (`cbr_steps`) and uses only the configured inventory; a resource type
the inventory lacks makes it skip with what to configure. Every backup made is deleted at cleanup.
The waiters always wait for asynchronous work; on a target with time control its clock is also moved
past the delay of the work a scenario looks at, which only makes the wait short.
"""

from __future__ import annotations

from typing import Any

import pytest

from cbr_conformance.backups import BEING_RESTORED, show_backup, wait_gone
from cbr_conformance.bodies import checkpoint_body, server_restore_body
from cbr_conformance.client import CBRClient, Response
from cbr_conformance.codes import BACKUP_NOT_FOUND, NO_RESOURCE, NOT_IN_VAULT, VAULT_NOT_FOUND
from cbr_conformance.expect import expect_error, expect_status, expect_subset
from cbr_conformance.inventory import SERVER, VOLUME
from cbr_conformance.paths import reference_example
from cbr_conformance.resources import Resources
from cbr_conformance.scenario import Settle, Steps
from cbr_conformance.tasks import extra, wait_task


def _backup_ids(cbr: CBRClient, **query: Any) -> list[str]:
    return [b["id"] for b in expect_status(cbr.call("list_backups", query=query), 200)["backups"]]


def _checkpoint(cbr: CBRClient, vault_id: str, **parameters: Any) -> Response:
    """create_checkpoint as sent, for the requests that must be refused (and so make no backup)."""
    return cbr.call("create_checkpoint", json_body=checkpoint_body(vault_id, **parameters))


def _backed_up(resources: Resources, cbr_settle: Settle, checkpoint_id: str) -> list[dict[str, Any]]:
    """Wait for the restore point; its top-level backups, each deleted at cleanup (as by
    `Resources.backup`, for the restore points a scenario makes itself)."""
    cbr_settle()
    resources.wait_checkpoint(checkpoint_id)
    backups = [b for b in resources.backups_of(checkpoint_id) if not b.get("parent_id")]
    for backup in backups:
        resources.delete_later("delete_backup", backup_id=backup["id"])
    return backups


@pytest.mark.cbr(
    operation=(
        "create_checkpoint",
        "create_vault",
        "add_vault_resources",
        "show_checkpoint",
        "list_backups",
        "show_backup",
        "list_operation_logs",
    ),
    kind="scenario",
    mutates=True,
    id="scenario-ecs-backup",
)
def test_ecs_backup_as_in_application_case_5_1(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    server = cbr_resources.lease(SERVER)
    sent = reference_example("create_vault.request.case-5.1-step1.json")["vault"]
    vault = cbr_resources.vault(**{**sent, "name": cbr_resources.name("my_vault")})
    assert vault["resources"] == [], "a vault created with no resources has some"
    expect_subset(vault["billing"], sent["billing"], "$.vault.billing")
    cbr_steps(f"1. created vault {vault['id']} with the body of 5.1 step 1 (server, 200 GB, no resources)")

    expect_error(_checkpoint(cbr, vault["id"]), 400, NO_RESOURCE)
    cbr_steps(f"backing up the empty vault is refused with 400 {NO_RESOURCE}")

    body = {"resources": [server.as_vault_resource()]}
    path = {"vault_id": vault["id"]}
    added = expect_status(cbr.call("add_vault_resources", path=path, json_body=body), 200)
    assert added["add_resource_ids"] == [server.id]
    cbr_steps(f"2. associated server {server.id}: add_resource_ids {added['add_resource_ids']}")

    parameters = reference_example("create_checkpoint.request.case-5.1-step3.json")["checkpoint"][
        "parameters"
    ]
    parameters["resources"] = [server.id]
    checkpoint = cbr_resources.checkpoint(vault["id"], **parameters)
    assert checkpoint["status"] in ("protecting", "available"), (
        f"a new restore point is {checkpoint['status']!r}"
    )
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [server.id]
    assert not checkpoint["vault"].get("skipped_resources"), "the server was skipped"
    expected = {"name": parameters["name"], "description": parameters["description"]}
    expect_subset(checkpoint["extra_info"], expected, "$.checkpoint.extra_info")
    cbr_steps(
        f"3. created restore point {checkpoint['id']} (parameters of 5.1 step 3): {checkpoint['status']}"
    )

    cbr_settle()
    done = cbr_resources.wait_checkpoint(checkpoint["id"])
    assert done["id"] == checkpoint["id"]
    cbr_steps("4. polled show_checkpoint until available")

    listed = expect_status(cbr.call("list_backups", query={"checkpoint_id": checkpoint["id"]}), 200)[
        "backups"
    ]
    for made in listed:
        cbr_resources.delete_later("delete_backup", backup_id=made["id"])
    assert len(listed) == 1, f"one server backed up, {len(listed)} top-level backups listed"
    backup = listed[0]
    expect_subset(
        backup,
        {
            "resource_id": server.id,
            "resource_type": SERVER,
            "vault_id": vault["id"],
            "name": parameters["name"],
            "description": parameters["description"],
        },
        "$.backups[0]",
    )
    assert backup["id"] in _backup_ids(cbr, vault_id=vault["id"], resource_id=server.id)
    cbr_steps(f"backup {backup['id']} of the server is listed by restore point, vault and resource")

    shown = cbr_resources.wait_backup(backup["id"])
    assert shown["status"] == "available" and shown["checkpoint_id"] == checkpoint["id"]
    assert (shown.get("extend_info") or {}).get("auto_trigger") in (None, False), (
        "a manual backup is automatic"
    )
    children = shown.get("children") or []
    assert children, "the server backup shows no backup of its disks"
    for child in children:
        assert child["parent_id"] == backup["id"] and child["resource_type"] == VOLUME
    if server.volumes:
        assert sorted(c["resource_id"] for c in children) == sorted(v["id"] for v in server.volumes)
    cbr_steps(f"show_backup: available, {len(children)} disk backups as children")

    task = wait_task(
        cbr,
        cbr_resources,
        lambda t: t.get("checkpoint_id") == checkpoint["id"],
        what="backup",
        operation_type="backup",
        vault_id=vault["id"],
    )
    assert task["operation_type"] == "backup" and task.get("vault_id") == vault["id"]
    if extra(task, "resource"):
        assert extra(task, "resource")["id"] == server.id
    cbr_steps(f"backup task {task['id']} is listed with status success")

    resources = expect_status(cbr.call("show_vault", path=path), 200)["vault"]["resources"]
    assert [(r["id"], r.get("backup_count", 1)) for r in resources] == [(server.id, 1)], (
        f"the vault's resources after one backup: {resources}"
    )
    cbr_steps("show_vault: the server's backup_count is 1")


@pytest.mark.cbr(
    operation=("restore_backup", "show_backup", "list_operation_logs", "create_checkpoint"),
    kind="scenario",
    mutates=True,
    id="scenario-restore-backup",
)
def test_restore_a_server_backup_and_back_it_up_again(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    vault, server = cbr_resources.vault_with_resource(SERVER, for_restore=True)
    backup = show_backup(cbr, cbr_resources.backup(vault["id"])["id"])
    assert backup.get("children"), "the server backup shows no disk backup to map"
    cbr_steps(f"backed up server {server.id} in vault {vault['id']}: backup {backup['id']}")

    body = server_restore_body(backup, power_on=True)
    response = cbr.call("restore_backup", path={"backup_id": backup["id"]}, json_body=body)
    assert expect_status(response, 202) is None, "a restore answers 202 without a body"
    status = show_backup(cbr, backup["id"])["status"]
    assert status in BEING_RESTORED, f"a backup being restored is {status!r}"
    mapped = len(body["restore"]["mappings"])
    cbr_steps(f"restore_backup onto the server with {mapped} disk mappings: 202; backup {status}")
    cbr_settle()

    task = wait_task(
        cbr,
        cbr_resources,
        lambda t: (
            extra(t, "restore").get("backup_id") == backup["id"]
            or t.get("checkpoint_id") == backup["checkpoint_id"]
        ),
        what="restore",
        operation_type="restore",
        vault_id=vault["id"],
    )
    assert extra(task, "restore").get("target_resource_id") in (None, server.id)
    cbr_steps(f"restore task {task['id']} succeeded")

    assert cbr_resources.wait_backup(backup["id"])["status"] == "available"
    cbr_steps("the backup is available again")

    again = cbr_resources.backup(vault["id"])
    assert again["id"] != backup["id"] and again["resource_id"] == server.id
    cbr_steps(f"the restored server backs up again: backup {again['id']}")


@pytest.mark.cbr(
    operation=("delete_backup", "show_backup", "list_backups", "list_operation_logs", "restore_backup"),
    kind="scenario",
    mutates=True,
    id="scenario-delete-backup",
)
def test_delete_a_server_backup_with_its_disk_backups(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps
) -> None:
    vault, server = cbr_resources.vault_with_resource(SERVER, for_restore=True)
    doomed = show_backup(cbr, cbr_resources.backup(vault["id"])["id"])
    kept = cbr_resources.backup(vault["id"])
    children = doomed.get("children") or []
    cbr_steps(f"two backups of server {server.id}: {doomed['id']} (to delete), {kept['id']}")

    response = cbr.call("delete_backup", path={"backup_id": doomed["id"]})
    assert expect_status(response, 204) is None
    expect_error(wait_gone(cbr, cbr_resources, doomed["id"]), 404, BACKUP_NOT_FOUND)
    for child in children:
        expect_error(cbr.call("show_backup", path={"backup_id": child["id"]}), 404, BACKUP_NOT_FOUND)
    cbr_steps(
        f"delete_backup: 204; show_backup: 404 {BACKUP_NOT_FOUND}, and for its {len(children)} disk backups"
    )

    assert _backup_ids(cbr, vault_id=vault["id"]) == [kept["id"]]
    assert show_backup(cbr, kept["id"])["status"] == "available"
    cbr_steps("the vault lists only the other backup, still available")

    task = wait_task(
        cbr,
        cbr_resources,
        lambda t: extra(t, "delete").get("backup_id") == doomed["id"],
        what="delete",
        operation_type="delete",
        vault_id=vault["id"],
    )
    cbr_steps(f"delete task {task['id']} succeeded")

    body = server_restore_body(doomed)
    expect_error(
        cbr.call("restore_backup", path={"backup_id": doomed["id"]}, json_body=body), 404, BACKUP_NOT_FOUND
    )
    expect_error(cbr.call("delete_backup", path={"backup_id": doomed["id"]}), 404, BACKUP_NOT_FOUND)
    cbr_steps(f"restoring or deleting the deleted backup: 404 {BACKUP_NOT_FOUND}")


@pytest.mark.cbr(
    operation=("update_vault", "show_vault", "list_vaults", "create_checkpoint"),
    kind="scenario",
    mutates=True,
    id="scenario-vault-rename-expand",
)
def test_rename_and_expand_a_vault_in_use(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    vault, volume = cbr_resources.vault_with_resource(VOLUME)
    made = cbr_resources.backup(vault["id"])
    old_name, size = vault["name"], vault["billing"]["size"]
    cbr_steps(f"vault {old_name} ({size} GB) holds disk {volume.id} and backup {made['id']}")

    new_name = cbr_resources.name("renamed")
    body = {"vault": {"name": new_name, "billing": {"size": size * 2}}}
    updated = expect_status(cbr.call("update_vault", path={"vault_id": vault["id"]}, json_body=body), 200)[
        "vault"
    ]
    for result in (
        updated,
        expect_status(cbr.call("show_vault", path={"vault_id": vault["id"]}), 200)["vault"],
    ):
        assert result["id"] == vault["id"] and result["name"] == new_name
        assert result["billing"]["size"] == size * 2
        assert [r["id"] for r in result["resources"]] == [volume.id], "renaming changed the vault's resources"
    cbr_steps(f"update_vault: renamed to {new_name}, expanded to {size * 2} GB; show_vault agrees")

    by_new = expect_status(cbr.call("list_vaults", query={"name": new_name}), 200)
    assert [v["id"] for v in by_new["vaults"]] == [vault["id"]] and by_new["count"] == 1
    by_old = expect_status(cbr.call("list_vaults", query={"name": old_name}), 200)
    assert vault["id"] not in [v["id"] for v in by_old["vaults"]]
    cbr_steps("list_vaults finds it by the new name only")

    assert _backup_ids(cbr, vault_id=vault["id"]) == [made["id"]]
    checkpoint = cbr_resources.checkpoint(vault["id"])
    assert checkpoint["vault"]["name"] == new_name
    _backed_up(cbr_resources, cbr_settle, checkpoint["id"])
    assert len(_backup_ids(cbr, vault_id=vault["id"])) == 2
    cbr_steps("the old backup stays; a new restore point names the vault by its new name")


@pytest.mark.cbr(
    operation=("remove_vault_resources", "show_vault", "create_checkpoint", "add_vault_resources"),
    kind="scenario",
    mutates=True,
    id="scenario-vault-remove-resources",
)
def test_remove_resources_from_a_vault(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    gone, stays = cbr_resources.lease(VOLUME), cbr_resources.lease(VOLUME)
    vault = cbr_resources.vault("disk", [gone, stays])
    first = cbr_resources.backup(vault["id"])
    assert len(cbr_resources.backups_of(first["checkpoint_id"])) == 2
    cbr_steps(f"disk vault {vault['id']} with disks {gone.id} and {stays.id}, both backed up")

    path = {"vault_id": vault["id"]}
    removed = expect_status(
        cbr.call("remove_vault_resources", path=path, json_body={"resource_ids": [gone.id]}), 200
    )
    assert removed["remove_resource_ids"] == [gone.id]
    shown = expect_status(cbr.call("show_vault", path=path), 200)["vault"]
    assert [r["id"] for r in shown["resources"]] == [stays.id]
    holding = expect_status(cbr.call("list_vaults", query={"resource_ids": gone.id}), 200)["vaults"]
    assert vault["id"] not in [v["id"] for v in holding], "list_vaults?resource_ids still finds the vault"
    cbr_steps(f"removeresources {gone.id}: 200; the vault holds only {stays.id}, list_vaults agrees")

    expect_error(_checkpoint(cbr, vault["id"], resources=[gone.id]), 400, NOT_IN_VAULT)
    cbr_steps(f"a restore point of the removed disk is refused with 400 {NOT_IN_VAULT}")
    checkpoint = cbr_resources.checkpoint(vault["id"])
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [stays.id]
    assert [b["resource_id"] for b in _backed_up(cbr_resources, cbr_settle, checkpoint["id"])] == [stays.id]
    cbr_steps("a restore point of the whole vault backs up the remaining disk only")

    expect_status(cbr.call("remove_vault_resources", path=path, json_body={"resource_ids": [stays.id]}), 200)
    assert expect_status(cbr.call("show_vault", path=path), 200)["vault"]["resources"] == []
    expect_error(_checkpoint(cbr, vault["id"]), 400, NO_RESOURCE)
    cbr_steps(f"with both removed the vault is empty; backing it up: 400 {NO_RESOURCE}")

    other = cbr_resources.vault("disk")
    body = {"resources": [gone.as_vault_resource()]}
    added = expect_status(
        cbr.call("add_vault_resources", path={"vault_id": other["id"]}, json_body=body), 200
    )
    assert added["add_resource_ids"] == [gone.id]
    holding = expect_status(cbr.call("list_vaults", query={"resource_ids": gone.id}), 200)["vaults"]
    assert [v["id"] for v in holding] == [other["id"]]
    cbr_steps(f"the removed disk joins another vault {other['id']}; list_vaults?resource_ids finds that one")


@pytest.mark.cbr(
    operation=("delete_vault", "show_vault", "show_backup", "list_backups", "list_operation_logs"),
    kind="scenario",
    mutates=True,
    id="scenario-vault-delete-with-backups",
)
def test_delete_a_vault_that_has_backups(cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps) -> None:
    vault, server = cbr_resources.vault_with_resource(SERVER)
    backups = [show_backup(cbr, cbr_resources.backup(vault["id"])["id"]) for _ in range(2)]
    disk_backups = [c["id"] for b in backups for c in b.get("children") or []]
    cbr_steps(f"vault {vault['id']} holds {len(backups)} backups of server {server.id}")

    assert expect_status(cbr.call("delete_vault", path={"vault_id": vault["id"]}), 204) is None
    expect_error(cbr.call("show_vault", path={"vault_id": vault["id"]}), 404, VAULT_NOT_FOUND)
    cbr_steps(f"delete_vault: 204; show_vault: 404 {VAULT_NOT_FOUND}")

    for backup_id in [b["id"] for b in backups] + disk_backups:
        expect_error(wait_gone(cbr, cbr_resources, backup_id), 404, BACKUP_NOT_FOUND)
    for backup in backups:
        assert _backup_ids(cbr, checkpoint_id=backup["checkpoint_id"]) == []
    cbr_steps(f"its backups and their disk backups: show_backup 404 {BACKUP_NOT_FOUND}, listed nowhere")

    task = wait_task(
        cbr,
        cbr_resources,
        lambda t: t.get("vault_id") == vault["id"],
        what="vault_delete",
        operation_type="vault_delete",
    )
    if extra(task, "vault_delete"):
        assert extra(task, "vault_delete").get("total_count") in (None, len(backups))
    cbr_steps(f"vault_delete task {task['id']} succeeded")

    expect_error(_checkpoint(cbr, vault["id"]), 404, VAULT_NOT_FOUND)
    successor = cbr_resources.vault("server", [server])
    assert [r["id"] for r in successor["resources"]] == [server.id]
    cbr_steps(f"backing up the deleted vault: 404; the server joins a new vault {successor['id']}")
