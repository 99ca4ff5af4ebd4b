"""Backup sharing (reference section 4.2): add, accept, show, list and delete share members.

The owner project shares a server backup with a second project. The path's `member_id` is the
member's project id (4.2.2, 4.2.3), and the member accepts or rejects on its own path. Tests that
need the second project skip when none is configured.
"""

from __future__ import annotations

from typing import Any

import pytest

from cbr_conformance.contract.codes import (
    ALREADY_SHARED,
    BACKUP_NOT_FOUND,
    MEMBER_NOT_FOUND,
    SHARE_NOT_SERVER,
    SHARE_VAULT_TYPE,
    SHARED_TO_MEMBER,
    UNKNOWN_ID,
    UNKNOWN_PROJECT,
)
from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient, Response
from cbr_conformance.testkit.expect import expect_error, expect_status

STRANGER = UNKNOWN_PROJECT  # a well-formed project id the backups are never shared with


def _backup(resources: Resources, resource_type: str = SERVER) -> dict[str, Any]:
    vault, _ = resources.vault_with_resource(resource_type)
    return resources.backup(vault["id"])


def _share(cbr: CBRClient, backup_id: str, member: str, cleanup: Resources) -> Response:
    """add_share_members as sent; a member it adds (even wrongly) is removed at `cleanup`'s teardown."""
    response = cbr.call("add_share_members", path={"backup_id": backup_id}, json_body={"members": [member]})

    def unshare() -> None:
        status = cbr.call(
            "delete_share_member", path={"backup_id": backup_id, "member_id": member}, check=False
        ).status
        assert status in (204, 404), (
            f"cleanup, 4.2.5: delete_share_member answers 204 (404 once gone), got {status}"
        )

    if response.status == 200:
        cleanup.add_cleanup(f"stop sharing backup {backup_id} with {member}", unshare)
    return response


def _member_path(backup_id: str, member: CBRClient) -> dict[str, str]:
    return {"backup_id": backup_id, "member_id": member.project_id}


def _accept(member: CBRClient, backup_id: str, vault_id: str | None) -> Response:
    """The member project accepts the share on its own path (4.2.2)."""
    body: dict[str, Any] = {"status": "accepted"}
    if vault_id is not None:
        body["vault_id"] = vault_id
    return member.call("update_share_member_status", path=_member_path(backup_id, member), json_body=body)


def _shown(cbr: CBRClient, backup_id: str, member: CBRClient) -> dict[str, Any]:
    response = cbr.call("show_share_member", path=_member_path(backup_id, member))
    shown: dict[str, Any] = expect_status(response, 200)["member"]
    return shown


# --- add_share_members ----------------------------------------------------------------------


