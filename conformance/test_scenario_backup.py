"""Scenarios of backing up and restoring (reference 5.1, 4.3 to 4.5, 4.1): the ECS backup of the
application case, then restoring, deleting, renaming and expanding, dissociating and deleting a vault.

Each scenario records its steps (`cbr_steps`) and uses only the configured inventory; a resource type
the inventory lacks makes it skip with what to configure. The waiters always wait for asynchronous
work; on a target with time control its clock is also moved past the work's delay, which only makes
the wait short.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cbr_conformance.client import CBRClient, Response
from cbr_conformance.expect import expect_error, expect_status, expect_subset
from cbr_conformance.inventory import SERVER, VOLUME
from cbr_conformance.paths import reference_example
from cbr_conformance.resources import Resources
from cbr_conformance.scenario import Settle, Steps
from cbr_conformance.waiters import wait_for

NO_RESOURCE = "BackupService.0001"
NOT_IN_VAULT = "BackupService.6135"
VAULT_NOT_FOUND = "BackupService.6105"
BACKUP_NOT_FOUND = "BackupService.6200"
ENDED_BADLY = {"failed", "timeout", "skipped"}
BEING_RESTORED = {"waiting_restore", "restoring", "available"}  # available: the restore already ended

Task = dict[str, Any]


def _backup(resources: Resources, cbr_settle: Settle, vault_id: str, **parameters: Any) -> dict[str, Any]:
    """Back up the vault and wait until done (as Resources.backup); the first top-level backup made."""
    checkpoint = resources.checkpoint(vault_id, **parameters)
    cbr_settle()
    resources.wait_checkpoint(checkpoint["id"])
    backups = [b for b in resources.backups_of(checkpoint["id"]) if not b.get("parent_id")]
    assert backups, f"restore point {checkpoint['id']} is available but lists no backup"
    return resources.wait_backup(backups[0]["id"])


def _show(cbr: CBRClient, backup_id: str) -> dict[str, Any]:
    backup: dict[str, Any] = expect_status(cbr.call("show_backup", path={"backup_id": backup_id}), 200)[
        "backup"
    ]
    return backup


def _backup_ids(cbr: CBRClient, **query: Any) -> list[str]:
    return [b["id"] for b in expect_status(cbr.call("list_backups", query=query), 200)["backups"]]


def _checkpoint(cbr: CBRClient, vault_id: str, **parameters: Any) -> Response:
    body: dict[str, Any] = {"checkpoint": {"vault_id": vault_id}}
    if parameters:
        body["checkpoint"]["parameters"] = parameters
    return cbr.call("create_checkpoint", json_body=body)


def _extra(task: Task, member: str) -> dict[str, Any]:
    value = (task.get("extra_info") or {}).get(member)
    return value if isinstance(value, dict) else {}


def _wait_task(
    cbr: CBRClient, resources: Resources, what: str, matches: Callable[[Task], bool], **query: Any
) -> Task:
    """The one task listed under `query` that `matches`, once it has succeeded."""

    def fetch() -> list[Task]:
        body = expect_status(cbr.call("list_operation_logs", query={"limit": 1000, **query}), 200)
        return [t for t in body["operation_logs"] if matches(t)]

    found = wait_for(
        fetch,
        lambda tasks: len(tasks) == 1 and tasks[0]["status"] == "success",
        failed=lambda tasks: len(tasks) > 1 or any(t["status"] in ENDED_BADLY for t in tasks),
        what=f"the {what} task to succeed",
        timeout=resources.max_wait,
        interval=resources.poll_interval,
        describe=lambda tasks: ", ".join(f"{t['id']} {t['status']}" for t in tasks) or "no such task",
    )
    return found[0]


def _gone(cbr: CBRClient, resources: Resources, backup_id: str) -> Response:
    """show_backup once the backup is no longer being deleted (deletion may take a while)."""
    return wait_for(
        lambda: cbr.call("show_backup", path={"backup_id": backup_id}),
        lambda r: r.status != 200 or r.json()["backup"]["status"] not in ("deleting", "waiting_delete"),
        what=f"backup {backup_id} to be deleted",
        timeout=resources.max_wait,
        interval=resources.poll_interval,
        describe=lambda r: r.exchange.summary(),
    )


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

    task = _wait_task(
        cbr,
        cbr_resources,
        "backup",
        lambda t: t.get("checkpoint_id") == checkpoint["id"],
        operation_type="backup",
        vault_id=vault["id"],
    )
    assert task["operation_type"] == "backup" and task.get("vault_id") == vault["id"]
    if _extra(task, "resource"):
        assert _extra(task, "resource")["id"] == server.id
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
    vault, server = cbr_resources.vault_with_resource(SERVER)
    backup = _show(cbr, _backup(cbr_resources, cbr_settle, vault["id"])["id"])
    assert backup.get("children"), "the server backup shows no disk backup to map"
    cbr_steps(f"backed up server {server.id} in vault {vault['id']}: backup {backup['id']}")

    mappings = [{"backup_id": c["id"], "volume_id": c["resource_id"]} for c in backup["children"]]
    body = {"restore": {"server_id": server.id, "mappings": mappings, "power_on": True}}
    response = cbr.call("restore_backup", path={"backup_id": backup["id"]}, json_body=body)
    assert expect_status(response, 202) is None, "a restore answers 202 without a body"
    status = _show(cbr, backup["id"])["status"]
    assert status in BEING_RESTORED, f"a backup being restored is {status!r}"
    cbr_steps(f"restore_backup onto the server with {len(mappings)} disk mappings: 202; backup {status}")
    cbr_settle()

    task = _wait_task(
        cbr,
        cbr_resources,
        "restore",
        lambda t: (
            _extra(t, "restore").get("backup_id") == backup["id"]
            or t.get("checkpoint_id") == backup["checkpoint_id"]
        ),
        operation_type="restore",
        vault_id=vault["id"],
    )
    assert _extra(task, "restore").get("target_resource_id") in (None, server.id)
    cbr_steps(f"restore task {task['id']} succeeded")

    assert cbr_resources.wait_backup(backup["id"])["status"] == "available"
    cbr_steps("the backup is available again")

    again = _backup(cbr_resources, cbr_settle, vault["id"])
    assert again["id"] != backup["id"] and again["resource_id"] == server.id
    cbr_steps(f"the restored server backs up again: backup {again['id']}")


@pytest.mark.cbr(
    operation=("delete_backup", "show_backup", "list_backups", "list_operation_logs", "restore_backup"),
    kind="scenario",
    mutates=True,
    id="scenario-delete-backup",
)
def test_delete_a_server_backup_with_its_disk_backups(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    vault, server = cbr_resources.vault_with_resource(SERVER)
    doomed = _show(cbr, _backup(cbr_resources, cbr_settle, vault["id"])["id"])
    kept = _backup(cbr_resources, cbr_settle, vault["id"])
    children = doomed.get("children") or []
    cbr_steps(f"two backups of server {server.id}: {doomed['id']} (to delete), {kept['id']}")

    response = cbr.call("delete_backup", path={"backup_id": doomed["id"]})
    assert expect_status(response, 204) is None
    expect_error(_gone(cbr, cbr_resources, doomed["id"]), 404, BACKUP_NOT_FOUND)
    for child in children:
        expect_error(cbr.call("show_backup", path={"backup_id": child["id"]}), 404, BACKUP_NOT_FOUND)
    cbr_steps(
        f"delete_backup: 204; show_backup: 404 {BACKUP_NOT_FOUND}, and for its {len(children)} disk backups"
    )

    assert _backup_ids(cbr, vault_id=vault["id"]) == [kept["id"]]
    assert _show(cbr, kept["id"])["status"] == "available"
    cbr_steps("the vault lists only the other backup, still available")

    task = _wait_task(
        cbr,
        cbr_resources,
        "delete",
        lambda t: _extra(t, "delete").get("backup_id") == doomed["id"],
        operation_type="delete",
        vault_id=vault["id"],
    )
    cbr_steps(f"delete task {task['id']} succeeded")

    mappings = [{"backup_id": c["id"], "volume_id": c["resource_id"]} for c in children]
    body = {"restore": {"server_id": server.id, "mappings": mappings}}
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
    made = _backup(cbr_resources, cbr_settle, vault["id"])
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
    cbr_settle()
    cbr_resources.wait_checkpoint(checkpoint["id"])
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
    first = _backup(cbr_resources, cbr_settle, vault["id"])
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
    cbr_settle()
    cbr_resources.wait_checkpoint(checkpoint["id"])
    assert [b["resource_id"] for b in cbr_resources.backups_of(checkpoint["id"])] == [stays.id]
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
def test_delete_a_vault_that_has_backups(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps, cbr_settle: Settle
) -> None:
    vault, server = cbr_resources.vault_with_resource(SERVER)
    backups = [_show(cbr, _backup(cbr_resources, cbr_settle, vault["id"])["id"]) for _ in range(2)]
    disk_backups = [c["id"] for b in backups for c in b.get("children") or []]
    cbr_steps(f"vault {vault['id']} holds {len(backups)} backups of server {server.id}")

    assert expect_status(cbr.call("delete_vault", path={"vault_id": vault["id"]}), 204) is None
    expect_error(cbr.call("show_vault", path={"vault_id": vault["id"]}), 404, VAULT_NOT_FOUND)
    cbr_steps(f"delete_vault: 204; show_vault: 404 {VAULT_NOT_FOUND}")

    for backup_id in [b["id"] for b in backups] + disk_backups:
        expect_error(_gone(cbr, cbr_resources, backup_id), 404, BACKUP_NOT_FOUND)
    for backup in backups:
        assert _backup_ids(cbr, checkpoint_id=backup["checkpoint_id"]) == []
    cbr_steps(f"its backups and their disk backups: show_backup 404 {BACKUP_NOT_FOUND}, listed nowhere")

    task = _wait_task(
        cbr,
        cbr_resources,
        "vault_delete",
        lambda t: t.get("vault_id") == vault["id"],
        operation_type="vault_delete",
    )
    if _extra(task, "vault_delete"):
        assert _extra(task, "vault_delete").get("total_count") in (None, len(backups))
    cbr_steps(f"vault_delete task {task['id']} succeeded")

    expect_error(_checkpoint(cbr, vault["id"]), 404, VAULT_NOT_FOUND)
    successor = cbr_resources.vault("server", [server])
    assert [r["id"] for r in successor["resources"]] == [server.id]
    cbr_steps(f"backing up the deleted vault: 404; the server joins a new vault {successor['id']}")
