"""4.4 Vaults: create, show, list, update, delete, resources and policies."""

from __future__ import annotations

from typing import Any

import pytest

from cbr_emulator.defaults import PROJECT_A, PROJECT_B
from tests.emulator.helpers import BMS, SERVER, TURBO, VOLUME, Api, assert_error, resource, vault_body


def test_create_vault_answers_200_with_the_documented_shape(api_a: Api) -> None:
    server = resource(PROJECT_A, "servers", 0)
    answer = api_a.post(
        "/vaults",
        json=vault_body("server", [server], size=100, description="d", tags=[{"key": "k", "value": "v"}]),
    )
    assert answer.status_code == 200, answer.text
    vault = answer.json()["vault"]
    assert set(vault) == {
        "billing",
        "description",
        "id",
        "name",
        "project_id",
        "provider_id",
        "resources",
        "tags",
        "enterprise_project_id",
        "auto_bind",
        "bind_rules",
        "user_id",
        "created_at",
        "auto_expand",
        # today's fields (the official SDK's Vault), beyond the reference
        "smn_notify",
        "threshold",
        "locked",
        "sys_lock_source_service",
        "availability_zone",
        "backup_name_prefix",
        "demand_billing",
        "frozen",
        # constants of the live service (public recordings, ap-southeast-1)
        "cbc_delete_count",
        "cross_account",
        "cross_account_urn",
        "supplier",
    }
    assert (vault["cbc_delete_count"], vault["cross_account"], vault["cross_account_urn"]) == (0, False, "")
    assert vault["supplier"] == "" and vault["backup_name_prefix"] is None
    assert (vault["smn_notify"], vault["threshold"]) == (True, 80)
    assert vault["locked"] is False and vault["frozen"] is False
    billing = vault["billing"]
    assert billing == {
        "allocated": 40 + 10,
        "charging_mode": "post_paid",
        "cloud_type": "public",
        "consistent_level": "crash_consistent",
        "object_type": "server",
        "order_id": None,
        "product_id": None,
        "protect_type": "backup",
        "size": 100,
        "spec_code": "vault.backup.server.normal",
        "status": "available",
        "storage_unit": None,
        "used": 0,
        "frozen_scene": None,
        "is_multi_az": False,
        "is_double_az": False,
        "partner_bp_id": None,
    }
    assert vault["resources"] == [
        {
            "id": server["id"],
            "name": server["name"],
            "protect_status": "available",
            "size": 50,
            "type": SERVER,
            "backup_size": 0,
            "backup_count": 0,
            "auto_protect": True,
            "extra_info": {},
        }
    ]
    assert vault["enterprise_project_id"] == "0"
    assert vault["auto_bind"] is False
    assert vault["bind_rules"] == {}
    assert vault["tags"] == [{"key": "k", "value": "v"}]
    assert vault["project_id"] == PROJECT_A
    assert len(vault["created_at"]) == 26 and vault["created_at"][10] == "T"


@pytest.mark.parametrize(
    ("object_type", "spec_code"),
    [("disk", "vault.backup.volume.normal"), ("turbo", "vault.backup.turbo.normal")],
)
def test_spec_code_follows_the_object_type(api_a: Api, object_type: str, spec_code: str) -> None:
    assert api_a.create_vault(object_type)["billing"]["spec_code"] == spec_code


def test_create_vault_echoes_resource_extra_info(api_a: Api) -> None:
    server = {**resource(PROJECT_A, "servers", 1), "extra_info": {"exclude_volumes": ["x"]}}
    vault = api_a.create_vault("server", [server])
    assert vault["resources"][0]["extra_info"] == {"exclude_volumes": ["x"]}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b["vault"].pop("name"),
        lambda b: b["vault"].update(name=""),
        lambda b: b["vault"].update(name="x" * 65),
        lambda b: b["vault"].update(description="x" * 256),  # 255 (E-VAULT-DESCRIPTION-LENGTH)
        lambda b: b["vault"].pop("billing"),
        lambda b: b["vault"].pop("resources"),
        lambda b: b["vault"].update(resources={}),
        lambda b: b["vault"]["billing"].update(object_type="tape"),
        lambda b: b["vault"]["billing"].update(consistent_level="full"),
        lambda b: b["vault"]["billing"].update(size="100"),
        lambda b: b["vault"]["billing"].update(size=True),
        lambda b: b["vault"]["billing"].pop("size"),
        lambda b: b["vault"].update(auto_bind="yes"),
        lambda b: b["vault"].update(tags=[]),
        lambda b: b["vault"].update(tags=[{"key": "a"}, {"key": "a"}]),
        lambda b: b["vault"].update(tags=[{"value": "a"}]),
        lambda b: b["vault"].update(resources=[{"id": "x", "type": "OS::Unknown"}]),
        lambda b: b["vault"].update(resources=[{"type": SERVER}]),
        lambda b: b.pop("vault"),
    ],
)
def test_invalid_create_bodies_answer_9900(api_a: Api, mutate: Any) -> None:
    body = vault_body()
    mutate(body)
    assert_error(api_a.post("/vaults", json=body), 400, "BackupService.9900")


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b"", b'"vault"', b"\xff\xfe", b'{"vault": NaN}'])
def test_malformed_json_answers_9900(api_a: Api, raw: bytes) -> None:
    assert_error(api_a.post("/vaults", content=raw), 400, "BackupService.9900")