@pytest.mark.cbr(
    operation="add_share_members",
    kind="contract",
    mutates=True,
    id="share-add-member-pending",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1, "share": 1},
)
def test_add_share_member_makes_a_pending_member(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.1 (Tables 4-46, 4-47): a new share member is the project given, pending, in no vault yet."""
    backup = _backup(cbr_resources)
    body = expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_resources), 200)
    assert [m["dest_project_id"] for m in body["members"]] == [cbr_second.project_id], (
        "4.2.1 (Table 4-47): the members are the project shared with, "
        f"got dest_project_id {[m['dest_project_id'] for m in body['members']]}"
    )
    member = body["members"][0]
    assert member["backup_id"] == backup["id"], (
        f"4.2.1 (Table 4-47): backup_id is the backup shared, got {member['backup_id']!r}"
    )
    assert member["status"] == "pending", (
        f"4.2.1 (Table 4-47): a new share is pending, got {member['status']!r}"
    )
    assert not member.get("vault_id"), (
        f"4.2.1 (Table 4-47): a pending share is in no vault of the member, got {member.get('vault_id')!r}"
    )
    if "count" in body:
        assert body["count"] == 1, (
            f"4.2.1 (Table 4-46): count is the 1 member the backup is shared to, got {body['count']}"
        )


@pytest.mark.cbr(
    operation="add_share_members",
    kind="negative",
    mutates=True,
    id="share-add-disk-backup",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 1},
)
def test_sharing_a_disk_backup_is_refused(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.1, 7.2: only cloud server backups can be shared: a disk backup answers 400 BackupService.6700."""
    backup = _backup(cbr_resources, VOLUME)
    response = _share(cbr, backup["id"], cbr_second.project_id, cbr_resources)
    expect_error(response, 400, SHARE_NOT_SERVER)


@pytest.mark.cbr(
    operation="add_share_members",
    kind="negative",
    mutates=True,
    id="share-add-twice",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1, "share": 1},
)
def test_sharing_twice_with_the_same_project_is_refused(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.1, 7.2: sharing again with the same project answers 400 BackupService.6714 or 6703."""
    backup = _backup(cbr_resources)
    expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_resources), 200)
    response = _share(cbr, backup["id"], cbr_second.project_id, cbr_resources)
    expect_error(response, 400, SHARED_TO_MEMBER, ALREADY_SHARED)


@pytest.mark.cbr(
    operation="add_share_members",
    kind="negative",
    mutates=True,
    id="share-add-own-project",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1},
)
def test_sharing_with_the_owner_project_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.2.1: backups are shared among tenants: sharing with the owner's own project is refused."""
    backup = _backup(cbr_resources)
    expect_error(_share(cbr, backup["id"], cbr.project_id, cbr_resources), 400)


@pytest.mark.cbr(operation="add_share_members", kind="negative", id="share-add-unknown-backup")
def test_sharing_an_unknown_backup_is_not_found(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.1, 7.2: sharing an unknown backup answers 404 BackupService.6200."""
    response = _share(cbr, UNKNOWN_ID, cbr_second.project_id, cbr_resources)
    expect_error(response, 404, BACKUP_NOT_FOUND)


# --- update_share_member_status -------------------------------------------------------------


@pytest.mark.cbr(
    operation="update_share_member_status",
    kind="contract",
    mutates=True,
    id="share-accept-into-vault",
    needs={SERVER: 1},
    creates={"vault": 2, "server_backup": 1, "share": 1},
)
def test_member_accepts_the_share_into_its_vault(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources, cbr_second_resources: Resources
) -> None:
    """4.2.2 (Tables 4-50, 4-52): the member accepts into its server vault; the owner sees it (4.2.3)."""
    backup = _backup(cbr_resources)
    vault = cbr_second_resources.vault("server")
    expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_second_resources), 200)
    member = expect_status(_accept(cbr_second, backup["id"], vault["id"]), 200)["member"]
    assert member["status"] == "accepted", (
        f"4.2.2 (Table 4-52): status is the accepted sent, got {member['status']!r}"
    )
    assert member["vault_id"] == vault["id"], (
        f"4.2.2 (Table 4-52): vault_id is the vault accepted into, got {member['vault_id']!r}"
    )
    assert member["backup_id"] == backup["id"], (
        f"4.2.2 (Table 4-52): backup_id is the backup shared, got {member['backup_id']!r}"
    )
    assert member["dest_project_id"] == cbr_second.project_id, (
        f"4.2.2 (Table 4-52): dest_project_id is the member's project, got {member['dest_project_id']!r}"
    )
    seen_by_owner = _shown(cbr, backup["id"], cbr_second)
    assert seen_by_owner["status"] == "accepted", (
        f"4.2.3 (Table 4-56): the owner sees the member accepted, got {seen_by_owner['status']!r}"
    )
    assert seen_by_owner["vault_id"] == vault["id"], (
        f"4.2.3 (Table 4-56): the owner sees the vault accepted into, got {seen_by_owner['vault_id']!r}"
    )


@pytest.mark.cbr(
    operation="update_share_member_status",
    kind="contract",
    mutates=True,
    id="share-reject",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1, "share": 1},
)
def test_member_rejects_the_share_without_a_vault(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.2 (Table 4-50): the member rejects without a vault_id; the owner sees it rejected."""
    backup = _backup(cbr_resources)
    expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_resources), 200)
    body = {"status": "rejected"}  # Table 4-50: "If the backup is rejected, vault_id is not required."
    response = cbr_second.call(
        "update_share_member_status", path=_member_path(backup["id"], cbr_second), json_body=body
    )
    member = expect_status(response, 200)["member"]
    assert member["status"] == "rejected", (
        f"4.2.2 (Table 4-52): status is the rejected sent, got {member['status']!r}"
    )
    assert _shown(cbr, backup["id"], cbr_second)["status"] == "rejected", (
        "4.2.3 (Table 4-56): the owner sees the member rejected (4.2.2)"
    )


