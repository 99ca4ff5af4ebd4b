"""Creating the resources a test needs, and always deleting them again.

Tempest's rule: a cleanup is registered the moment a resource exists, so a failing test still
leaves nothing behind. Cleanups run last-in first-out and never hide the test's own failure.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from cbr_conformance.contract.codes import IN_ANOTHER_VAULT
from cbr_conformance.contract.resource_types import SERVER
from cbr_conformance.outcome import Why, not_tested
from cbr_conformance.resources.inventory import Inventory, InventoryResource, NoResourceAvailable
from cbr_conformance.target.client import CBRClient, Response
from cbr_conformance.target.lifecycle import DELETED_BY, Cleanups
from cbr_conformance.target.made import Made
from cbr_conformance.target.waiters import timing_dependent_answers, wait_for
from cbr_conformance.testkit import bodies
from cbr_conformance.testkit.expect import expect_status

DAILY_PATTERN = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00"
BACKUP_DONE = {"available"}
BACKUP_FAILED = {"error"}
_REPLACEMENTS = 3  # resources found in another vault before a create_vault is judged as it is


_PROCESS = uuid.uuid4().hex[:4]  # one per worker process: names stay unique across workers
_NAMES = itertools.count(1)


def new_run_prefix(run_id: str | None = None) -> str:
    """A short prefix that marks everything one run creates (policy names allow [A-Za-z0-9_-])."""
    return f"cbrc-{(run_id or uuid.uuid4().hex)[:8]}"


class UndeclaredNeed(AssertionError):
    """A test leased a resource its `cbr` marker does not declare (needs=, restores=): a defect of
    the test, which would make the preflight and `cbr-conformance inventory` wrong."""


def check_declared(
    needs: Mapping[str, int] | None, restores: bool, resource_type: str, held: int, *, restore_target: bool
) -> None:
    """Raise `UndeclaredNeed` unless the declaration allows one more `resource_type` (with `held`
    held already), onto which the test restores when `restore_target`. None declares nothing."""
    if needs is None:
        return
    declared = dict(needs)
    if held + 1 > declared.get(resource_type, 0) or (restore_target and not restores):
        what = f"{held + 1} {resource_type}" + (" to restore onto" if restore_target else "")
        raise UndeclaredNeed(
            f"the test holds {what} at once, but its cbr marker declares needs={declared}"
            f"{', restores=True' if restores else ''} (a defect of the test: declare what it leases)"
        )


def _held_elsewhere(status: int | None, body: str) -> bool:
    """A vault refused because a leased resource is in another vault (6103)."""
    return status == 400 and IN_ANOTHER_VAULT in body


class Resources:
    """Factory of vaults, policies and backups for one test. What they make is deleted by the
    test's `Cleanups`, registered by the client the moment a response says it exists. `needs`
    and `restores`: what the test's marker declares it leases (None: a fixture's, unchecked)."""

    def __init__(
        self,
        client: CBRClient,
        inventory: Inventory,
        prefix: str,
        cleanups: Cleanups,
        *,
        max_wait: float,
        poll_interval: float,
        read_only: bool = False,
        needs: Mapping[str, int] | None = None,
        restores: bool = False,
    ) -> None:
        self.client = client
        self.needs = needs
        self.restores = restores
        self._holding: dict[str, str] = {}  # the leased resources it still holds: id -> type
        self._restoring: set[str] = set()  # of those, the ones leased to be restored onto
        self.read_only = read_only
        self.inventory = inventory
        self.prefix = prefix
        self.cleanups = cleanups
        self.max_wait = max_wait
        self.poll_interval = poll_interval

    # --- naming and cleanup -------------------------------------------------------------------

    def name(self, purpose: str) -> str:
        """A name no other test, worker or run uses: on a shared target a name filter must find
        this resource alone."""
        return f"{self.prefix}-{purpose}-{_PROCESS}{next(_NAMES)}"[:64]

    def _may_create(self, what: str) -> None:
        # A safety net under the collection filter: a read-only run never writes to the target.
        if self.read_only:
            raise AssertionError(f"read-only run: refusing to create {what}")

    def add_cleanup(self, description: str, action: Callable[[], object]) -> None:
        """A step of the test's own to undo at the end (stop a share, return a lease)."""
        self.cleanups.add(description, action)

    def delete_later(self, operation_id: str, **path: str) -> None:
        """Register the deletion of something the client cannot see being made (e.g. a backup a
        policy made); it is deleted like the rest, and waited for."""
        kind = DELETED_BY[operation_id]
        made = Made(self.client.project_id, kind, "/".join(path.values()), "", operation_id, path)
        self.cleanups.born(made, self.client)

    # --- inventory ----------------------------------------------------------------------------

    def lease(self, resource_type: str = SERVER, *, restore_target: bool = False) -> InventoryResource:
        """A free resource of the inventory; when none is, the test is not tested, naming the kind
        to add. `restore_target`: one the test may restore a backup onto (which overwrites it).
        Only what the test's marker declares (`check_declared`)."""
        held = sum(1 for kind in self._holding.values() if kind == resource_type)
        check_declared(self.needs, self.restores, resource_type, held, restore_target=restore_target)
        if restore_target and not self.client.allow_restore:
            not_tested(
                Why.OPT_IN,
                "restoring overwrites the resource restored onto: needs --allow-restore "
                '(CBR_ALLOW_RESTORE) and inventory resources marked "restore_target": true',
            )
        try:
            resource = self.inventory.lease(resource_type, restore_target=restore_target)
        except NoResourceAvailable as exc:  # chained: resources/run_shared.py reads the kind from it
            not_tested(Why.INVENTORY, str(exc))
        self._holding[resource.id] = resource.type
        if restore_target:
            self._restoring.add(resource.id)

        def release() -> None:
            self._holding.pop(resource.id, None)
            self._restoring.discard(resource.id)
            self.inventory.release(resource)

        self.add_cleanup(f"release {resource.id}", release)
        return resource

    # --- vaults -------------------------------------------------------------------------------

    def vault_body(
        self, object_type: str = "server", resources: list[InventoryResource] | None = None, **fields: Any
    ) -> dict[str, Any]:
        name = fields.pop("name", None) or self.name("vault")
        listed = [r.as_vault_resource() for r in resources or []]
        return bodies.vault_body(name, object_type, listed, **fields)

    def vault(
        self, object_type: str = "server", resources: list[InventoryResource] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """A new vault of the leased `resources`. On a shared target another client may have put a
        leased resource in a vault of its own (or a vault of an earlier test outlived its cleanup):
        that resource is set aside for the rest of the run and another is leased in its place, in
        the caller's list, since a resource can be in one vault only (6103) and that is no fault
        of the target."""
        self._may_create("a vault")
        for _ in range(_REPLACEMENTS):
            body = self.vault_body(object_type, resources, **fields.copy())
            with timing_dependent_answers(_held_elsewhere):  # whether it is, is the run's order
                response = self.client.call("create_vault", json_body=body)
            if response.status == 400 and response.error_code == IN_ANOTHER_VAULT and resources:
                self._replace_held(resources, response.exchange.response_text)
                continue
            break
        assert response.status == 200, (
            f"create_vault answered {response.status}: {response.exchange.response_text}"
        )
        vault: dict[str, Any] = response.json()["vault"]
        return vault

    def add_resources(self, vault_id: str, resources: list[InventoryResource]) -> Response:
        """`add_vault_resources` of the leased `resources`, answered. A resource another client
        holds in a vault of its own (6103) is replaced as `vault` does; any other answer is the
        caller's to judge."""
        for _ in range(_REPLACEMENTS):
            body = {"resources": [r.as_vault_resource() for r in resources]}
            path = {"vault_id": vault_id}
            with timing_dependent_answers(_held_elsewhere):
                response = self.client.call("add_vault_resources", path=path, json_body=body)
            if response.status == 400 and response.error_code == IN_ANOTHER_VAULT:
                self._replace_held(resources, response.exchange.response_text)
                continue
            break
        return response

    def _replace_held(self, resources: list[InventoryResource], answer: str) -> None:
        """Set aside the resources the answer names (all of them if it names none), leasing others."""
        named = [r for r in resources if r.id in answer] or list(resources)
        for resource in named:
            self.inventory.set_aside(resource)
            self._holding.pop(resource.id, None)
            # as the test asked for it: a resource the inventory lets be restored onto may have
            # been leased for a test that restores nothing
            asked = resource.id in self._restoring
            self._restoring.discard(resource.id)
            replacement = self.lease(resource.type, restore_target=asked)
            resources[resources.index(resource)] = replacement

    def vault_with_resource(
        self, resource_type: str = SERVER, *, for_restore: bool = False
    ) -> tuple[dict[str, Any], InventoryResource]:
        resources = [self.lease(resource_type, restore_target=for_restore)]
        vault = self.vault(resources[0].object_type, resources)
        return vault, resources[0]

    # --- policies -----------------------------------------------------------------------------

    def policy_body(self, **fields: Any) -> dict[str, Any]:
        policy: dict[str, Any] = {
            "name": self.name("policy"),
            "operation_type": "backup",
            "enabled": False,  # a policy that fires mid-run would add backups nobody asked for
            "operation_definition": {"retention_duration_days": 30},
            "trigger": {"properties": {"pattern": [DAILY_PATTERN]}},
        }
        policy.update(fields)
        return {"policy": policy}

    def policy(self, **fields: Any) -> dict[str, Any]:
        self._may_create("a policy")
        response = self.client.call("create_policy", json_body=self.policy_body(**fields))
        assert response.status == 200, (
            f"create_policy answered {response.status}: {response.exchange.response_text}"
        )
        policy: dict[str, Any] = response.json()["policy"]
        return policy

    # --- restore points and backups -----------------------------------------------------------

    def checkpoint(self, vault_id: str, **parameters: Any) -> dict[str, Any]:
        self._may_create("a restore point")
        body = bodies.checkpoint_body(vault_id, **parameters)
        response = self.client.call("create_checkpoint", json_body=body)
        assert response.status == 200, (
            f"create_checkpoint answered {response.status}: {response.exchange.response_text}"
        )
        checkpoint: dict[str, Any] = response.json()["checkpoint"]
        return checkpoint

    def wait_checkpoint(self, checkpoint_id: str) -> dict[str, Any]:
        def fetch() -> dict[str, Any]:
            response = self.client.call("show_checkpoint", path={"checkpoint_id": checkpoint_id})
            body: dict[str, Any] = expect_status(response, 200)
            return body["checkpoint"]  # type: ignore[no-any-return]

        return wait_for(
            fetch,
            lambda c: c["status"] == "available",
            failed=lambda c: c["status"] == "error",
            what=f"restore point {checkpoint_id} to become available",
            timeout=self.max_wait,
            interval=self.poll_interval,
            workspace=self.client.workspace,
            describe=lambda c: f"status {c['status']!r}",
            state=lambda c: str(c["status"]),
        )

    def backups_of(self, checkpoint_id: str) -> list[dict[str, Any]]:
        response = self.client.call("list_backups", query={"checkpoint_id": checkpoint_id})
        return list(response.json()["backups"])

    def backup(self, vault_id: str, **parameters: Any) -> dict[str, Any]:
        """Back up the vault, wait until done, and return the (first top-level) backup made."""
        checkpoint = self.checkpoint(vault_id, **parameters)
        self.wait_checkpoint(checkpoint["id"])
        backups = [b for b in self.backups_of(checkpoint["id"]) if not b.get("parent_id")]
        assert backups, f"restore point {checkpoint['id']} is available but lists no backup"
        return self.wait_backup(backups[0]["id"])

    def wait_backup(self, backup_id: str, done: set[str] = BACKUP_DONE) -> dict[str, Any]:
        def fetch() -> dict[str, Any]:
            body: dict[str, Any] = expect_status(
                self.client.call("show_backup", path={"backup_id": backup_id}), 200
            )
            return body["backup"]  # type: ignore[no-any-return]

        return wait_for(
            fetch,
            lambda b: b["status"] in done,
            failed=lambda b: b["status"] in BACKUP_FAILED,
            what=f"backup {backup_id} to reach {sorted(done)}",
            timeout=self.max_wait,
            interval=self.poll_interval,
            workspace=self.client.workspace,
            describe=lambda b: f"status {b['status']!r}",
            state=lambda b: str(b["status"]),
        )
