"""Vaults (reference section 4.4): create, show, list, update, delete, resources and policies."""

from __future__ import annotations

import pytest

from cbr_conformance.client import CBRClient
from cbr_conformance.codes import (
    DISK_IN_VAULT,
    IN_ANOTHER_VAULT,
    NOT_IN_VAULT,
    POLICY_NOT_APPLIED,
    POLICY_NOT_FOUND,
    UNKNOWN_ID,
    VAULT_NOT_FOUND,
    WRONG_RESOURCE_TYPE,
)
from cbr_conformance.expect import expect_error, expect_status, expect_subset
from cbr_conformance.inventory import SERVER, VOLUME
from cbr_conformance.paging import page_query
from cbr_conformance.resources import Resources


@pytest.mark.cbr(operation="create_vault", kind="contract", mutates=True, id="vault-create-echoes-input")
def test_create_vault_echoes_its_input(cbr: CBRClient, cbr_resources: Resources) -> None:
    resource = cbr_resources.lease(SERVER)
    body = cbr_resources.vault_body(
        "server",
        [resource],
        description="made by the conformance suite",
        tags=[{"key": "suite", "value": "cbr-conformance"}],
    )
    vault = expect_status(cbr.call("create_vault", json_body=body), 200)["vault"]
    cbr_resources.delete_later("delete_vault", vault_id=vault["id"])
    expect_subset(
        vault,
        {
            "name": body["vault"]["name"],
            "description": "made by the conformance suite",
            "billing": {
                "object_type": "server",
                "size": 100,
                "consistent_level": "crash_consistent",
                "protect_type": "backup",
            },
        },
    )
    assert vault["project_id"] == cbr.project_id
    assert [r["id"] for r in vault["resources"]] == [resource.id]
    assert {"key": "suite", "value": "cbr-conformance"} in vault["tags"]


@pytest.mark.cbr(operation="create_vault", kind="contract", mutates=True, id="vault-create-disk-minimal")
def test_create_disk_vault_with_mandatory_fields_only(cbr_resources: Resources) -> None:
    vault = cbr_resources.vault("disk")
    assert vault["billing"]["object_type"] == "disk"
    assert vault["resources"] == []


