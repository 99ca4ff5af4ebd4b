"""4.3 Restore points: asynchronous backups of a vault's resources."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cbr_emulator.clock import parse_timestamp
from cbr_emulator.defaults import PROJECT_A
from tests.emulator.conftest import TEST_ASYNC_DELAY
from tests.emulator.helpers import (
    SERVER,
    VOLUME,
    Api,
    Control,
    assert_error,
    back_up,
    backups_of,
    checkpoint_body,
    inventory_items,
    logs_of,
    resource,
)

AFTER_DELAY = TEST_ASYNC_DELAY + 1


def test_create_checkpoint_answers_200_protecting_with_the_documented_shape(api_a: Api) -> None:
    server = resource(PROJECT_A, "servers", 0)
    vault = api_a.create_vault("server", [server], name="vault-be94")
    answer = api_a.post(
        "/checkpoints",
        json=checkpoint_body(vault["id"], name="backup_name", description="backup_description"),
    )
    assert answer.status_code == 200, answer.text
    checkpoint = answer.json()["checkpoint"]
    assert set(checkpoint) == {"created_at", "id", "project_id", "status", "vault", "extra_info"}
    assert checkpoint["status"] == "protecting" and checkpoint["project_id"] == PROJECT_A
    assert checkpoint["extra_info"] == {
        "name": "backup_name",
        "description": "backup_description",
        "retention_duration": -1,
    }
    assert checkpoint["vault"]["id"] == vault["id"] and checkpoint["vault"]["name"] == "vault-be94"
    assert checkpoint["vault"]["skipped_resources"] == []
    assert checkpoint["vault"]["resources"] == [
        {
            "extra_info": "{}",
            "id": server["id"],
            "name": server["name"],
            "protect_status": "protecting",
            "resource_size": "50",
            "type": SERVER,
            "backup_size": "0",
            "backup_count": "0",
        }
    ]


def test_backups_exist_at_once_and_become_available_after_the_delay(api_a: Api, control: Control) -> None:
    server = resource(PROJECT_A, "servers", 0)
    vault = api_a.create_vault("server", [server])
    checkpoint = back_up(api_a, vault["id"])
    [backup] = backups_of(api_a, checkpoint_id=checkpoint["id"])
    assert backup["status"] == "protecting" and backup["resource_id"] == server["id"]
    assert backup["name"].startswith("manualbk_") and len(backup["name"]) == len("manualbk_") + 4
    assert backup["extend_info"]["auto_trigger"] is False
    children = api_a.get(f"/backups/{backup['id']}").json()["backup"]["children"]
    volumes = inventory_items(PROJECT_A, "servers")[0]["volumes"]
    assert sorted(c["resource_id"] for c in children) == sorted(v["id"] for v in volumes)
    assert {c["parent_id"] for c in children} == {backup["id"]}
    assert {c["resource_type"] for c in children} == {VOLUME}
    [log] = logs_of(api_a, operation_type="backup")
    assert log["status"] == "running" and log["ended_at"] is None
    assert log["extra_info"]["backup"]["backup_id"] == backup["id"]

    control.advance(TEST_ASYNC_DELAY - 5)
    assert api_a.get(f"/checkpoints/{checkpoint['id']}").json()["checkpoint"]["status"] == "protecting"
    control.advance(6)
    assert api_a.get(f"/checkpoints/{checkpoint['id']}").json()["checkpoint"]["status"] == "available"
    shown = api_a.get(f"/backups/{backup['id']}").json()["backup"]
    assert shown["status"] == "available" and shown["protected_at"] is not None
    assert {c["status"] for c in shown["children"]} == {"available"}
    [log] = logs_of(api_a, operation_type="backup")
    assert log["status"] == "success" and log["extra_info"]["common"]["progress"] == 100
    assert log["ended_at"] > log["started_at"]
    figures = api_a.get(f"/vaults/{vault['id']}").json()["vault"]
    assert figures["billing"]["used"] > 0
    assert figures["resources"][0]["backup_count"] == 1
    assert figures["resources"][0]["backup_size"] == figures["billing"]["used"]


def test_extra_info_description_is_empty_when_not_given(api_a: Api) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 10)])
    assert back_up(api_a, vault["id"])["extra_info"]["description"] == ""


def test_real_time_drives_the_transition_too(api_a: Api, client: Any) -> None:
    client.put("/_emulator/async-delay", json={"seconds": 0})
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 0)])
    checkpoint = back_up(api_a, vault["id"])
    assert api_a.get(f"/checkpoints/{checkpoint['id']}").json()["checkpoint"]["status"] == "available"


def test_second_backup_of_a_resource_is_incremental(api_a: Api, control: Control) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 0)])
    first = back_up(api_a, vault["id"])
    control.advance(AFTER_DELAY)
    second = back_up(api_a, vault["id"], incremental=True)
    [old] = backups_of(api_a, checkpoint_id=first["id"])
    [new] = backups_of(api_a, checkpoint_id=second["id"])
    assert old["extend_info"]["incremental"] is False and new["extend_info"]["incremental"] is True
    assert new["extend_info"]["snapshot_id"]


def test_auto_trigger_parameter_names_and_flags_the_backup(api_a: Api) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 1)])
    checkpoint = back_up(api_a, vault["id"], auto_trigger=True)
    [backup] = backups_of(api_a, checkpoint_id=checkpoint["id"])
    assert backup["name"].startswith("autobk_") and backup["extend_info"]["auto_trigger"] is True


def test_only_the_requested_resources_are_backed_up(api_a: Api) -> None:
    first, second = resource(PROJECT_A, "volumes", 2), resource(PROJECT_A, "volumes", 3)
    vault = api_a.create_vault("disk", [first, second])
    checkpoint = back_up(api_a, vault["id"], resources=[second["id"]])
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [second["id"]]
    checkpoint = back_up(api_a, vault["id"], resource_details=[{"id": first["id"], "type": VOLUME}])
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [first["id"]]


def test_resource_not_in_the_vault_answers_6135(api_a: Api) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 4)])
    answer = api_a.post(
        "/checkpoints", json=checkpoint_body(vault["id"], resources=[resource(PROJECT_A, "volumes", 5)["id"]])
    )
    assert_error(answer, 400, "BackupService.6135")


def test_vault_without_resources_answers_0001(api_a: Api) -> None:
    vault = api_a.create_vault("server")
    assert_error(api_a.post("/checkpoints", json=checkpoint_body(vault["id"])), 400, "BackupService.0001")


def test_resource_still_being_backed_up_is_skipped(api_a: Api) -> None:
    first, second = resource(PROJECT_A, "volumes", 6), resource(PROJECT_A, "volumes", 7)
    vault = api_a.create_vault("disk", [first, second])
    back_up(api_a, vault["id"], resources=[first["id"]])
    checkpoint = back_up(api_a, vault["id"])
    assert [r["id"] for r in checkpoint["vault"]["resources"]] == [second["id"]]
    assert checkpoint["vault"]["skipped_resources"] == [
        {
            "id": first["id"],
            "type": VOLUME,
            "name": first["name"],
            "code": "BackupService.0002",
            "reason": "Resources are being backed up.",
        }
    ]
    assert_error(api_a.post("/checkpoints", json=checkpoint_body(vault["id"])), 400, "BackupService.0001")
    skipped = logs_of(api_a, status="skipped")
    assert skipped and skipped[0]["error_info"]["code"] == "BackupService.0002"


def test_server_in_error_status_is_skipped(api_a: Api, client: Any) -> None:
    inventory = client.get("/_emulator/inventory").json()
    broken, healthy = inventory["projects"][PROJECT_A]["servers"][8:10]
    vault = api_a.create_vault("server", [{"id": broken["id"], "type": SERVER}])
    broken["status"] = "ERROR"
    assert client.put("/_emulator/inventory", json=inventory).status_code == 200
    assert_error(api_a.post("/checkpoints", json=checkpoint_body(vault["id"])), 400, "BackupService.0001")
    assert logs_of(api_a, status="skipped") == []  # a refused request leaves no trace
    api_a.post(
        f"/vaults/{vault['id']}/addresources", json={"resources": [{"id": healthy["id"], "type": SERVER}]}
    )
    checkpoint = back_up(api_a, vault["id"])
    assert [r["code"] for r in checkpoint["vault"]["skipped_resources"]] == ["BackupService.7101"]
    [log] = logs_of(api_a, status="skipped")
    assert log["error_info"] == {
        "code": "BackupService.7101",
        "message": "Backup is not allowed in the current server status.",
    }


def test_unknown_vault_and_checkpoint(api_a: Api) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert_error(api_a.post("/checkpoints", json=checkpoint_body(missing)), 404, "BackupService.6105")
    assert_error(api_a.get(f"/checkpoints/{missing}"), 404, "BackupService.6217")


def test_checkpoints_are_private_to_their_project(api_a: Api, api_b: Api) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 8)])
    checkpoint = back_up(api_a, vault["id"])
    assert_error(api_b.get(f"/checkpoints/{checkpoint['id']}"), 404, "BackupService.6217")
    assert_error(api_b.post("/checkpoints", json=checkpoint_body(vault["id"])), 404, "BackupService.6105")


def test_invalid_checkpoint_bodies_answer_9900(api_a: Api) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 9)])
    for body in [
        {},
        {"checkpoint": {}},
        {"checkpoint": {"vault_id": 1}},
        checkpoint_body(vault["id"], name=""),
        checkpoint_body(vault["id"], name="x" * 65),
        checkpoint_body(vault["id"], description="x" * 256),
        checkpoint_body(vault["id"], resources="x"),
        checkpoint_body(vault["id"], incremental="yes"),
        checkpoint_body(vault["id"], resource_details=[{"id": "x"}]),
    ]:
        assert_error(api_a.post("/checkpoints", json=body), 400, "BackupService.9900")


def test_show_checkpoint_matches_the_creation(api_a: Api, control: Control) -> None:
    vault = api_a.create_vault("turbo", [resource(PROJECT_A, "sfs_turbos", 0)])
    checkpoint = back_up(api_a, vault["id"], name="turbo-1")
    control.advance(AFTER_DELAY)
    shown = api_a.get(f"/checkpoints/{checkpoint['id']}").json()["checkpoint"]
    assert shown["id"] == checkpoint["id"] and shown["status"] == "available"
    assert shown["vault"]["resources"][0]["backup_count"] == "1"
    assert shown["extra_info"]["name"] == "turbo-1"


def test_a_full_vault_refuses_the_next_backup(api_a: Api, control: Control) -> None:
    vault = api_a.create_vault("server", [resource(PROJECT_A, "servers", 0)], size=1)
    back_up(api_a, vault["id"])  # room for it: the vault is empty
    control.advance(AFTER_DELAY)
    billing = api_a.get(f"/vaults/{vault['id']}").json()["vault"]["billing"]
    assert billing["used"] >= billing["size"] * 1024
    assert_error(api_a.post("/checkpoints", json=checkpoint_body(vault["id"])), 400, "BackupService.6114")
    answer = api_a.put(f"/vaults/{vault['id']}", json={"vault": {"billing": {"size": 10}}})
    assert answer.status_code == 200, answer.text
    back_up(api_a, vault["id"])  # expanded by hand, it takes backups again


def test_a_full_vault_with_auto_expand_grows_instead(api_a: Api, control: Control) -> None:
    server = resource(PROJECT_A, "servers", 0)
    vault = api_a.create_vault("server", [server], size=1)
    answer = api_a.put(f"/vaults/{vault['id']}", json={"vault": {"auto_expand": True}})
    assert answer.status_code == 200 and answer.json()["vault"]["auto_expand"] is True, answer.text
    back_up(api_a, vault["id"])
    control.advance(AFTER_DELAY)
    used = api_a.get(f"/vaults/{vault['id']}").json()["vault"]["billing"]["used"]
    back_up(api_a, vault["id"])
    billing = api_a.get(f"/vaults/{vault['id']}").json()["vault"]["billing"]
    # doubled from 1 GB until the used capacity fits
    assert billing["size"] * 1024 > used and billing["size"] // 2 * 1024 <= used


def test_retention_duration_days_sets_expired_at_and_backups_go_then(api_a: Api, control: Control) -> None:
    """The SDK's CheckpointParam.retention_duration_days: a manual backup kept D days."""
    vault = api_a.create_vault("server", [resource(PROJECT_A, "servers", 0)])
    kept = back_up(api_a, vault["id"], name="kept")
    control.advance(AFTER_DELAY)
    checkpoint = back_up(api_a, vault["id"], name="two-days", retention_duration_days=2)
    assert checkpoint["extra_info"]["retention_duration"] == 2
    [backup] = backups_of(api_a, checkpoint_id=checkpoint["id"])
    made = parse_timestamp(backup["created_at"])
    assert parse_timestamp(backup["expired_at"]) == made + timedelta(days=2)
    disks = backups_of(api_a, parent_id=backup["id"])
    assert disks and {d["expired_at"] for d in disks} == {backup["expired_at"]}
    [without] = backups_of(api_a, checkpoint_id=kept["id"])
    assert without["expired_at"] is None
    control.advance(2 * 86400 + AFTER_DELAY)
    assert backups_of(api_a, checkpoint_id=checkpoint["id"]) == []
    assert [b["id"] for b in backups_of(api_a, vault_id=vault["id"])] == [without["id"]]
