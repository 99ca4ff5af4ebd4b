"""Vaults (reference section 4.4): create, show, list, update, delete, resources and policies."""

from __future__ import annotations

import pytest

from cbr_conformance.contract.codes import (
    DISK_IN_VAULT,
    IN_ANOTHER_VAULT,
    NOT_IN_VAULT,
    POLICY_NOT_APPLIED,
    POLICY_NOT_FOUND,
    UNKNOWN_ID,
    VAULT_NOT_FOUND,
    WRONG_RESOURCE_TYPE,
)
from cbr_conformance.contract.resource_types import SERVER, VOLUME
from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.lifecycle import wait_deleted
from cbr_conformance.target.made import Made
from cbr_conformance.testkit.expect import expect_error, expect_status, expect_subset
from cbr_conformance.testkit.paging import page_query


@pytest.mark.cbr(
    operation="create_vault",
    kind="contract",
    mutates=True,
    id="vault-create-echoes-input",
    needs={SERVER: 1},
    creates={"vault": 1},
)
def test_create_vault_echoes_its_input(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.1 (Table 4-92): a new vault echoes the name, description, billing, resources and tags sent."""
    # through Resources.vault: on a shared target another client may hold the leased server in a
    # vault of its own (6103), which is no fault of the target; the server is then replaced
    resources = [cbr_resources.lease(SERVER)]
    name = cbr_resources.name("vault")
    vault = cbr_resources.vault(
        "server",
        resources,
        name=name,
        description="made by the conformance suite",
        tags=[{"key": "suite", "value": "cbr-conformance"}],
    )
    resource = resources[0]
    expect_subset(
        vault,
        {
            "name": name,
            "description": "made by the conformance suite",
            "billing": {
                "object_type": "server",
                "size": 100,
                "consistent_level": "crash_consistent",
                "protect_type": "backup",
            },
        },
    )
    assert vault["project_id"] == cbr.project_id, (
        f"4.4.1 (Table 4-92): project_id is the project the vault is made in, got {vault['project_id']!r}"
    )
    assert [r["id"] for r in vault["resources"]] == [resource.id], (
        f"4.4.1 (Table 4-92): resources are the ones sent, got {[r['id'] for r in vault['resources']]}"
    )
    assert {"key": "suite", "value": "cbr-conformance"} in vault["tags"], (
        f"4.4.1 (Table 4-92): tags hold the tag sent, got {vault['tags']}"
    )


@pytest.mark.cbr(
    operation="create_vault",
    kind="contract",
    mutates=True,
    id="vault-create-disk-minimal",
    creates={"vault": 1},
)
def test_create_disk_vault_with_mandatory_fields_only(cbr_resources: Resources) -> None:
    """4.4.1 (Table 4-87): a disk vault of the mandatory fields only is a disk vault without resources."""
    vault = cbr_resources.vault("disk")
    assert vault["billing"]["object_type"] == "disk", (
        f"4.4.1 (Table 4-93): billing.object_type is the disk sent, got {vault['billing']['object_type']!r}"
    )
    assert vault["resources"] == [], f"4.4.1 (Table 4-87): resources [] sent, got {vault['resources']}"


@pytest.mark.cbr(
    operation="create_vault",
    kind="contract",
    mutates=True,
    id="vault-create-null-policy",
    creates={"vault": 1},
)
def test_create_vault_with_a_null_policy_applies_none(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.1 (Table 4-87): a null backup_policy_id means no automatic backup: no policy is applied."""
    vault = cbr_resources.vault("disk", backup_policy_id=None)
    policies = expect_status(cbr.call("list_policies", query={"vault_id": vault["id"]}), 200)
    assert policies["policies"] == [], (
        "4.4.1 (Table 4-87): a null backup_policy_id applies no policy, "
        f"got {[p.get('id') for p in policies['policies']]}"
    )


@pytest.mark.cbr(operation="create_vault", kind="negative", mutates=True, id="vault-create-missing-billing")
def test_create_vault_without_billing_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.1 (Table 4-87): billing is mandatory: a vault without it is refused with 400."""
    body = cbr_resources.vault_body()
    del body["vault"]["billing"]
    expect_error(cbr.call("create_vault", json_body=body), 400)


@pytest.mark.cbr(operation="create_vault", kind="negative", mutates=True, id="vault-create-size-out-of-range")
@pytest.mark.parametrize("size", [0, 10485761])
def test_create_vault_with_size_out_of_range_is_refused(
    cbr: CBRClient, cbr_resources: Resources, size: int
) -> None:
    """4.4.1 (Table 4-88): a size outside 1 to 10485760 GB is refused with 400."""
    body = cbr_resources.vault_body()
    body["vault"]["billing"]["size"] = size
    expect_error(cbr.call("create_vault", json_body=body), 400)


@pytest.mark.cbr(
    operation="create_vault",
    kind="negative",
    mutates=True,
    id="vault-create-wrong-resource-type",
    needs={SERVER: 1},
)
def test_create_disk_vault_with_a_server_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.1, 7.2: a server in a disk vault is refused with 400 BackupService.6102."""
    server = cbr_resources.lease(SERVER)
    body = cbr_resources.vault_body("disk", [server])
    expect_error(cbr.call("create_vault", json_body=body), 400, WRONG_RESOURCE_TYPE)


@pytest.mark.cbr(operation="create_vault", kind="negative", mutates=True, id="vault-create-malformed-json")
def test_create_vault_with_malformed_json_is_refused(cbr: CBRClient) -> None:
    """3.1, 4.4.1: a body that is not JSON is refused with 400."""
    expect_error(cbr.call("create_vault", raw_body=b'{"vault": {"name": '), 400)


@pytest.mark.cbr(
    operation="show_vault",
    kind="contract",
    mutates=True,
    id="vault-show-matches-create",
    creates={"vault": 1},
)
def test_show_vault_returns_the_created_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.2 (Table 4-100): show_vault returns the vault as created: id, name and size."""
    created = cbr_resources.vault("disk")
    shown = expect_status(cbr.call("show_vault", path={"vault_id": created["id"]}), 200)["vault"]
    assert shown["id"] == created["id"], (
        f"4.4.2 (Table 4-100): id is the vault asked for, got {shown['id']!r}"
    )
    assert shown["name"] == created["name"], (
        f"4.4.2 (Table 4-100): name is the one created, {created['name']!r}, got {shown['name']!r}"
    )
    assert shown["billing"]["size"] == created["billing"]["size"], (
        f"4.4.2 (Table 4-101): billing.size is the {created['billing']['size']} GB created, "
        f"got {shown['billing']['size']}"
    )


@pytest.mark.cbr(operation="show_vault", kind="negative", id="vault-show-unknown")
def test_show_unknown_vault_is_not_found(cbr: CBRClient) -> None:
    """4.4.2, 7.2: an unknown vault id answers 404 BackupService.6105 (E-404-BODY-VAULT)."""
    expect_error(cbr.call("show_vault", path={"vault_id": UNKNOWN_ID}), 404, VAULT_NOT_FOUND)


@pytest.mark.cbr(
    operation="list_vaults",
    kind="contract",
    mutates=True,
    id="vault-list-filters-and-counts",
    creates={"vault": 2},
)
def test_list_vaults_filters_by_name_and_type(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.3 (Table 4-110): the name and object_type filters list only the vaults that match."""
    disk = cbr_resources.vault("disk")
    server = cbr_resources.vault("server")
    body = expect_status(cbr.call("list_vaults", query={"name": disk["name"]}), 200)
    assert [v["id"] for v in body["vaults"]] == [disk["id"]], (
        f"4.4.3 (Table 4-110): name= lists the one vault so named, got {[v['id'] for v in body['vaults']]}"
    )
    assert body["count"] == 1, (
        f"4.4.3 (Table 4-112; E-LIST-COUNTS): count is the 1 vault matching the name, got {body['count']}"
    )
    body = expect_status(cbr.call("list_vaults", query={"object_type": "server", "limit": 1000}), 200)
    ids = {v["id"] for v in body["vaults"]}
    assert server["id"] in ids and disk["id"] not in ids, (
        "4.4.3 (Table 4-110): object_type=server lists the run's server vault and not its disk vault"
    )
    assert all(v["billing"]["object_type"] == "server" for v in body["vaults"]), (
        "4.4.3 (Table 4-110): object_type=server lists server vaults only, "
        f"got {sorted({str(v['billing']['object_type']) for v in body['vaults']})}"
    )


@pytest.mark.cbr(
    operation="list_vaults",
    kind="contract",
    mutates=True,
    id="vault-list-paging",
    creates={"vault": 3, "policy": 1},
)
def test_list_vaults_pages_with_limit_and_offset(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.3 (Table 4-110): limit and offset page a policy's vaults without overlap or gap."""
    # Paged under a policy of the test's own: on a shared project other clients add and remove
    # vaults meanwhile, and the reference says nothing of paging under concurrent change.
    policy = cbr_resources.policy()
    mine = {cbr_resources.vault("disk", backup_policy_id=policy["id"])["id"] for _ in range(3)}
    seen: list[str] = []
    for offset in (0, 2, 4):
        query = {"policy_id": policy["id"], **page_query(limit=2, offset=offset)}
        page = expect_status(cbr.call("list_vaults", query=query), 200)
        assert len(page["vaults"]) <= 2, (
            f"4.4.3 (Table 4-110): limit=2 allows at most 2 vaults a page, got {len(page['vaults'])}"
        )
        assert page["count"] == 3, (
            f"4.4.3 (Table 4-112; E-LIST-COUNTS): count is the 3 vaults matched, got {page['count']}"
        )
        seen += [v["id"] for v in page["vaults"]]
    assert len(seen) == len(set(seen)), (
        f"4.4.3 (Table 4-110): pages of limit 2 at offsets 0, 2, 4 must not overlap: {seen}"
    )
    assert set(seen) == mine, (
        f"4.4.3 (Table 4-110): the pages together hold the policy's 3 vaults {sorted(mine)}, got {seen}"
    )


@pytest.mark.cbr(operation="list_vaults", kind="negative", id="vault-list-limit-zero")
@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "many"}])
def test_list_vaults_with_invalid_paging_is_refused(cbr: CBRClient, query: dict[str, object]) -> None:
    """4.4.3 (Table 4-110; E-OFFSET-MIN): limit outside 1 to 1000, not a number, or offset -1 is refused."""
    expect_error(cbr.call("list_vaults", query=query), 400)  # type: ignore[arg-type]


