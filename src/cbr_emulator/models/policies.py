"""Policies (4.6): create, show, list, update, delete; and when each one fires next."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cbr_emulator import errors
from cbr_emulator.clock import format_start_time, format_timestamp, parse_start_time
from cbr_emulator.models import triggers
from cbr_emulator.models.common import Session, dumps, loads, new_id


@dataclass(frozen=True)
class PolicyCreate:
    name: str
    operation_type: str
    patterns: tuple[str, ...]
    # echoed back as given (only the fields the caller set), as the reference's examples do
    operation_definition: dict[str, Any] = field(default_factory=dict, compare=False)
    enabled: bool = True
    start_window_minutes: int | None = None


@dataclass(frozen=True)
class PolicyUpdate:
    name: str | None = None
    enabled: bool | None = None
    operation_definition: dict[str, Any] | None = field(default=None, compare=False)
    patterns: tuple[str, ...] | None = None
    start_window_minutes: int | None = None


def get_policy(s: Session, project_id: str, policy_id: str) -> sqlite3.Row:
    row = s.tx.one("SELECT * FROM policies WHERE id = ? AND project_id = ?", [policy_id, project_id])
    if row is None:
        raise errors.policy_not_found(policy_id)
    return row


def get_backup_policy(s: Session, project_id: str, policy_id: str) -> sqlite3.Row:
    """A policy that a new vault can take (create_vault's backup_policy_id): a replication policy
    needs a destination vault, which only associatepolicy names."""
    row = get_policy(s, project_id, policy_id)
    if row["operation_type"] != "backup":
        raise errors.policy_not_applicable(policy_id, f"a {row['operation_type']} policy on a backup vault")
    return row


def create_policy(s: Session, project_id: str, req: PolicyCreate) -> dict[str, Any]:
    policy_id = new_id()
    s.tx.insert(
        "policies",
        {
            "id": policy_id,
            "project_id": project_id,
            "name": req.name,
            "enabled": req.enabled,
            "operation_type": req.operation_type,
            "operation_definition": dumps(req.operation_definition),
            "start_window_minutes": dumps(req.start_window_minutes),
            "patterns": dumps(list(req.patterns)),
            "trigger_id": new_id(),
            "start_time": format_start_time(s.now),
            "created_at": s.ts,
            "updated_at": None,
            "next_run_at": None,
        },
    )
    reschedule(s, policy_id)
    return show_policy(s, project_id, policy_id)


def show_policy(s: Session, project_id: str, policy_id: str) -> dict[str, Any]:
    return {"policy": render(s, get_policy(s, project_id, policy_id))}


def list_policies(
    s: Session, project_id: str, operation_type: str | None, vault_id: str | None
) -> dict[str, Any]:
    where = ["project_id = ?"]
    params: list[Any] = [project_id]
    if operation_type is not None:
        where.append("operation_type = ?")
        params.append(operation_type)
    if vault_id is not None:
        where.append(
            "id IN (SELECT policy_id FROM vaults WHERE id = ? AND project_id = ? "
            "UNION SELECT replication_policy_id FROM vaults WHERE id = ? AND project_id = ?)"
        )
        params.extend([vault_id, project_id, vault_id, project_id])
    rows = s.tx.all(
        f"SELECT * FROM policies WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC", params
    )
    # the live service answers an unpaged listing with its default page
    return {"policies": [render(s, r) for r in rows], "count": len(rows), "limit": 1000, "offset": 0}


def update_policy(s: Session, project_id: str, policy_id: str, req: PolicyUpdate) -> dict[str, Any]:
    """A new trigger restarts the schedule from now (its start_time is the update time)."""
    get_policy(s, project_id, policy_id)
    changes: dict[str, Any] = {"updated_at": s.ts}
    if req.name is not None:
        changes["name"] = req.name
    if req.enabled is not None:
        changes["enabled"] = req.enabled
    if req.operation_definition is not None:
        changes["operation_definition"] = dumps(req.operation_definition)
    if req.patterns is not None:
        changes["patterns"] = dumps(list(req.patterns))
        changes["start_time"] = format_start_time(s.now)
        changes["start_window_minutes"] = dumps(req.start_window_minutes)
    s.tx.update("policies", policy_id, changes)
    reschedule(s, policy_id)
    return show_policy(s, project_id, policy_id)


def delete_policy(s: Session, project_id: str, policy_id: str) -> None:
    get_policy(s, project_id, policy_id)
    s.tx.execute("UPDATE vaults SET policy_id = NULL WHERE policy_id = ?", [policy_id])
    s.tx.execute(
        "UPDATE vaults SET replication_policy_id = NULL, destination_vault_id = NULL "
        "WHERE replication_policy_id = ?",
        [policy_id],
    )
    s.tx.execute("DELETE FROM policies WHERE id = ?", [policy_id])


def reschedule(s: Session, policy_id: str) -> None:
    """Next run strictly after now, so that a policy never fires for time that already passed."""
    row = s.tx.one("SELECT enabled, patterns, start_time FROM policies WHERE id = ?", [policy_id])
    if row is None:
        return
    next_at = None
    if row["enabled"]:
        moment = triggers.next_run(loads(row["patterns"]), parse_start_time(row["start_time"]), s.now)
        next_at = None if moment is None else format_timestamp(moment)
    s.tx.execute("UPDATE policies SET next_run_at = ? WHERE id = ?", [next_at, policy_id])


def _trigger_properties(row: sqlite3.Row) -> dict[str, Any]:
    properties = {"pattern": loads(row["patterns"]), "start_time": row["start_time"]}
    start_window = loads(row["start_window_minutes"])
    if start_window is not None:
        properties["start_window_minutes"] = start_window
    return properties


def render(s: Session, row: sqlite3.Row) -> dict[str, Any]:
    """Policy, tables 4-180..4-184; the vaults of a replication policy name their destination."""
    vaults = s.tx.all(
        "SELECT id, NULL AS destination, created_at FROM vaults WHERE policy_id = ? UNION ALL "
        "SELECT id, destination_vault_id, created_at FROM vaults WHERE replication_policy_id = ? "
        "ORDER BY created_at, id",
        [row["id"], row["id"]],
    )
    return {
        "enabled": bool(row["enabled"]),
        "id": row["id"],
        "name": row["name"],
        # created_by: the live service's mark of a policy its user made (a tenant's, not an organisation's)
        "operation_definition": {**loads(row["operation_definition"]), "created_by": "customer"},
        "operation_type": row["operation_type"],
        "trigger": {
            "id": row["trigger_id"],
            "name": "default",
            "properties": _trigger_properties(row),
            "type": "time",
        },
        "policy_type": "custom_policy",
        "associated_vaults": [
            {"vault_id": v["id"], "destination_vault_id": v["destination"]} for v in vaults
        ],
    }
