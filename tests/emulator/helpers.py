"""Helpers shared by the emulator's tests (not fixtures: plain functions and small classes)."""

from __future__ import annotations

from typing import Any, Protocol

from cbr_emulator.errors import APIGW_NOT_FOUND_MESSAGE, CATALOGUE
from cbr_emulator.models.inventory_default import default_inventory

SERVER = "OS::Nova::Server"
VOLUME = "OS::Cinder::Volume"
BMS = "OS::Ironic::BareMetalServer"
TURBO = "OS::Sfs::Turbo"
DAILY_AT_3 = "FREQ=DAILY;BYHOUR=3;BYMINUTE=0"


class Response(Protocol):
    status_code: int
    text: str

    def json(self) -> Any: ...


class Client(Protocol):
    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


class Api:
    """Calls ``/v3/{project_id}...`` as one project, with its token."""

    def __init__(self, client: Client, project_id: str, token: str) -> None:
        self.client = client
        self.project_id = project_id
        self.token = token

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"X-Auth-Token": self.token, **kwargs.pop("headers", {})}
        return self.client.request(method, f"/v3/{self.project_id}{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.call("DELETE", path, **kwargs)

    # --- shortcuts that must succeed -----------------------------------------------------------

    def create_vault(
        self, object_type: str = "server", resources: list[dict[str, Any]] | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = vault_body(object_type, resources or [], **fields)
        answer = self.post("/vaults", json=body)
        assert answer.status_code == 200, answer.text
        vault: dict[str, Any] = answer.json()["vault"]
        return vault

    def create_policy(self, pattern: str = DAILY_AT_3, **definition: Any) -> dict[str, Any]:
        answer = self.post("/policies", json=policy_body(pattern=pattern, **definition))
        assert answer.status_code == 200, answer.text
        policy: dict[str, Any] = answer.json()["policy"]
        return policy


class Control:
    """The emulator's control API."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def advance(self, seconds: float) -> dict[str, Any]:
        answer = self.client.request("POST", "/_emulator/clock/advance", json={"seconds": seconds})
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


def vault_body(
    object_type: str = "server",
    resources: list[dict[str, Any]] | None = None,
    size: int = 100,
    name: str = "vault-test",
    **fields: Any,
) -> dict[str, Any]:
    vault: dict[str, Any] = {
        "billing": {
            "consistent_level": "crash_consistent",
            "object_type": object_type,
            "protect_type": "backup",
            "size": size,
        },
        "name": name,
        "resources": resources or [],
    }
    vault.update(fields)
    return {"vault": vault}


def policy_body(pattern: str = DAILY_AT_3, name: str = "policy-test", **definition: Any) -> dict[str, Any]:
    return {
        "policy": {
            "name": name,
            "operation_type": "backup",
            "operation_definition": definition,
            "trigger": {"properties": {"pattern": [pattern]}},
        }
    }


def inventory_items(project_id: str, section: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = default_inventory()["projects"][project_id][section]
    return items


def resource(project_id: str, section: str, index: int = 0) -> dict[str, Any]:
    """A vault resource entry ({id, type, name}) for the index-th item of an inventory section."""
    kind = {"servers": SERVER, "volumes": VOLUME, "bare_metal_servers": BMS, "sfs_turbos": TURBO}[section]
    item = inventory_items(project_id, section)[index]
    return {"id": item["id"], "type": kind, "name": item["name"]}


def assert_error(answer: Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    message = APIGW_NOT_FOUND_MESSAGE if code == "APIGW.0101" else CATALOGUE[code][1]
    assert answer.json() == {"error_code": code, "error_msg": message}


def checkpoint_body(vault_id: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"checkpoint": {"vault_id": vault_id}}
    if parameters:
        body["checkpoint"]["parameters"] = parameters
    return body


def back_up(api: Api, vault_id: str, **parameters: Any) -> dict[str, Any]:
    """Create a restore point; return the checkpoint (still protecting)."""
    answer = api.post("/checkpoints", json=checkpoint_body(vault_id, **parameters))
    assert answer.status_code == 200, answer.text
    checkpoint: dict[str, Any] = answer.json()["checkpoint"]
    return checkpoint


def backups_of(api: Api, **params: Any) -> list[dict[str, Any]]:
    answer = api.get("/backups", params=params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["backups"]
    return found


def logs_of(api: Api, **params: Any) -> list[dict[str, Any]]:
    answer = api.get("/operation-logs", params=params)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["operation_logs"]
    return found


def inventory_volume(project_id: str, server_index: int, volume_index: int) -> dict[str, Any]:
    volume: dict[str, Any] = inventory_items(project_id, "servers")[server_index]["volumes"][volume_index]
    return volume
