"""Vaults (4.4): create, show, list, update, delete, and applying / removing a policy."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cbr_emulator import errors
from cbr_emulator.models import operation_logs, policies, vault_resources
from cbr_emulator.models.common import (
    PROVIDER_BY_OBJECT_TYPE,
    SPEC_CODES,
    Session,
    dumps,
    loads,
    new_id,
    page,
)
from cbr_emulator.models.vault_resources import ResourceSpec

MAX_SIZE_GB = 10485760  # the largest vault capacity (table 4-88 BillingCreate)


@dataclass(frozen=True)
class Tag:
    key: str
    value: str | None = None


@dataclass(frozen=True)
class VaultCreate:
    name: str
    object_type: str
    consistent_level: str
    protect_type: str
    size: int
    resources: tuple[ResourceSpec, ...] = ()
    description: str | None = None
    charging_mode: str = "post_paid"
    cloud_type: str = "public"
    is_auto_renew: bool = False
    is_auto_pay: bool = False
    console_url: str | None = None
    tags: tuple[Tag, ...] = ()
    enterprise_project_id: str = "0"
    auto_bind: bool = False
    bind_rules: dict[str, Any] | None = field(default=None, compare=False)
    backup_policy_id: str | None = None
    auto_expand: bool = False
    smn_notify: bool = True
    threshold: int = 80
    # Today's fields beyond the reference (the SDK's VaultCreate), answered as given: locked,
    # sys_lock_source_service, availability_zone, backup_name_prefix, demand_billing, is_multi_az.
    added: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class VaultUpdate:
    name: str | None = None
    size: int | None = None
    auto_bind: bool | None = None
    bind_rules: dict[str, Any] | None = field(default=None, compare=False)
    auto_expand: bool | None = None
    smn_notify: bool | None = None
    threshold: int | None = None
    locked: bool | None = None
    consistent_level: str | None = None


@dataclass(frozen=True)
class VaultFilter:
    limit: int = 1000
    offset: int = 0
    cloud_type: str | None = None
    enterprise_project_id: str | None = None
    id: str | None = None
    name: str | None = None
    object_type: str | None = None
    policy_id: str | None = None
    protect_type: str | None = None
    resource_ids: tuple[str, ...] = ()
    status: str | None = None


def get_vault(s: Session, project_id: str, vault_id: str) -> sqlite3.Row:
    row = s.tx.one("SELECT * FROM vaults WHERE id = ? AND project_id = ?", [vault_id, project_id])
    if row is None:
        raise errors.vault_not_found(vault_id)
    return row


def create_vault(s: Session, project_id: str, req: VaultCreate) -> dict[str, Any]:
    if req.backup_policy_id is not None:
        policies.get_backup_policy(s, project_id, req.backup_policy_id)
    checked = vault_resources.check_new_resources(s, project_id, req.object_type, req.resources)
    vault_id = new_id()
    s.tx.insert(
        "vaults",
        {
            "id": vault_id,
            "project_id": project_id,
            "name": req.name,
            "description": req.description,
            "object_type": req.object_type,
            "consistent_level": req.consistent_level,
            "protect_type": req.protect_type,
            "size": req.size,
            "charging_mode": req.charging_mode,
            "cloud_type": req.cloud_type,
            "is_auto_renew": req.is_auto_renew,
            "is_auto_pay": req.is_auto_pay,
            "console_url": req.console_url,
            "status": "available",
            "enterprise_project_id": req.enterprise_project_id,
            "auto_bind": req.auto_bind,
            "bind_rules": None if req.bind_rules is None else dumps(req.bind_rules),
            "tags": dumps([{"key": t.key, "value": t.value} for t in req.tags]),
            "auto_expand": req.auto_expand,
            "smn_notify": req.smn_notify,
            "threshold": req.threshold,
            "added_fields": dumps(req.added),
            "policy_id": req.backup_policy_id,
            "user_id": s.user_id(project_id),
            "provider_id": PROVIDER_BY_OBJECT_TYPE[req.object_type],
            "created_at": s.ts,
            "updated_at": None,
        },
    )
    vault_resources.insert_resources(s, project_id, vault_id, checked)
    if req.backup_policy_id is not None:
        policies.reschedule(s, req.backup_policy_id)
    return {"vault": render_vaults(s, [get_vault(s, project_id, vault_id)])[0]}


def show_vault(s: Session, project_id: str, vault_id: str) -> dict[str, Any]:
    return {"vault": render_vaults(s, [get_vault(s, project_id, vault_id)])[0]}


def list_vaults(s: Session, project_id: str, f: VaultFilter) -> dict[str, Any]:
    where = ["project_id = ?"]
    params: list[Any] = [project_id]
    for column in ("cloud_type", "id", "name", "object_type", "protect_type", "status"):
        value = getattr(f, column)
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if f.policy_id is not None:
        where.append("(policy_id = ? OR replication_policy_id = ?)")
        params.extend([f.policy_id, f.policy_id])
    if f.enterprise_project_id not in (None, "all_granted_eps"):
        where.append("enterprise_project_id = ?")
        params.append(f.enterprise_project_id)
    if f.resource_ids:
        marks = ",".join("?" for _ in f.resource_ids)
        where.append(f"id IN (SELECT vault_id FROM vault_resources WHERE resource_id IN ({marks}))")
        params.extend(f.resource_ids)
    clause = " AND ".join(where)
    total = int(s.tx.scalar(f"SELECT COUNT(*) FROM vaults WHERE {clause}", params))
    rows = s.tx.all(
        f"SELECT * FROM vaults WHERE {clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        [*params, f.limit, f.offset],
    )
    return {"vaults": render_vaults(s, rows), **page(total, f.limit, f.offset)}


def update_vault(s: Session, project_id: str, vault_id: str, req: VaultUpdate) -> dict[str, Any]:
    vault = get_vault(s, project_id, vault_id)
    changes: dict[str, Any] = {}
    if req.size is not None:
        used_mb = sum(u.size_mb for u in vault_resources.usage_by_vault(s, [vault_id])[vault_id].values())
        if req.size * 1024 < used_mb:
            raise errors.invalid_vault_capacity("smaller than the used capacity")
        changes["size"] = req.size
    for column in ("name", "auto_bind", "auto_expand", "smn_notify", "threshold", "consistent_level"):
        value = getattr(req, column)
        if value is not None:
            changes[column] = value
    if req.locked is not None:
        changes["added_fields"] = dumps({**_added(vault), "locked": req.locked})
    if req.bind_rules is not None:
        changes["bind_rules"] = dumps(req.bind_rules)
    changes["updated_at"] = s.ts
    s.tx.update("vaults", vault["id"], changes)
    return show_vault(s, project_id, vault_id)


def delete_vault(s: Session, project_id: str, vault_id: str) -> None:
    """Deleting a vault clears its backups; a vault_delete task records how many went."""
    vault = get_vault(s, project_id, vault_id)
    deleted = int(
        s.tx.scalar("SELECT COUNT(*) FROM backups WHERE vault_id = ? AND parent_id IS NULL", [vault_id])
    )
    operation_logs.record(
        s,
        project_id,
        "vault_delete",
        vault=vault,
        status="success",
        finished=True,
        extra_info={"vault_delete": {"fail_count": 0, "total_count": deleted}},
    )
    s.tx.execute(
        "DELETE FROM jobs WHERE ref_id IN (SELECT id FROM checkpoints WHERE vault_id = ?) "
        "OR ref_id IN (SELECT id FROM backups WHERE vault_id = ?)",
        [vault_id, vault_id],
    )
    operation_logs.fail_running(s, vault_id)
    s.tx.execute("DELETE FROM vaults WHERE id = ?", [vault_id])


def associate_policy(
    s: Session, project_id: str, vault_id: str, policy_id: str, destination_vault_id: str | None = None
) -> dict[str, Any]:
    """A vault has one backup policy and one replication policy: applying another of the same
    kind replaces it."""
    vault = get_vault(s, project_id, vault_id)
    if policies.get_policy(s, project_id, policy_id)["operation_type"] == "replication":
        return _associate_replication(s, vault, policy_id, destination_vault_id)
    previous = vault["policy_id"]
    s.tx.execute("UPDATE vaults SET policy_id = ?, updated_at = ? WHERE id = ?", [policy_id, s.ts, vault_id])
    if previous is not None and previous != policy_id:
        policies.reschedule(s, previous)
    policies.reschedule(s, policy_id)
    answer = {"vault_id": vault_id, "policy_id": policy_id}
    if destination_vault_id is not None:
        answer["destination_vault_id"] = destination_vault_id
    return {"associate_policy": answer}


def _associate_replication(
    s: Session, vault: sqlite3.Row, policy_id: str, destination_vault_id: str | None
) -> dict[str, Any]:
    """A replication policy copies a backup vault's backups to a replication vault, which the
    SDK's VaultAssociate names in destination_vault_id ("mandatory with a replication policy").
    The destination lives in another region, which the emulator does not hold: an id it does not
    know is taken as such a vault; one it holds must be a replication vault of the same object
    type. No replica is made."""
    if not destination_vault_id:
        raise errors.invalid_parameter("destination_vault_id is required with a replication policy")
    if vault["protect_type"] != "backup":
        raise errors.policy_not_applicable(policy_id, "a replication policy on a replication vault")
    destination = s.tx.one("SELECT * FROM vaults WHERE id = ?", [destination_vault_id])
    if destination is not None and (
        destination["protect_type"] != "replication" or destination["object_type"] != vault["object_type"]
    ):
        raise errors.policy_not_applicable(
            policy_id, f"{destination_vault_id} is no replication vault of {vault['object_type']}"
        )
    s.tx.execute(
        "UPDATE vaults SET replication_policy_id = ?, destination_vault_id = ?, updated_at = ? WHERE id = ?",
        [policy_id, destination_vault_id, s.ts, vault["id"]],
    )
    return {
        "associate_policy": {
            "vault_id": vault["id"],
            "policy_id": policy_id,
            "destination_vault_id": destination_vault_id,
        }
    }


def dissociate_policy(s: Session, project_id: str, vault_id: str, policy_id: str) -> dict[str, Any]:
    vault = get_vault(s, project_id, vault_id)
    policies.get_policy(s, project_id, policy_id)
    if vault["replication_policy_id"] == policy_id:
        s.tx.execute(
            "UPDATE vaults SET replication_policy_id = NULL, destination_vault_id = NULL, updated_at = ? "
            "WHERE id = ?",
            [s.ts, vault_id],
        )
        return {"dissociate_policy": {"vault_id": vault_id, "policy_id": policy_id}}
    if vault["policy_id"] != policy_id:
        raise errors.policy_not_applied(policy_id)
    s.tx.execute("UPDATE vaults SET policy_id = NULL, updated_at = ? WHERE id = ?", [s.ts, vault_id])
    policies.reschedule(s, policy_id)
    return {"dissociate_policy": {"vault_id": vault_id, "policy_id": policy_id}}


def _added(row: sqlite3.Row) -> dict[str, Any]:
    added: dict[str, Any] = loads(row["added_fields"]) or {}
    return added


def render_vaults(s: Session, rows: Sequence[sqlite3.Row]) -> list[dict[str, Any]]:
    ids = [r["id"] for r in rows]
    usage = vault_resources.usage_by_vault(s, ids)
    resources = vault_resources.resources_by_vault(s, ids)
    return [_render(s, row, resources[row["id"]], usage[row["id"]]) for row in rows]


def _render(
    s: Session, row: sqlite3.Row, resources: list[sqlite3.Row], usage: dict[str, vault_resources.Usage]
) -> dict[str, Any]:
    """Vault, tables 4-92..4-95 (allocated: GB of the resources; used: MB of the backups), with the
    fields today's service adds (the SDK's Vault): locked and the rest as the caller set them, and
    the constants the live service answers (cross_account, supplier...). A replication vault holds
    replicas, not its resources' data: nothing allocated, no protection status."""
    added = _added(row)
    replication = row["protect_type"] == "replication"
    spec_code = SPEC_CODES[row["object_type"]]
    return {
        "billing": {
            "allocated": 0 if replication else sum(int(r["size"]) for r in resources),
            "charging_mode": row["charging_mode"],
            "cloud_type": row["cloud_type"],
            "consistent_level": row["consistent_level"],
            "object_type": row["object_type"],
            "order_id": None,
            "product_id": None,
            "protect_type": row["protect_type"],
            "size": row["size"],
            "spec_code": spec_code.replace(".backup.", ".replication.") if replication else spec_code,
            "status": row["status"],
            "storage_unit": None,
            "used": sum(u.size_mb for u in usage.values()),
            "frozen_scene": None,
            "is_multi_az": bool(added.get("is_multi_az", False)),
            "is_double_az": False,
            "partner_bp_id": None,
        },
        "description": row["description"],
        "id": row["id"],
        "name": row["name"],
        "project_id": row["project_id"],
        "provider_id": row["provider_id"],
        "resources": [_render_resource(s, row, r, usage, replication) for r in resources],
        "tags": loads(row["tags"]),
        "enterprise_project_id": row["enterprise_project_id"],
        "auto_bind": bool(row["auto_bind"]),
        "bind_rules": loads(row["bind_rules"]) or {},
        "user_id": row["user_id"],
        "created_at": row["created_at"],
        "auto_expand": bool(row["auto_expand"]),
        "smn_notify": bool(row["smn_notify"]),
        "threshold": row["threshold"],
        "locked": bool(added.get("locked", False)),
        "sys_lock_source_service": added.get("sys_lock_source_service", ""),
        "availability_zone": added.get("availability_zone", ""),
        "backup_name_prefix": added.get("backup_name_prefix"),
        "demand_billing": bool(added.get("demand_billing", False)),
        "frozen": row["status"] == "frozen",
        "cbc_delete_count": 0,
        "cross_account": False,
        "cross_account_urn": "",
        "supplier": "",
    }


def _render_resource(
    s: Session,
    vault: sqlite3.Row,
    resource: sqlite3.Row,
    usage: dict[str, vault_resources.Usage],
    replication: bool,
) -> dict[str, Any]:
    """A vault's resource as the live service lists it: extra_info {} when none was given;
    auto_protect (the SDK's "follows the vault's automatic backup policy") true, whether or not
    the vault has a policy now. A replication vault's resources have no extra_info at all."""
    gone = s.inventory.find(vault["project_id"], resource["resource_id"]) is None
    rendered = {
        "extra_info": {},
        **vault_resources.render_resource(resource, usage.get(resource["resource_id"]), gone),
        "auto_protect": True,
    }
    if replication:
        rendered["protect_status"] = None
        if rendered["extra_info"] == {}:
            del rendered["extra_info"]
    return rendered
