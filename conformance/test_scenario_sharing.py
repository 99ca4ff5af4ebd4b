"""Scenario of backup sharing (reference 4.2, 4.5.1, 4.5.2): the owner shares a server backup, the
member project accepts it into its vault and sees it as shared, then the owner stops sharing.

It needs a second project (`cbr_second` skips without one, saying what to configure).
"""

from __future__ import annotations

from typing import Any

import pytest

from cbr_conformance.contract.codes import BACKUP_NOT_FOUND, MEMBER_NOT_FOUND
from cbr_conformance.contract.resource_types import SERVER
from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient
from cbr_conformance.testkit.expect import expect_error, expect_status
from cbr_conformance.testkit.scenario import Steps


def _visible(member: CBRClient, backup_id: str, **query: Any) -> bool:
    """Whether the member's backup list under `query` holds the backup."""
    body = expect_status(member.call("list_backups", query={"limit": 1000, **query}), 200)
    return backup_id in {b["id"] for b in body["backups"]}


@pytest.mark.cbr(
    operation=(
        "add_share_members",
        "update_share_member_status",
        "show_share_member",
        "list_backups",
        "show_backup",
        "delete_share_member",
    ),
    kind="scenario",
    mutates=True,
    id="scenario-share-backup",
    needs={SERVER: 1},
    creates={"vault": 2, "server_backup": 1, "share": 1},
)
def test_share_a_backup_from_offer_to_withdrawal(
    cbr_second: CBRClient,
    cbr: CBRClient,
    cbr_resources: Resources,
    cbr_second_resources: Resources,
    cbr_steps: Steps,
) -> None:
    """4.2, 4.5.2: a server backup is shared, accepted, listed as shared by the member, unshared."""
    vault, server = cbr_resources.vault_with_resource(SERVER)  # the server the vault holds
    backup = cbr_resources.backup(vault["id"])
    member_vault = cbr_second_resources.vault("server")
    cbr_steps(
        f"owner backed up server {server.id}: backup {backup['id']}; member made vault {member_vault['id']}"
    )

    member_path = {"backup_id": backup["id"], "member_id": cbr_second.project_id}
    body = {"members": [cbr_second.project_id]}
    added = expect_status(
        cbr.call("add_share_members", path={"backup_id": backup["id"]}, json_body=body), 200
    )

    def unshare() -> None:
        status = cbr.call("delete_share_member", path=member_path, check=False).status
        assert status in (204, 404), (
            f"cleanup, 4.2.5: delete_share_member answers 204 (404 once gone), got {status}"
        )

    cbr_second_resources.add_cleanup(f"stop sharing backup {backup['id']}", unshare)
    assert [(m["dest_project_id"], m["status"]) for m in added["members"]] == [
        (cbr_second.project_id, "pending")
    ], (
        "4.2.1 (Table 4-47): the member added is the project given, pending, "
        f"got {[(m['dest_project_id'], m['status']) for m in added['members']]}"
    )
    assert (
        expect_status(cbr.call("show_share_member", path=member_path), 200)["member"]["status"] == "pending"
    ), "4.2.3 (Table 4-56): the owner sees the new member pending"
    cbr_steps("add_share_members: the member project is pending")

    assert _visible(cbr_second, backup["id"], own_type="shared", member_status="pending"), (
        "4.5.2 (Table 4-158): own_type=shared&member_status=pending lists the backup offered to the member"
    )
    assert not _visible(cbr_second, backup["id"], own_type="private"), (
        "4.5.2 (Table 4-158): own_type=private must not list a backup shared with the member"
    )
    cbr_steps("the member lists it among backups shared with it (member_status pending), not among its own")

    accept = {"status": "accepted", "vault_id": member_vault["id"]}
    accepted = expect_status(
        cbr_second.call("update_share_member_status", path=member_path, json_body=accept), 200
    )
    assert (
        accepted["member"]["status"] == "accepted" and accepted["member"]["vault_id"] == member_vault["id"]
    ), (
        "4.2.2 (Table 4-52): the member is accepted into the vault given, "
        f"got {accepted['member']['status']!r}, {accepted['member']['vault_id']!r}"
    )
    seen_by_owner = expect_status(cbr.call("show_share_member", path=member_path), 200)["member"]
    assert (seen_by_owner["status"], seen_by_owner["vault_id"]) == ("accepted", member_vault["id"]), (
        "4.2.3 (Table 4-56): the owner sees the member accepted into that vault, "
        f"got {seen_by_owner['status']!r}, {seen_by_owner['vault_id']!r}"
    )
    cbr_steps(f"the member accepted it into vault {member_vault['id']}; the owner sees it accepted")

    assert _visible(cbr_second, backup["id"], own_type="shared"), (
        "4.5.2 (Table 4-158): own_type=shared lists the backup the member accepted"
    )
    assert _visible(cbr_second, backup["id"], own_type="shared", member_status="accepted"), (
        "4.5.2 (Table 4-158): member_status=accepted lists the backup the member accepted"
    )
    assert _visible(cbr_second, backup["id"], own_type="all_granted"), (
        "4.5.2 (Table 4-158): own_type=all_granted lists the backup the member accepted"
    )
    assert not _visible(cbr_second, backup["id"], own_type="shared", member_status="pending"), (
        "4.5.2 (Table 4-158): member_status=pending must not list a backup the member accepted"
    )
    shown = expect_status(cbr_second.call("show_backup", path={"backup_id": backup["id"]}), 200)["backup"]
    assert shown["id"] == backup["id"] and shown["project_id"] == cbr.project_id, (
        "4.5.1 (Table 4-152): the member shows the shared backup, of the owner's project, "
        f"got {shown['id']!r} of {shown['project_id']!r}"
    )
    cbr_steps("the member lists it as shared (accepted, all_granted, not pending) and shows it by id")

    assert expect_status(cbr.call("delete_share_member", path=member_path), 204) is None, (
        "4.2.5: delete_share_member answers 204 No Content, without a body"
    )
    expect_error(cbr.call("show_share_member", path=member_path), 404, MEMBER_NOT_FOUND)
    listed = expect_status(cbr.call("list_share_members", path={"backup_id": backup["id"]}), 200)
    assert listed["members"] == [], (
        f"4.2.4: a member deleted (4.2.5) is not listed, got {[m.get('id') for m in listed['members']]}"
    )
    cbr_steps(f"the owner deleted the member: show_share_member 404 {MEMBER_NOT_FOUND}, no member listed")

    assert not _visible(cbr_second, backup["id"], own_type="shared"), (
        "4.5.2 (Table 4-158): once unshared (4.2.5) own_type=shared must not list the backup"
    )
    assert not _visible(cbr_second, backup["id"], own_type="all_granted"), (
        "4.5.2 (Table 4-158): once unshared (4.2.5) own_type=all_granted must not list the backup"
    )
    expect_error(cbr_second.call("show_backup", path={"backup_id": backup["id"]}), 404, BACKUP_NOT_FOUND)
    cbr_steps(f"the member no longer lists it; show_backup: 404 {BACKUP_NOT_FOUND}")

    expect_status(cbr.call("delete_backup", path={"backup_id": backup["id"]}), 204)
    response = cbr.call("add_share_members", path={"backup_id": backup["id"]}, json_body=body)
    expect_error(response, 404, BACKUP_NOT_FOUND)
    cbr_steps(f"after the owner deleted the backup, sharing it again: 404 {BACKUP_NOT_FOUND}")
