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
    servers = []
    for i in range(1, SERVERS_PER_PROJECT + 1):
        name = f"ecs-{tag}-{i:02d}"
        servers.append(
            {
                "id": stable_id(name),
                "name": name,
                "az": _az(i),
                "status": "SHUTOFF" if i % 5 == 0 else "ACTIVE",
                "volumes": [
                    {"id": stable_id(f"{name}-sys"), "name": f"{name}-sys", "size": 40, "bootable": True},
                    {
                        "id": stable_id(f"{name}-data"),
                        "name": f"{name}-data",
                        "size": 10 * i,
                        "bootable": False,
                    },
                ],
            }
        )
    bare_metal = []
    for i in range(1, BMS_PER_PROJECT + 1):
        name = f"bms-{tag}-{i:02d}"
        bare_metal.append(
            {
                "id": stable_id(name),
                "name": name,
                "az": _az(i),
                "status": "ACTIVE",
                "volumes": [
                    {"id": stable_id(f"{name}-sys"), "name": f"{name}-sys", "size": 100, "bootable": True}
                ],
            }
        )
    volumes = []
    for i in range(1, VOLUMES_PER_PROJECT + 1):
        name = f"evs-{tag}-{i:02d}"
        volumes.append(
            {
                "id": stable_id(name),
                "name": name,
                "az": _az(i),
                "size": 20 + 5 * i,
                "status": "available",
                "bootable": False,
            }
        )
    turbos = []
    for i in range(1, TURBOS_PER_PROJECT + 1):
        name = f"turbo-{tag}-{i:02d}"
        turbos.append({"id": stable_id(name), "name": name, "az": _az(i), "size": 500, "status": "available"})
    desktops = []
    for i in range(1, DESKTOPS_PER_PROJECT + 1):
        name = f"desktop-{tag}-{i:02d}"
        desktops.append({"id": stable_id(name), "name": name, "az": _az(i), "size": 80, "status": "ACTIVE"})
    return {
        "servers": servers,
        "bare_metal_servers": bare_metal,
        "volumes": volumes,
        "sfs_turbos": turbos,
        "desktops": desktops,
    }


def default_inventory() -> dict[str, Any]:
    return {"projects": {PROJECT_A: _project("a"), PROJECT_B: _project("b")}}