@pytest.mark.parametrize("size", [0, -1, 10485761])
def test_out_of_range_capacity_answers_6101(api_a: Api, size: int) -> None:
    assert_error(api_a.post("/vaults", json=vault_body(size=size)), 400, "BackupService.6101")


def test_boundary_capacities_are_accepted(api_a: Api) -> None:
    assert api_a.create_vault(size=1)["billing"]["size"] == 1
    assert api_a.create_vault(size=10485760)["billing"]["size"] == 10485760


def test_protect_type_other_than_backup_or_replication_answers_6116(api_a: Api) -> None:
    body = vault_body()
    body["vault"]["billing"]["protect_type"] = "archive"
    assert_error(api_a.post("/vaults", json=body), 400, "BackupService.6116")


def test_more_than_ten_tags_answer_6600(api_a: Api) -> None:
    tags = [{"key": f"k{i}", "value": "v"} for i in range(11)]
    assert_error(api_a.post("/vaults", json=vault_body(tags=tags)), 400, "BackupService.6600")
    assert len(api_a.create_vault(tags=tags[:10])["tags"]) == 10


@pytest.mark.parametrize(
    ("object_type", "section", "kind"),
    [
        ("server", "volumes", VOLUME),
        ("disk", "servers", SERVER),
        ("turbo", "volumes", VOLUME),
        ("disk", "sfs_turbos", TURBO),
    ],
)
def test_resource_type_not_fitting_the_vault_answers_6102(
    api_a: Api, object_type: str, section: str, kind: str
) -> None:
    body = vault_body(object_type, [resource(PROJECT_A, section, 0)])
    assert_error(api_a.post("/vaults", json=body), 400, "BackupService.6102")


def test_server_vault_takes_ecs_and_bms(api_a: Api) -> None:
    vault = api_a.create_vault(
        "server", [resource(PROJECT_A, "servers", 2), resource(PROJECT_A, "bare_metal_servers", 0)]
    )
    assert [r["type"] for r in vault["resources"]] == [SERVER, BMS]


def test_attached_disk_can_go_to_a_disk_vault(api_a: Api) -> None:
    disk = resource(PROJECT_A, "servers", 3)["id"]
    server = next(
        s
        for s in api_a.client.request("GET", "/_emulator/inventory").json()["projects"][PROJECT_A]["servers"]
        if s["id"] == disk
    )
    volume = server["volumes"][1]
    vault = api_a.create_vault("disk", [{"id": volume["id"], "type": VOLUME}])
    assert vault["resources"][0]["name"] == volume["name"]


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (SERVER, "BackupService.7100"),
        (VOLUME, "BackupService.7000"),
        (TURBO, "BackupService.7500"),
        (BMS, "BackupService.6302"),
    ],
)
def test_resource_not_in_inventory_answers_404(api_a: Api, kind: str, code: str) -> None:
    object_type = {SERVER: "server", BMS: "server", VOLUME: "disk", TURBO: "turbo"}[kind]
    body = vault_body(object_type, [{"id": "00000000-0000-0000-0000-000000000000", "type": kind}])
    assert_error(api_a.post("/vaults", json=body), 404, code)


def test_resource_of_another_project_is_not_found(api_a: Api) -> None:
    body = vault_body("server", [resource(PROJECT_B, "servers", 0)])
    assert_error(api_a.post("/vaults", json=body), 404, "BackupService.7100")


def test_resource_belongs_to_one_vault_at_a_time(api_a: Api) -> None:
    server = resource(PROJECT_A, "servers", 4)
    api_a.create_vault("server", [server])
    assert_error(api_a.post("/vaults", json=vault_body("server", [server])), 400, "BackupService.6103")
    other = api_a.create_vault("server")
    answer = api_a.post(f"/vaults/{other['id']}/addresources", json={"resources": [server]})
    assert_error(answer, 400, "BackupService.6103")