@pytest.mark.cbr(
    operation="update_share_member_status",
    kind="negative",
    mutates=True,
    id="share-accept-without-vault",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1, "share": 1},
)
def test_accepting_without_a_vault_is_refused(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.2 (Table 4-50): accepting requires a vault_id: without one it is refused, still pending."""
    backup = _backup(cbr_resources)
    expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_resources), 200)
    expect_error(_accept(cbr_second, backup["id"], None), 400)
    assert _shown(cbr, backup["id"], cbr_second)["status"] == "pending", (
        "4.2.2, 4.2.3: an acceptance refused with 400 must leave the member pending"
    )


@pytest.mark.cbr(
    operation="update_share_member_status",
    kind="negative",
    mutates=True,
    id="share-accept-into-disk-vault",
    needs={SERVER: 1},
    creates={"vault": 2, "server_backup": 1, "share": 1},
)
def test_accepting_into_a_disk_vault_is_refused(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources, cbr_second_resources: Resources
) -> None:
    """4.2.2, 7.2: accepting into a disk vault answers 400 BackupService.6713; still pending."""
    backup = _backup(cbr_resources)
    vault = cbr_second_resources.vault("disk")
    expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_second_resources), 200)
    expect_error(_accept(cbr_second, backup["id"], vault["id"]), 400, SHARE_VAULT_TYPE)
    assert _shown(cbr, backup["id"], cbr_second)["status"] == "pending", (
        "4.2.2, 4.2.3: an acceptance refused with 400 must leave the member pending"
    )


@pytest.mark.cbr(
    operation="update_share_member_status",
    kind="negative",
    mutates=True,
    id="share-update-invalid-status",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1, "share": 1},
)
def test_updating_to_an_unknown_status_is_refused(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.2 (Table 4-50): a status other than accepted, pending or rejected is refused with 400."""
    backup = _backup(cbr_resources)
    expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_resources), 200)
    path = _member_path(backup["id"], cbr_second)
    expect_error(cbr_second.call("update_share_member_status", path=path, json_body={"status": "maybe"}), 400)


@pytest.mark.cbr(operation="update_share_member_status", kind="negative", id="share-accept-unknown-backup")
def test_accepting_an_unknown_backup_is_not_found(cbr_second: CBRClient) -> None:
    """4.2.2, 7.2: accepting an unknown backup answers 404 BackupService.6200 or 6705."""
    expect_error(_accept(cbr_second, UNKNOWN_ID, UNKNOWN_ID), 404, BACKUP_NOT_FOUND, MEMBER_NOT_FOUND)


# --- list_backups, as the member sees them --------------------------------------------------


@pytest.mark.cbr(
    operation="list_backups",
    kind="contract",
    mutates=True,
    id="share-accepted-listed-as-shared",
    needs={SERVER: 1},
    creates={"vault": 2, "server_backup": 1, "share": 1},
)
def test_an_accepted_backup_is_listed_as_shared_by_the_member(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources, cbr_second_resources: Resources
) -> None:
    """4.5.2 (Table 4-158): the member lists a backup it accepted as shared, not as private."""
    backup = _backup(cbr_resources)
    vault = cbr_second_resources.vault("server")
    expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_second_resources), 200)
    expect_status(_accept(cbr_second, backup["id"], vault["id"]), 200)
    shared = expect_status(cbr_second.call("list_backups", query={"own_type": "shared", "limit": 1000}), 200)
    assert backup["id"] in {b["id"] for b in shared["backups"]}, (
        "4.5.2 (Table 4-158): own_type=shared lists the backup the member accepted (4.2.2)"
    )
    private = expect_status(
        cbr_second.call("list_backups", query={"own_type": "private", "limit": 1000}), 200
    )
    assert backup["id"] not in {b["id"] for b in private["backups"]}, (
        "4.5.2 (Table 4-158): own_type=private must not list a backup shared with the member"
    )


# --- show_share_member ----------------------------------------------------------------------


