"""4.5 Backups: show, list (every filter of table 4-158), delete, restore."""

from __future__ import annotations

from typing import Any

import pytest

from cbr_emulator.defaults import PROJECT_A
from tests.emulator.conftest import TEST_ASYNC_DELAY
from tests.emulator.helpers import (
    BMS,
    SERVER,
    VOLUME,
    Api,
    Control,
    assert_error,
    back_up,
    backups_of,
    inventory_volume,
    logs_of,
    resource,
)

AFTER_DELAY = TEST_ASYNC_DELAY + 1
MISSING = "00000000-0000-0000-0000-000000000000"
RESP_KEYS = {
    "checkpoint_id",
    "created_at",
    "description",
    "expired_at",
    "extend_info",
    "id",
    "image_type",
    "name",
    "parent_id",
    "project_id",
    "protected_at",
    "resource_az",
    "resource_id",
    "resource_name",
    "resource_size",
    "resource_type",
    "status",
    "updated_at",
    "vault_id",
    "enterprise_project_id",
    # today's fields (the official SDK's BackupResp)
    "incremental",
    "provider_id",
    "replication_records",
    "version",
    "scheduled_operation_id",
    # a listing shows it empty, as the live service's does
    "children",
}


def made_backup(
    api: Api, control: Control, section: str, index: int, object_type: str, **parameters: Any
) -> dict[str, Any]:
    """A vault with one resource and one available backup of it; returns the backup."""
    vault = api.create_vault(object_type, [resource(PROJECT_A, section, index)])
    checkpoint = back_up(api, vault["id"], **parameters)
    control.advance(AFTER_DELAY)
    [backup] = backups_of(api, checkpoint_id=checkpoint["id"])
    shown: dict[str, Any] = api.get(f"/backups/{backup['id']}").json()["backup"]
    return shown


def test_show_backup_has_the_backup_detail_shape(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "servers", 0, "server", name="b1", description="d1")
    assert set(backup) == RESP_KEYS - {"enterprise_project_id"}
    assert backup["name"] == "b1" and backup["description"] == "d1" and backup["image_type"] == "backup"
    assert backup["resource_type"] == SERVER and backup["resource_size"] == 50
    assert backup["resource_az"] == "emu-az1" and backup["parent_id"] is None
    assert backup["extend_info"]["contain_system_disk"] is True
    assert backup["extend_info"]["supported_restore_mode"] == "backup"
    assert len(backup["children"]) == 2
    assert set(backup["children"][0]) == RESP_KEYS
    assert backup["created_at"] < backup["protected_at"] == backup["updated_at"]


def test_unknown_backup_answers_6200(api_a: Api, api_b: Api, control: Control) -> None:
    assert_error(api_a.get(f"/backups/{MISSING}"), 404, "BackupService.6200")
    backup = made_backup(api_a, control, "volumes", 0, "disk")
    assert_error(api_b.get(f"/backups/{backup['id']}"), 404, "BackupService.6200")


def test_list_backups_shape_and_paging(api_a: Api, control: Control) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 1)])
    for _ in range(5):
        back_up(api_a, vault["id"])
        control.advance(AFTER_DELAY)
    listing = api_a.get("/backups").json()
    assert listing["count"] == 5 and listing["limit"] == 1000 and listing["offset"] == 0
    assert set(listing["backups"][0]) == RESP_KEYS and listing["backups"][0]["children"] == []
    ids = [b["id"] for b in listing["backups"]]
    created = [b["created_at"] for b in listing["backups"]]
    assert created == sorted(created, reverse=True)
    page = api_a.get("/backups", params={"limit": 2, "offset": 2}).json()
    assert [b["id"] for b in page["backups"]] == ids[2:4] and page["count"] == 5
    after_marker = api_a.get("/backups", params={"limit": 2, "marker": ids[1]}).json()
    assert [b["id"] for b in after_marker["backups"]] == ids[2:4]
    ascending = backups_of(api_a, sort="created_at:asc")
    assert [b["id"] for b in ascending] == list(reversed(ids))
    assert [b["id"] for b in backups_of(api_a, sort="created_at:asc", marker=ids[3])] == [
        ids[2],
        ids[1],
        ids[0],
    ]


