"""Querying all backups (4.5.2): every filter of table 4-158, sorting, offset and marker paging.

Without ``parent_id`` only top-level backups are listed (a server backup's disk backups are its
``children`` in show-backup); with it, that backup's disk backups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cbr_emulator.models.backups import render
from cbr_emulator.models.common import Session, page, select_page

SORT_KEYS = ("created_at", "updated_at", "name", "status", "protected_at", "id")
_USED = (
    "SELECT COALESCE(SUM(x.size_mb), 0) FROM backups x WHERE x.vault_id = v.id AND x.parent_id IS NULL "
    "AND x.status IN ('available', 'restoring')"
)


@dataclass(frozen=True)
class BackupFilter:
    limit: int = 1000
    offset: int = 0
    marker: str | None = None
    sort: tuple[tuple[str, str], ...] = (("created_at", "desc"),)
    own_type: str = "private"
    member_status: str | None = None
    statuses: tuple[str, ...] = ()
    start_time: str | None = None
    end_time: str | None = None
    used_percent: int | None = None
    enterprise_project_id: str | None = None
    parent_id: str | None = None
    checkpoint_id: str | None = None
    image_type: str | None = None
    name: str | None = None
    resource_az: str | None = None
    resource_id: str | None = None
    resource_name: str | None = None
    resource_type: str | None = None
    vault_id: str | None = None


def _scope(project_id: str, f: BackupFilter) -> tuple[str, list[Any]]:
    """Which backups the caller sees: its own (private), shared with it (shared), or both."""
    own = "b.project_id = ?"
    own_params: list[Any] = [project_id]
    if f.member_status is not None:
        own += " AND EXISTS (SELECT 1 FROM members m WHERE m.backup_id = b.id AND m.status = ?)"
        own_params.append(f.member_status)
    shared = "b.id IN (SELECT m.backup_id FROM members m WHERE m.dest_project_id = ?"
    shared_params: list[Any] = [project_id]
    if f.member_status is not None:
        shared += " AND m.status = ?"
        shared_params.append(f.member_status)
    shared += ")"
    if f.own_type == "private":
        return own, own_params
    if f.own_type == "shared":
        return shared, shared_params
    return f"(({own}) OR ({shared}))", [*own_params, *shared_params]


def where_clause(project_id: str, f: BackupFilter) -> tuple[str, list[Any]]:
    scope, params = _scope(project_id, f)
    where = [scope]
    if f.parent_id is None:
        where.append("b.parent_id IS NULL")
    else:
        where.append("b.parent_id = ?")
        params.append(f.parent_id)
    for column in (
        "checkpoint_id",
        "image_type",
        "name",
        "resource_az",
        "resource_id",
        "resource_name",
        "resource_type",
        "vault_id",
    ):
        value = getattr(f, column)
        if value is not None:
            where.append(f"b.{column} = ?")
            params.append(value)
    if f.statuses:
        where.append(f"b.status IN ({','.join('?' for _ in f.statuses)})")
        params.extend(f.statuses)
    if f.start_time is not None:
        where.append("b.created_at >= ?")
        params.append(f.start_time)
    if f.end_time is not None:
        where.append("b.created_at <= ?")
        params.append(f.end_time)
    if f.enterprise_project_id not in (None, "all_granted_eps"):
        where.append("b.enterprise_project_id = ?")
        params.append(f.enterprise_project_id)
    if f.used_percent is not None:
        # backups of vaults whose used capacity is at least used_percent % of their size
        where.append(f"b.vault_id IN (SELECT v.id FROM vaults v WHERE ({_USED}) * 100 >= ? * v.size * 1024)")
        params.append(f.used_percent)
    return " AND ".join(where), params


def order_clause(f: BackupFilter) -> str:
    keys = [f"b.{key} {direction.upper()}" for key, direction in f.sort]
    if "id" not in {key for key, _ in f.sort}:
        keys.append("b.id DESC")
    return ", ".join(keys)


def list_backups(s: Session, project_id: str, f: BackupFilter) -> dict[str, Any]:
    clause, params = where_clause(project_id, f)
    order = order_clause(f)
    total, rows = select_page(
        s.tx,
        "backups b",
        clause,
        params,
        order,
        limit=f.limit,
        offset=f.offset,
        marker=f.marker,
        what="a backup",
    )
    return {"backups": [render(r) for r in rows], **page(total, f.limit, f.offset)}