def test_duplicate_resources_in_one_request_answer_6104(api_a: Api) -> None:
    server = resource(PROJECT_A, "servers", 5)
    assert_error(
        api_a.post("/vaults", json=vault_body("server", [server, server])), 400, "BackupService.6104"
    )


def test_unknown_backup_policy_answers_6000(api_a: Api) -> None:
    body = vault_body(backup_policy_id="6dd81d7d-a4cb-443e-b8ed-1af0bd3a261b")
    assert_error(api_a.post("/vaults", json=body), 404, "BackupService.6000")


def test_create_with_policy_associates_it(api_a: Api) -> None:
    policy = api_a.create_policy()
    vault = api_a.create_vault(backup_policy_id=policy["id"])
    shown = api_a.get(f"/policies/{policy['id']}").json()["policy"]
    assert shown["associated_vaults"] == [{"vault_id": vault["id"], "destination_vault_id": None}]
    listed = api_a.get("/vaults", params={"policy_id": policy["id"]}).json()
    assert [v["id"] for v in listed["vaults"]] == [vault["id"]]


def test_show_vault_and_unknown_vault(api_a: Api) -> None:
    vault = api_a.create_vault()
    answer = api_a.get(f"/vaults/{vault['id']}")
    assert answer.status_code == 200
    assert answer.json()["vault"] == vault
    assert_error(api_a.get("/vaults/00000000-0000-0000-0000-000000000000"), 404, "BackupService.6105")


def test_vaults_are_private_to_their_project(api_a: Api, api_b: Api) -> None:
    vault = api_a.create_vault()
    assert_error(api_b.get(f"/vaults/{vault['id']}"), 404, "BackupService.6105")
    assert api_b.get("/vaults").json()["count"] == 0


def test_list_vaults_counts_all_matches_and_pages(api_a: Api) -> None:
    ids = [api_a.create_vault(name=f"v{i}")["id"] for i in range(5)]
    page = api_a.get("/vaults", params={"limit": 2, "offset": 1}).json()
    assert page["count"] == 5 and page["limit"] == 2 and page["offset"] == 1
    assert [v["id"] for v in page["vaults"]] == list(reversed(ids))[1:3]
    default = api_a.get("/vaults").json()
    assert default["limit"] == 1000 and default["offset"] == 0 and len(default["vaults"]) == 5


def test_list_vaults_filters(api_a: Api) -> None:
    server = resource(PROJECT_A, "servers", 6)
    first = api_a.create_vault("server", [server], name="alpha", enterprise_project_id="ep1")
    second = api_a.create_vault("disk", name="beta")

    def ids(**params: Any) -> list[str]:
        answer = api_a.get("/vaults", params=params)
        assert answer.status_code == 200, answer.text
        return [v["id"] for v in answer.json()["vaults"]]

    assert ids(name="alpha") == [first["id"]]
    assert ids(object_type="disk") == [second["id"]]
    assert ids(id=second["id"]) == [second["id"]]
    assert ids(resource_ids=server["id"]) == [first["id"]]
    assert ids(enterprise_project_id="ep1") == [first["id"]]
    assert len(ids(enterprise_project_id="all_granted_eps")) == 2
    assert len(ids(cloud_type="public", protect_type="backup", status="available")) == 2
    assert ids(status="frozen") == []


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 1001}, {"limit": "x"}, {"offset": -1}, {"object_type": "tape"}]
)
def test_invalid_list_vault_queries_answer_9900(api_a: Api, params: dict[str, Any]) -> None:
    assert_error(api_a.get("/vaults", params=params), 400, "BackupService.9900")


def test_update_vault(api_a: Api) -> None:
    vault = api_a.create_vault()
    body = {
        "vault": {
            "name": "renamed",
            "billing": {"size": 200},
            "auto_bind": True,
            "auto_expand": True,
            "smn_notify": False,
            "threshold": 90,
            "bind_rules": {"tags": [{"key": "a", "value": "b"}]},
        }
    }
    answer = api_a.put(f"/vaults/{vault['id']}", json=body)
    assert answer.status_code == 200, answer.text
    updated = answer.json()["vault"]
    assert updated["name"] == "renamed" and updated["billing"]["size"] == 200
    assert updated["auto_bind"] is True and updated["auto_expand"] is True
    assert updated["bind_rules"] == {"tags": [{"key": "a", "value": "b"}]}
    assert api_a.get(f"/vaults/{vault['id']}").json()["vault"] == updated
    cleared = api_a.put(f"/vaults/{vault['id']}", json={"vault": {"bind_rules": {"tags": []}}}).json()[
        "vault"
    ]
    assert cleared["bind_rules"] == {"tags": []}