def test_list_backups_filters(api_a: Api, control: Control) -> None:
    server = made_backup(api_a, control, "servers", 1, "server", name="srv")
    disk = made_backup(api_a, control, "volumes", 2, "disk", name="dsk")
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 3)], enterprise_project_id="ep9")
    pending = back_up(api_a, vault["id"], name="pending")
    [protecting] = backups_of(api_a, checkpoint_id=pending["id"])

    def ids(**params: Any) -> set[str]:
        return {b["id"] for b in backups_of(api_a, **params)}

    everything = {server["id"], disk["id"], protecting["id"]}
    assert ids() == everything
    assert ids(checkpoint_id=server["checkpoint_id"]) == {server["id"]}
    assert ids(vault_id=disk["vault_id"]) == {disk["id"]}
    assert ids(name="dsk") == {disk["id"]}
    assert ids(resource_id=server["resource_id"]) == {server["id"]}
    assert ids(resource_name=disk["resource_name"]) == {disk["id"]}
    assert ids(resource_type=VOLUME) == {disk["id"], protecting["id"]}
    assert ids(resource_az="emu-az2") == {server["id"], protecting["id"]}
    assert ids(status="protecting") == {protecting["id"]}
    assert ids(status=["available", "protecting"]) == everything
    assert ids(status=["error"]) == set()
    assert ids(enterprise_project_id="ep9") == {protecting["id"]}
    assert ids(enterprise_project_id="all_granted_eps") == everything
    assert ids(image_type="backup", dec="false") == everything
    assert ids(parent_id=server["id"]) == {c["id"] for c in server["children"]}
    assert ids(own_type="private") == everything and ids(own_type="shared") == set()
    start = disk["created_at"][:19] + "Z"
    assert ids(start_time=start) == {disk["id"], protecting["id"]}
    assert ids(end_time=start) == {server["id"], disk["id"]}
    assert ids(sort="name:asc,status") == everything


def test_used_percent_selects_backups_of_vaults_that_full(api_a: Api, control: Control) -> None:
    small = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 11)], size=1)  # 80 GB disk
    large = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 4)], size=10000)
    back_up(api_a, small["id"])
    back_up(api_a, large["id"])
    control.advance(AFTER_DELAY)
    used = api_a.get(f"/vaults/{small['id']}").json()["vault"]["billing"]["used"]
    assert used * 100 >= 80 * 1024
    assert {b["vault_id"] for b in backups_of(api_a, used_percent=80)} == {small["id"]}
    assert len(backups_of(api_a, used_percent=1)) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"offset": -1},
        {"marker": MISSING},
        {"sort": "size"},
        {"sort": "name:up"},
        {"sort": "created_at," * 40},
        {"status": "gone"},
        {"start_time": "2020-01-01"},
        {"end_time": "2020-01-01T00:00:00"},
        {"used_percent": 0},
        {"used_percent": 101},
        {"own_type": "mine"},
        {"member_status": "maybe"},
        {"resource_type": "vm"},
        {"image_type": "snapshot"},
        {"dec": "yes"},
    ],
)
def test_invalid_list_queries_answer_9900(api_a: Api, params: dict[str, Any]) -> None:
    assert_error(api_a.get("/backups", params=params), 400, "BackupService.9900")


def test_delete_backup_answers_204_and_records_a_task(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "servers", 2, "server")
    answer = api_a.delete(f"/backups/{backup['id']}")
    assert answer.status_code == 204 and answer.content == b""
    assert_error(api_a.get(f"/backups/{backup['id']}"), 404, "BackupService.6200")
    assert_error(api_a.get(f"/backups/{backup['children'][0]['id']}"), 404, "BackupService.6200")
    [log] = logs_of(api_a, operation_type="delete")
    assert log["status"] == "success"
    assert log["extra_info"]["delete"] == {"backup_id": backup["id"], "backup_name": backup["name"]}
    assert log["extra_info"]["resource"]["id"] == backup["resource_id"]
    assert api_a.get(f"/vaults/{backup['vault_id']}").json()["vault"]["billing"]["used"] == 0


def test_delete_rules(api_a: Api, control: Control) -> None:
    assert_error(api_a.delete(f"/backups/{MISSING}"), 404, "BackupService.6200")
    backup = made_backup(api_a, control, "servers", 3, "server")
    assert_error(api_a.delete(f"/backups/{backup['children'][0]['id']}"), 400, "BackupService.6201")
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 5)])
    checkpoint = back_up(api_a, vault["id"])
    [protecting] = backups_of(api_a, checkpoint_id=checkpoint["id"])
    assert_error(api_a.delete(f"/backups/{protecting['id']}"), 400, "BackupService.6201")
    control.advance(AFTER_DELAY)
    target = resource(PROJECT_A, "volumes", 5)["id"]
    assert (
        api_a.post(
            f"/backups/{protecting['id']}/restore", json={"restore": {"volume_id": target}}
        ).status_code
        == 202
    )
    assert_error(api_a.delete(f"/backups/{protecting['id']}"), 400, "BackupService.6216")


