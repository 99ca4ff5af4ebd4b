"""Tasks (operation logs): written by backups, restores, deletions; listed and shown (4.1)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cbr_emulator import errors
from cbr_emulator.models.common import Session, dumps, loads, new_id, page

OPERATION_TYPES = (
    "backup",
    "copy",
    "replication",
    "restore",
    "delete",
    "sync",
    "vault_delete",
    "remove_resource",
)
STATUSES = ("success", "skipped", "failed", "running", "timeout", "waiting")


@dataclass(frozen=True)
class OperationLogFilter:
    """Query parameters of table 4-17; times already in the stored timestamp format."""

    limit: int = 1000
    offset: int = 0
    start_time: str | None = None
    end_time: str | None = None
    enterprise_project_id: str | None = None
    operation_type: str | None = None
    provider_id: str | None = None
    resource_id: str | None = None
    resource_name: str | None = None
    status: str | None = None
    vault_id: str | None = None
    vault_name: str | None = None


def record(
    s: Session,
    project_id: str,
    operation_type: str,
    *,
    status: str,
    finished: bool,
    vault: sqlite3.Row | None = None,
    checkpoint_id: str | None = None,
    policy_id: str | None = None,
    resource: dict[str, Any] | None = None,
    extra_info: dict[str, Any] | None = None,
    error: tuple[str, str] | None = None,
) -> str:
    """Write one task; ``resource`` is {id, name, type}. Returns the task id."""
    log_id = new_id()
    extra: dict[str, Any] = {
        "common": {"progress": 100 if finished else 0, "request_id": f"req-{new_id()}", "task_id": new_id()}
    }
    if resource is not None:
        extra["resource"] = resource
    extra.update(extra_info or {})
    s.tx.insert(
        "operation_logs",
        {
            "id": log_id,
            "project_id": project_id,
            "operation_type": operation_type,
            "status": status,
            "provider_id": None if vault is None else vault["provider_id"],
            "checkpoint_id": checkpoint_id,
            "policy_id": policy_id,
            "vault_id": None if vault is None else vault["id"],
            "vault_name": None if vault is None else vault["name"],
            "resource_id": None if resource is None else resource["id"],
            "resource_name": None if resource is None else resource["name"],
            "enterprise_project_id": None if vault is None else vault["enterprise_project_id"],
            "created_at": s.ts,
            "started_at": s.ts,
            "ended_at": s.ts if finished else None,
            "updated_at": s.ts,
            "extra_info": dumps(extra),
            "error_info": dumps({"code": error[0] if error else "", "message": error[1] if error else ""}),
        },
    )
    return log_id


def finish(s: Session, log_id: str, status: str = "success") -> None:
    row = s.tx.one("SELECT extra_info FROM operation_logs WHERE id = ?", [log_id])
    if row is None:
        return
    extra = loads(row["extra_info"])
    extra.setdefault("common", {})["progress"] = 100
    s.tx.update(
        "operation_logs",
        log_id,
        {"status": status, "ended_at": s.ts, "updated_at": s.ts, "extra_info": dumps(extra)},
    )


def fail_running(s: Session, vault_id: str, resource_ids: Sequence[str] | None = None) -> None:
    """Tasks whose backups or restores vanish with their vault (or resource) end as failed."""
    where, params = "vault_id = ? AND status = 'running'", [vault_id]
    if resource_ids is not None:
        where += f" AND resource_id IN ({','.join('?' for _ in resource_ids)})"
        params.extend(resource_ids)
    for row in s.tx.all(f"SELECT id FROM operation_logs WHERE {where}", params):
        finish(s, row["id"], "failed")


def render(row: sqlite3.Row) -> dict[str, Any]:
    """OperationLog, table 4-4."""
    return {
        "checkpoint_id": row["checkpoint_id"],
        "created_at": row["created_at"],
        "ended_at": row["ended_at"],
        "error_info": loads(row["error_info"]),
        "extra_info": loads(row["extra_info"]),
        "id": row["id"],
        "operation_type": row["operation_type"],
        "policy_id": row["policy_id"],
        "project_id": row["project_id"],
        "provider_id": row["provider_id"],
        "started_at": row["started_at"],
        "status": row["status"],
        "updated_at": row["updated_at"],
        "vault_id": row["vault_id"],
        "vault_name": row["vault_name"],
    }


def show(s: Session, project_id: str, log_id: str) -> dict[str, Any]:
    row = s.tx.one("SELECT * FROM operation_logs WHERE id = ? AND project_id = ?", [log_id, project_id])
    if row is None:
        raise errors.operation_log_not_found(log_id)
    return {"operation_log": render(row)}


def list_logs(s: Session, project_id: str, f: OperationLogFilter) -> dict[str, Any]:
    where = ["project_id = ?"]
    params: list[Any] = [project_id]
    if f.start_time is not None:
        where.append("created_at >= ?")
        params.append(f.start_time)
    if f.end_time is not None:
        where.append("created_at <= ?")
        params.append(f.end_time)
    if f.enterprise_project_id not in (None, "all_granted_eps"):
        where.append("enterprise_project_id = ?")
        params.append(f.enterprise_project_id)
    for column in (
        "operation_type",
        "provider_id",
        "resource_id",
        "resource_name",
        "status",
        "vault_id",
        "vault_name",
    ):
        value = getattr(f, column)
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    clause = " AND ".join(where)
    total = int(s.tx.scalar(f"SELECT COUNT(*) FROM operation_logs WHERE {clause}", params))
    rows = s.tx.all(
        f"SELECT * FROM operation_logs WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        [*params, f.limit, f.offset],
    )
    return {"operation_logs": [render(r) for r in rows], **page(total, f.limit, f.offset)}
