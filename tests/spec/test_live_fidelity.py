"""The live service's real answers pass the contract; the reference's letter alone would refuse them.

Each case here is a behaviour of the live CBR service (or a value the official SDK documents) that
the reference's letter does not allow, recorded in spec/errata.yaml. The emulator produces it, as
the live service does; its answer passes the default contract, and fails the `strict` profile (the
letter), which shows that the check is real. Requests the live clients send are allowed too.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from cbr_conformance.contract.request_check import request_errors
from cbr_conformance.contract.spec import Contract
from cbr_emulator.defaults import PROJECT_A
from cbr_emulator.models.inventory_default import default_inventory
from tests.emulator.conftest import TEST_ASYNC_DELAY
from tests.emulator.helpers import Api, back_up, backups_of, policy_body, resource


def _violations(contract: Contract, operation_id: str, status: int, body: Any) -> list[str]:
    schema = contract.response_schema(operation_id, status)
    assert schema is not None
    return [error.message for error in contract.validator(schema).iter_errors(body)]


def _judged(contract: Contract, strict: Contract, operation_id: str, answer: Any, expect: str) -> None:
    """The answer passes the contract, and breaks the letter where `expect` says."""
    assert answer.status_code == 200, answer.text
    assert _violations(contract, operation_id, 200, answer.json()) == []
    broken = _violations(strict, operation_id, 200, answer.json())
    assert any(expect in message for message in broken), broken


def _advance(client: TestClient, seconds: float) -> None:
    assert client.post("/_emulator/clock/advance", json={"seconds": seconds}).status_code == 200


def test_a_cloud_desktop_backup_passes_list_backups(
    client: TestClient, api_a: Api, contract: Contract, strict: Contract
) -> None:
    desktop = default_inventory()["projects"][PROJECT_A]["desktops"][0]
    entry = {"id": desktop["id"], "type": "OS::Workspace::DesktopV2", "name": desktop["name"]}
    vault = api_a.create_vault("workspace", [entry])
    back_up(api_a, vault["id"])
    _advance(client, TEST_ASYNC_DELAY + 1)
    [backup] = backups_of(api_a, vault_id=vault["id"])
    assert backup["resource_type"] == "OS::Workspace::DesktopV2"
    _judged(contract, strict, "list_backups", api_a.get("/backups"), "OS::Workspace::DesktopV2")
    _judged(contract, strict, "show_vault", api_a.get(f"/vaults/{vault['id']}"), "OS::Workspace::DesktopV2")


def test_a_server_deleted_while_in_a_vault_passes_show_vault(
    client: TestClient, api_a: Api, contract: Contract, strict: Contract
) -> None:
    server = resource(PROJECT_A, "servers", 0)
    vault = api_a.create_vault("server", [server])
    inventory = default_inventory()
    servers = inventory["projects"][PROJECT_A]["servers"]
    inventory["projects"][PROJECT_A]["servers"] = [s for s in servers if s["id"] != server["id"]]
    assert client.put("/_emulator/inventory", json=inventory).status_code == 200
    answer = api_a.get(f"/vaults/{vault['id']}")
    assert answer.json()["vault"]["resources"][0]["protect_status"] == "deleted"
    _judged(contract, strict, "show_vault", answer, "'deleted' is not one of")
    _judged(contract, strict, "list_vaults", api_a.get("/vaults"), "'deleted' is not one of")


def test_a_null_protect_status_passes(contract: Contract, strict: Contract) -> None:
    """Resources of a replication vault carry a null protect_status (seen live; the emulator has
    no replication vaults, so the answer is built here)."""
    resource_resp = {"id": "r", "type": "OS::Nova::Server", "protect_status": None}
    schema = contract.schema_ref("ResourceResp")
    assert list(contract.validator(schema).iter_errors(resource_resp)) == []
    assert list(strict.validator(strict.schema_ref("ResourceResp")).iter_errors(resource_resp)) != []


def test_a_policy_keeping_zero_backups_passes(api_a: Api, contract: Contract, strict: Contract) -> None:
    body = policy_body(name="keep-none", max_backups=0)
    path = {"project_id": PROJECT_A}
    assert request_errors(contract, "create_policy", path, [], _json(body)) == []
    assert request_errors(strict, "create_policy", path, [], _json(body)) != []
    _judged(contract, strict, "create_policy", api_a.post("/policies", json=body), "0 is less than")


def test_a_policy_named_in_chinese_is_allowed(api_a: Api, contract: Contract, strict: Contract) -> None:
    body = policy_body(name="每日备份")
    path = {"project_id": PROJECT_A}
    assert request_errors(contract, "create_policy", path, [], _json(body)) == []
    assert request_errors(strict, "create_policy", path, [], _json(body)) != []
    assert api_a.post("/policies", json=body).status_code == 200


def test_rejecting_a_share_with_a_null_vault_id_is_allowed(contract: Contract) -> None:
    body = _json({"status": "rejected", "vault_id": None})
    path = {"project_id": PROJECT_A, "backup_id": "b", "member_id": "m"}
    assert request_errors(contract, "update_share_member_status", path, [], body) == []
    # a null status is no status: refused
    assert request_errors(contract, "update_share_member_status", path, [], _json({"status": None})) != []


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("charging_mode", "pre_paid"),
        ("protect_type", "replication"),
        ("object_type", "workspace"),
        ("object_type", "vmware"),
        ("object_type", "rds"),
        ("object_type", "file"),
        ("cloud_type", "hybrid"),
    ],
)
def test_request_values_the_sdk_documents_are_allowed(
    contract: Contract, strict: Contract, where: str, value: str
) -> None:
    billing: dict[str, Any] = {
        "consistent_level": "crash_consistent",
        "object_type": "server",
        "protect_type": "backup",
        "size": 1,
    }
    body = _json({"vault": {"billing": {**billing, where: value}, "name": "v", "resources": []}})
    path = {"project_id": PROJECT_A}
    assert request_errors(contract, "create_vault", path, [], body) == []
    assert request_errors(strict, "create_vault", path, [], body) != []


@pytest.mark.parametrize(
    ("operation_id", "query"),
    [
        ("list_vaults", [("cloud_type", "hybrid")]),
        ("list_vaults", [("protect_type", "replication")]),
        ("list_backups", [("image_type", "replication")]),
        ("list_backups", [("resource_type", "OS::Workspace::DesktopV2")]),
        ("list_vaults", [("object_type", "workspace")]),
    ],
)
def test_query_values_the_sdk_documents_are_allowed(
    contract: Contract, strict: Contract, operation_id: str, query: list[tuple[str, str]]
) -> None:
    path = {"project_id": PROJECT_A}
    assert request_errors(contract, operation_id, path, query, None) == []
    assert request_errors(strict, operation_id, path, query, None) != []


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


def test_a_tag_without_a_value_is_not_refused(contract: Contract) -> None:
    """The SDK wants a value when adding tags; the reference, which defines no Tag, does not."""
    body = {"vault": {"billing": {"consistent_level": "crash_consistent", "object_type": "server",
                                  "protect_type": "backup", "size": 1},
                      "name": "v", "resources": [], "tags": [{"key": "team"}]}}  # fmt: skip
    assert request_errors(contract, "create_vault", {"project_id": PROJECT_A}, [], _json(body)) == []


@pytest.mark.parametrize(
    ("operation_id", "path", "body", "letter_refuses"),
    [
        # the letter makes policy_id optional and names nothing else: it refuses no body at all
        ("associate_vault_policy", {"vault_id": "v"}, {"add_policy_ids": ["p1", "p2"]}, False),
        ("add_share_members", {"backup_id": "b"}, {"domains": ["d1"]}, True),
    ],
)
def test_the_sdks_alternative_inputs_are_allowed(
    contract: Contract,
    strict: Contract,
    operation_id: str,
    path: dict[str, str],
    body: dict[str, Any],
    letter_refuses: bool,
) -> None:
    where = {"project_id": PROJECT_A, **path}
    assert request_errors(contract, operation_id, where, [], _json(body)) == []
    assert request_errors(contract, operation_id, where, [], _json({})) != []  # naming nothing is invalid
    assert bool(request_errors(strict, operation_id, where, [], _json(body))) is letter_refuses