def test_bind_rules_may_hold_more_than_ten_tags(api_a: Api) -> None:
    """4-87's "up to 10 keys" is about a vault's own tags; 4-122 gives bind rules no limit."""
    vault = api_a.create_vault("server", [])
    tags = [{"key": f"k{i}", "value": "v"} for i in range(12)]
    answer = api_a.put(f"/vaults/{vault['id']}", json={"vault": {"bind_rules": {"tags": tags}}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["vault"]["bind_rules"] == {"tags": tags}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"vault": {"billing": {"size": 0}}}, 400, "BackupService.6101"),
        ({"vault": {"threshold": 0}}, 400, "BackupService.9900"),
        ({"vault": {"threshold": 101}}, 400, "BackupService.9900"),
        ({"vault": {"name": ""}}, 400, "BackupService.9900"),
        ({}, 400, "BackupService.9900"),
    ],
)
def test_invalid_updates(api_a: Api, body: dict[str, Any], status: int, code: str) -> None:
    vault = api_a.create_vault()
    assert_error(api_a.put(f"/vaults/{vault['id']}", json=body), status, code)


def test_update_and_delete_unknown_vault_answer_6105(api_a: Api) -> None:
    missing = "/vaults/00000000-0000-0000-0000-000000000000"
    assert_error(api_a.put(missing, json={"vault": {"name": "x"}}), 404, "BackupService.6105")
    assert_error(api_a.delete(missing), 404, "BackupService.6105")


def test_delete_vault_answers_204_and_frees_its_resources(api_a: Api) -> None:
    server = resource(PROJECT_A, "servers", 7)
    vault = api_a.create_vault("server", [server])
    answer = api_a.delete(f"/vaults/{vault['id']}")
    assert answer.status_code == 204 and answer.content == b""
    assert_error(api_a.get(f"/vaults/{vault['id']}"), 404, "BackupService.6105")
    api_a.create_vault("server", [server])


def test_add_and_remove_resources(api_a: Api) -> None:
    vault = api_a.create_vault("disk")
    first, second = resource(PROJECT_A, "volumes", 0), resource(PROJECT_A, "volumes", 1)
    answer = api_a.post(f"/vaults/{vault['id']}/addresources", json={"resources": [first, second]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"add_resource_ids": [first["id"], second["id"]]}
    answer = api_a.post(f"/vaults/{vault['id']}/removeresources", json={"resource_ids": [first["id"]]})
    assert answer.json() == {"remove_resource_ids": [first["id"]]}
    remaining = api_a.get(f"/vaults/{vault['id']}").json()["vault"]["resources"]
    assert [r["id"] for r in remaining] == [second["id"]]


def test_remove_resource_not_in_vault_answers_6135(api_a: Api) -> None:
    vault = api_a.create_vault("disk")
    answer = api_a.post(
        f"/vaults/{vault['id']}/removeresources",
        json={"resource_ids": [resource(PROJECT_A, "volumes", 2)["id"]]},
    )
    assert_error(answer, 400, "BackupService.6135")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("addresources", {"resources": []}),
        ("addresources", {}),
        ("removeresources", {"resource_ids": []}),
        ("removeresources", {"resource_ids": [1]}),
        ("associatepolicy", {}),
        ("dissociatepolicy", {"x": 1}),
    ],
)
def test_invalid_resource_and_policy_bodies_answer_9900(api_a: Api, path: str, body: dict[str, Any]) -> None:
    vault = api_a.create_vault("disk")
    assert_error(api_a.post(f"/vaults/{vault['id']}/{path}", json=body), 400, "BackupService.9900")


def test_add_resources_to_unknown_vault_answers_6105(api_a: Api) -> None:
    answer = api_a.post(
        "/vaults/00000000-0000-0000-0000-000000000000/addresources",
        json={"resources": [resource(PROJECT_A, "volumes", 3)]},
    )
    assert_error(answer, 404, "BackupService.6105")


def test_associate_and_dissociate_policy(api_a: Api) -> None:
    vault = api_a.create_vault()
    policy = api_a.create_policy()
    answer = api_a.post(f"/vaults/{vault['id']}/associatepolicy", json={"policy_id": policy["id"]})
    assert answer.status_code == 200
    assert answer.json() == {"associate_policy": {"vault_id": vault["id"], "policy_id": policy["id"]}}
    answer = api_a.post(f"/vaults/{vault['id']}/dissociatepolicy", json={"policy_id": policy["id"]})
    assert answer.json() == {"dissociate_policy": {"vault_id": vault["id"], "policy_id": policy["id"]}}
    answer = api_a.post(f"/vaults/{vault['id']}/dissociatepolicy", json={"policy_id": policy["id"]})
    assert_error(answer, 404, "BackupService.6002")


