"""The state a valid fuzz case needs is set up whatever the cases before it left under way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cbr_conformance.client import CBRClient, client_for
from cbr_conformance.config import SuiteConfig
from cbr_conformance.contract import Contract
from cbr_conformance.inventory import SERVER, Inventory
from cbr_conformance.lifecycle import Cleanups
from cbr_conformance.paths import fixtures_dir
from cbr_conformance.preconditions import Stage, arrange
from cbr_conformance.resources import Resources
from cbr_conformance.service_rules import RealIds
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.server import EmulatorServer


@pytest.fixture
def stage() -> Iterator[Stage]:
    """A vault with a server and its backup, on an emulator whose backups take half a second."""
    first = DEFAULT_CREDENTIALS[0]
    with EmulatorServer(async_delay=0.5) as emulator:
        config = SuiteConfig(
            target_url=emulator.url,
            project_id=first.project_id,
            ak=first.access_keys[0].ak,
            sk=first.access_keys[0].sk,
            poll_interval=0.02,
            max_wait=10,
        )
        client = client_for(config, Contract.load())
        inventory = Inventory.load(fixtures_dir() / "inventory.json", first.project_id)
        resources = Resources(
            client, inventory, "cbrc-pre", Cleanups(10, 0.02), max_wait=10, poll_interval=0.02
        )
        vault, _ = resources.vault_with_resource(SERVER)
        backup = resources.backup(vault["id"])
        ids = RealIds({"vault_id": vault["id"], "backup_id": backup["id"]})
        yield Stage(client, ids, resources)


def _start_a_backup(stage: Stage) -> None:
    """What a valid create_checkpoint case leaves: a backup of the vault under way."""
    client: CBRClient = stage.client
    body = {"checkpoint": {"parameters": {}, "vault_id": stage.ids.values["vault_id"]}}
    response = client.call("create_checkpoint", json_body=body)
    assert response.status == 200, response.exchange.response_text
    stage.answered("create_checkpoint", response)


def test_a_fresh_backup_waits_for_the_backup_a_case_left_under_way(stage: Stage) -> None:
    _start_a_backup(stage)
    made = arrange("delete_backup", stage)  # backing up the busy server again would skip it (0001)
    assert made["backup_id"] != stage.ids.values["backup_id"]
    assert not stage.backing_up


def test_a_restore_waits_for_the_backup_a_case_left_under_way(stage: Stage) -> None:
    _start_a_backup(stage)
    arrange("restore_backup", stage)
    assert not stage.backing_up
    server = stage.client.call("list_backups", query={"vault_id": stage.ids.values["vault_id"]})
    assert {b["status"] for b in server.json()["backups"]} == {"available"}
