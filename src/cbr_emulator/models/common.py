"""What every model function receives (a Session) and small shared helpers."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cbr_emulator import errors
from cbr_emulator.clock import format_timestamp
from cbr_emulator.models.inventory import BMS, DESKTOP, SERVER, TURBO, VOLUME, Inventory
from cbr_emulator.store import Tx

# provider_id: "ID of the vault resource type". The server and disk ones are those of the
# reference's examples; the SFS Turbo one is the emulator's own (the reference shows none).
SERVER_PROVIDER = "0daac4c5-6707-4851-97ba-169e36266b66"
DISK_PROVIDER = "d1603440-187d-4516-af25-121250c7cc97"
TURBO_PROVIDER = "3f3c3220-245c-4805-b811-758870015881"  # the live service's (ap-southeast-1, 2025)
DESKTOP_PROVIDER = "3b5b9e0e-6d1f-4f5e-8c1a-9e2d7c0ffee8"
# The SDK's other kinds of vault (BillingCreate.object_type): created and listed like the others,
# with provider ids of the emulator's own; the inventory has no resource they take (6102).
VMWARE_PROVIDER = "5e0c7a41-2b8d-4c5e-9a3f-1d6b7c0ffee9"
RDS_PROVIDER = "8a2f6d13-4c7e-4b1a-b5d9-3e0f7c0ffeea"
FILE_PROVIDER = "c4d8e2b6-7f1a-4e3c-8d5b-9a6e1c0ffeeb"
PROVIDER_BY_OBJECT_TYPE = {
    "server": SERVER_PROVIDER,
    "disk": DISK_PROVIDER,
    "turbo": TURBO_PROVIDER,
    "workspace": DESKTOP_PROVIDER,
    "vmware": VMWARE_PROVIDER,
    "rds": RDS_PROVIDER,
    "file": FILE_PROVIDER,
}
OBJECT_TYPE_RESOURCES: dict[str, tuple[str, ...]] = {
    "server": (SERVER, BMS),
    "disk": (VOLUME,),
    "turbo": (TURBO,),
    "workspace": (DESKTOP,),
    "vmware": (),
    "rds": (),
    "file": (),
}
PROVIDER_BY_RESOURCE_TYPE = {
    resource_type: PROVIDER_BY_OBJECT_TYPE[object_type]
    for object_type, resource_types in OBJECT_TYPE_RESOURCES.items()
    for resource_type in resource_types
}
SPEC_CODES = {
    "server": "vault.backup.server.normal",
    "disk": "vault.backup.volume.normal",
    "turbo": "vault.backup.turbo.normal",
    "workspace": "vault.backup.workspace.normal",
    "vmware": "vault.backup.vmware.normal",
    "rds": "vault.backup.database.normal",
    "file": "vault.backup.file.normal",
}


@dataclass(frozen=True)
class Session:
    """One transaction's view of the world, at one instant of the virtual clock."""

    tx: Tx
    now: datetime
    inventory: Inventory
    async_delay: float
    # project id -> user id, for every project the emulator knows (credentials and inventory)
    projects: Mapping[str, str]

    @property
    def ts(self) -> str:
        return format_timestamp(self.now)

    def due_ts(self) -> str:
        return format_timestamp(self.now + timedelta(seconds=self.async_delay))

    def at(self, moment: datetime) -> Session:
        return replace(self, now=moment)

    def user_id(self, project_id: str) -> str:
        return self.projects.get(project_id, project_id)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=False)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def new_id() -> str:
    return str(uuid.uuid4())


def short_suffix() -> str:
    """The 4 hex characters of default backup names (manualbk_1a2b)."""
    return secrets.token_hex(2)


def page(total: int, limit: int, offset: int) -> dict[str, int]:
    return {"count": total, "limit": limit, "offset": offset}


def select_page(
    tx: Tx,
    source: str,
    clause: str,
    params: list[Any],
    order: str,
    *,
    limit: int,
    offset: int,
    marker: str | None,
    what: str,
) -> tuple[int, list[Any]]:
    """The total of a filtered listing and one page of its rows; `source` is `table [alias]`.

    A marker (the id of the last row of the previous page) moves the start past that row; the
    offset then counts from there. An unknown marker is a bad parameter.
    """
    alias = source.split()[-1]
    total = int(tx.scalar(f"SELECT COUNT(*) FROM {source} WHERE {clause}", params))
    start = offset
    if marker is not None:
        position = tx.scalar(
            f"SELECT rn FROM (SELECT {alias}.id, ROW_NUMBER() OVER (ORDER BY {order}) AS rn "
            f"FROM {source} WHERE {clause}) WHERE id = ?",
            [*params, marker],
        )
        if position is None:
            raise errors.invalid_parameter(f"marker {marker} is not {what} of this listing")
        start += int(position)
    rows = tx.all(
        f"SELECT {alias}.* FROM {source} WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, start],
    )
    return total, rows