def test_associate_unknown_policy_answers_6000(api_a: Api) -> None:
    vault = api_a.create_vault()
    unknown = {"policy_id": "00000000-0000-0000-0000-000000000000"}
    assert_error(
        api_a.post(f"/vaults/{vault['id']}/associatepolicy", json=unknown), 404, "BackupService.6000"
    )
    assert_error(
        api_a.post(f"/vaults/{vault['id']}/dissociatepolicy", json=unknown), 404, "BackupService.6000"
    )


def test_applying_another_policy_replaces_the_first(api_a: Api) -> None:
    vault = api_a.create_vault()
    first, second = api_a.create_policy(), api_a.create_policy()
    for policy in (first, second):
        api_a.post(f"/vaults/{vault['id']}/associatepolicy", json={"policy_id": policy["id"]})
    assert api_a.get(f"/policies/{first['id']}").json()["policy"]["associated_vaults"] == []
    assert_error(
        api_a.post(f"/vaults/{vault['id']}/dissociatepolicy", json={"policy_id": first["id"]}),
        404,
        "BackupService.6002",
    )


@pytest.mark.parametrize(
    ("field", "where"),
    [("description", "vault"), ("auto_bind", "vault"), ("charging_mode", "billing"), ("tags", "vault")],
)
def test_null_in_an_optional_field_is_the_field_left_out(api_a: Api, field: str, where: str) -> None:
    """Clients that serialise unset fields send null; the reference says the field may be left out."""
    body = vault_body()
    (body["vault"] if where == "vault" else body["vault"]["billing"])[field] = None
    answer = api_a.post("/vaults", json=body)
    assert answer.status_code == 200, answer.text
    left_out = vault_body()
    assert answer.json()["vault"]["billing"]["charging_mode"] == "post_paid"
    assert api_a.post("/vaults", json=left_out).status_code == 200


def test_null_in_a_required_field_answers_9900(api_a: Api) -> None:
    body = vault_body()
    body["vault"]["name"] = None
    answer = api_a.post("/vaults", json=body)
    assert_error(answer, 400, "BackupService.9900")
    assert answer.headers["X-Emulator-Error-Detail"].endswith(".name must not be null")


def test_a_null_backup_policy_id_means_no_policy(api_a: Api) -> None:
    """4-87: "If the value of this parameter is null, automatic backup is not performed." """
    answer = api_a.post("/vaults", json=vault_body(backup_policy_id=None))
    assert answer.status_code == 200, answer.text
    assert api_a.get("/policies", params={"vault_id": answer.json()["vault"]["id"]}).json()["count"] == 0


def test_todays_vault_fields_follow_the_requests(api_a: Api) -> None:
    """The fields the official SDK sends beyond the reference are accepted and answered as set."""
    answer = api_a.post(
        "/vaults",
        json=vault_body(
            "server",
            smn_notify=False,
            threshold=60,
            locked=True,
            sys_lock_source_service="SMB",
            availability_zone="emu-az1",
            backup_name_prefix="nightly",
            demand_billing=False,
            auto_expand=True,
        ),
    )
    assert answer.status_code == 200, answer.text
    vault = answer.json()["vault"]
    assert (vault["smn_notify"], vault["threshold"]) == (False, 60)
    assert vault["locked"] is True and vault["auto_expand"] is True
    assert (vault["sys_lock_source_service"], vault["availability_zone"]) == ("SMB", "emu-az1")
    assert vault["backup_name_prefix"] == "nightly" and vault["demand_billing"] is False
    updated = api_a.put(
        f"/vaults/{vault['id']}", json={"vault": {"smn_notify": True, "threshold": 95, "locked": False}}
    )
    assert updated.status_code == 200, updated.text
    shown = api_a.get(f"/vaults/{vault['id']}").json()["vault"]
    assert (shown["smn_notify"], shown["threshold"], shown["locked"]) == (True, 95, False)
    assert shown["backup_name_prefix"] == "nightly"


@pytest.mark.parametrize(
    "fields",
    [
        {"threshold": 0},
        {"threshold": "80"},
        {"locked": "yes"},
        {"smn_notify": 1},
        {"availability_zone": "a" * 33},
    ],
)
def test_ill_typed_todays_vault_fields_are_refused(api_a: Api, fields: dict[str, Any]) -> None:
    assert_error(api_a.post("/vaults", json=vault_body("server", **fields)), 400, "BackupService.9900")
