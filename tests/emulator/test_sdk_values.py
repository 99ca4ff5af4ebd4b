"""Requests the contract allows because the SDK documents them are accepted: the emulator takes
what the live service takes (E-REQUEST-ENUMS, E-PROTECT-TYPE-PER-OPERATION, E-ASSOCIATE-POLICY-
REQUIRED, E-ADD-MEMBERS-DOMAINS), and refuses only what the spec or its `x-cbr-rules` forbid."""

from __future__ import annotations

import pytest

from cbr_emulator.defaults import PROJECT_A
from tests.emulator.helpers import Api, Control, assert_error, resource, vault_body
from tests.emulator.test_sharing import server_backup


@pytest.mark.parametrize("object_type", ["vmware", "rds", "file"])
def test_vaults_of_every_sdk_object_type_are_created_and_listed(api_a: Api, object_type: str) -> None:
    vault = api_a.create_vault(object_type)
    assert vault["billing"]["object_type"] == object_type
    listed = api_a.get("/vaults", params={"object_type": object_type}).json()["vaults"]
    assert [v["id"] for v in listed] == [vault["id"]]


@pytest.mark.parametrize(
    "billing",
    [{"cloud_type": "hybrid"}, {"protect_type": "replication"}, {"charging_mode": "pre_paid"}],
)
def test_billing_values_the_sdk_documents_are_accepted(api_a: Api, billing: dict[str, str]) -> None:
    body = vault_body("server")
    body["vault"]["billing"].update(billing)
    answer = api_a.post("/vaults", json=body)
    assert answer.status_code == 200, answer.text
    assert billing.items() <= answer.json()["vault"]["billing"].items()


def test_a_hybrid_vault_is_not_created_but_listed_by(api_a: Api) -> None:
    body = vault_body("server")
    body["vault"]["billing"]["protect_type"] = "hybrid"
    assert_error(api_a.post("/vaults", json=body), 400, "BackupService.6116")
    for name, value in (("protect_type", "hybrid"), ("cloud_type", "hybrid")):
        assert api_a.get("/vaults", params={name: value}).status_code == 200


def test_a_bind_rule_may_name_a_key_with_several_values(api_a: Api) -> None:
    rules = {"tags": [{"key": "env", "value": "a"}, {"key": "env", "value": "b"}]}
    vault = api_a.create_vault("server", bind_rules=rules)
    assert vault["bind_rules"] == rules
    body = vault_body("server", tags=[{"key": "env", "value": "a"}, {"key": "env", "value": "b"}])
    assert_error(api_a.post("/vaults", json=body), 400, "BackupService.9900")  # a vault's own: unique


def test_an_empty_enterprise_project_is_the_default(api_a: Api) -> None:
    vault = api_a.create_vault("server", enterprise_project_id="")
    assert vault["enterprise_project_id"] == "0"


def test_policies_are_applied_by_the_sdks_add_policy_ids(api_a: Api) -> None:
    vault = api_a.create_vault("server")
    first, second = api_a.create_policy(), api_a.create_policy()
    path = f"/vaults/{vault['id']}/associatepolicy"
    answer = api_a.post(path, json={"add_policy_ids": [first["id"], second["id"]]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["associate_policy"] == {"vault_id": vault["id"], "policy_id": second["id"]}
    bodies: list[dict[str, object]] = [
        {"policy_id": first["id"], "add_policy_ids": [first["id"]]},
        {"add_policy_ids": []},
        {},
    ]
    for body in bodies:
        assert_error(api_a.post(path, json=body), 400, "BackupService.9900")


@pytest.mark.parametrize("resource_id", ["ünknown", "x" * 65])
def test_an_id_of_any_characters_is_looked_up_not_refused(api_a: Api, resource_id: str) -> None:
    vault = api_a.create_vault("server")
    added = api_a.post(
        f"/vaults/{vault['id']}/addresources",
        json={"resources": [{"id": resource_id, "type": "OS::Nova::Server"}]},
    )
    assert_error(added, 404, "BackupService.7100")
    assert_error(
        api_a.post("/checkpoints", json={"checkpoint": {"vault_id": resource_id}}), 404, "BackupService.6105"
    )


def test_list_queries_the_sdk_or_the_spec_allow(api_a: Api) -> None:
    assert api_a.get("/backups", params={"image_type": "replication"}).json()["backups"] == []
    assert api_a.get("/backups", params={"marker": ""}).status_code == 200
    assert api_a.get("/backups", params={"sort": "name:asc,name:desc"}).status_code == 200
    assert api_a.get("/operation-logs", params={"offset": 10**20}).json()["operation_logs"] == []


def test_members_are_listed_by_any_status_and_sort_key(api_a: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    path = f"/backups/{backup['id']}/members"
    for params in ({"status": "gone"}, {"sort": "nickname:asc"}, {"status": ""}):
        answer = api_a.get(path, params=params)
        assert answer.status_code == 200, (params, answer.text)


def test_sharing_by_account_adds_no_project(api_a: Api, control: Control) -> None:
    backup = server_backup(api_a, control)
    answer = api_a.post(f"/backups/{backup['id']}/members", json={"domains": ["some-account"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["members"] == []
    assert_error(
        api_a.post(f"/backups/{backup['id']}/members", json={"domains": []}), 400, "BackupService.9900"
    )


def test_a_resource_named_twice_is_removed_once(api_a: Api) -> None:
    volume = resource(PROJECT_A, "volumes", 0)
    vault = api_a.create_vault("disk", [volume])
    answer = api_a.post(f"/vaults/{vault['id']}/removeresources", json={"resource_ids": [volume["id"]] * 2})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"remove_resource_ids": [volume["id"]]}