@pytest.mark.cbr(operation="create_vault", kind="contract", mutates=True, id="vault-create-null-policy")
def test_create_vault_with_a_null_policy_applies_none(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4-87: a null backup_policy_id means no automatic backup."""
    vault = cbr_resources.vault("disk", backup_policy_id=None)
    policies = expect_status(cbr.call("list_policies", query={"vault_id": vault["id"]}), 200)
    assert policies["policies"] == [], "a vault created with a null policy has one"


@pytest.mark.cbr(operation="create_vault", kind="negative", mutates=True, id="vault-create-missing-billing")
def test_create_vault_without_billing_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    body = cbr_resources.vault_body()
    del body["vault"]["billing"]
    expect_error(cbr.call("create_vault", json_body=body), 400)


@pytest.mark.cbr(operation="create_vault", kind="negative", mutates=True, id="vault-create-size-out-of-range")
@pytest.mark.parametrize("size", [0, 10485761])
def test_create_vault_with_size_out_of_range_is_refused(
    cbr: CBRClient, cbr_resources: Resources, size: int
) -> None:
    body = cbr_resources.vault_body()
    body["vault"]["billing"]["size"] = size
    expect_error(cbr.call("create_vault", json_body=body), 400)


@pytest.mark.cbr(
    operation="create_vault", kind="negative", mutates=True, id="vault-create-wrong-resource-type"
)
def test_create_disk_vault_with_a_server_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    server = cbr_resources.lease(SERVER)
    body = cbr_resources.vault_body("disk", [server])
    expect_error(cbr.call("create_vault", json_body=body), 400, WRONG_RESOURCE_TYPE)


@pytest.mark.cbr(operation="create_vault", kind="negative", mutates=True, id="vault-create-malformed-json")
def test_create_vault_with_malformed_json_is_refused(cbr: CBRClient) -> None:
    expect_error(cbr.call("create_vault", raw_body=b'{"vault": {"name": '), 400)


@pytest.mark.cbr(operation="show_vault", kind="contract", mutates=True, id="vault-show-matches-create")
def test_show_vault_returns_the_created_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    created = cbr_resources.vault("disk")
    shown = expect_status(cbr.call("show_vault", path={"vault_id": created["id"]}), 200)["vault"]
    assert shown["id"] == created["id"]
    assert shown["name"] == created["name"]
    assert shown["billing"]["size"] == created["billing"]["size"]


@pytest.mark.cbr(operation="show_vault", kind="negative", id="vault-show-unknown")
def test_show_unknown_vault_is_not_found(cbr: CBRClient) -> None:
    expect_error(cbr.call("show_vault", path={"vault_id": UNKNOWN_ID}), 404, VAULT_NOT_FOUND)


@pytest.mark.cbr(operation="list_vaults", kind="contract", mutates=True, id="vault-list-filters-and-counts")
def test_list_vaults_filters_by_name_and_type(cbr: CBRClient, cbr_resources: Resources) -> None:
    disk = cbr_resources.vault("disk")
    server = cbr_resources.vault("server")
    body = expect_status(cbr.call("list_vaults", query={"name": disk["name"]}), 200)
    assert [v["id"] for v in body["vaults"]] == [disk["id"]]
    assert body["count"] == 1
    body = expect_status(cbr.call("list_vaults", query={"object_type": "server", "limit": 1000}), 200)
    ids = {v["id"] for v in body["vaults"]}
    assert server["id"] in ids and disk["id"] not in ids
    assert all(v["billing"]["object_type"] == "server" for v in body["vaults"])


@pytest.mark.cbr(operation="list_vaults", kind="contract", mutates=True, id="vault-list-paging")
def test_list_vaults_pages_with_limit_and_offset(cbr: CBRClient, cbr_resources: Resources) -> None:
    # Paged under a policy of the test's own: on a shared project other clients add and remove
    # vaults meanwhile, and the reference says nothing of paging under concurrent change.
    policy = cbr_resources.policy()
    mine = {cbr_resources.vault("disk", backup_policy_id=policy["id"])["id"] for _ in range(3)}
    seen: list[str] = []
    for offset in (0, 2, 4):
        query = {"policy_id": policy["id"], **page_query(limit=2, offset=offset)}
        page = expect_status(cbr.call("list_vaults", query=query), 200)
        assert len(page["vaults"]) <= 2, f"limit=2 answered {len(page['vaults'])} vaults"
        assert page["count"] == 3, f"count is the number of vaults the filter matches (3): {page['count']}"
        seen += [v["id"] for v in page["vaults"]]
    assert len(seen) == len(set(seen)), f"pages of limit 2 at offsets 0, 2, 4 overlap: {seen}"
    assert set(seen) == mine, "the pages together hold exactly the policy's 3 vaults"


@pytest.mark.cbr(operation="list_vaults", kind="negative", id="vault-list-limit-zero")
@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "many"}])
def test_list_vaults_with_invalid_paging_is_refused(cbr: CBRClient, query: dict[str, object]) -> None:
    expect_error(cbr.call("list_vaults", query=query), 400)  # type: ignore[arg-type]


@pytest.mark.cbr(operation="update_vault", kind="contract", mutates=True, id="vault-update-rename-resize")
def test_update_vault_renames_and_resizes(cbr: CBRClient, cbr_resources: Resources) -> None:
    vault = cbr_resources.vault("disk")
    name = cbr_resources.name("renamed")
    body = {"vault": {"name": name, "billing": {"size": 200}, "auto_expand": True, "threshold": 90}}
    updated = expect_status(cbr.call("update_vault", path={"vault_id": vault["id"]}, json_body=body), 200)[
        "vault"
    ]
    assert updated["name"] == name and updated["billing"]["size"] == 200
    shown = expect_status(cbr.call("show_vault", path={"vault_id": vault["id"]}), 200)["vault"]
    assert shown["name"] == name and shown["billing"]["size"] == 200


@pytest.mark.cbr(operation="update_vault", kind="negative", mutates=True, id="vault-update-invalid-threshold")
@pytest.mark.parametrize(
    "change", [{"threshold": 0}, {"threshold": 101}, {"name": ""}, {"billing": {"size": 0}}]
)
def test_update_vault_with_invalid_values_is_refused(
    cbr: CBRClient, cbr_resources: Resources, change: dict[str, object]
) -> None:
    vault = cbr_resources.vault("disk")
    expect_error(cbr.call("update_vault", path={"vault_id": vault["id"]}, json_body={"vault": change}), 400)


@pytest.mark.cbr(operation="update_vault", kind="negative", id="vault-update-unknown")
def test_update_unknown_vault_is_not_found(cbr: CBRClient) -> None:
    body = {"vault": {"name": "nobody"}}
    expect_error(
        cbr.call("update_vault", path={"vault_id": UNKNOWN_ID}, json_body=body), 404, VAULT_NOT_FOUND
    )


@pytest.mark.cbr(operation="delete_vault", kind="contract", mutates=True, id="vault-delete-then-gone")
def test_delete_vault_makes_it_unknown(cbr: CBRClient, cbr_resources: Resources) -> None:
    vault = cbr_resources.vault("disk")
    expect_status(cbr.call("delete_vault", path={"vault_id": vault["id"]}), 204)
    expect_error(cbr.call("show_vault", path={"vault_id": vault["id"]}), 404, VAULT_NOT_FOUND)


@pytest.mark.cbr(operation="delete_vault", kind="negative", id="vault-delete-unknown")
def test_delete_unknown_vault_is_not_found(cbr: CBRClient) -> None:
    expect_error(cbr.call("delete_vault", path={"vault_id": UNKNOWN_ID}), 404, VAULT_NOT_FOUND)


@pytest.mark.cbr(operation="add_vault_resources", kind="contract", mutates=True, id="vault-addresources")
def test_add_resources_puts_them_in_the_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    vault = cbr_resources.vault("disk")
    volume = cbr_resources.lease(VOLUME)
    body = {"resources": [volume.as_vault_resource()]}
    added = expect_status(
        cbr.call("add_vault_resources", path={"vault_id": vault["id"]}, json_body=body), 200
    )
    assert added["add_resource_ids"] == [volume.id]
    shown = expect_status(cbr.call("show_vault", path={"vault_id": vault["id"]}), 200)["vault"]
    assert [r["id"] for r in shown["resources"]] == [volume.id]


@pytest.mark.cbr(
    operation="add_vault_resources", kind="negative", mutates=True, id="vault-addresources-twice"
)
def test_a_resource_belongs_to_one_vault_at_a_time(cbr: CBRClient, cbr_resources: Resources) -> None:
    _, volume = cbr_resources.vault_with_resource(VOLUME)
    second = cbr_resources.vault("disk")
    body = {"resources": [volume.as_vault_resource()]}
    expect_error(
        cbr.call("add_vault_resources", path={"vault_id": second["id"]}, json_body=body),
        400,
        IN_ANOTHER_VAULT,
        DISK_IN_VAULT,
    )


@pytest.mark.cbr(operation="add_vault_resources", kind="negative", id="vault-addresources-unknown-vault")
def test_add_resources_to_unknown_vault_is_not_found(cbr: CBRClient) -> None:
    body = {"resources": [{"id": UNKNOWN_ID, "type": VOLUME}]}
    expect_error(
        cbr.call("add_vault_resources", path={"vault_id": UNKNOWN_ID}, json_body=body), 404, VAULT_NOT_FOUND
    )


@pytest.mark.cbr(
    operation="remove_vault_resources", kind="contract", mutates=True, id="vault-removeresources"
)
def test_remove_resources_takes_them_out(cbr: CBRClient, cbr_resources: Resources) -> None:
    vault, volume = cbr_resources.vault_with_resource(VOLUME)
    body = {"resource_ids": [volume.id]}
    removed = expect_status(
        cbr.call("remove_vault_resources", path={"vault_id": vault["id"]}, json_body=body), 200
    )
    assert removed["remove_resource_ids"] == [volume.id]
    shown = expect_status(cbr.call("show_vault", path={"vault_id": vault["id"]}), 200)["vault"]
    assert shown["resources"] == []


@pytest.mark.cbr(
    operation="remove_vault_resources", kind="negative", mutates=True, id="vault-removeresources-absent"
)
def test_remove_a_resource_the_vault_lacks_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    vault = cbr_resources.vault("disk")
    body = {"resource_ids": [UNKNOWN_ID]}
    expect_error(
        cbr.call("remove_vault_resources", path={"vault_id": vault["id"]}, json_body=body),
        400,
        NOT_IN_VAULT,
    )


@pytest.mark.cbr(
    operation="associate_vault_policy", kind="contract", mutates=True, id="vault-associatepolicy"
)
def test_apply_a_policy_to_a_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    vault = cbr_resources.vault("disk")
    policy = cbr_resources.policy()
    body = expect_status(
        cbr.call(
            "associate_vault_policy", path={"vault_id": vault["id"]}, json_body={"policy_id": policy["id"]}
        ),
        200,
    )
    assert body["associate_policy"]["vault_id"] == vault["id"]
    assert body["associate_policy"]["policy_id"] == policy["id"]
    listed = expect_status(cbr.call("list_vaults", query={"policy_id": policy["id"]}), 200)
    assert [v["id"] for v in listed["vaults"]] == [vault["id"]]


@pytest.mark.cbr(
    operation="associate_vault_policy", kind="negative", mutates=True, id="vault-associatepolicy-unknown"
)
def test_apply_an_unknown_policy_is_not_found(cbr: CBRClient, cbr_resources: Resources) -> None:
    vault = cbr_resources.vault("disk")
    expect_error(
        cbr.call(
            "associate_vault_policy", path={"vault_id": vault["id"]}, json_body={"policy_id": UNKNOWN_ID}
        ),
        404,
        POLICY_NOT_FOUND,
    )


@pytest.mark.cbr(
    operation="dissociate_vault_policy", kind="contract", mutates=True, id="vault-dissociatepolicy"
)
def test_remove_a_policy_from_a_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    vault = cbr_resources.vault("disk")
    policy = cbr_resources.policy()
    path = {"vault_id": vault["id"]}
    expect_status(cbr.call("associate_vault_policy", path=path, json_body={"policy_id": policy["id"]}), 200)
    body = expect_status(
        cbr.call("dissociate_vault_policy", path=path, json_body={"policy_id": policy["id"]}), 200
    )
    assert body["dissociate_policy"]["vault_id"] == vault["id"]
    assert body["dissociate_policy"]["policy_id"] == policy["id"]
    listed = expect_status(cbr.call("list_vaults", query={"policy_id": policy["id"]}), 200)
    assert listed["vaults"] == []


@pytest.mark.cbr(
    operation="dissociate_vault_policy",
    kind="negative",
    mutates=True,
    id="vault-dissociatepolicy-not-applied",
)
def test_remove_a_policy_that_is_not_applied_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    vault = cbr_resources.vault("disk")
    policy = cbr_resources.policy()
    expect_error(
        cbr.call(
            "dissociate_vault_policy", path={"vault_id": vault["id"]}, json_body={"policy_id": policy["id"]}
        ),
        404,
        POLICY_NOT_APPLIED,
    )
