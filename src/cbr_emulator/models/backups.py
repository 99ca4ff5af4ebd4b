"""Backups (4.5): show, delete and restore (listing is in backup_query.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from cbr_emulator import errors
from cbr_emulator.models import operation_logs
from cbr_emulator.models.common import PROVIDER_BY_RESOURCE_TYPE, Session, loads
from cbr_emulator.models.inventory import BMS, SERVER, TURBO, VOLUME, Resource


@dataclass(frozen=True)
class RestoreRequest:
    """BackupRestore (table 4-170); mappings are (disk backup id, target disk id) pairs."""

    mappings: tuple[tuple[str, str], ...] = ()
    power_on: bool = True
    server_id: str | None = None
    volume_id: str | None = None


def owned_backup(s: Session, project_id: str, backup_id: str) -> sqlite3.Row:
    row = s.tx.one("SELECT * FROM backups WHERE id = ? AND project_id = ?", [backup_id, project_id])
    if row is None:
        raise errors.backup_not_found(backup_id)
    return row


def visible_backup(s: Session, project_id: str, backup_id: str) -> sqlite3.Row:
    """The project's own backup, or one shared with it (pending or accepted)."""
    row = s.tx.one(
        "SELECT * FROM backups b WHERE b.id = ? AND (b.project_id = ? OR EXISTS (SELECT 1 FROM members m "
        "WHERE m.backup_id = b.id AND m.dest_project_id = ? AND m.status IN ('pending', 'accepted')))",
        [backup_id, project_id, project_id],
    )
    if row is None:
        raise errors.backup_not_found(backup_id)
    return row


