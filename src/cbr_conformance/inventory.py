"""The resources of the target that the suite may back up, and their leasing between tests.

The file has the emulator's inventory shape: {"projects": {"<project id>": {"servers": [...],
"volumes": [...], "bare_metal_servers": [...], "sfs_turbos": [...]}}}. A resource belongs to one
vault at a time, so each test leases what it puts in a vault and gives it back at cleanup; under
pytest-xdist each worker leases from its own share of a shared target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER = "OS::Nova::Server"
VOLUME = "OS::Cinder::Volume"
BMS = "OS::Ironic::BareMetalServer"
TURBO = "OS::Sfs::Turbo"
SECTIONS = {"servers": SERVER, "volumes": VOLUME, "bare_metal_servers": BMS, "sfs_turbos": TURBO}
OBJECT_TYPE = {SERVER: "server", BMS: "server", VOLUME: "disk", TURBO: "turbo"}


@dataclass(frozen=True)
class InventoryResource:
    id: str
    name: str
    type: str
    volumes: tuple[dict[str, Any], ...] = ()
    restore_target: bool = False  # the user lets the suite restore backups onto it (overwriting it)

    @property
    def object_type(self) -> str:
        return OBJECT_TYPE[self.type]

    def as_vault_resource(self) -> dict[str, str]:
        return {"id": self.id, "type": self.type, "name": self.name}


class NoResourceAvailable(LookupError):
    """Every resource of the type is leased, or the inventory has none."""


class Inventory:
    def __init__(self, resources: list[InventoryResource]) -> None:
        self.resources = resources
        self._free = list(resources)

    @classmethod
    def load(
        cls,
        path: Path,
        project_id: str,
        worker: int = 0,
        workers: int = 1,
        *,
        all_restore_targets: bool = False,
    ) -> Inventory:
        """The project's resources (this worker's share of them). `all_restore_targets`: every
        resource may be restored onto (the embedded emulator's own inventory)."""
        document = json.loads(path.read_text(encoding="utf-8"))
        project = document.get("projects", {}).get(project_id, {})
        resources = [
            InventoryResource(
                item["id"],
                item.get("name", ""),
                resource_type,
                tuple(item.get("volumes", ())),
                all_restore_targets or item.get("restore_target") is True,
            )
            for section, resource_type in SECTIONS.items()
            for item in project.get(section, [])
        ]
        share = [
            r for i, r in enumerate(sorted(resources, key=lambda r: (r.type, r.id))) if i % workers == worker
        ]
        return cls(share)

    @classmethod
    def empty(cls) -> Inventory:
        return cls([])

    def count(self, resource_type: str) -> int:
        return sum(1 for r in self.resources if r.type == resource_type)

    def lease(self, resource_type: str, *, restore_target: bool = False) -> InventoryResource:
        """A free resource of the type; with `restore_target`, one the user lets backups be
        restored onto."""
        for resource in self._free:
            if resource.type == resource_type and (resource.restore_target or not restore_target):
                self._free.remove(resource)
                return resource
        if restore_target:
            raise NoResourceAvailable(
                f'no free {resource_type} of the inventory is marked "restore_target": true '
                "(a scratch resource the suite may overwrite by restoring onto it)"
            )
        total = self.count(resource_type)
        raise NoResourceAvailable(
            f"no free {resource_type} in the inventory ({total} configured, all in use)"
            if total
            else f"the inventory has no {resource_type}; list some in the inventory file (--inventory)"
        )

    def release(self, resource: InventoryResource) -> None:
        if resource in self.resources and resource not in self._free:
            self._free.append(resource)
