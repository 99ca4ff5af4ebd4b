"""Backup sharing (4.2). ``{member_id}`` in the paths is the member's project id (4.2.2, 4.2.3).

The owner adds, lists, shows and deletes members; a member sees (and may delete) only its own
record, and is the only one who accepts or rejects, on its own path:
``PUT /v3/{member}/backups/{backup_id}/members/{member}``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cbr_emulator import errors
from cbr_emulator.models.common import Session, new_id, select_page
from cbr_emulator.models.inventory import SERVER

STATUSES = ("pending", "accepted", "rejected")
SORT_KEYS = ("created_at", "updated_at", "status", "dest_project_id", "vault_id", "image_id", "id")


@dataclass(frozen=True)
class MemberFilter:
    limit: int = 1000
    offset: int = 0
    marker: str | None = None
    sort: tuple[tuple[str, str], ...] = (("created_at", "desc"),)
    dest_project_id: str | None = None
    image_id: str | None = None
    status: str | None = None
    vault_id: str | None = None


def render(row: sqlite3.Row) -> dict[str, Any]:
    """Member, table 4-47."""
    return {
        "status": row["status"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "backup_id": row["backup_id"],
        "image_id": row["image_id"],
        "dest_project_id": row["dest_project_id"],
        "vault_id": row["vault_id"],
        "id": row["id"],
    }


def _backup_for(s: Session, project_id: str, backup_id: str) -> tuple[sqlite3.Row, bool]:
    """The backup and whether the caller owns it; a stranger to the backup gets 6200."""
    backup = s.tx.one("SELECT * FROM backups WHERE id = ?", [backup_id])
    if backup is not None and backup["project_id"] == project_id:
        return backup, True
    if backup is not None and s.tx.one(
        "SELECT 1 FROM members WHERE backup_id = ? AND dest_project_id = ?", [backup_id, project_id]
    ):
        return backup, False
    raise errors.backup_not_found(backup_id)


def _member(s: Session, backup_id: str, member_id: str) -> sqlite3.Row:
    row = s.tx.one(
        "SELECT * FROM members WHERE backup_id = ? AND dest_project_id = ?", [backup_id, member_id]
    )
    if row is None:
        raise errors.member_not_found(member_id)
    return row


def add_members(s: Session, project_id: str, backup_id: str, member_ids: Sequence[str]) -> dict[str, Any]:
    backup, owner = _backup_for(s, project_id, backup_id)
    if not owner:
        raise errors.backup_not_found(backup_id)
    if backup["resource_type"] != SERVER or backup["parent_id"] is not None:
        raise errors.share_code("BackupService.6700")
    if backup["status"] != "available":
        raise errors.share_code("BackupService.6702", f"backup status {backup['status']}")
    if len(set(member_ids)) != len(member_ids):
        raise errors.share_code("BackupService.6714", "a project appears twice")
    for member_id in member_ids:
        if member_id == project_id or member_id not in s.projects:
            raise errors.share_code("BackupService.6704", f"project {member_id}")
        if s.tx.one(
            "SELECT 1 FROM members WHERE backup_id = ? AND dest_project_id = ?", [backup_id, member_id]
        ):
            raise errors.share_code("BackupService.6714", f"project {member_id}")
    added = []
    for member_id in member_ids:
        member_row_id = new_id()
        s.tx.insert(
            "members",
            {
                "id": member_row_id,
                "backup_id": backup_id,
                "owner_project_id": project_id,
                "dest_project_id": member_id,
                "status": "pending",
                "vault_id": None,
                "image_id": None,
                "created_at": s.ts,
                "updated_at": None,
            },
        )
        added.append(render(_member(s, backup_id, member_id)))
    total = int(s.tx.scalar("SELECT COUNT(*) FROM members WHERE backup_id = ?", [backup_id]))
    return {"members": added, "count": total}


def list_members(s: Session, project_id: str, backup_id: str, f: MemberFilter) -> dict[str, Any]:
    _, owner = _backup_for(s, project_id, backup_id)
    where = ["backup_id = ?"]
    params: list[Any] = [backup_id]
    if not owner:
        where.append("dest_project_id = ?")
        params.append(project_id)
    for column in ("dest_project_id", "image_id", "status", "vault_id"):
        value = getattr(f, column)
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    clause = " AND ".join(where)
    order = ", ".join([*(f"{key} {direction.upper()}" for key, direction in f.sort), "id DESC"])
    total, rows = select_page(
        s.tx,
        "members m",
        clause,
        params,
        order,
        limit=f.limit,
        offset=f.offset,
        marker=f.marker,
        what="a member",
    )
    return {"members": [render(r) for r in rows], "count": total}


def show_member(s: Session, project_id: str, backup_id: str, member_id: str) -> dict[str, Any]:
    _, owner = _backup_for(s, project_id, backup_id)
    if not owner and member_id != project_id:
        raise errors.member_not_found(member_id)
    return {"member": render(_member(s, backup_id, member_id))}


def update_member(
    s: Session, project_id: str, backup_id: str, member_id: str, status: str, vault_id: str | None
) -> dict[str, Any]:
    backup, owner = _backup_for(s, project_id, backup_id)
    if member_id != project_id:
        if owner:
            _member(s, backup_id, member_id)
            raise errors.share_code("BackupService.6706", "only the member accepts or rejects a share")
        raise errors.member_not_found(member_id)
    member = _member(s, backup_id, member_id)
    if status == "accepted":
        if vault_id is None:
            raise errors.share_code("BackupService.6706", "accepting needs vault_id")
        vault = s.tx.one(
            "SELECT object_type FROM vaults WHERE id = ? AND project_id = ?", [vault_id, project_id]
        )
        if vault is None:
            raise errors.share_code("BackupService.6706", f"vault {vault_id} is not one of the member's")
        if vault["object_type"] != "server":
            raise errors.share_code(
                "BackupService.6713", f"vault {vault_id} is a {vault['object_type']} vault"
            )
    else:
        vault_id = None
    s.tx.update("members", member["id"], {"status": status, "vault_id": vault_id, "updated_at": s.ts})
    return {"member": render(_member(s, backup["id"], member_id))}


def delete_member(s: Session, project_id: str, backup_id: str, member_id: str) -> None:
    _, owner = _backup_for(s, project_id, backup_id)
    if not owner and member_id != project_id:
        raise errors.member_not_found(member_id)
    member = _member(s, backup_id, member_id)
    s.tx.execute("DELETE FROM members WHERE id = ?", [member["id"]])
