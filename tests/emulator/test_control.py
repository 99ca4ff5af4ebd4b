"""The control API under /_emulator (no authentication)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from cbr_emulator.app import create_app
from cbr_emulator.config import Settings
from cbr_emulator.defaults import PROJECT_A
from cbr_emulator.models.inventory_default import default_inventory
from tests.emulator.helpers import SERVER, Api, Control, assert_error, resource


def test_health(client: TestClient) -> None:
    answer = client.get("/_emulator/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and len(answer.json()["now"]) == 26


def test_clock_advances_and_never_goes_back(client: TestClient, control: Control) -> None:
    before = client.get("/_emulator/clock").json()
    assert before["offset_seconds"] == 0
    after = control.advance(86400)
    assert after["offset_seconds"] == 86400 and after["now"] > before["now"]
    for body in [{"seconds": -1}, {"seconds": "10"}, {"seconds": True}, {}, [], {"seconds": 1e12}]:
        answer = client.post("/_emulator/clock/advance", json=body)
        assert answer.status_code == 400 and answer.json()["error_code"] == "Emulator.0400"
    assert client.post("/_emulator/clock/advance", content=b"oops").status_code == 400


def test_timestamps_follow_the_virtual_clock(api_a: Api, control: Control) -> None:
    control.advance(400 * 86400)
    vault = api_a.create_vault()
    now = api_a.client.request("GET", "/_emulator/clock").json()["now"]
    assert vault["created_at"][:10] == now[:10]


def test_async_delay_can_be_changed(client: TestClient, api_a: Api) -> None:
    assert client.put("/_emulator/async-delay", json={"seconds": 0}).json() == {"seconds": 0}
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 0)])
    answer = api_a.post("/checkpoints", json={"checkpoint": {"vault_id": vault["id"]}})
    checkpoint_id = answer.json()["checkpoint"]["id"]
    assert api_a.get(f"/checkpoints/{checkpoint_id}").json()["checkpoint"]["status"] == "available"
    assert client.put("/_emulator/async-delay", json={"seconds": 86401}).status_code == 400


def test_reset_forgets_everything(client: TestClient, api_a: Api, control: Control) -> None:
    api_a.create_vault()
    api_a.create_policy()
    control.advance(100)
    assert client.post("/_emulator/reset").json() == {"status": "reset"}
    assert api_a.get("/vaults").json()["count"] == 0
    assert api_a.get("/policies").json()["count"] == 0
    assert client.get("/_emulator/clock").json()["offset_seconds"] == 0


def test_inventory_can_be_read_and_replaced(client: TestClient, api_a: Api) -> None:
    assert client.get("/_emulator/inventory").json() == default_inventory()
    new_server = {
        "id": "11111111-2222-4333-8444-555555555555",
        "name": "custom",
        "az": "az-x",
        "status": "ACTIVE",
        "volumes": [{"id": "11111111-2222-4333-8444-666666666666", "name": "d", "size": 8, "bootable": True}],
    }
    document = {"projects": {PROJECT_A: {"servers": [new_server]}}}
    assert client.put("/_emulator/inventory", json=document).json() == document
    vault = api_a.create_vault("server", [{"id": new_server["id"], "type": SERVER}])
    assert vault["resources"][0]["name"] == "custom" and vault["resources"][0]["size"] == 8
    body: dict[str, Any] = {
        "vault": {
            "billing": {
                "consistent_level": "crash_consistent",
                "object_type": "server",
                "protect_type": "backup",
                "size": 10,
            },
            "name": "x",
            "resources": [resource(PROJECT_A, "servers", 0)],
        }
    }
    assert_error(api_a.post("/vaults", json=body), 404, "BackupService.7100")


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"projects": []},
        {"projects": {"p": {"tapes": []}}},
        {"projects": {"p": {"servers": [{"id": "x"}]}}},
        {
            "projects": {
                "p": {"volumes": [{"id": "v", "name": "v", "az": "a", "status": "available", "size": "1"}]}
            }
        },
    ],
)
def test_invalid_inventories_are_refused(client: TestClient, document: Any) -> None:
    answer = client.put("/_emulator/inventory", json=document)
    assert answer.status_code == 400 and answer.json()["error_code"] == "Emulator.0400"
    assert client.get("/_emulator/inventory").json() == default_inventory()


def test_unknown_control_route_is_an_unknown_api(client: TestClient) -> None:
    assert_error(client.get("/_emulator/nothing"), 404, "APIGW.0101")
    assert_error(client.get("/_emulator/reset"), 405, "APIGW.0101")


def test_an_inventory_set_through_the_api_outlives_a_restart_and_a_reset(tmp_path: Path) -> None:
    db = str(tmp_path / "cbr.sqlite3")
    server = {
        "id": "11111111-2222-4333-8444-777777777777",
        "name": "kept",
        "az": "az-x",
        "status": "ACTIVE",
        "volumes": [{"id": "11111111-2222-4333-8444-888888888888", "name": "d", "size": 8, "bootable": True}],
    }
    document = {"projects": {PROJECT_A: {"servers": [server]}}}

    def inventory_after_start(**settings: Any) -> Any:
        app = create_app(Settings(db_path=db, **settings))
        with TestClient(app) as client:
            found = client.get("/_emulator/inventory").json()
        app.state.backend.close()
        return found

    app = create_app(Settings(db_path=db))
    with TestClient(app) as client:
        assert client.put("/_emulator/inventory", json=document).status_code == 200
        assert client.post("/_emulator/reset").status_code == 200
    app.state.backend.close()
    assert inventory_after_start() == document
    # An inventory file given at start wins over the one kept in the store.
    given = tmp_path / "given.json"
    given.write_text(json.dumps(default_inventory()))
    assert inventory_after_start(inventory_path=given) == default_inventory()
