"""Request bodies built in more than one place, as pure functions of what varies.

Why this module exists: the vault body (billing with its consistency level, protection type and
size) and the restore point body were copied into the benchmarks and several tests; one template
each keeps them from drifting apart. Nothing here needs a client or a target.
"""

from __future__ import annotations

from typing import Any

DEFAULT_VAULT_SIZE = 100  # GB


def vault_body(
    name: str, object_type: str = "server", resources: list[dict[str, str]] | None = None, **fields: Any
) -> dict[str, Any]:
    """create_vault's body: a vault of `object_type` ("server", "disk"...) holding `resources`
    (each `{"id": ..., "type": ...}`, see `InventoryResource.as_vault_resource`); `fields` are
    added to, or replace, the vault's members."""
    vault: dict[str, Any] = {
        "billing": {
            "consistent_level": "crash_consistent",
            "object_type": object_type,
            "protect_type": "backup",
            "size": DEFAULT_VAULT_SIZE,
        },
        "name": name,
        "resources": list(resources or []),
    }
    vault.update(fields)
    return {"vault": vault}


def checkpoint_body(vault_id: str, **parameters: Any) -> dict[str, Any]:
    """create_checkpoint's body: back up the vault now, with `parameters` (name, resources...) if any."""
    checkpoint: dict[str, Any] = {"vault_id": vault_id}
    if parameters:
        checkpoint["parameters"] = parameters
    return {"checkpoint": checkpoint}


def server_restore_body(backup: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """restore_backup's body for a server backup (as shown, with its `children`): onto its own
    server, each disk backup onto its own disk; `fields` (e.g. power_on) are added."""
    mappings = [{"backup_id": c["id"], "volume_id": c["resource_id"]} for c in backup.get("children") or []]
    return {"restore": {"server_id": backup["resource_id"], "mappings": mappings, **fields}}
