"""Restore points (reference section 4.3, application case 5.1): back up a vault now, read the result."""

from __future__ import annotations

from typing import Any

import pytest

from cbr_conformance.contract.codes import CHECKPOINT_NOT_FOUND, NO_RESOURCE, UNKNOWN_ID, VAULT_NOT_FOUND
from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.resources.provision import Resources
from cbr_conformance.resources.shared_backups import SharedBackups
from cbr_conformance.target.client import CBRClient
from cbr_conformance.testkit.bodies import checkpoint_body
from cbr_conformance.testkit.expect import expect_error, expect_status, expect_subset

STARTED = {"protecting", "available"}  # a new restore point is being made, or already made


def _create(cbr: CBRClient, vault_id: str, **parameters: Any) -> dict[str, Any]:
    body = checkpoint_body(vault_id, **parameters)
    checkpoint: dict[str, Any] = expect_status(cbr.call("create_checkpoint", json_body=body), 200)[
        "checkpoint"
    ]
    return checkpoint


@pytest.mark.cbr(
    operation="create_checkpoint",
    kind="contract",
    mutates=True,
    id="checkpoint-create-echoes-input",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1},
)
def test_create_checkpoint_echoes_its_input(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.3.2 (Tables 4-79 to 4-83): a new restore point names its vault, resources, name and description."""
    vault, server = cbr_resources.vault_with_resource(SERVER)
    name = cbr_resources.name("backup")
    checkpoint = _create(
        cbr, vault["id"], name=name, description="made by the conformance suite", resources=[server.id]
    )
    cbr_resources.wait_checkpoint(checkpoint["id"])  # nothing left running when the vault goes
    assert checkpoint["status"] in STARTED, (
        f"4.3.2 (Table 4-79): a new restore point is protecting or available, got {checkpoint['status']!r}"
    )
    assert checkpoint["project_id"] == cbr.project_id, (
        f"4.3.2 (Table 4-79): project_id is the caller's project, got {checkpoint['project_id']!r}"
    )
    assert checkpoint["vault"] is not None, "4.3.2 (Table 4-79): vault names the vault backed up, got null"
    expect_subset(checkpoint["vault"], {"id": vault["id"], "name": vault["name"]}, "$.checkpoint.vault")
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [server.id], (
        "4.3.2 (Tables 4-76, 4-80): vault.resources are the resources asked for, "
        f"got {[r['id'] for r in checkpoint['vault']['resources']]}"
    )
    assert checkpoint["vault"].get("skipped_resources") in (None, []), (
        f"4.3.2 (Table 4-80): no resource is skipped, got {checkpoint['vault'].get('skipped_resources')}"
    )
    assert checkpoint["extra_info"] is not None, (
        "4.3.2 (Table 4-83): extra_info echoes the name and description given, got null"
    )
    expect_subset(
        checkpoint["extra_info"],
        {"name": name, "description": "made by the conformance suite"},
        "$.checkpoint.extra_info",
    )


@pytest.mark.cbr(
    operation=("create_checkpoint", "list_backups"),
    kind="contract",
    mutates=True,
    id="checkpoint-create-backs-up-every-resource",
    needs={VOLUME: 2},
    creates={"vault": 1, "disk_backup": 2},
)
def test_create_checkpoint_without_parameters_backs_up_every_resource(
    cbr: CBRClient, cbr_resources: Resources
) -> None:
    """4.3.2 (Table 4-76): without parameters a restore point backs up every resource of the vault."""
    volumes = [cbr_resources.lease(VOLUME) for _ in range(2)]
    vault = cbr_resources.vault("disk", volumes)
    checkpoint = _create(cbr, vault["id"])
    cbr_resources.wait_checkpoint(checkpoint["id"])
    backups = cbr_resources.backups_of(checkpoint["id"])  # disks: no child backups
    assert sorted(b["resource_id"] for b in backups) == sorted(v.id for v in volumes), (
        f"4.3.2 (Table 4-76): no resources given: each disk {sorted(v.id for v in volumes)} is backed up, "
        f"got backups of {sorted(b['resource_id'] for b in backups)}"
    )
    for backup in backups:
        assert backup["checkpoint_id"] == checkpoint["id"] and backup["vault_id"] == vault["id"], (
            "4.5.2 (Table 4-161): a backup names its restore point and vault, "
            f"got {backup['checkpoint_id']!r}, {backup['vault_id']!r}"
        )


@pytest.mark.cbr(
    operation=("create_checkpoint", "list_backups"),
    kind="contract",
    mutates=True,
    id="checkpoint-create-selected-resources",
    needs={VOLUME: 2},
    creates={"vault": 1, "disk_backup": 1},
)
def test_create_checkpoint_backs_up_only_the_resources_listed(
    cbr: CBRClient, cbr_resources: Resources
) -> None:
    """4.3.2 (Table 4-76): parameters.resources limits the restore point to the resources listed."""
    held = [cbr_resources.lease(VOLUME), cbr_resources.lease(VOLUME)]
    vault = cbr_resources.vault("disk", held)
    chosen = held[0]  # a disk the vault holds: another client's vault may hold one leased
    checkpoint = _create(cbr, vault["id"], resources=[chosen.id])
    cbr_resources.wait_checkpoint(checkpoint["id"])
    assert checkpoint["vault"] is not None, "4.3.2 (Table 4-79): vault names what is backed up, got null"
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [chosen.id], (
        "4.3.2 (Tables 4-76, 4-80): vault.resources are only the resources listed, "
        f"got {[r['id'] for r in checkpoint['vault']['resources']]}"
    )
    backups = cbr_resources.backups_of(checkpoint["id"])  # disks: no child backups
    assert [b["resource_id"] for b in backups] == [chosen.id], (
        f"4.3.2 (Table 4-76): only resources listed are backed up, got {[b['resource_id'] for b in backups]}"
    )


@pytest.mark.cbr(
    operation=("create_checkpoint", "list_backups"),
    kind="contract",
    mutates=True,
    id="checkpoint-create-names-its-backups",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 1},
)
def test_create_checkpoint_names_its_backups(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.3.2 (Table 4-76): the restore point's name and description become its backup's."""
    vault, volume = cbr_resources.vault_with_resource(VOLUME)
    name = cbr_resources.name("named")
    checkpoint = _create(cbr, vault["id"], name=name, description="described")
    cbr_resources.wait_checkpoint(checkpoint["id"])
    backups = cbr_resources.backups_of(checkpoint["id"])
    assert len(backups) == 1, f"4.3.2: a restore point of one disk makes one backup, got {len(backups)}"
    expect_subset(
        backups[0],
        {"name": name, "description": "described", "resource_id": volume.id, "status": "available"},
        "$.backups[0]",
    )


@pytest.mark.cbr(operation="create_checkpoint", kind="negative", id="checkpoint-create-unknown-vault")
def test_create_checkpoint_of_unknown_vault_is_not_found(cbr: CBRClient) -> None:
    """4.3.2, 7.2: backing up an unknown vault answers 404 BackupService.6105."""
    body = {"checkpoint": {"vault_id": UNKNOWN_ID}}
    expect_error(cbr.call("create_checkpoint", json_body=body), 404, VAULT_NOT_FOUND)


@pytest.mark.cbr(operation="create_checkpoint", kind="negative", id="checkpoint-create-invalid-body")
@pytest.mark.parametrize(
    "body",
    [{}, {"checkpoint": {}}, {"checkpoint": None}, {"checkpoint": {"vault_id": ["x"]}}],
    ids=["no-checkpoint", "no-vault-id", "null-checkpoint", "vault-id-not-string"],
)
def test_create_checkpoint_with_invalid_body_is_refused(cbr: CBRClient, body: dict[str, Any]) -> None:
    """4.3.2 (Tables 4-74, 4-75): no checkpoint, no vault_id or a vault_id not a string is refused."""
    expect_error(cbr.call("create_checkpoint", json_body=body), 400)


@pytest.mark.cbr(operation="create_checkpoint", kind="negative", id="checkpoint-create-malformed-json")
def test_create_checkpoint_with_malformed_json_is_refused(cbr: CBRClient) -> None:
    """3.1, 4.3.2: a body that is not JSON is refused with 400."""
    expect_error(cbr.call("create_checkpoint", raw_body=b'{"checkpoint": {"vault_id": '), 400)


@pytest.mark.cbr(
    operation="create_checkpoint",
    kind="negative",
    mutates=True,
    id="checkpoint-create-empty-vault",
    creates={"vault": 1},
)
def test_create_checkpoint_of_vault_without_resources_is_refused(
    cbr: CBRClient, cbr_resources: Resources
) -> None:
    """4.3.2, 7.2: backing up a vault without resources is refused with 400 BackupService.0001."""
    vault = cbr_resources.vault("disk")
    body = {"checkpoint": {"vault_id": vault["id"]}}
    expect_error(cbr.call("create_checkpoint", json_body=body), 400, NO_RESOURCE)


@pytest.mark.cbr(
    operation="create_checkpoint",
    kind="negative",
    mutates=True,
    id="checkpoint-create-invalid-parameters",
    needs={VOLUME: 1},
    creates={"vault": 1},
)
@pytest.mark.parametrize(
    "parameters",
    [{"name": ""}, {"name": "n" * 65}, {"description": "d" * 256}, {"incremental": "yes"}],
    ids=["empty-name", "name-too-long", "description-too-long", "incremental-not-boolean"],
)
def test_create_checkpoint_with_invalid_parameters_is_refused(
    cbr: CBRClient, cbr_resources: Resources, parameters: dict[str, Any]
) -> None:
    """4.3.2 (Table 4-76): a name of 0 or 65 characters, a long description, a string incremental: 400."""
    vault, _ = cbr_resources.vault_with_resource(VOLUME)
    body = {"checkpoint": {"vault_id": vault["id"], "parameters": parameters}}
    response = cbr.call("create_checkpoint", json_body=body)
    if response.status == 200:  # wrongly accepted: let the backup finish before the vault goes
        cbr_resources.wait_checkpoint(response.json()["checkpoint"]["id"])
    expect_error(response, 400)


@pytest.mark.cbr(
    operation="show_checkpoint",
    kind="contract",
    mutates=True,
    id="checkpoint-show-matches-create",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 1},
)
def test_show_checkpoint_returns_the_created_restore_point(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.3.1 (Tables 4-67, 4-68): show_checkpoint returns the restore point as created."""
    vault, volume = cbr_resources.vault_with_resource(VOLUME)
    created = _create(cbr, vault["id"])
    shown = expect_status(cbr.call("show_checkpoint", path={"checkpoint_id": created["id"]}), 200)[
        "checkpoint"
    ]
    cbr_resources.wait_checkpoint(created["id"])
    assert shown["id"] == created["id"], (
        f"4.3.1 (Table 4-67): id is the restore point asked for, got {shown['id']!r}"
    )
    assert shown["project_id"] == cbr.project_id, (
        f"4.3.1 (Table 4-67): project_id is the caller's project, got {shown['project_id']!r}"
    )
    assert shown["created_at"] == created["created_at"], (
        f"4.3.1 (Table 4-67): created_at is 4.3.2's {created['created_at']!r}, got {shown['created_at']!r}"
    )
    assert shown["status"] in STARTED, (
        f"4.3.1 (Table 4-67): a new restore point is protecting or available, got {shown['status']!r}"
    )
    if shown["vault"] is not None:  # case 5.1 shows a restore point whose vault is null
        assert shown["vault"]["id"] == vault["id"], (
            f"4.3.1 (Table 4-68): vault.id is the vault backed up, got {shown['vault']['id']!r}"
        )
        assert [r["id"] for r in shown["vault"]["resources"]] == [volume.id], (
            "4.3.1 (Table 4-68): vault.resources are the vault's disk, "
            f"got {[r['id'] for r in shown['vault']['resources']]}"
        )


@pytest.mark.cbr(
    operation="show_checkpoint",
    kind="contract",
    mutates=True,
    id="checkpoint-show-becomes-available",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1},
)
def test_show_checkpoint_sees_it_become_available(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.3.1 (Table 4-67): a new restore point becomes available, and so do all its backups."""
    vault, _ = cbr_resources.vault_with_resource(SERVER)
    created = _create(cbr, vault["id"])
    assert created["status"] in STARTED, (
        f"4.3.2 (Table 4-79): a new restore point is protecting or available, got {created['status']!r}"
    )
    finished = cbr_resources.wait_checkpoint(created["id"])
    assert finished["id"] == created["id"], (
        f"4.3.1 (Table 4-67): id is the restore point asked for, got {finished['id']!r}"
    )
    # made means every backup of it is made
    backups = cbr_resources.backups_of(created["id"])
    assert backups, (
        f"4.3.1, 4.5.2: restore point {created['id']} is available, so it has backups; none listed"
    )
    assert {b["status"] for b in backups} == {"available"}, (
        "4.3.1, 4.5.2 (Table 4-161): the backups of an available restore point are available, "
        f"got {sorted({str(b['status']) for b in backups})}"
    )


@pytest.mark.cbr(operation="show_checkpoint", kind="negative", id="checkpoint-show-unknown")
def test_show_unknown_checkpoint_is_not_found(cbr: CBRClient) -> None:
    """4.3.1, 7.2: an unknown restore point id answers 404 BackupService.6217."""
    expect_error(cbr.call("show_checkpoint", path={"checkpoint_id": UNKNOWN_ID}), 404, CHECKPOINT_NOT_FOUND)


@pytest.mark.cbr(
    operation="show_checkpoint",
    kind="negative",
    mutates=True,
    id="checkpoint-show-other-project",
    needs={VOLUME: 1},
)
def test_show_checkpoint_of_another_project_is_not_found(
    cbr_second: CBRClient, cbr_shared_backups: SharedBackups
) -> None:
    """1.5, 4.3.1: another project's restore point answers 404 BackupService.6217."""
    checkpoint_id = cbr_shared_backups.disk().backup["checkpoint_id"]  # read only: the run's shared one
    path = {"checkpoint_id": checkpoint_id}
    expect_error(cbr_second.call("show_checkpoint", path=path), 404, CHECKPOINT_NOT_FOUND)
