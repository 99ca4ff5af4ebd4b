"""4.2 Backup sharing between the two default projects."""

from __future__ import annotations

from typing import Any

import pytest

from cbr_emulator.defaults import PROJECT_A, PROJECT_B
from tests.emulator.conftest import TEST_ASYNC_DELAY
from tests.emulator.helpers import Api, Control, assert_error, back_up, backups_of, resource

MISSING = "00000000-0000-0000-0000-000000000000"
MEMBER_KEYS = {
    "status",
    "created_at",
    "updated_at",
    "backup_id",
    "image_id",
    "dest_project_id",
    "vault_id",
    "id",
}


def server_backup(api: Api, control: Control, index: int = 0) -> dict[str, Any]:
    vault = api.create_vault("server", [resource(PROJECT_A, "servers", index)])
    checkpoint = back_up(api, vault["id"])
    control.advance(TEST_ASYNC_DELAY + 1)
    [backup] = backups_of(api, checkpoint_id=checkpoint["id"])
    return backup


def share(api: Api, backup_id: str, *members: str) -> Any:
    return api.post(f"/backups/{backup_id}/members", json={"members": list(members)})


def accept(api: Api, backup_id: str, vault_id: str | None) -> Any:
    body: dict[str, Any] = {"status": "accepted"}
    if vault_id is not None:
        body["vault_id"] = vault_id
    return api.put(f"/backups/{backup_id}/members/{api.project_id}", json=body)


def test_add_member_answers_200_pending(api_a: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    answer = share(api_a, backup["id"], PROJECT_B)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == 1
    [member] = body["members"]
    assert set(member) == MEMBER_KEYS
    assert member["status"] == "pending" and member["dest_project_id"] == PROJECT_B
    assert member["backup_id"] == backup["id"] and member["vault_id"] is None and member["image_id"] is None
    assert member["updated_at"] is None and len(member["created_at"]) == 26


def test_only_available_server_backups_can_be_shared(api_a: Api, control: Control) -> None:
    disk_vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 0)])
    back_up(api_a, disk_vault["id"])
    control.advance(TEST_ASYNC_DELAY + 1)
    [disk] = backups_of(api_a, vault_id=disk_vault["id"])
    assert_error(share(api_a, disk["id"], PROJECT_B), 400, "BackupService.6700")
    backup = server_backup(api_a, control, 1)
    child = api_a.get(f"/backups/{backup['id']}").json()["backup"]["children"][0]
    assert_error(share(api_a, child["id"], PROJECT_B), 400, "BackupService.6700")
    back_up(api_a, backup["vault_id"])
    [protecting] = backups_of(api_a, vault_id=backup["vault_id"], status="protecting")
    assert_error(share(api_a, protecting["id"], PROJECT_B), 400, "BackupService.6702")


