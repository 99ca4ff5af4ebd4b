"""A leased resource that another client holds in a vault of its own is set aside, not judged."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from cbr_conformance.contract.codes import IN_ANOTHER_VAULT
from cbr_conformance.contract.resource_types import VOLUME
from cbr_conformance.paths import fixtures_dir
from cbr_conformance.resources.inventory import Inventory, InventoryResource
from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.lifecycle import Cleanups
from cbr_conformance.target.workspace import Workspace

from .fake_target import Canned, FakeTarget, Seen

HELD = {"error_code": IN_ANOTHER_VAULT, "error_msg": "The resource has been associated with a vault."}


def _volumes(count: int) -> Inventory:
    return Inventory([InventoryResource(f"disk-{i}", f"disk-{i}", VOLUME) for i in range(count)])


def _made() -> Any:
    path = fixtures_dir() / "reference-examples" / "create_vault.response.200.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _resources(client: CBRClient, inventory: Inventory) -> Resources:
    return Resources(client, inventory, "cbrc-test", Cleanups(1.0, 0.1), max_wait=1.0, poll_interval=0.1)


def test_a_resource_held_elsewhere_is_replaced_and_never_leased_again(
    client: CBRClient, fake: FakeTarget
) -> None:
    def answer(seen: Seen) -> Canned:
        held = seen.method == "POST" and b"disk-0" in seen.body
        return (
            Canned.json(400, {**HELD, "error_msg": HELD["error_msg"] + " disk-0"})
            if held
            else Canned.json(200, _made())
        )

    fake.responder = answer
    inventory = _volumes(3)
    resources = _resources(client, inventory)
    volumes = [resources.lease(VOLUME)]
    resources.vault("disk", volumes)
    assert [v.id for v in volumes] == ["disk-1"]  # the caller's list names what the vault holds
    resources.cleanups.run()
    leased = [inventory.lease(VOLUME).id, inventory.lease(VOLUME).id]
    assert "disk-0" not in leased  # set aside for the rest of the run, not released


def test_a_resource_held_every_time_fails_with_the_targets_answer(
    client: CBRClient, fake: FakeTarget
) -> None:
    fake.answer = Canned.json(400, HELD)
    resources = _resources(client, _volumes(5))
    with pytest.raises(AssertionError, match=f"create_vault answered 400.*{IN_ANOTHER_VAULT}"):
        resources.vault("disk", [resources.lease(VOLUME)])


def test_a_resource_held_elsewhere_is_replaced_when_added_to_a_vault(
    client: CBRClient, fake: FakeTarget
) -> None:
    def answer(seen: Seen) -> Canned:
        held = seen.method == "POST" and b"disk-0" in seen.body
        added = {"add_resource_ids": ["disk-1"]}
        return (
            Canned.json(400, {**HELD, "error_msg": HELD["error_msg"] + " disk-0"})
            if held
            else Canned.json(200, added)
        )

    fake.responder = answer
    resources = _resources(client, _volumes(3))
    volumes = [resources.lease(VOLUME)]
    response = resources.add_resources("vault-1", volumes)
    assert (response.status, [v.id for v in volumes]) == (200, ["disk-1"])
    assert "/vaults/vault-1/addresources" in fake.seen[-1].path


def test_another_refusal_of_an_added_resource_is_left_to_the_test(
    client: CBRClient, fake: FakeTarget
) -> None:
    fake.answer = Canned.json(404, {"error_code": "BackupService.6105", "error_msg": "vault not found"})
    resources = _resources(client, _volumes(2))
    volumes = [resources.lease(VOLUME)]
    assert resources.add_resources("vault-1", volumes).status == 404
    assert [v.id for v in volumes] == ["disk-0"] and len(fake.seen) == 1


def test_the_time_spent_waiting_for_another_workers_resource_is_counted(tmp_path: Any) -> None:
    """Two workers' inventories of one disk: the second waits until the first gives it back."""
    path = tmp_path / "inventory.json"
    disk = {"id": "only-disk", "name": "d", "size": 10}
    path.write_text(json.dumps({"projects": {"p": {"volumes": [disk]}}}))
    workspaces = Workspace(), Workspace()
    first, second = (
        Inventory.load(path, "p", lock_dir=tmp_path / "locks", wait=5, workspace=w) for w in workspaces
    )
    held = first.lease(VOLUME)
    giver = threading.Timer(0.6, first.release, args=[held])
    giver.start()
    try:
        assert second.lease(VOLUME).id == "only-disk"
    finally:
        giver.join()
    assert 0.5 <= workspaces[1].lease_waits < 3, workspaces[1].lease_waits
    assert workspaces[0].lease_waits < 0.5  # the first found it free