def test_restore_a_disk_backup(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "volumes", 6, "disk")
    answer = api_a.post(
        f"/backups/{backup['id']}/restore", json={"restore": {"volume_id": backup["resource_id"]}}
    )
    assert answer.status_code == 202 and answer.content == b""
    assert api_a.get(f"/backups/{backup['id']}").json()["backup"]["status"] == "restoring"
    [log] = logs_of(api_a, operation_type="restore")
    assert log["status"] == "running"
    assert log["extra_info"]["restore"] == {
        "backup_id": backup["id"],
        "backup_name": backup["name"],
        "target_resource_id": backup["resource_id"],
        "target_resource_name": backup["resource_name"],
    }
    assert (
        api_a.get(f"/vaults/{backup['vault_id']}").json()["vault"]["resources"][0]["protect_status"]
        == "restoring"
    )
    control.advance(AFTER_DELAY)
    assert api_a.get(f"/backups/{backup['id']}").json()["backup"]["status"] == "available"
    assert logs_of(api_a, operation_type="restore")[0]["status"] == "success"


def test_restore_a_server_backup_with_mappings(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "servers", 4, "server")
    mappings = [{"backup_id": c["id"], "volume_id": c["resource_id"]} for c in backup["children"]]
    answer = api_a.post(
        f"/backups/{backup['id']}/restore",
        json={"restore": {"server_id": backup["resource_id"], "mappings": mappings, "power_on": False}},
    )
    assert answer.status_code == 202, answer.text


def test_restore_turbo_goes_back_to_its_file_system(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "sfs_turbos", 1, "turbo")
    assert api_a.post(f"/backups/{backup['id']}/restore", json={"restore": {}}).status_code == 202


def test_restore_needs_an_available_backup(api_a: Api) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 7)])
    checkpoint = back_up(api_a, vault["id"])
    [backup] = backups_of(api_a, checkpoint_id=checkpoint["id"])
    answer = api_a.post(
        f"/backups/{backup['id']}/restore", json={"restore": {"volume_id": backup["resource_id"]}}
    )
    assert_error(answer, 400, "BackupService.2005")
    assert_error(api_a.post(f"/backups/{MISSING}/restore", json={"restore": {}}), 404, "BackupService.6200")


def server_restore_cases(backup: dict[str, Any]) -> list[tuple[dict[str, Any], int, str]]:
    by_bootable = {c["extend_info"]["bootable"]: c for c in backup["children"]}
    system, data = by_bootable[True], by_bootable[False]
    own = backup["resource_id"]
    other_server = resource(PROJECT_A, "servers", 6)["id"]
    bms = resource(PROJECT_A, "bare_metal_servers", 0)["id"]
    foreign_disk = inventory_volume(PROJECT_A, 6, 1)["id"]
    return [
        ({}, 400, "BackupService.9900"),
        ({"server_id": MISSING}, 404, "BackupService.7100"),
        ({"server_id": other_server}, 400, "BackupService.2003"),
        ({"server_id": bms}, 400, "BackupService.2006"),
        ({"server_id": own}, 400, "BackupService.9900"),
        (
            {"server_id": own, "mappings": [{"backup_id": MISSING, "volume_id": data["resource_id"]}]},
            400,
            "BackupService.9900",
        ),
        (
            {"server_id": own, "mappings": [{"backup_id": data["id"], "volume_id": MISSING}]},
            404,
            "BackupService.7000",
        ),
        (
            {"server_id": own, "mappings": [{"backup_id": data["id"], "volume_id": foreign_disk}]},
            400,
            "BackupService.9900",
        ),
        (
            {"server_id": own, "mappings": [{"backup_id": system["id"], "volume_id": data["resource_id"]}]},
            400,
            "BackupService.2001",
        ),
        (
            {"server_id": own, "mappings": [{"backup_id": data["id"], "volume_id": system["resource_id"]}]},
            400,
            "BackupService.2013",
        ),
        (
            {
                "server_id": own,
                "mappings": [
                    {"backup_id": data["id"], "volume_id": data["resource_id"]},
                    {"backup_id": data["id"], "volume_id": system["resource_id"]},
                ],
            },
            400,
            "BackupService.9900",
        ),
        ({"server_id": own, "mappings": [{"backup_id": data["id"]}]}, 400, "BackupService.9900"),
    ]


def test_server_restore_rules(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "servers", 0, "server")  # data disk of 10 GB, system disk of 40
    for restore, status, code in server_restore_cases(backup):
        answer = api_a.post(f"/backups/{backup['id']}/restore", json={"restore": restore})
        assert answer.status_code == status and answer.json()["error_code"] == code, (restore, answer.text)


def test_bms_backup_cannot_go_to_an_ecs(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "bare_metal_servers", 1, "server")
    assert backup["resource_type"] == BMS
    answer = api_a.post(
        f"/backups/{backup['id']}/restore",
        json={"restore": {"server_id": resource(PROJECT_A, "servers", 0)["id"]}},
    )
    assert_error(answer, 400, "BackupService.2014")


