"""The state a valid fuzz case needs is set up whatever the cases before it left under way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cbr_conformance.contract.resource_types import SERVER
from cbr_conformance.contract.service_rules import RealIds, shape
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.preconditions import Stage, arrange
from cbr_conformance.paths import fixtures_dir
from cbr_conformance.resources.inventory import Inventory
from cbr_conformance.resources.provision import Resources
from cbr_conformance.settings.config import SuiteConfig
from cbr_conformance.target.client import CBRClient, client_for
from cbr_conformance.target.lifecycle import Cleanups
from cbr_emulator.defaults import DEFAULT_CREDENTIALS
from cbr_emulator.server import EmulatorServer


@contextmanager
def _stage(async_delay: float) -> Iterator[Stage]:
    """A vault with a server and its backup, on an emulator whose backups take `async_delay` s."""
    first = DEFAULT_CREDENTIALS[0]
    with EmulatorServer(async_delay=async_delay) as emulator:
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


@pytest.fixture
def stage() -> Iterator[Stage]:
    with _stage(0.5) as made:
        yield made


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


def test_a_case_whose_set_up_outlasts_the_time_budget_is_not_sent() -> None:
    """On a slow target the set-up of a case takes seconds: once it has run past the budget the case
    is not sent, so that the test does not then wait for the backup that case would start."""
    from cbr_conformance.generation.fuzzing import fuzz_operation

    with _stage(3.0) as stage:  # the first case is sent within 1.5 s, the next set up 3 s later
        tally = fuzz_operation(
            stage.client, "create_checkpoint", "positive", stage.ids, examples=5, seed=1, seconds=1.5,
            stage=stage,
        )  # fmt: skip
        assert tally.sent == 1, tally.answers
        assert not stage.backing_up  # nothing left under way for the test's end to wait for


def test_the_spare_server_is_leased_when_a_case_first_moves_it() -> None:
    leased: list[str] = []

    def lease() -> dict[str, str]:
        leased.append("server")
        return {"id": "spare-server", "type": SERVER}

    ids = RealIds({"vault_id": "v"}, lease_spare=lease)
    assert not leased  # a stage whose cases never move a resource holds none of the inventory
    body: dict[str, object] = {}
    assert shape("add_vault_resources", body, ids, "n")
    assert body["resources"] == [{"id": "spare-server", "type": SERVER}]
    assert shape("remove_vault_resources", {}, ids, "n")
    assert leased == ["server"]  # once, then kept for the stage's other cases


def test_no_free_spare_leaves_the_case_unshaped() -> None:
    ids = RealIds({"vault_id": "v"}, lease_spare=lambda: None)
    assert not shape("add_vault_resources", {}, ids, "n")
