"""Backups that read-only tests share: one of a server, one of a disk, made once for the run
(resources/run_shared.py). A test that changes a backup, or whose target might (a refusal it checks), makes
its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.resources.provision import Resources, check_declared
from cbr_conformance.resources.run_shared import RunShared
from cbr_conformance.target.creations import check_created
from cbr_conformance.testkit.bodies import DEFAULT_VAULT_SIZE

SHARED_DESCRIPTION = "made once for the run's read-only tests"
# What each shared backup is made of, for run --plan: a vault of the resource, backed up once.
SHARED_CREATES = {
    SERVER: {"vault": 1, "gb": DEFAULT_VAULT_SIZE, "server_backup": 1},
    VOLUME: {"vault": 1, "gb": DEFAULT_VAULT_SIZE, "disk_backup": 1},
}


@dataclass(frozen=True)
class SharedBackup:
    vault: dict[str, Any]
    resource: dict[str, Any]  # the inventory's resource backed up: id, name, type, volumes
    backup: dict[str, Any]  # the (top-level) backup, available
    name: str  # the name and description it was made with
    description: str


class SharedBackups:
    """`needs`: what the test reading them declares (its marker's needs=); None: unchecked."""

    def __init__(
        self, shared: RunShared, resources: Resources, needs: Mapping[str, int] | None = None
    ) -> None:
        self.shared = shared
        self.resources = resources
        self.needs = needs

    def for_test(self, needs: Mapping[str, int] | None) -> SharedBackups:
        """The same shared backups, read by a test that declares `needs`."""
        return SharedBackups(self.shared, self.resources, needs)

    def server(self) -> SharedBackup:
        """A vault holding one server, backed up once (with its disks' backups as children)."""
        return self._get(SERVER)

    def disk(self) -> SharedBackup:
        """A disk vault holding one disk, backed up once with a name and a description."""
        return self._get(VOLUME)

    def _get(self, resource_type: str) -> SharedBackup:
        check_declared(self.needs, False, resource_type, 0, restore_target=False)
        return SharedBackup(**self.shared.get(f"{resource_type}-backup", lambda: self._make(resource_type)))

    def _make(self, resource_type: str) -> dict[str, Any]:
        before = Counter(self.resources.cleanups.created)
        vault, resource = self.resources.vault_with_resource(resource_type)
        name = self.resources.name("shared-backup")
        backup = self.resources.backup(vault["id"], name=name, description=SHARED_DESCRIPTION)
        check_created(SHARED_CREATES[resource_type], self.resources.cleanups.created - before)
        leased = {**resource.as_vault_resource(), "volumes": list(resource.volumes)}
        return {
            "vault": vault,
            "resource": leased,
            "backup": backup,
            "name": name,
            "description": SHARED_DESCRIPTION,
        }