def render(
    row: sqlite3.Row, *, detail: bool = False, children: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """BackupResp (table 4-161), or BackupDetail (table 4-152) with its children; a listing shows
    `children` empty, as the live service's does."""
    info = loads(row["extend_info"])
    if "progress" in info and info["progress"] is not None:
        info["progress"] = 0 if row["status"] == "protecting" else 100
    rendered: dict[str, Any] = {
        "checkpoint_id": row["checkpoint_id"],
        "created_at": row["created_at"],
        "description": row["description"],
        "expired_at": row["expired_at"],
        "extend_info": info,
        "id": row["id"],
        "image_type": row["image_type"],
        "name": row["name"],
        "parent_id": row["parent_id"],
        "project_id": row["project_id"],
        "protected_at": row["protected_at"],
        "resource_az": row["resource_az"],
        "resource_id": row["resource_id"],
        "resource_name": row["resource_name"],
        "resource_size": row["resource_size"],
        "resource_type": row["resource_type"],
        "status": row["status"],
        "updated_at": row["updated_at"],
        "vault_id": row["vault_id"],
        # today's fields (the SDK's BackupResp): the reference has incremental in extend_info only
        "incremental": bool(info.get("incremental")),
        "provider_id": PROVIDER_BY_RESOURCE_TYPE.get(row["resource_type"]),
        "replication_records": [],
        # the SDK's "snapshot type of the copy": 3 on every live backup recorded
        "version": 3,
        "scheduled_operation_id": None,
        "children": children or [],
    }
    if not detail:
        rendered["enterprise_project_id"] = row["enterprise_project_id"]
    return rendered


def show_backup(s: Session, project_id: str, backup_id: str) -> dict[str, Any]:
    row = visible_backup(s, project_id, backup_id)
    children = s.tx.all("SELECT * FROM backups WHERE parent_id = ? ORDER BY resource_name, id", [backup_id])
    return {"backup": render(row, detail=True, children=[render(c) for c in children])}


def delete_backup(s: Session, project_id: str, backup_id: str) -> None:
    """Immediate: the backup (its disk backups and share records with it) is gone when 204 answers."""
    row = owned_backup(s, project_id, backup_id)
    if row["parent_id"] is not None:
        raise errors.backup_cannot_be_deleted("a disk backup of a server backup goes with its parent")
    if row["status"] == "restoring":
        raise errors.backup_in_use("the backup is being restored")
    if row["status"] == "protecting":
        raise errors.backup_cannot_be_deleted("the backup is still being made")
    remove(s, row)


def remove(s: Session, row: sqlite3.Row, policy_id: str | None = None) -> None:
    """Delete a backup and record a ``delete`` task (also used by retention, with its policy)."""
    vault = s.tx.one("SELECT * FROM vaults WHERE id = ?", [row["vault_id"]])
    s.tx.execute("DELETE FROM backups WHERE id = ?", [row["id"]])
    operation_logs.record(
        s,
        row["project_id"],
        "delete",
        status="success",
        finished=True,
        vault=vault,
        checkpoint_id=row["checkpoint_id"],
        policy_id=policy_id,
        resource={"id": row["resource_id"], "name": row["resource_name"], "type": row["resource_type"]},
        extra_info={"delete": {"backup_id": row["id"], "backup_name": row["name"]}},
    )


def restore_backup(s: Session, project_id: str, backup_id: str, req: RestoreRequest) -> None:
    backup = owned_backup(s, project_id, backup_id)
    if backup["status"] != "available":
        raise errors.restore_not_allowed_in_status(backup["status"])
    kind = backup["resource_type"]
    if kind in (SERVER, BMS):
        target = _check_server_restore(s, project_id, backup, req)
    elif kind == VOLUME:
        target = _check_disk_restore(s, project_id, backup, req)
    else:
        target = _original_resource(s, project_id, backup)
    _check_not_busy(s, project_id, backup["resource_id"])
    s.tx.execute("UPDATE backups SET status = 'restoring', updated_at = ? WHERE id = ?", [s.ts, backup_id])
    vault = s.tx.one("SELECT * FROM vaults WHERE id = ?", [backup["vault_id"]])
    log_id = operation_logs.record(
        s,
        project_id,
        "restore",
        status="running",
        finished=False,
        vault=vault,
        checkpoint_id=backup["checkpoint_id"],
        resource={"id": backup["resource_id"], "name": backup["resource_name"], "type": kind},
        extra_info={
            "restore": {
                "backup_id": backup_id,
                "backup_name": backup["name"],
                "target_resource_id": target.id,
                "target_resource_name": target.name,
            }
        },
    )
    s.tx.insert("jobs", {"kind": "restore", "ref_id": backup_id, "extra": log_id, "due_at": s.due_ts()})


def _check_server_restore(s: Session, project_id: str, backup: sqlite3.Row, req: RestoreRequest) -> Resource:
    if req.server_id is None:
        raise errors.invalid_parameter("server_id is required to restore a server backup")
    target = s.inventory.find(project_id, req.server_id)
    if target is None or target.type not in (SERVER, BMS):
        raise errors.server_not_found(req.server_id)
    if backup["resource_type"] == SERVER and target.type == BMS:
        raise errors.restore_code("BackupService.2006")
    if backup["resource_type"] == BMS and target.type == SERVER:
        raise errors.restore_code("BackupService.2014")
    if target.id != backup["resource_id"]:
        raise errors.restore_code("BackupService.2003")
    if not req.mappings:
        raise errors.invalid_parameter("mappings is required to restore a server backup")
    children = {c["id"]: c for c in s.tx.all("SELECT * FROM backups WHERE parent_id = ?", [backup["id"]])}
    if len({b for b, _ in req.mappings}) != len(req.mappings) or len({v for _, v in req.mappings}) != len(
        req.mappings
    ):
        raise errors.invalid_parameter("mappings repeat a backup or a disk")
    for disk_backup_id, volume_id in req.mappings:
        child = children.get(disk_backup_id)
        if child is None:
            raise errors.invalid_parameter(f"{disk_backup_id} is not a disk backup of this backup")
        volume = _target_volume(s, project_id, volume_id, child)
        if volume.server_id != target.id:
            raise errors.invalid_parameter(f"disk {volume_id} is not attached to server {target.id}")
    return target


def _check_disk_restore(s: Session, project_id: str, backup: sqlite3.Row, req: RestoreRequest) -> Resource:
    if req.volume_id is None:
        raise errors.invalid_parameter("volume_id is required to restore a disk backup")
    return _target_volume(s, project_id, req.volume_id, backup)


def _target_volume(s: Session, project_id: str, volume_id: str, disk_backup: sqlite3.Row) -> Resource:
    volume = s.inventory.find(project_id, volume_id)
    if volume is None or volume.type != VOLUME:
        raise errors.disk_not_found(volume_id)
    if disk_backup["resource_size"] > volume.size:
        raise errors.restore_code("BackupService.2001")
    if volume.bootable and not loads(disk_backup["extend_info"]).get("bootable"):
        raise errors.restore_code("BackupService.2013")
    return volume


def _original_resource(s: Session, project_id: str, backup: sqlite3.Row) -> Resource:
    """SFS Turbo and desktop backups go back to their own resource (there is no target parameter)."""
    original = s.inventory.find(project_id, backup["resource_id"])
    if original is None or original.type != backup["resource_type"]:
        if backup["resource_type"] == TURBO:
            raise errors.turbo_not_found(backup["resource_id"])
        raise errors.resource_not_found(backup["resource_id"])
    return original


def _check_not_busy(s: Session, project_id: str, resource_id: str) -> None:
    statuses = {
        r["status"]
        for r in s.tx.all(
            "SELECT DISTINCT status FROM backups WHERE project_id = ? AND resource_id = ? "
            "AND parent_id IS NULL AND status IN ('protecting', 'restoring')",
            [project_id, resource_id],
        )
    }
    if "protecting" in statuses:
        raise errors.restore_code("BackupService.2002")
    if "restoring" in statuses:
        raise errors.restore_code("BackupService.2010")


def complete_restore(s: Session, backup_id: str, log_id: str | None) -> None:
    """The job: the backup is available again and its restore task succeeds (fails if it vanished)."""
    row = s.tx.one("SELECT status FROM backups WHERE id = ?", [backup_id])
    if row is not None and row["status"] == "restoring":
        s.tx.execute(
            "UPDATE backups SET status = 'available', updated_at = ? WHERE id = ?", [s.ts, backup_id]
        )
    if log_id is not None:
        operation_logs.finish(s, log_id, "success" if row is not None else "failed")
