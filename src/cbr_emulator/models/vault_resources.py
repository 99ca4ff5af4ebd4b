"""Resources of vaults: association rules, dissociation, and their protection figures."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cbr_emulator import errors
from cbr_emulator.models import operation_logs
from cbr_emulator.models.common import OBJECT_TYPE_RESOURCES, Session, dumps, loads
from cbr_emulator.models.inventory import SERVER, TURBO, VOLUME, Resource


@dataclass(frozen=True)
class ResourceSpec:
    """One entry of ``resources`` in create-vault / addresources (ResourceCreate)."""

    id: str
    type: str
    name: str | None = None
    extra_info: dict[str, Any] | None = field(default=None, compare=False)


@dataclass
class Usage:
    """Completed backups of one resource in one vault, and whether work is under way."""

    count: int = 0
    size_mb: int = 0
    protecting: bool = False
    restoring: bool = False

    @property
    def protect_status(self) -> str:
        return "protecting" if self.protecting else "restoring" if self.restoring else "available"


def not_found_error(resource_type: str, resource_id: str) -> errors.CBRError:
    if resource_type == SERVER:
        return errors.server_not_found(resource_id)
    if resource_type == VOLUME:
        return errors.disk_not_found(resource_id)
    if resource_type == TURBO:
        return errors.turbo_not_found(resource_id)
    return errors.resource_not_found(resource_id)


def check_new_resources(
    s: Session, project_id: str, object_type: str, specs: Sequence[ResourceSpec]
) -> list[tuple[ResourceSpec, Resource]]:
    """Raise 6104 / 6102 / 7100 / 7000 / 7500 / 6302 / 6103, in that order of checks."""
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise errors.duplicate_resources(spec.id)
        seen.add(spec.id)
    checked = []
    for spec in specs:
        if spec.type not in OBJECT_TYPE_RESOURCES[object_type]:
            raise errors.resource_type_not_supported(spec.id)
        resource = s.inventory.find(project_id, spec.id)
        if resource is None or resource.type != spec.type:
            raise not_found_error(spec.type, spec.id)
        if s.tx.one(
            "SELECT 1 FROM vault_resources WHERE project_id = ? AND resource_id = ?", [project_id, spec.id]
        ):
            raise errors.resource_already_associated(spec.id)
        checked.append((spec, resource))
    return checked


def insert_resources(
    s: Session, project_id: str, vault_id: str, checked: Sequence[tuple[ResourceSpec, Resource]]
) -> None:
    position = int(
        s.tx.scalar("SELECT COALESCE(MAX(position), 0) FROM vault_resources WHERE vault_id = ?", [vault_id])
    )
    for spec, resource in checked:
        position += 1
        s.tx.insert(
            "vault_resources",
            {
                "vault_id": vault_id,
                "project_id": project_id,
                "resource_id": resource.id,
                "type": resource.type,
                "name": resource.name,
                "size": resource.size,
                "extra_info": None if spec.extra_info is None else dumps(spec.extra_info),
                "position": position,
                "created_at": s.ts,
            },
        )


def add_resources(
    s: Session, project_id: str, vault: sqlite3.Row, specs: Sequence[ResourceSpec]
) -> list[str]:
    checked = check_new_resources(s, project_id, vault["object_type"], specs)
    insert_resources(s, project_id, vault["id"], checked)
    s.tx.execute("UPDATE vaults SET updated_at = ? WHERE id = ?", [s.ts, vault["id"]])
    return [resource.id for _, resource in checked]


def remove_resources(
    s: Session, project_id: str, vault: sqlite3.Row, resource_ids: Sequence[str]
) -> list[str]:
    """Dissociate resources; their backups in the vault go too (a remove_resource task records it)."""
    # an id named twice is removed once: 4.4.6 documents no refusal of it (adding has 6104)
    resource_ids = list(dict.fromkeys(resource_ids))
    rows = []
    for resource_id in resource_ids:
        row = s.tx.one(
            "SELECT * FROM vault_resources WHERE vault_id = ? AND resource_id = ?", [vault["id"], resource_id]
        )
        if row is None:
            raise errors.resource_not_in_vault(resource_id)
        rows.append(row)
    deleted = 0
    for resource_id in resource_ids:
        deleted += int(
            s.tx.scalar(
                "SELECT COUNT(*) FROM backups WHERE vault_id = ? AND resource_id = ? AND parent_id IS NULL",
                [vault["id"], resource_id],
            )
        )
        s.tx.execute(
            "DELETE FROM backups WHERE vault_id = ? AND resource_id = ? AND parent_id IS NULL",
            [vault["id"], resource_id],
        )
        s.tx.execute(
            "DELETE FROM vault_resources WHERE vault_id = ? AND resource_id = ?", [vault["id"], resource_id]
        )
    s.tx.execute("UPDATE vaults SET updated_at = ? WHERE id = ?", [s.ts, vault["id"]])
    operation_logs.fail_running(s, vault["id"], resource_ids)
    resources = [{"id": r["resource_id"], "name": r["name"], "type": r["type"]} for r in rows]
    operation_logs.record(
        s,
        project_id,
        "remove_resource",
        vault=vault,
        status="success",
        finished=True,
        extra_info={"remove_resources": {"fail_count": 0, "total_count": deleted, "resources": resources}},
    )
    return list(resource_ids)


def usage_by_vault(s: Session, vault_ids: Sequence[str]) -> dict[str, dict[str, Usage]]:
    """vault id -> resource id -> Usage, in one query for a whole page of vaults."""
    result: dict[str, dict[str, Usage]] = defaultdict(dict)
    if not vault_ids:
        return result
    marks = ",".join("?" for _ in vault_ids)
    rows = s.tx.all(
        f"SELECT vault_id, resource_id, status, COUNT(*) AS n, SUM(size_mb) AS mb FROM backups "
        f"WHERE vault_id IN ({marks}) AND parent_id IS NULL GROUP BY vault_id, resource_id, status",
        list(vault_ids),
    )
    for row in rows:
        usage = result[row["vault_id"]].setdefault(row["resource_id"], Usage())
        if row["status"] in ("available", "restoring"):
            usage.count += int(row["n"])
            usage.size_mb += int(row["mb"] or 0)
        usage.protecting = usage.protecting or row["status"] == "protecting"
        usage.restoring = usage.restoring or row["status"] == "restoring"
    return result


def resources_by_vault(s: Session, vault_ids: Sequence[str]) -> dict[str, list[sqlite3.Row]]:
    result: dict[str, list[sqlite3.Row]] = defaultdict(list)
    if not vault_ids:
        return result
    marks = ",".join("?" for _ in vault_ids)
    for row in s.tx.all(
        f"SELECT * FROM vault_resources WHERE vault_id IN ({marks}) ORDER BY vault_id, position",
        list(vault_ids),
    ):
        result[row["vault_id"]].append(row)
    return result


def render_resource(row: sqlite3.Row, usage: Usage | None, gone: bool = False) -> dict[str, Any]:
    """ResourceResp (tables 4-94, 4-102 ...): extra_info only when the caller gave one. A resource
    deleted while in the vault shows protect_status "deleted", as the live service answers."""
    usage = usage or Usage()
    rendered: dict[str, Any] = {
        "id": row["resource_id"],
        "name": row["name"],
        "protect_status": "deleted" if gone else usage.protect_status,
        "size": row["size"],
        "type": row["type"],
        "backup_size": usage.size_mb,
        "backup_count": usage.count,
    }
    if row["extra_info"] is not None:
        rendered["extra_info"] = loads(row["extra_info"])
    return rendered
