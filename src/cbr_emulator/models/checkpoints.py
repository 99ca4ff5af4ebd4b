"""Restore points (4.3): backing up a vault's resources, asynchronously.

A checkpoint and its backups (one per resource; a server's has one child per disk) are created
``protecting``; a job makes them ``available`` after the async delay (scheduler.py runs it). Here:
which resources a run backs up or skips, room in the vault, the checkpoint's row, its answer and its
completion; the backups of each resource are made by resource_backups.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from cbr_emulator import errors
from cbr_emulator.models import operation_logs, resource_backups, vault_resources
from cbr_emulator.models.common import Session, dumps, loads, new_id, short_suffix
from cbr_emulator.models.inventory import BACKUP_STATUSES, BMS, DESKTOP, SERVER, TURBO, VOLUME, Resource
from cbr_emulator.models.resource_backups import BackupRun
from cbr_emulator.models.vaults import MAX_SIZE_GB, get_vault

SKIP_CODES = {
    SERVER: "BackupService.7101",
    BMS: "BackupService.7101",
    VOLUME: "BackupService.7003",
    TURBO: "BackupService.7502",
    DESKTOP: "BackupService.7101",
}

# A resource of the vault that this run backs up: its vault entry and its inventory item.
ToBackUp = tuple[sqlite3.Row, Resource]


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
    selected = _selected(s, vault, resource_ids)
    usage = vault_resources.usage_by_vault(s, [vault["id"]])[vault["id"]]
    to_back_up, skipped = _sort_out(s, vault, selected, usage)
    # Written before anything can refuse the run: a refused request's transaction undoes them, and a
    # policy's run keeps them beside the task of its failure.
    _record_skipped(s, vault, skipped, run.policy_id)
    if not to_back_up:
        return None
    _make_room(s, vault, usage)
    name = run.name or f"{'autobk' if run.auto_trigger else 'manualbk'}_{short_suffix()}"
    checkpoint_id = _insert_checkpoint(s, vault, name, run, to_back_up, skipped)
    for row, resource in to_back_up:
        resource_backups.start_backup(
            s, vault, checkpoint_id, row, resource, name, run, usage.get(row["resource_id"])
        )
    s.tx.insert("jobs", {"kind": "checkpoint", "ref_id": checkpoint_id, "extra": None, "due_at": s.due_ts()})
    return checkpoint_id


def _selected(s: Session, vault: sqlite3.Row, resource_ids: tuple[str, ...]) -> list[sqlite3.Row]:
    """The vault entries of ``resource_ids`` (each once, in the order given), or all of them."""
    rows = vault_resources.resources_by_vault(s, [vault["id"]])[vault["id"]]
    if not rows:
        raise errors.no_resource_to_back_up()
    by_id = {r["resource_id"]: r for r in rows}
    for resource_id in resource_ids:
        if resource_id not in by_id:
            raise errors.resource_not_in_vault(resource_id)
    return [by_id[r] for r in dict.fromkeys(resource_ids)] if resource_ids else rows


def _sort_out(
    s: Session,
    vault: sqlite3.Row,
    selected: list[sqlite3.Row],
    usage: dict[str, vault_resources.Usage],
) -> tuple[list[ToBackUp], list[dict[str, Any]]]:
    """The resources to back up, and the skipped ones as ``skipped_resources`` lists them."""
    to_back_up: list[ToBackUp] = []
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
    return to_back_up, skipped


def _record_skipped(
    s: Session, vault: sqlite3.Row, skipped: list[dict[str, Any]], policy_id: str | None
) -> None:
    """Each skipped resource gets a finished ``skipped`` backup task with its code."""
    for item in skipped:
        operation_logs.record(
            s,
            vault["project_id"],
            "backup",
            status="skipped",
            finished=True,
            vault=vault,
            policy_id=policy_id,
            error=(item["code"], item["reason"]),
            resource={"id": item["id"], "name": item["name"], "type": item["type"]},
        )


def _insert_checkpoint(
    s: Session,
    vault: sqlite3.Row,
    name: str,
    run: BackupRun,
    to_back_up: list[ToBackUp],
    skipped: list[dict[str, Any]],
) -> str:
    """The checkpoint's row, with the resources as they were in the vault (render answers them)."""
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
