"""Restore points (4.3): backing up a vault's resources, asynchronously.

A checkpoint and its backups (one per resource; a server's has one child per disk) are created
``protecting``; a job makes them ``available`` after the async delay (scheduler.py runs it).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cbr_emulator import errors
from cbr_emulator.clock import format_timestamp
from cbr_emulator.models import operation_logs, vault_resources
from cbr_emulator.models.common import Session, dumps, loads, new_id, short_suffix
from cbr_emulator.models.inventory import (
    BACKUP_STATUSES,
    BMS,
    DESKTOP,
    SERVER,
    TURBO,
    VOLUME,
    Resource,
    Volume,
)
from cbr_emulator.models.vaults import MAX_SIZE_GB, get_vault

SKIP_CODES = {
    SERVER: "BackupService.7101",
    BMS: "BackupService.7101",
    VOLUME: "BackupService.7003",
    TURBO: "BackupService.7502",
    DESKTOP: "BackupService.7101",
}


@dataclass(frozen=True)
class CheckpointCreate:
    vault_id: str
    name: str | None = None
    description: str | None = None
    incremental: bool = True
    auto_trigger: bool = False
    # ids from ``resources`` and ``resource_details``; empty: every resource of the vault
    resource_ids: tuple[str, ...] = ()
    # the SDK's parameters.retention_duration_days: the backups expire then (-1: kept for ever)
    retention_days: int = -1


@dataclass(frozen=True)
class BackupRun:
    """What one backup run is asked to do (a request, or a policy's trigger)."""

    name: str | None
    description: str | None
    incremental: bool
    auto_trigger: bool
    policy_id: str | None = None
    retention_days: int = -1


def create_checkpoint(s: Session, project_id: str, req: CheckpointCreate) -> dict[str, Any]:
    vault = get_vault(s, project_id, req.vault_id)
    run = BackupRun(
        name=req.name,
        description=req.description,
        incremental=req.incremental,
        auto_trigger=req.auto_trigger,
        retention_days=req.retention_days,
    )
    checkpoint_id = back_up_vault(s, vault, req.resource_ids, run)
    if checkpoint_id is None:
        raise errors.no_resource_to_back_up()
    return show_checkpoint(s, project_id, checkpoint_id)


def back_up_vault(
    s: Session, vault: sqlite3.Row, resource_ids: tuple[str, ...], run: BackupRun
) -> str | None:
    """Start backing up; return the checkpoint id, or None when no resource could be backed up."""
    rows = vault_resources.resources_by_vault(s, [vault["id"]])[vault["id"]]
    if not rows:
        raise errors.no_resource_to_back_up()
    by_id = {r["resource_id"]: r for r in rows}
    for resource_id in resource_ids:
        if resource_id not in by_id:
            raise errors.resource_not_in_vault(resource_id)
    selected = [by_id[r] for r in dict.fromkeys(resource_ids)] if resource_ids else rows
    usage = vault_resources.usage_by_vault(s, [vault["id"]])[vault["id"]]
    to_back_up: list[tuple[sqlite3.Row, Resource]] = []
    skipped: list[dict[str, Any]] = []
    for row in selected:
        resource = s.inventory.find(vault["project_id"], row["resource_id"])
        reason = _skip_reason(row, resource, usage.get(row["resource_id"]))
        if reason is None and resource is not None:
            to_back_up.append((row, resource))
        else:
            code = reason or "BackupService.6302"
            skipped.append(
                {
                    "id": row["resource_id"],
                    "type": row["type"],
                    "name": row["name"],
                    "code": code,
                    "reason": errors.message_of(code),
                }
            )
    for item in skipped:
        operation_logs.record(
            s,
            vault["project_id"],
            "backup",
            status="skipped",
            finished=True,
            vault=vault,
            policy_id=run.policy_id,
            error=(item["code"], item["reason"]),
            resource={"id": item["id"], "name": item["name"], "type": item["type"]},
        )
    if not to_back_up:
        return None
    _make_room(s, vault, usage)
    name = run.name or f"{'autobk' if run.auto_trigger else 'manualbk'}_{short_suffix()}"
    checkpoint_id = new_id()
    s.tx.insert(
        "checkpoints",
        {
            "id": checkpoint_id,
            "project_id": vault["project_id"],
            "vault_id": vault["id"],
            "vault_name": vault["name"],
            "status": "protecting",
            "name": name,
            "description": run.description,
            "retention_duration": run.retention_days,
            "auto_trigger": run.auto_trigger,
            "policy_id": run.policy_id,
            "resources": dumps([_snapshot(row) for row, _ in to_back_up]),
            "skipped": dumps(skipped),
            "created_at": s.ts,
            "updated_at": None,
        },
    )
    for row, resource in to_back_up:
        _start_backup(s, vault, checkpoint_id, row, resource, name, run, usage.get(row["resource_id"]))
    s.tx.insert("jobs", {"kind": "checkpoint", "ref_id": checkpoint_id, "extra": None, "due_at": s.due_ts()})
    return checkpoint_id


def _make_room(s: Session, vault: sqlite3.Row, usage: dict[str, vault_resources.Usage]) -> None:
    """A full vault takes no new backup (6114), unless it expands itself: with auto_expand its
    capacity doubles (up to the maximum) until the used capacity fits, as the capacity of a vault
    is billed and the reference gives no other step."""
    used_mb = sum(u.size_mb for u in usage.values())
    size_gb = int(vault["size"])
    if used_mb < size_gb * 1024:
        return
    if not vault["auto_expand"]:
        raise errors.vault_full(f"{used_mb} MB used of {size_gb} GB")
    while size_gb * 1024 <= used_mb and size_gb < MAX_SIZE_GB:
        size_gb = min(size_gb * 2, MAX_SIZE_GB)
    if size_gb * 1024 <= used_mb:
        raise errors.vault_full(f"{used_mb} MB used, and {MAX_SIZE_GB} GB is the most a vault can hold")
    s.tx.update("vaults", vault["id"], {"size": size_gb, "updated_at": s.ts})


def _skip_reason(
    row: sqlite3.Row, resource: Resource | None, usage: vault_resources.Usage | None
) -> str | None:
    if resource is None:
        return "BackupService.6302"
    if resource.status not in BACKUP_STATUSES[resource.type]:
        return SKIP_CODES[resource.type]
    if usage is not None and usage.protecting:
        return "BackupService.0002"
    if usage is not None and usage.restoring:
        return "BackupService.2010"
    return None


def _snapshot(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["resource_id"],
        "name": row["name"],
        "type": row["type"],
        "size": row["size"],
        "extra_info": loads(row["extra_info"]),
    }


def _size_mb(size_gb: int, incremental: bool) -> int:
    """Deterministic stand-in for stored data: 10% of the disk for a full backup, 1% after."""
    return max(1, size_gb * 1024 // (100 if incremental else 10))


def _start_backup(
    s: Session,
    vault: sqlite3.Row,
    checkpoint_id: str,
    row: sqlite3.Row,
    resource: Resource,
    name: str,
    run: BackupRun,
    usage: vault_resources.Usage | None,
) -> None:
    incremental = run.incremental and usage is not None and usage.count > 0
    consistent = vault["consistent_level"] == "app_consistent"
    backup_id = new_id()
    common = {
        "project_id": vault["project_id"],
        "checkpoint_id": checkpoint_id,
        "vault_id": vault["id"],
        "description": run.description,
        "status": "protecting",
        "image_type": "backup",
        "enterprise_project_id": vault["enterprise_project_id"],
        "provider_id": vault["provider_id"],
        "auto_trigger": run.auto_trigger,
        "incremental": incremental,
        "created_at": s.ts,
        "updated_at": None,
        "protected_at": None,
        "expired_at": format_timestamp(s.now + timedelta(days=run.retention_days))
        if run.retention_days > 0
        else None,
    }
    volumes = _included_volumes(resource, loads(row["extra_info"]))
    s.tx.insert(
        "backups",
        {
            **common,
            "id": backup_id,
            "parent_id": None,
            "name": name,
            "resource_id": resource.id,
            "resource_name": resource.name,
            "resource_type": resource.type,
            "resource_size": resource.size,
            "resource_az": resource.az,
            "size_mb": _size_mb(resource.size, incremental),
            "extend_info": dumps(extend_info(resource, run.auto_trigger, incremental, volumes, consistent)),
        },
    )
    for volume in volumes:
        disk = Resource(
            id=volume.id,
            name=volume.name,
            type=VOLUME,
            az=volume.az,
            status=volume.status,
            size=volume.size,
            bootable=volume.bootable,
            server_id=volume.server_id,
        )
        s.tx.insert(
            "backups",
            {
                **common,
                "id": new_id(),
                "parent_id": backup_id,
                "name": name,
                "resource_id": volume.id,
                "resource_name": volume.name,
                "resource_type": VOLUME,
                "resource_size": volume.size,
                "resource_az": volume.az,
                "size_mb": _size_mb(volume.size, incremental),
                "extend_info": dumps(extend_info(disk, run.auto_trigger, incremental, ())),
            },
        )
    consistency = "1" if vault["consistent_level"] == "app_consistent" else "0"
    operation_logs.record(
        s,
        vault["project_id"],
        "backup",
        status="running",
        finished=False,
        vault=vault,
        checkpoint_id=checkpoint_id,
        policy_id=run.policy_id,
        resource={"id": resource.id, "name": resource.name, "type": resource.type},
        extra_info={
            "backup": {
                "app_consistency_error_code": "",
                "app_consistency_error_message": "",
                "app_consistency_status": consistency,
                "backup_id": backup_id,
                "backup_name": name,
                "incremental": "true" if incremental else "false",
            }
        },
    )


def _included_volumes(resource: Resource, extra_info: Any) -> tuple[Volume, ...]:
    """A server's disks, minus extra_info.exclude_volumes, or only extra_info.include_volumes."""

    def ids(key: str) -> set[str] | None:
        items = extra_info.get(key) if isinstance(extra_info, dict) else None
        if not isinstance(items, list):
            return None
        return {str(i.get("id")) if isinstance(i, dict) else str(i) for i in items}

    included, excluded = ids("include_volumes"), ids("exclude_volumes") or set()
    return tuple(
        v for v in resource.volumes if v.id not in excluded and (included is None or v.id in included)
    )


def extend_info(
    resource: Resource,
    auto_trigger: bool,
    incremental: bool,
    volumes: tuple[Volume, ...],
    app_consistent: bool = False,
) -> dict[str, Any]:
    """BackupExtendInfo (table 4-153), with the fields and nulls the live service answers for each
    kind of backup (public recordings, ap-southeast-1): a disk backup has its snapshot and
    progress, a server backup its application consistency and architecture and no bootable."""
    info: dict[str, Any] = {
        "auto_trigger": auto_trigger,
        "bootable": resource.bootable,
        "incremental": incremental,
        "support_lld": resource.type in (SERVER, VOLUME),
        "supported_restore_mode": "backup",
        "os_images_data": None,
        "contain_system_disk": resource.bootable or any(v.bootable for v in volumes),
        "encrypted": False,
        "encrypted_algorithm": None,
        "is_dec": False,
        "is_multi_az": False,
        "system_disk": resource.type == VOLUME and resource.bootable,
    }
    if resource.type == VOLUME:
        del info["contain_system_disk"]
        info.update(snapshot_id=new_id(), progress=0, supported_restore_mode=None, app_consistency=None)
    elif resource.type in (SERVER, BMS):
        info.update(
            bootable=None,
            snapshot_id=None,
            progress=None,
            architecture="x86_64",
            app_consistency={
                "app_consistency": "1" if app_consistent else "0",
                "app_consistency_status": "0",
                "app_consistency_error_code": "0",
                "app_consistency_error_message": "",
            },
        )
    return info


def show_checkpoint(s: Session, project_id: str, checkpoint_id: str) -> dict[str, Any]:
    row = s.tx.one("SELECT * FROM checkpoints WHERE id = ? AND project_id = ?", [checkpoint_id, project_id])
    if row is None:
        raise errors.checkpoint_not_found(checkpoint_id)
    return {"checkpoint": render(s, row)}


def render(s: Session, row: sqlite3.Row) -> dict[str, Any]:
    """CheckpointCreate (tables 4-79..4-83): sizes and counts are strings there."""
    usage = vault_resources.usage_by_vault(s, [row["vault_id"]])[row["vault_id"]]
    resources = []
    for item in loads(row["resources"]):
        figures = usage.get(item["id"]) or vault_resources.Usage()
        resources.append(
            {
                "extra_info": dumps(item["extra_info"] or {}),
                "id": item["id"],
                "name": item["name"],
                "protect_status": figures.protect_status,
                "resource_size": str(item["size"]),
                "type": item["type"],
                "backup_size": str(figures.size_mb),
                "backup_count": str(figures.count),
            }
        )
    return {
        "created_at": row["created_at"],
        "id": row["id"],
        "project_id": row["project_id"],
        "status": row["status"],
        "vault": {
            "id": row["vault_id"],
            "name": row["vault_name"],
            "resources": resources,
            "skipped_resources": loads(row["skipped"]),
        },
        "extra_info": {
            "name": row["name"],
            # a String in 4-83 that no example shows null: empty when the request gave none
            "description": row["description"] or "",
            "retention_duration": row["retention_duration"],
        },
    }


def complete(s: Session, checkpoint_id: str) -> sqlite3.Row | None:
    """The job: the checkpoint and its backups become available; their tasks succeed."""
    row = s.tx.one("SELECT * FROM checkpoints WHERE id = ?", [checkpoint_id])
    if row is None:
        return None
    s.tx.execute(
        "UPDATE checkpoints SET status = 'available', updated_at = ? WHERE id = ?", [s.ts, checkpoint_id]
    )
    s.tx.execute(
        "UPDATE backups SET status = 'available', protected_at = ?, updated_at = ? "
        "WHERE checkpoint_id = ? AND status = 'protecting'",
        [s.ts, s.ts, checkpoint_id],
    )
    for log in s.tx.all(
        "SELECT id FROM operation_logs WHERE checkpoint_id = ? AND operation_type = 'backup' "
        "AND status = 'running'",
        [checkpoint_id],
    ):
        operation_logs.finish(s, log["id"])
    return row
