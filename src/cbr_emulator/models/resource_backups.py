"""The backups a restore point makes of one resource (4.3), created ``protecting``.

A resource gets one top-level backup; a server's (ECS or BMS) also gets one child backup per disk
that its vault entry's extra_info includes. Each backup carries the ``extend_info`` the live service
answers for its kind, and the resource gets a ``running`` backup task. Choosing the resources,
the checkpoint itself and its completion belong to checkpoints.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from cbr_emulator.models import operation_logs, retention, vault_resources
from cbr_emulator.models.common import Session, dumps, loads, new_id
from cbr_emulator.models.inventory import BMS, SERVER, VOLUME, Resource, Volume


@dataclass(frozen=True)
class BackupRun:
    """What one backup run is asked to do (a request, or a policy's trigger)."""

    name: str | None
    description: str | None
    incremental: bool
    auto_trigger: bool
    policy_id: str | None = None
    retention_days: int = -1


def start_backup(
    s: Session,
    vault: sqlite3.Row,
    checkpoint_id: str,
    row: sqlite3.Row,
    resource: Resource,
    name: str,
    run: BackupRun,
    usage: vault_resources.Usage | None,
) -> None:
    """Back up ``resource`` (``row`` is its entry in ``vault``) and its disks, as ``name``."""
    # Only a resource that already has a completed backup in this vault can be backed up incrementally.
    incremental = run.incremental and usage is not None and usage.count > 0
    consistent = vault["consistent_level"] == "app_consistent"
    backup_id = new_id()
    fields = _fields(s, vault, checkpoint_id, name, run, incremental)
    volumes = _included_volumes(resource, loads(row["extra_info"]))
    info = extend_info(resource, run.auto_trigger, incremental, volumes, consistent)
    _insert_backup(s, fields, backup_id, None, resource, info)
    for volume in volumes:
        _back_up_disk(s, fields, backup_id, volume, run.auto_trigger, incremental)
    _record_running(s, vault, checkpoint_id, resource, backup_id, name, run, incremental)


def _fields(
    s: Session, vault: sqlite3.Row, checkpoint_id: str, name: str, run: BackupRun, incremental: bool
) -> dict[str, Any]:
    """The columns a resource's backup and its disks' backups share."""
    return {
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
        "expired_at": retention.expiry(s, run.retention_days),
        "name": name,
    }


def _back_up_disk(
    s: Session, fields: dict[str, Any], parent_id: str, volume: Volume, auto_trigger: bool, incremental: bool
) -> None:
    """A server's disk gets a child backup: a disk backup in all but its parent."""
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
    backup_id = new_id()
    info = extend_info(disk, auto_trigger, incremental, ())
    _insert_backup(s, fields, backup_id, parent_id, disk, info)


def _insert_backup(
    s: Session,
    fields: dict[str, Any],
    backup_id: str,
    parent_id: str | None,
    resource: Resource,
    info: dict[str, Any],
) -> None:
    s.tx.insert(
        "backups",
        {
            **fields,
            "id": backup_id,
            "parent_id": parent_id,
            "resource_id": resource.id,
            "resource_name": resource.name,
            "resource_type": resource.type,
            "resource_size": resource.size,
            "resource_az": resource.az,
            "size_mb": _size_mb(resource.size, fields["incremental"]),
            "extend_info": dumps(info),
        },
    )


def _record_running(
    s: Session,
    vault: sqlite3.Row,
    checkpoint_id: str,
    resource: Resource,
    backup_id: str,
    name: str,
    run: BackupRun,
    incremental: bool,
) -> None:
    """The resource's backup task, running until the checkpoint completes (checkpoints.complete)."""
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


def _size_mb(size_gb: int, incremental: bool) -> int:
    """Deterministic stand-in for stored data: 10% of the disk for a full backup, 1% after."""
    return max(1, size_gb * 1024 // (100 if incremental else 10))


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
