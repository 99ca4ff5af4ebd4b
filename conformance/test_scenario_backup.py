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

from cbr_conformance.contract.codes import BACKUP_NOT_FOUND, NO_RESOURCE, NOT_IN_VAULT, VAULT_NOT_FOUND
from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.paths import reference_example
from cbr_conformance.resources.backups import BEING_RESTORED, show_backup, wait_gone
from cbr_conformance.resources.provision import Resources
from cbr_conformance.resources.tasks import extra, wait_task
from cbr_conformance.target.client import CBRClient, Response
from cbr_conformance.testkit.bodies import checkpoint_body, server_restore_body
from cbr_conformance.testkit.expect import expect_error, expect_status, expect_subset
from cbr_conformance.testkit.scenario import Settle, Steps


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
    needs={SERVER: 1},
    creates={"vault": 1, "gb": 200, "server_backup": 1},
)
def test_ecs_backup_as_in_application_case_5_1(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    """5.1: the ECS backup of the application case, step by step, and what each step shows."""
    server = cbr_resources.lease(SERVER)
    sent = reference_example("create_vault.request.case-5.1-step1.json")["vault"]
    vault = cbr_resources.vault(**{**sent, "name": cbr_resources.name("my_vault")})
    assert vault["resources"] == [], (
        "5.1 step 1, 4.4.1 (Table 4-87): a vault created with resources [] has none, "
        f"got {vault['resources']}"
    )
    expect_subset(vault["billing"], sent["billing"], "$.vault.billing")
    cbr_steps(f"1. created vault {vault['id']} with the body of 5.1 step 1 (server, 200 GB, no resources)")

    expect_error(_checkpoint(cbr, vault["id"]), 400, NO_RESOURCE)
    cbr_steps(f"backing up the empty vault is refused with 400 {NO_RESOURCE}")

    leased = [server]
    added = expect_status(cbr_resources.add_resources(vault["id"], leased), 200)
    server = leased[0]
    path = {"vault_id": vault["id"]}
    assert added["add_resource_ids"] == [server.id], (
        "5.1 step 2, 4.4.7 (Table 4-138): add_resource_ids is the server added, "
        f"got {added['add_resource_ids']}"
    )
    cbr_steps(f"2. associated server {server.id}: add_resource_ids {added['add_resource_ids']}")

    parameters = reference_example("create_checkpoint.request.case-5.1-step3.json")["checkpoint"][
        "parameters"
    ]
    parameters["resources"] = [server.id]
    checkpoint = cbr_resources.checkpoint(vault["id"], **parameters)
    assert checkpoint["status"] in ("protecting", "available"), (
        "5.1 step 3, 4.3.2 (Table 4-79): a new restore point is protecting or available, "
        f"got {checkpoint['status']!r}"
    )
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [server.id], (
        "5.1 step 3, 4.3.2 (Table 4-80): vault.resources is the server, "
        f"got {[r['id'] for r in checkpoint['vault']['resources']]}"
    )
    assert not checkpoint["vault"].get("skipped_resources"), (
        "5.1 step 3, 4.3.2 (Table 4-80): the server is not skipped, "
        f"got {checkpoint['vault'].get('skipped_resources')}"
    )
    expected = {"name": parameters["name"], "description": parameters["description"]}
    expect_subset(checkpoint["extra_info"], expected, "$.checkpoint.extra_info")
    cbr_steps(
        f"3. created restore point {checkpoint['id']} (parameters of 5.1 step 3): {checkpoint['status']}"
    )

    cbr_settle()
    done = cbr_resources.wait_checkpoint(checkpoint["id"])
    assert done["id"] == checkpoint["id"], (
        f"5.1 step 4, 4.3.1 (Table 4-67): id is the restore point asked for, got {done['id']!r}"
    )
    cbr_steps("4. polled show_checkpoint until available")

    listed = expect_status(cbr.call("list_backups", query={"checkpoint_id": checkpoint["id"]}), 200)[
        "backups"
    ]
    for made in listed:
        cbr_resources.delete_later("delete_backup", backup_id=made["id"])
    assert len(listed) == 1, (
        f"4.5.2 (Table 4-158): checkpoint_id= of one server's restore point lists 1 backup, got {len(listed)}"
    )
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
    assert backup["id"] in _backup_ids(cbr, vault_id=vault["id"], resource_id=server.id), (
        f"4.5.2 (Table 4-158): vault_id= and resource_id= list the server's backup {backup['id']}"
    )
    cbr_steps(f"backup {backup['id']} of the server is listed by restore point, vault and resource")

    shown = cbr_resources.wait_backup(backup["id"])
    assert shown["status"] == "available" and shown["checkpoint_id"] == checkpoint["id"], (
        "4.5.1 (Table 4-152): the backup is available, of the restore point made, "
        f"got {shown['status']!r}, {shown['checkpoint_id']!r}"
    )
    assert (shown.get("extend_info") or {}).get("auto_trigger") in (None, False), (
        "4.5.1 (Table 4-153): auto_trigger tells an automatic backup: a manual one's must not be true"
    )
    children = shown.get("children") or []
    assert children, (
        "4.5.1 (Table 4-152): the server backup lists the backups of its disks as children, got none"
    )
    for child in children:
        assert child["parent_id"] == backup["id"] and child["resource_type"] == VOLUME, (
            f"4.5.1 (Table 4-154): a child is a disk backup ({VOLUME}) of this backup, "
            f"got {child['resource_type']!r}, parent {child['parent_id']!r}"
        )
    if server.volumes:
        assert sorted(c["resource_id"] for c in children) == sorted(v["id"] for v in server.volumes), (
            "4.5.1 (Table 4-154): the children back up the server's disks "
            f"{sorted(v['id'] for v in server.volumes)}, got {sorted(c['resource_id'] for c in children)}"
        )
    cbr_steps(f"show_backup: available, {len(children)} disk backups as children")

    task = wait_task(
        cbr,
        cbr_resources,
        lambda t: t.get("checkpoint_id") == checkpoint["id"],
        what="backup",
        operation_type="backup",
        vault_id=vault["id"],
    )
    assert task["operation_type"] == "backup" and task.get("vault_id") == vault["id"], (
        "4.1.2 (Tables 4-17, 4-20): the task is a backup of the vault, "
        f"got {task['operation_type']!r}, {task.get('vault_id')!r}"
    )
    if extra(task, "resource"):
        assert extra(task, "resource")["id"] == server.id, (
            f"4.1.2 (Table 4-28): extra_info.resource is the server backed up, got {extra(task, 'resource')}"
        )
    cbr_steps(f"backup task {task['id']} is listed with status success")

    resources = expect_status(cbr.call("show_vault", path=path), 200)["vault"]["resources"]
    assert [(r["id"], r.get("backup_count", 1)) for r in resources] == [(server.id, 1)], (
        f"4.4.2 (Table 4-102): the vault's one resource has backup_count 1 after one backup, got {resources}"
    )
    cbr_steps("show_vault: the server's backup_count is 1")


@pytest.mark.cbr(
    operation=("restore_backup", "show_backup", "list_operation_logs", "create_checkpoint"),
    kind="scenario",
    mutates=True,
    id="scenario-restore-backup",
    needs={SERVER: 1},
    restores=True,
    creates={"vault": 1, "server_backup": 2, "restore": 1},
)
def test_restore_a_server_backup_and_back_it_up_again(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    """4.5.4, 4.1.2: a server backup restores onto its server, leaves a restore task; backups go on."""
    vault, server = cbr_resources.vault_with_resource(SERVER, for_restore=True)
    backup = show_backup(cbr, cbr_resources.backup(vault["id"])["id"])
    assert backup.get("children"), (
        "4.5.1 (Table 4-152): a server backup lists its disk backups as children, for the mappings of 4.5.4"
    )
    cbr_steps(f"backed up server {server.id} in vault {vault['id']}: backup {backup['id']}")

    body = server_restore_body(backup, power_on=True)
    response = cbr.call("restore_backup", path={"backup_id": backup["id"]}, json_body=body)
    assert expect_status(response, 202) is None, "4.5.4: a restore answers 202 Accepted, without a body"
    status = show_backup(cbr, backup["id"])["status"]
    assert status in BEING_RESTORED, (
        f"4.5.1 (Table 4-152): a backup being restored (4.5.4) is {sorted(BEING_RESTORED)}, got {status!r}"
    )
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
    assert extra(task, "restore").get("target_resource_id") in (None, server.id), (
        "4.1.2 (Table 4-29): extra_info.restore.target_resource_id is the server restored onto, "
        f"got {extra(task, 'restore').get('target_resource_id')!r}"
    )
    cbr_steps(f"restore task {task['id']} succeeded")

    assert cbr_resources.wait_backup(backup["id"])["status"] == "available", (
        "4.5.1 (Table 4-152): a restored backup (4.5.4) is available again"
    )
    cbr_steps("the backup is available again")

    again = cbr_resources.backup(vault["id"])
    assert again["id"] != backup["id"] and again["resource_id"] == server.id, (
        "4.3.2: backing up the restored server makes a new backup of it, "
        f"got {again['id']!r} of {again['resource_id']!r}"
    )
    cbr_steps(f"the restored server backs up again: backup {again['id']}")


@pytest.mark.cbr(
    operation=("delete_backup", "show_backup", "list_backups", "list_operation_logs", "restore_backup"),
    kind="scenario",
    mutates=True,
    id="scenario-delete-backup",
    needs={SERVER: 1},
    restores=True,
    creates={"vault": 1, "server_backup": 2},
)
def test_delete_a_server_backup_with_its_disk_backups(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps
) -> None:
    """4.5.3: a server backup is deleted with its disk backups, leaves a delete task; others stay."""
    vault, server = cbr_resources.vault_with_resource(SERVER, for_restore=True)
    doomed = show_backup(cbr, cbr_resources.backup(vault["id"])["id"])
    kept = cbr_resources.backup(vault["id"])
    children = doomed.get("children") or []
    cbr_steps(f"two backups of server {server.id}: {doomed['id']} (to delete), {kept['id']}")

    response = cbr.call("delete_backup", path={"backup_id": doomed["id"]})
    assert expect_status(response, 204) is None, "4.5.3: delete_backup answers 204 No Content, without a body"
    expect_error(wait_gone(cbr, cbr_resources, doomed["id"]), 404, BACKUP_NOT_FOUND)
    for child in children:
        expect_error(cbr.call("show_backup", path={"backup_id": child["id"]}), 404, BACKUP_NOT_FOUND)
    cbr_steps(
        f"delete_backup: 204; show_backup: 404 {BACKUP_NOT_FOUND}, and for its {len(children)} disk backups"
    )

    assert _backup_ids(cbr, vault_id=vault["id"]) == [kept["id"]], (
        f"4.5.3: deleting a single backup leaves the vault's other backup {kept['id']} listed, alone"
    )
    assert show_backup(cbr, kept["id"])["status"] == "available", (
        "4.5.3: deleting a single backup leaves the other one available"
    )
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
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 2},
)
def test_rename_and_expand_a_vault_in_use(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    """4.4.4: a vault in use is renamed and expanded; its disk and backups stay, list_vaults agrees."""
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
        assert result["id"] == vault["id"] and result["name"] == new_name, (
            "4.4.4 (Table 4-124): the vault keeps its id, with the name sent, "
            f"got {result['id']!r}, {result['name']!r}"
        )
        assert result["billing"]["size"] == size * 2, (
            f"4.4.4 (Table 4-121): billing.size is the {size * 2} GB sent, got {result['billing']['size']}"
        )
        assert [r["id"] for r in result["resources"]] == [volume.id], (
            "4.4.4 (Table 4-120): resources are not updated by a name and size: they stay, "
            f"got {[r['id'] for r in result['resources']]}"
        )
    cbr_steps(f"update_vault: renamed to {new_name}, expanded to {size * 2} GB; show_vault agrees")

    by_new = expect_status(cbr.call("list_vaults", query={"name": new_name}), 200)
    assert [v["id"] for v in by_new["vaults"]] == [vault["id"]] and by_new["count"] == 1, (
        "4.4.3 (Tables 4-110, 4-112): name= the new name lists the vault, count 1, "
        f"got {[v['id'] for v in by_new['vaults']]}, count {by_new['count']}"
    )
    by_old = expect_status(cbr.call("list_vaults", query={"name": old_name}), 200)
    assert vault["id"] not in [v["id"] for v in by_old["vaults"]], (
        f"4.4.3 (Table 4-110): name= the old name {old_name!r} must not list the renamed vault"
    )
    cbr_steps("list_vaults finds it by the new name only")

    assert _backup_ids(cbr, vault_id=vault["id"]) == [made["id"]], (
        f"4.4.4, 4.5.2: a rename and expansion keep the vault's backup {made['id']}, listed alone"
    )
    checkpoint = cbr_resources.checkpoint(vault["id"])
    assert checkpoint["vault"]["name"] == new_name, (
        "4.3.2 (Table 4-80): a new restore point names the vault by its new name, "
        f"got {checkpoint['vault']['name']!r}"
    )
    _backed_up(cbr_resources, cbr_settle, checkpoint["id"])
    assert len(_backup_ids(cbr, vault_id=vault["id"])) == 2, (
        "4.5.2 (Table 4-158): vault_id= lists the old backup and the new one"
    )
    cbr_steps("the old backup stays; a new restore point names the vault by its new name")


@pytest.mark.cbr(
    operation=("remove_vault_resources", "show_vault", "create_checkpoint", "add_vault_resources"),
    kind="scenario",
    mutates=True,
    id="scenario-vault-remove-resources",
    needs={VOLUME: 2},
    creates={"vault": 2, "disk_backup": 3},
)
def test_remove_resources_from_a_vault(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    """4.4.6: a dissociated disk leaves the vault, its restore points and list_vaults, and may move."""
    held = [cbr_resources.lease(VOLUME), cbr_resources.lease(VOLUME)]
    vault = cbr_resources.vault("disk", held)
    gone, stays = held  # the disks the vault holds: another client's vault may hold one leased
    first = cbr_resources.backup(vault["id"])
    assert len(cbr_resources.backups_of(first["checkpoint_id"])) == 2, (
        "setup, 4.3.2: a restore point of a vault of 2 disks makes 2 backups"
    )
    cbr_steps(f"disk vault {vault['id']} with disks {gone.id} and {stays.id}, both backed up")

    path = {"vault_id": vault["id"]}
    removed = expect_status(
        cbr.call("remove_vault_resources", path=path, json_body={"resource_ids": [gone.id]}), 200
    )
    assert removed["remove_resource_ids"] == [gone.id], (
        f"4.4.6 (Table 4-133): remove_resource_ids is the disk removed, got {removed['remove_resource_ids']}"
    )
    shown = expect_status(cbr.call("show_vault", path=path), 200)["vault"]
    assert [r["id"] for r in shown["resources"]] == [stays.id], (
        "4.4.2 (Table 4-100): after removeresources (4.4.6) the vault holds only the other disk, "
        f"got {[r['id'] for r in shown['resources']]}"
    )
    holding = expect_status(cbr.call("list_vaults", query={"resource_ids": gone.id}), 200)["vaults"]
    assert vault["id"] not in [v["id"] for v in holding], (
        "4.4.3 (Table 4-110): resource_ids= of a disk removed (4.4.6) must not list the vault"
    )
    cbr_steps(f"removeresources {gone.id}: 200; the vault holds only {stays.id}, list_vaults agrees")

    expect_error(_checkpoint(cbr, vault["id"], resources=[gone.id]), 400, NOT_IN_VAULT)
    cbr_steps(f"a restore point of the removed disk is refused with 400 {NOT_IN_VAULT}")
    checkpoint = cbr_resources.checkpoint(vault["id"])
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [stays.id], (
        "4.3.2 (Table 4-80): a restore point of the vault backs up the remaining disk only, "
        f"got {[r['id'] for r in checkpoint['vault']['resources']]}"
    )
    assert [b["resource_id"] for b in _backed_up(cbr_resources, cbr_settle, checkpoint["id"])] == [
        stays.id
    ], f"4.3.2: the restore point's only backup is of the remaining disk {stays.id}"
    cbr_steps("a restore point of the whole vault backs up the remaining disk only")

    expect_status(cbr.call("remove_vault_resources", path=path, json_body={"resource_ids": [stays.id]}), 200)
    assert expect_status(cbr.call("show_vault", path=path), 200)["vault"]["resources"] == [], (
        "4.4.2 (Table 4-100): with both disks removed (4.4.6) the vault has no resources"
    )
    expect_error(_checkpoint(cbr, vault["id"]), 400, NO_RESOURCE)
    cbr_steps(f"with both removed the vault is empty; backing it up: 400 {NO_RESOURCE}")

    other = cbr_resources.vault("disk")
    body = {"resources": [gone.as_vault_resource()]}
    added = expect_status(
        cbr.call("add_vault_resources", path={"vault_id": other["id"]}, json_body=body), 200
    )
    assert added["add_resource_ids"] == [gone.id], (
        f"4.4.7 (Table 4-138): add_resource_ids is the disk added, got {added['add_resource_ids']}"
    )
    holding = expect_status(cbr.call("list_vaults", query={"resource_ids": gone.id}), 200)["vaults"]
    assert [v["id"] for v in holding] == [other["id"]], (
        "4.4.3 (Table 4-110): resource_ids= lists the vault now holding the disk, "
        f"got {[v['id'] for v in holding]}"
    )
    cbr_steps(f"the removed disk joins another vault {other['id']}; list_vaults?resource_ids finds that one")


@pytest.mark.cbr(
    operation=("delete_vault", "show_vault", "show_backup", "list_backups", "list_operation_logs"),
    kind="scenario",
    mutates=True,
    id="scenario-vault-delete-with-backups",
    needs={SERVER: 1},
    creates={"vault": 2, "server_backup": 2},
)
def test_delete_a_vault_that_has_backups(cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps) -> None:
    """4.4.5: deleting a vault clears its backups, leaves a vault_delete task; its server can move on."""
    vault, server = cbr_resources.vault_with_resource(SERVER)
    backups = [show_backup(cbr, cbr_resources.backup(vault["id"])["id"]) for _ in range(2)]
    disk_backups = [c["id"] for b in backups for c in b.get("children") or []]
    cbr_steps(f"vault {vault['id']} holds {len(backups)} backups of server {server.id}")

    assert expect_status(cbr.call("delete_vault", path={"vault_id": vault["id"]}), 204) is None, (
        "4.4.5: delete_vault answers 204 No Content, without a body"
    )
    expect_error(cbr.call("show_vault", path={"vault_id": vault["id"]}), 404, VAULT_NOT_FOUND)
    cbr_steps(f"delete_vault: 204; show_vault: 404 {VAULT_NOT_FOUND}")

    for backup_id in [b["id"] for b in backups] + disk_backups:
        expect_error(wait_gone(cbr, cbr_resources, backup_id), 404, BACKUP_NOT_FOUND)
    for backup in backups:
        assert _backup_ids(cbr, checkpoint_id=backup["checkpoint_id"]) == [], (
            f"4.4.5: a deleted vault's backups are cleared: checkpoint_id={backup['checkpoint_id']} lists 0"
        )
    cbr_steps(f"its backups and their disk backups: show_backup 404 {BACKUP_NOT_FOUND}, listed nowhere")

    task = wait_task(
        cbr,
        cbr_resources,
        lambda t: t.get("vault_id") == vault["id"],
        what="vault_delete",
        operation_type="vault_delete",
    )
    if extra(task, "vault_delete"):
        assert extra(task, "vault_delete").get("total_count") in (None, len(backups)), (
            f"4.1.2 (Table 4-30): vault_delete.total_count is the {len(backups)} backups deleted, "
            f"got {extra(task, 'vault_delete').get('total_count')!r}"
        )
    cbr_steps(f"vault_delete task {task['id']} succeeded")

    expect_error(_checkpoint(cbr, vault["id"]), 404, VAULT_NOT_FOUND)
    successor = cbr_resources.vault("server", [server])
    assert [r["id"] for r in successor["resources"]] == [server.id], (
        "4.4.1 (Table 4-92): a new vault holds the server of the vault deleted (4.4.5), "
        f"got {[r['id'] for r in successor['resources']]}"
    )
    cbr_steps(f"backing up the deleted vault: 404; the server joins a new vault {successor['id']}")