@pytest.mark.cbr(
    operation="show_share_member",
    kind="contract",
    mutates=True,
    id="share-show-member",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1, "share": 1},
)
def test_show_share_member_by_project_id(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.3 (Tables 4-53, 4-56): a member is shown by its project id, as it was added."""
    backup = _backup(cbr_resources)
    added = expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_resources), 200)["members"][0]
    shown = _shown(cbr, backup["id"], cbr_second)
    assert shown["id"] == added["id"], (
        f"4.2.3 (Table 4-56): id is the share record of 4.2.1, got {shown['id']!r}"
    )
    assert shown["dest_project_id"] == cbr_second.project_id, (
        f"4.2.3 (Table 4-56): dest_project_id is the member_id asked for, got {shown['dest_project_id']!r}"
    )
    assert shown["backup_id"] == backup["id"], (
        f"4.2.3 (Table 4-56): backup_id is the backup shared, got {shown['backup_id']!r}"
    )
    assert shown["status"] == "pending", (
        f"4.2.3 (Table 4-56): a new share is pending, got {shown['status']!r}"
    )


@pytest.mark.cbr(
    operation="show_share_member",
    kind="negative",
    mutates=True,
    id="share-show-unknown-member",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1},
)
def test_show_a_project_the_backup_is_not_shared_with_is_not_found(
    cbr: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.3, 7.2: a project the backup is not shared with answers 404 BackupService.6705."""
    backup = _backup(cbr_resources)
    response = cbr.call("show_share_member", path={"backup_id": backup["id"], "member_id": STRANGER})
    expect_error(response, 404, MEMBER_NOT_FOUND)


# --- list_share_members ---------------------------------------------------------------------


@pytest.mark.cbr(
    operation="list_share_members",
    kind="contract",
    mutates=True,
    id="share-list-members",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1, "share": 1},
)
def test_list_share_members_and_filters(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.4 (Tables 4-58, 4-60): the member list, filtered by dest_project_id and status."""
    backup = _backup(cbr_resources)
    added = expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_resources), 200)["members"][0]
    path = {"backup_id": backup["id"]}
    for query in ({}, {"dest_project_id": cbr_second.project_id}, {"status": "pending"}):
        body = expect_status(cbr.call("list_share_members", path=path, query=query), 200)
        assert [m["id"] for m in body["members"]] == [added["id"]], (
            f"4.2.4 (Table 4-58): {query} lists the member added, got {[m['id'] for m in body['members']]}"
        )
        assert body.get("count", 1) == 1, (
            f"4.2.4 (Table 4-60): count is the 1 member under {query}, got {body.get('count')}"
        )
    body = expect_status(cbr.call("list_share_members", path=path, query={"status": "accepted"}), 200)
    assert body["members"] == [], (
        f"4.2.4 (Table 4-58): status=accepted lists no pending one, got {[m['id'] for m in body['members']]}"
    )


@pytest.mark.cbr(operation="list_share_members", kind="negative", id="share-list-unknown-backup")
def test_list_members_of_unknown_backup_is_not_found(cbr: CBRClient) -> None:
    """4.2.4, 7.2: the members of an unknown backup answer 404 BackupService.6200."""
    expect_error(cbr.call("list_share_members", path={"backup_id": UNKNOWN_ID}), 404, BACKUP_NOT_FOUND)


# --- delete_share_member --------------------------------------------------------------------


@pytest.mark.cbr(
    operation="delete_share_member",
    kind="contract",
    mutates=True,
    id="share-delete-member",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1, "share": 1},
)
def test_delete_share_member_stops_the_share(
    cbr: CBRClient, cbr_second: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.5: a deleted member answers 204, then 404 BackupService.6705, and is not listed."""
    backup = _backup(cbr_resources)
    expect_status(_share(cbr, backup["id"], cbr_second.project_id, cbr_resources), 200)
    path = _member_path(backup["id"], cbr_second)
    expect_status(cbr.call("delete_share_member", path=path), 204)
    expect_error(cbr.call("show_share_member", path=path), 404, MEMBER_NOT_FOUND)
    listed = expect_status(cbr.call("list_share_members", path={"backup_id": backup["id"]}), 200)
    assert listed["members"] == [], (
        f"4.2.4: a member deleted (4.2.5) is not listed, got {[m.get('id') for m in listed['members']]}"
    )


@pytest.mark.cbr(
    operation="delete_share_member",
    kind="negative",
    mutates=True,
    id="share-delete-unknown-member",
    needs={SERVER: 1},
    creates={"vault": 1, "server_backup": 1},
)
def test_delete_a_project_the_backup_is_not_shared_with_is_not_found(
    cbr: CBRClient, cbr_resources: Resources
) -> None:
    """4.2.5, 7.2: deleting a project the backup is not shared with answers 404 BackupService.6705."""
    backup = _backup(cbr_resources)
    response = cbr.call("delete_share_member", path={"backup_id": backup["id"], "member_id": STRANGER})
    expect_error(response, 404, MEMBER_NOT_FOUND)
