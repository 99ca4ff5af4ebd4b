"""The resources of the target that the suite may back up, and their leasing between tests.

The file has the emulator's inventory shape: {"projects": {"<project id>": {"servers": [...],
"volumes": [...], "bare_metal_servers": [...], "sfs_turbos": [...]}}}. A resource belongs to one
vault at a time, so each test leases what it puts in a vault and gives it back at cleanup; under
pytest-xdist each worker leases from its own share of a shared target.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cbr_conformance.contract.resource_types import OBJECT_TYPE, SECTIONS
from cbr_conformance.target.workspace import Workspace


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
    """Every resource of the type is leased, or the inventory has none: the kind, and whether it
    had to be a restore target, say what to add to the inventory; `total` is how many it lists."""

    def __init__(self, resource_type: str, *, restore_target: bool = False, total: int = 0) -> None:
        self.resource_type = resource_type
        self.restore_target = restore_target
        self.total = total
        if restore_target:
            message = (
                f'no free {resource_type} of the inventory is marked "restore_target": true '
                "(a scratch resource the suite may overwrite by restoring onto it)"
            )
        elif total:
            message = f"no free {resource_type} in the inventory ({total} configured, all in use)"
        else:
            message = f"the inventory has no {resource_type}; list some in the inventory file (--inventory)"
        super().__init__(message)


class Inventory:
    """The resources a test may lease. With `lock_dir`, leases hold across processes (the run's
    xdist workers share one target's inventory): a lease is an exclusive lock on a file named
    after the resource, which the system frees if the worker dies; a test whose resources are all
    leased elsewhere waits up to `wait` seconds for one, counted in the run's `workspace`: a test's
    measured duration less its waits is what it takes by itself (plugin/schedule.py plans the next
    run by it; a test kept waiting at the start of one run is not handed out first in the next)."""

    def __init__(
        self,
        resources: list[InventoryResource],
        lock_dir: Path | None = None,
        wait: float = 0.0,
        workspace: Workspace | None = None,
    ) -> None:
        self.workspace = workspace or Workspace()
        self.resources = resources
        self._free = list(resources)
        self._aside: set[str] = set()  # ids of resources held elsewhere: never leased again
        self.lock_dir = lock_dir
        self.wait = wait
        self._locks: dict[str, int] = {}
        if lock_dir is not None:
            lock_dir.mkdir(parents=True, exist_ok=True)

    @classmethod
    def load(
        cls,
        path: Path,
        project_id: str,
        worker: int = 0,
        workers: int = 1,
        *,
        all_restore_targets: bool = False,
        lock_dir: Path | None = None,
        wait: float = 0.0,
        workspace: Workspace | None = None,
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
        return cls(share, lock_dir, wait, workspace)

    @classmethod
    def empty(cls) -> Inventory:
        return cls([])

    def count(self, resource_type: str) -> int:
        return sum(1 for r in self.resources if r.type == resource_type)

    def lease(self, resource_type: str, *, restore_target: bool = False) -> InventoryResource:
        """A free resource of the type; with `restore_target`, one the user lets backups be
        restored onto."""
        began = time.monotonic()
        deadline = began + self.wait
        try:
            while True:
                candidates = [
                    r
                    for r in self._free
                    if r.type == resource_type and (r.restore_target or not restore_target)
                ]
                for resource in candidates:
                    if self._lock(resource):
                        self._free.remove(resource)
                        return resource
                if not candidates or time.monotonic() >= deadline:
                    break
                time.sleep(0.2)  # every candidate is leased by another worker: one will come back
        finally:
            self.workspace.lease_waits += time.monotonic() - began
        raise NoResourceAvailable(
            resource_type, restore_target=restore_target, total=self.count(resource_type)
        )

    def release(self, resource: InventoryResource) -> None:
        if resource in self.resources and resource not in self._free and resource.id not in self._aside:
            self._unlock(resource)
            self._free.append(resource)

    def set_aside(self, resource: InventoryResource) -> None:
        """Keep a leased resource out of use for the rest of the run (it is held elsewhere, e.g. in
        another client's vault): it stays locked, so no worker leases it again."""
        self._aside.add(resource.id)

    def _lock(self, resource: InventoryResource) -> bool:
        if self.lock_dir is None:
            return True
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", resource.id)
        self.lock_dir.mkdir(parents=True, exist_ok=True)  # made again if a sweep of /tmp took it
        fd = os.open(self.lock_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._locks[resource.id] = fd
        return True

    def _unlock(self, resource: InventoryResource) -> None:
        fd = self._locks.pop(resource.id, None)
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
