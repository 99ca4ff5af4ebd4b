"""The built-in inventory; ``cbr-emulator inventory`` prints it and fixtures/inventory.json is that output.

Ids are UUIDv5 of readable names, so they are stable from one run (and one machine) to the next.
Each default project gets enough distinct resources for ~12 server vaults, ~12 disk vaults, bare-metal
and SFS Turbo vaults created in parallel.
"""

from __future__ import annotations

import uuid
from typing import Any

from cbr_emulator.defaults import PROJECT_A, PROJECT_B

_NAMESPACE = uuid.UUID("6a0b7e9c-2f7e-4c55-9d1e-0c0ffee0cb30")
SERVERS_PER_PROJECT = 12
VOLUMES_PER_PROJECT = 12
BMS_PER_PROJECT = 4
TURBOS_PER_PROJECT = 4
DESKTOPS_PER_PROJECT = 2


def stable_id(name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, name))


def _az(index: int) -> str:
    return "emu-az1" if index % 2 else "emu-az2"


def _project(tag: str) -> dict[str, Any]:
    return {
        "servers": [_server(tag, i) for i in range(1, SERVERS_PER_PROJECT + 1)],
        "bare_metal_servers": [_bare_metal(tag, i) for i in range(1, BMS_PER_PROJECT + 1)],
        "volumes": [_volume(tag, i) for i in range(1, VOLUMES_PER_PROJECT + 1)],
        "sfs_turbos": [_item(f"turbo-{tag}-{i:02d}", i, 500) for i in range(1, TURBOS_PER_PROJECT + 1)],
        "desktops": [
            _item(f"desktop-{tag}-{i:02d}", i, 80, "ACTIVE") for i in range(1, DESKTOPS_PER_PROJECT + 1)
        ],
    }


def _server(tag: str, i: int) -> dict[str, Any]:
    """An ECS with a system disk and a data disk of its own size; every fifth is shut off."""
    name = f"ecs-{tag}-{i:02d}"
    return {
        "id": stable_id(name),
        "name": name,
        "az": _az(i),
        "status": "SHUTOFF" if i % 5 == 0 else "ACTIVE",
        "volumes": [
            {"id": stable_id(f"{name}-sys"), "name": f"{name}-sys", "size": 40, "bootable": True},
            {"id": stable_id(f"{name}-data"), "name": f"{name}-data", "size": 10 * i, "bootable": False},
        ],
    }


def _bare_metal(tag: str, i: int) -> dict[str, Any]:
    name = f"bms-{tag}-{i:02d}"
    return {
        "id": stable_id(name),
        "name": name,
        "az": _az(i),
        "status": "ACTIVE",
        "volumes": [{"id": stable_id(f"{name}-sys"), "name": f"{name}-sys", "size": 100, "bootable": True}],
    }


def _volume(tag: str, i: int) -> dict[str, Any]:
    """A standalone EVS disk, each a size of its own."""
    name = f"evs-{tag}-{i:02d}"
    return {
        "id": stable_id(name),
        "name": name,
        "az": _az(i),
        "size": 20 + 5 * i,
        "status": "available",
        "bootable": False,
    }


def _item(name: str, i: int, size: int, status: str = "available") -> dict[str, Any]:
    """An SFS Turbo file system or a desktop: nothing but its size and status."""
    return {"id": stable_id(name), "name": name, "az": _az(i), "size": size, "status": status}


def default_inventory() -> dict[str, Any]:
    return {"projects": {PROJECT_A: _project("a"), PROJECT_B: _project("b")}}