def test_member_project_rules(api_a: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    assert_error(share(api_a, backup["id"], "0123456789abcdef0123456789abcdef"), 400, "BackupService.6704")
    assert_error(share(api_a, backup["id"], PROJECT_A), 400, "BackupService.6704")
    assert_error(share(api_a, backup["id"], PROJECT_B, PROJECT_B), 400, "BackupService.6714")
    assert share(api_a, backup["id"], PROJECT_B).status_code == 200
    assert_error(share(api_a, backup["id"], PROJECT_B), 400, "BackupService.6714")
    assert_error(share(api_a, MISSING, PROJECT_B), 404, "BackupService.6200")


@pytest.mark.parametrize("body", [{}, {"members": []}, {"members": "x"}, {"members": [1]}, {"members": [""]}])
def test_invalid_add_bodies_answer_9900(api_a: Api, control: Control, body: dict[str, Any]) -> None:
    backup = server_backup(api_a, control)
    assert_error(api_a.post(f"/backups/{backup['id']}/members", json=body), 400, "BackupService.9900")


def test_member_accepts_into_its_server_vault(api_a: Api, api_b: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    share(api_a, backup["id"], PROJECT_B)
    vault_b = api_b.create_vault("server")
    answer = accept(api_b, backup["id"], vault_b["id"])
    assert answer.status_code == 200, answer.text
    member = answer.json()["member"]
    assert member["status"] == "accepted" and member["vault_id"] == vault_b["id"]
    assert member["updated_at"] is not None
    assert api_a.get(f"/backups/{backup['id']}/members/{PROJECT_B}").json()["member"] == member
    assert api_b.get(f"/backups/{backup['id']}/members/{PROJECT_B}").json()["member"] == member


def test_accepted_backup_is_visible_to_the_member(api_a: Api, api_b: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    assert_error(api_b.get(f"/backups/{backup['id']}"), 404, "BackupService.6200")
    share(api_a, backup["id"], PROJECT_B)
    accept(api_b, backup["id"], api_b.create_vault("server")["id"])
    assert api_b.get(f"/backups/{backup['id']}").json()["backup"]["id"] == backup["id"]
    assert [b["id"] for b in backups_of(api_b, own_type="shared")] == [backup["id"]]
    assert [b["id"] for b in backups_of(api_b, own_type="all_granted")] == [backup["id"]]
    assert backups_of(api_b) == []
    assert [b["id"] for b in backups_of(api_b, own_type="shared", member_status="accepted")] == [backup["id"]]
    assert backups_of(api_b, own_type="shared", member_status="pending") == []
    assert [b["id"] for b in backups_of(api_a, member_status="accepted")] == [backup["id"]]
    assert_error(api_b.delete(f"/backups/{backup['id']}"), 404, "BackupService.6200")


def test_accept_rules(api_a: Api, api_b: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    share(api_a, backup["id"], PROJECT_B)
    assert_error(accept(api_b, backup["id"], None), 400, "BackupService.6706")
    assert_error(accept(api_b, backup["id"], MISSING), 400, "BackupService.6706")
    own_vault = api_a.create_vault("server")
    assert_error(accept(api_b, backup["id"], own_vault["id"]), 400, "BackupService.6706")
    disk_vault = api_b.create_vault("disk")
    assert_error(accept(api_b, backup["id"], disk_vault["id"]), 400, "BackupService.6713")
    path = f"/backups/{backup['id']}/members/{PROJECT_B}"
    assert_error(api_b.put(path, json={"status": "maybe"}), 400, "BackupService.6706")
    assert_error(
        api_b.put(path, json={"status": "accepted", "vault_id": "not-a-uuid"}), 400, "BackupService.6706"
    )
    assert_error(api_b.put(path, json={}), 400, "BackupService.9900")
    assert_error(
        api_a.put(path, json={"status": "accepted", "vault_id": own_vault["id"]}), 400, "BackupService.6706"
    )
    assert_error(
        api_b.put(f"/backups/{backup['id']}/members/{PROJECT_A}", json={"status": "rejected"}),
        404,
        "BackupService.6705",
    )


def test_rejecting_hides_the_backup_again(api_a: Api, api_b: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    share(api_a, backup["id"], PROJECT_B)
    answer = api_b.put(f"/backups/{backup['id']}/members/{PROJECT_B}", json={"status": "rejected"})
    assert answer.json()["member"]["status"] == "rejected" and answer.json()["member"]["vault_id"] is None
    assert_error(api_b.get(f"/backups/{backup['id']}"), 404, "BackupService.6200")
    assert [b["id"] for b in backups_of(api_b, own_type="shared", member_status="rejected")] == [backup["id"]]


def test_list_members_with_filters(api_a: Api, api_b: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    share(api_a, backup["id"], PROJECT_B)
    path = f"/backups/{backup['id']}/members"

    def listed(**params: Any) -> dict[str, Any]:
        answer = api_a.get(path, params=params)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    everything = listed()
    assert everything["count"] == 1 and set(everything) == {"members", "count"}
    [member] = everything["members"]
    assert listed(dest_project_id=PROJECT_B)["count"] == 1
    assert listed(status="accepted")["count"] == 0
    assert listed(status="pending", sort="created_at:asc")["count"] == 1
    assert listed(limit=1, offset=1)["members"] == [] and listed(limit=1, offset=1)["count"] == 1
    assert listed(marker=member["id"])["members"] == []
    assert listed(vault_id=MISSING)["count"] == 0
    assert listed(image_id="x")["count"] == 0
    assert api_b.get(path).json()["count"] == 1
    # 4.2.4 lists no statuses to filter by and names no sort keys: another matches or orders nothing
    assert listed(status="x")["count"] == 0
    assert listed(sort="nope")["count"] == 1
    for params in [
        {"sort": "Not-A-Key"},  # whatever its name, a key is lower case and underscores
        {"vault_id": "x"},
        {"marker": MISSING},
        {"marker": "x"},
        {"limit": 0},
    ]:
        assert_error(api_a.get(path, params=params), 400, "BackupService.9900")


def test_show_and_delete_member(api_a: Api, api_b: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    share(api_a, backup["id"], PROJECT_B)
    path = f"/backups/{backup['id']}/members/{PROJECT_B}"
    assert set(api_a.get(path).json()["member"]) == MEMBER_KEYS
    assert_error(api_a.get(f"/backups/{backup['id']}/members/{PROJECT_A}"), 404, "BackupService.6705")
    assert_error(api_a.get(f"/backups/{MISSING}/members/{PROJECT_B}"), 404, "BackupService.6200")
    answer = api_a.delete(path)
    assert answer.status_code == 204 and answer.content == b""
    assert_error(api_a.get(path), 404, "BackupService.6705")
    assert_error(api_a.delete(path), 404, "BackupService.6705")
    assert_error(api_b.get(path), 404, "BackupService.6200")


def test_member_may_leave_a_share(api_a: Api, api_b: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    share(api_a, backup["id"], PROJECT_B)
    assert api_b.delete(f"/backups/{backup['id']}/members/{PROJECT_B}").status_code == 204
    assert api_a.get(f"/backups/{backup['id']}/members").json()["count"] == 0


def test_deleting_the_backup_ends_its_shares(api_a: Api, api_b: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    share(api_a, backup["id"], PROJECT_B)
    accept(api_b, backup["id"], api_b.create_vault("server")["id"])
    assert api_a.delete(f"/backups/{backup['id']}").status_code == 204
    assert backups_of(api_b, own_type="shared") == []