def test_disk_restore_rules(api_a: Api, control: Control) -> None:
    big = made_backup(api_a, control, "volumes", 11, "disk")  # 80 GB
    small_disk = resource(PROJECT_A, "volumes", 0)["id"]  # 25 GB
    system_disk = inventory_volume(PROJECT_A, 7, 0)["id"]  # 40 GB, bootable
    cases = [
        ({}, 400, "BackupService.9900"),
        ({"volume_id": MISSING}, 404, "BackupService.7000"),
        ({"volume_id": resource(PROJECT_A, "servers", 0)["id"]}, 404, "BackupService.7000"),
        ({"volume_id": small_disk}, 400, "BackupService.2001"),
    ]
    for restore, status, code in cases:
        answer = api_a.post(f"/backups/{big['id']}/restore", json={"restore": restore})
        assert answer.status_code == status and answer.json()["error_code"] == code, (restore, answer.text)
    small = made_backup(api_a, control, "volumes", 0, "disk")
    answer = api_a.post(f"/backups/{small['id']}/restore", json={"restore": {"volume_id": system_disk}})
    assert_error(answer, 400, "BackupService.2013")


def test_restore_while_the_resource_is_busy(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "volumes", 8, "disk")
    back_up(api_a, backup["vault_id"])
    restore = {"restore": {"volume_id": backup["resource_id"]}}
    assert_error(api_a.post(f"/backups/{backup['id']}/restore", json=restore), 400, "BackupService.2002")
    control.advance(AFTER_DELAY)
    assert api_a.post(f"/backups/{backup['id']}/restore", json=restore).status_code == 202
    [newest, _] = backups_of(api_a, vault_id=backup["vault_id"])
    assert_error(api_a.post(f"/backups/{newest['id']}/restore", json=restore), 400, "BackupService.2010")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"restore": []},
        {"restore": {"mappings": {}}},
        {"restore": {"power_on": "yes"}},
        {"restore": {"volume_id": 5}},
    ],
)
def test_invalid_restore_bodies_answer_9900(api_a: Api, control: Control, body: dict[str, Any]) -> None:
    backup = made_backup(api_a, control, "volumes", 9, "disk")
    assert_error(api_a.post(f"/backups/{backup['id']}/restore", json=body), 400, "BackupService.9900")


def test_deleting_a_vault_deletes_its_backups(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "volumes", 10, "disk")
    back_up(api_a, backup["vault_id"])
    control.advance(AFTER_DELAY)
    assert api_a.delete(f"/vaults/{backup['vault_id']}").status_code == 204
    assert_error(api_a.get(f"/backups/{backup['id']}"), 404, "BackupService.6200")
    [log] = logs_of(api_a, operation_type="vault_delete")
    assert log["vault_id"] == backup["vault_id"] and log["status"] == "success"
    assert log["extra_info"]["vault_delete"] == {"fail_count": 0, "total_count": 2}


def test_removing_a_resource_deletes_its_backups(api_a: Api, control: Control) -> None:
    backup = made_backup(api_a, control, "servers", 5, "server")
    answer = api_a.post(
        f"/vaults/{backup['vault_id']}/removeresources", json={"resource_ids": [backup["resource_id"]]}
    )
    assert answer.status_code == 200
    assert_error(api_a.get(f"/backups/{backup['id']}"), 404, "BackupService.6200")
    [log] = logs_of(api_a, operation_type="remove_resource")
    assert log["extra_info"]["remove_resources"] == {
        "fail_count": 0,
        "total_count": 1,
        "resources": [{"id": backup["resource_id"], "name": backup["resource_name"], "type": SERVER}],
    }


def test_tasks_of_backups_that_vanish_end_as_failed(api_a: Api, control: Control) -> None:
    first, second = resource(PROJECT_A, "volumes", 0), resource(PROJECT_A, "volumes", 1)
    vault = api_a.create_vault("disk", [first, second])
    back_up(api_a, vault["id"])
    api_a.post(f"/vaults/{vault['id']}/removeresources", json={"resource_ids": [first["id"]]})
    control.advance(AFTER_DELAY)
    statuses = {
        log["extra_info"]["resource"]["id"]: log["status"] for log in logs_of(api_a, operation_type="backup")
    }
    assert statuses == {first["id"]: "failed", second["id"]: "success"}
    back_up(api_a, vault["id"])
    api_a.delete(f"/vaults/{vault['id']}")
    control.advance(AFTER_DELAY)
    assert logs_of(api_a, operation_type="backup", status="running") == []
    assert len(logs_of(api_a, operation_type="backup", status="failed")) == 2