@pytest.mark.cbr(
    operation="update_vault",
    kind="contract",
    mutates=True,
    id="vault-update-rename-resize",
    creates={"vault": 1},
)
def test_update_vault_renames_and_resizes(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.4 (Tables 4-120, 4-121): update_vault renames and resizes the vault; show_vault agrees."""
    vault = cbr_resources.vault("disk")
    name = cbr_resources.name("renamed")
    body = {"vault": {"name": name, "billing": {"size": 200}, "auto_expand": True, "threshold": 90}}
    updated = expect_status(cbr.call("update_vault", path={"vault_id": vault["id"]}, json_body=body), 200)[
        "vault"
    ]
    assert updated["name"] == name and updated["billing"]["size"] == 200, (
        "4.4.4 (Table 4-124): the vault has the name and size 200 sent, "
        f"got {updated['name']!r}, {updated['billing']['size']}"
    )
    shown = expect_status(cbr.call("show_vault", path={"vault_id": vault["id"]}), 200)["vault"]
    assert shown["name"] == name and shown["billing"]["size"] == 200, (
        "4.4.2: after update_vault (4.4.4) the vault has the new name and size 200, "
        f"got {shown['name']!r}, {shown['billing']['size']}"
    )


@pytest.mark.cbr(
    operation="update_vault",
    kind="negative",
    mutates=True,
    id="vault-update-invalid-threshold",
    creates={"vault": 1},
)
@pytest.mark.parametrize(
    "change", [{"threshold": 0}, {"threshold": 101}, {"name": ""}, {"billing": {"size": 0}}]
)
def test_update_vault_with_invalid_values_is_refused(
    cbr: CBRClient, cbr_resources: Resources, change: dict[str, object]
) -> None:
    """4.4.4 (Tables 4-120, 4-121): threshold 0 or 101, an empty name or size 0 is refused with 400."""
    vault = cbr_resources.vault("disk")
    expect_error(cbr.call("update_vault", path={"vault_id": vault["id"]}, json_body={"vault": change}), 400)


@pytest.mark.cbr(operation="update_vault", kind="negative", id="vault-update-unknown")
def test_update_unknown_vault_is_not_found(cbr: CBRClient) -> None:
    """4.4.4, 7.2: updating an unknown vault answers 404 BackupService.6105."""
    body = {"vault": {"name": "nobody"}}
    expect_error(
        cbr.call("update_vault", path={"vault_id": UNKNOWN_ID}, json_body=body), 404, VAULT_NOT_FOUND
    )


@pytest.mark.cbr(
    operation="delete_vault", kind="contract", mutates=True, id="vault-delete-then-gone", creates={"vault": 1}
)
def test_delete_vault_makes_it_unknown(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.5: deleting a vault answers 204; show_vault then answers 404 BackupService.6105 (once the
    deletion took effect, within --max-wait)."""
    vault = cbr_resources.vault("disk")
    expect_status(cbr.call("delete_vault", path={"vault_id": vault["id"]}), 204)
    made = Made(cbr.project_id, "vault", vault["id"], "", "create_vault", {"vault_id": vault["id"]})
    wait_deleted(cbr, made, max_wait=cbr_resources.max_wait, poll_interval=cbr_resources.poll_interval)
    expect_error(cbr.call("show_vault", path={"vault_id": vault["id"]}), 404, VAULT_NOT_FOUND)


@pytest.mark.cbr(
    operation="delete_vault",
    kind="contract",
    mutates=True,
    id="vault-delete-leaves-its-policy",
    creates={"vault": 1, "policy": 1},
)
def test_a_deleted_vault_is_in_no_policy(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.5, 4.6.2: a vault deleted while it applies a policy is then not among the policy's
    associated_vaults (its post-condition delete_vault.gone also reads the policy list)."""
    vault = cbr_resources.vault("disk")
    policy = cbr_resources.policy()
    body = {"policy_id": policy["id"]}
    expect_status(cbr.call("associate_vault_policy", path={"vault_id": vault["id"]}, json_body=body), 200)
    expect_status(cbr.call("delete_vault", path={"vault_id": vault["id"]}), 204)
    made = Made(cbr.project_id, "vault", vault["id"], "", "create_vault", {"vault_id": vault["id"]})
    wait_deleted(cbr, made, max_wait=cbr_resources.max_wait, poll_interval=cbr_resources.poll_interval)
    shown = expect_status(cbr.call("show_policy", path={"policy_id": policy["id"]}), 200)["policy"]
    held = [v.get("vault_id") for v in shown.get("associated_vaults") or []]
    assert vault["id"] not in held, f"4.4.5: the deleted vault {vault['id']} is still among {held}"


@pytest.mark.cbr(operation="delete_vault", kind="negative", id="vault-delete-unknown")
def test_delete_unknown_vault_is_not_found(cbr: CBRClient) -> None:
    """4.4.5, 7.2: deleting an unknown vault answers 404 BackupService.6105."""
    expect_error(cbr.call("delete_vault", path={"vault_id": UNKNOWN_ID}), 404, VAULT_NOT_FOUND)


@pytest.mark.cbr(
    operation="add_vault_resources",
    kind="contract",
    mutates=True,
    id="vault-addresources",
    needs={VOLUME: 1},
    creates={"vault": 1},
)
def test_add_resources_puts_them_in_the_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.7 (Table 4-138): an associated disk is reported added and is in the vault."""
    vault = cbr_resources.vault("disk")
    volumes = [cbr_resources.lease(VOLUME)]
    added = expect_status(cbr_resources.add_resources(vault["id"], volumes), 200)
    volume = volumes[0]
    assert added["add_resource_ids"] == [volume.id], (
        f"4.4.7 (Table 4-138): add_resource_ids is the disk added, got {added['add_resource_ids']}"
    )
    shown = expect_status(cbr.call("show_vault", path={"vault_id": vault["id"]}), 200)["vault"]
    assert [r["id"] for r in shown["resources"]] == [volume.id], (
        "4.4.2 (Table 4-100): after add_vault_resources (4.4.7) the vault's resources are the disk added, "
        f"got {[r['id'] for r in shown['resources']]}"
    )


@pytest.mark.cbr(
    operation="add_vault_resources",
    kind="negative",
    mutates=True,
    id="vault-addresources-twice",
    needs={VOLUME: 1},
    creates={"vault": 2},
)
def test_a_resource_belongs_to_one_vault_at_a_time(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.7, 7.2: a disk in a vault is refused by another with 400 BackupService.6103 or 7006."""
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
    """4.4.7, 7.2: associating resources with an unknown vault answers 404 BackupService.6105."""
    body = {"resources": [{"id": UNKNOWN_ID, "type": VOLUME}]}
    expect_error(
        cbr.call("add_vault_resources", path={"vault_id": UNKNOWN_ID}, json_body=body), 404, VAULT_NOT_FOUND
    )


@pytest.mark.cbr(
    operation="remove_vault_resources",
    kind="contract",
    mutates=True,
    id="vault-removeresources",
    needs={VOLUME: 1},
    creates={"vault": 1},
)
def test_remove_resources_takes_them_out(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.6 (Table 4-133): a dissociated disk is reported removed and leaves the vault."""
    vault, volume = cbr_resources.vault_with_resource(VOLUME)
    body = {"resource_ids": [volume.id]}
    removed = expect_status(
        cbr.call("remove_vault_resources", path={"vault_id": vault["id"]}, json_body=body), 200
    )
    assert removed["remove_resource_ids"] == [volume.id], (
        f"4.4.6 (Table 4-133): remove_resource_ids is the disk removed, got {removed['remove_resource_ids']}"
    )
    shown = expect_status(cbr.call("show_vault", path={"vault_id": vault["id"]}), 200)["vault"]
    assert shown["resources"] == [], (
        f"4.4.2 (Table 4-100): once 4.4.6 removed its disk the vault has none, got {shown['resources']}"
    )


@pytest.mark.cbr(
    operation="remove_vault_resources",
    kind="negative",
    mutates=True,
    id="vault-removeresources-absent",
    creates={"vault": 1},
)
def test_remove_a_resource_the_vault_lacks_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.6, 7.2: dissociating a resource the vault lacks is refused with 400 BackupService.6135."""
    vault = cbr_resources.vault("disk")
    body = {"resource_ids": [UNKNOWN_ID]}
    expect_error(
        cbr.call("remove_vault_resources", path={"vault_id": vault["id"]}, json_body=body),
        400,
        NOT_IN_VAULT,
    )


@pytest.mark.cbr(
    operation="associate_vault_policy",
    kind="contract",
    mutates=True,
    id="vault-associatepolicy",
    creates={"vault": 1, "policy": 1},
)
def test_apply_a_policy_to_a_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.8 (Table 4-143): applying a policy answers the vault and policy; list_vaults finds the vault."""
    vault = cbr_resources.vault("disk")
    policy = cbr_resources.policy()
    body = expect_status(
        cbr.call(
            "associate_vault_policy", path={"vault_id": vault["id"]}, json_body={"policy_id": policy["id"]}
        ),
        200,
    )
    assert body["associate_policy"]["vault_id"] == vault["id"], (
        f"4.4.8 (Table 4-143): vault_id is the path's vault, got {body['associate_policy']['vault_id']!r}"
    )
    assert body["associate_policy"]["policy_id"] == policy["id"], (
        f"4.4.8 (Table 4-143): policy_id is the policy sent, got {body['associate_policy']['policy_id']!r}"
    )
    listed = expect_status(cbr.call("list_vaults", query={"policy_id": policy["id"]}), 200)
    assert [v["id"] for v in listed["vaults"]] == [vault["id"]], (
        "4.4.3 (Table 4-110): policy_id= lists the one vault the policy is applied to (4.4.8), "
        f"got {[v['id'] for v in listed['vaults']]}"
    )


@pytest.mark.cbr(
    operation="associate_vault_policy",
    kind="negative",
    mutates=True,
    id="vault-associatepolicy-unknown",
    creates={"vault": 1},
)
def test_apply_an_unknown_policy_is_not_found(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.8, 7.2: applying an unknown policy answers 404 BackupService.6000."""
    vault = cbr_resources.vault("disk")
    expect_error(
        cbr.call(
            "associate_vault_policy", path={"vault_id": vault["id"]}, json_body={"policy_id": UNKNOWN_ID}
        ),
        404,
        POLICY_NOT_FOUND,
    )


@pytest.mark.cbr(
    operation="dissociate_vault_policy",
    kind="contract",
    mutates=True,
    id="vault-dissociatepolicy",
    creates={"vault": 1, "policy": 1},
)
def test_remove_a_policy_from_a_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.9 (Table 4-148): removing a policy answers the vault and the policy; list_vaults lists none."""
    vault = cbr_resources.vault("disk")
    policy = cbr_resources.policy()
    path = {"vault_id": vault["id"]}
    expect_status(cbr.call("associate_vault_policy", path=path, json_body={"policy_id": policy["id"]}), 200)
    body = expect_status(
        cbr.call("dissociate_vault_policy", path=path, json_body={"policy_id": policy["id"]}), 200
    )
    assert body["dissociate_policy"]["vault_id"] == vault["id"], (
        f"4.4.9 (Table 4-148): vault_id is the path's vault, got {body['dissociate_policy']['vault_id']!r}"
    )
    assert body["dissociate_policy"]["policy_id"] == policy["id"], (
        f"4.4.9 (Table 4-148): policy_id is the policy sent, got {body['dissociate_policy']['policy_id']!r}"
    )
    listed = expect_status(cbr.call("list_vaults", query={"policy_id": policy["id"]}), 200)
    assert listed["vaults"] == [], (
        "4.4.3 (Table 4-110): policy_id= lists no vault once the policy is removed (4.4.9), "
        f"got {[v['id'] for v in listed['vaults']]}"
    )


@pytest.mark.cbr(
    operation="dissociate_vault_policy",
    kind="negative",
    mutates=True,
    id="vault-dissociatepolicy-not-applied",
    creates={"vault": 1, "policy": 1},
)
def test_remove_a_policy_that_is_not_applied_is_refused(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.4.9, 7.2: removing a policy the vault is not applied with answers 404 BackupService.6002."""
    vault = cbr_resources.vault("disk")
    policy = cbr_resources.policy()
    expect_error(
        cbr.call(
            "dissociate_vault_policy", path={"vault_id": vault["id"]}, json_body={"policy_id": policy["id"]}
        ),
        404,
        POLICY_NOT_APPLIED,
    )
