"""The cloud resources the emulator pretends exist: ECS and BMS servers, EVS disks, SFS Turbo.

Shape of the JSON (fixtures/inventory.json)::

    {"projects": {"<project_id>": {
        "servers": [{"id", "name", "az", "status", "volumes": [{"id", "name", "size", "bootable"}]}],
        "bare_metal_servers": [... same as servers ...],
        "volumes": [{"id", "name", "az", "size", "status", "bootable"}],
        "sfs_turbos": [{"id", "name", "az", "size", "status"}],
        "desktops": [{"id", "name", "az", "size", "status"}]}}}

Disks attached to servers are disks too: they can be protected by a disk vault on their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER = "OS::Nova::Server"
BMS = "OS::Ironic::BareMetalServer"
VOLUME = "OS::Cinder::Volume"
TURBO = "OS::Sfs::Turbo"
# A cloud desktop: not in the reference's prose, but in the SDK's and the live service's types
DESKTOP = "OS::Workspace::DesktopV2"
# OS::Native::Server (on-premises servers, the SDK's; E-RESOURCE-TYPES) is taken in requests;
# the inventory has none, so naming one is 6102 or 6302 like any resource the vault cannot hold.
RESOURCE_TYPES = (SERVER, VOLUME, BMS, TURBO, DESKTOP, "OS::Native::Server")

# Statuses in which a resource can be backed up (anything else is skipped with a 7xxx code).
BACKUP_STATUSES = {
    SERVER: {"ACTIVE", "SHUTOFF"},
    BMS: {"ACTIVE", "SHUTOFF"},
    VOLUME: {"available", "in-use"},
    TURBO: {"available"},
    DESKTOP: {"ACTIVE", "SHUTOFF"},
}

_SECTIONS = {
    "servers": SERVER,
    "bare_metal_servers": BMS,
    "volumes": VOLUME,
    "sfs_turbos": TURBO,
    "desktops": DESKTOP,
}


class InventoryError(ValueError):
    """The inventory document is malformed."""


@dataclass(frozen=True)
class Volume:
    id: str
    name: str
    size: int
    bootable: bool
    status: str
    az: str
    server_id: str | None


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    type: str
    az: str
    status: str
    size: int  # GB; a server's is the sum of its disks
    volumes: tuple[Volume, ...] = ()
    bootable: bool = False
    server_id: str | None = None  # a disk's server, if attached


class Inventory:
    def __init__(self, document: Any) -> None:
        self._document = _validated(document)
        self._resources: dict[str, dict[str, Resource]] = {}
        for project_id, sections in self._document["projects"].items():
            index: dict[str, Resource] = {}
            for section, resource_type in _SECTIONS.items():
                for item in sections.get(section, []):
                    for resource in _resources_of(item, resource_type):
                        if resource.id in index:
                            raise InventoryError(f"resource id {resource.id} appears twice in {project_id}")
                        index[resource.id] = resource
            self._resources[project_id] = index

    @classmethod
    def from_file(cls, path: Path) -> Inventory:
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise InventoryError(f"cannot read inventory {path}: {exc}") from exc

    def as_json(self) -> dict[str, Any]:
        return json.loads(json.dumps(self._document))  # type: ignore[no-any-return]

    def projects(self) -> set[str]:
        return set(self._resources)

    def find(self, project_id: str, resource_id: str) -> Resource | None:
        return self._resources.get(project_id, {}).get(resource_id)


def _resources_of(item: Mapping[str, Any], resource_type: str) -> list[Resource]:
    if resource_type in (SERVER, BMS):
        volumes = tuple(
            Volume(
                id=v["id"],
                name=v["name"],
                size=v["size"],
                bootable=bool(v.get("bootable", False)),
                status="in-use",
                az=item["az"],
                server_id=item["id"],
            )
            for v in item.get("volumes", [])
        )
        server = Resource(
            id=item["id"],
            name=item["name"],
            type=resource_type,
            az=item["az"],
            status=item["status"],
            size=sum(v.size for v in volumes),
            volumes=volumes,
        )
        disks = [
            Resource(
                id=v.id,
                name=v.name,
                type=VOLUME,
                az=v.az,
                status=v.status,
                size=v.size,
                bootable=v.bootable,
                server_id=v.server_id,
            )
            for v in volumes
        ]
        return [server, *disks]
    return [
        Resource(
            id=item["id"],
            name=item["name"],
            type=resource_type,
            az=item["az"],
            status=item["status"],
            size=item["size"],
            bootable=bool(item.get("bootable", False)),
        )
    ]


def _validated(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict) or not isinstance(document.get("projects"), dict):
        raise InventoryError('the inventory must be {"projects": {"<project_id>": {...}}}')
    for project_id, sections in document["projects"].items():
        if not isinstance(sections, dict):
            raise InventoryError(f"project {project_id} must map section names to lists")
        for section, items in sections.items():
            if section not in _SECTIONS:
                raise InventoryError(f"unknown inventory section {section!r}")
            if not isinstance(items, list):
                raise InventoryError(f"{project_id}.{section} must be a list")
            for item in items:
                _check_item(item, _SECTIONS[section], f"{project_id}.{section}")
    return document


def _check_item(item: Any, resource_type: str, where: str) -> None:
    required: dict[str, type] = {"id": str, "name": str, "az": str, "status": str}
    if resource_type in (VOLUME, TURBO):
        required["size"] = int
    if not isinstance(item, dict):
        raise InventoryError(f"{where} items must be objects")
    for key, kind in required.items():
        if not isinstance(item.get(key), kind) or isinstance(item.get(key), bool):
            raise InventoryError(f"{where} item {item.get('id')!r} needs {key} ({kind.__name__})")
    for volume in item.get("volumes", []) if resource_type in (SERVER, BMS) else []:
        if not (
            isinstance(volume, dict)
            and isinstance(volume.get("id"), str)
            and isinstance(volume.get("name"), str)
            and isinstance(volume.get("size"), int)
        ):
            raise InventoryError(f"{where} server {item['id']} has a malformed volume")
