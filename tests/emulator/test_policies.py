"""4.6 Policies: create, show, list, update, delete, and their validation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.helpers import Api, assert_error, policy_body, vault_body

# The live service marks a policy its user made (public recordings of ap-southeast-1).
BY_CUSTOMER = {"created_by": "customer"}

WEEKLY = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00"


def test_create_policy_answers_200_with_the_documented_shape(api_a: Api) -> None:
    definition = {
        "day_backups": 0,
        "month_backups": 0,
        "retention_duration_days": 1,
        "timezone": "UTC+08:00",
        "week_backups": 0,
        "year_backups": 0,
    }
    answer = api_a.post("/policies", json=policy_body(pattern=WEEKLY, name="policy001", **definition))
    assert answer.status_code == 200, answer.text
    policy = answer.json()["policy"]
    assert set(policy) == {
        "enabled",
        "id",
        "name",
        "operation_definition",
        "operation_type",
        "trigger",
        "associated_vaults",
        "policy_type",
    }
    assert policy["enabled"] is True and policy["name"] == "policy001"
    assert policy["policy_type"] == "custom_policy"
    assert policy["operation_type"] == "backup"
    assert policy["operation_definition"] == {**definition, **BY_CUSTOMER}
    trigger = policy["trigger"]
    assert trigger["name"] == "default" and trigger["type"] == "time" and len(trigger["id"]) == 36
    assert trigger["properties"]["pattern"] == [WEEKLY]
    start = trigger["properties"]["start_time"]
    assert len(start) == 19 and start[10] == " "
    assert policy["associated_vaults"] == []


def test_operation_definition_echoes_only_what_was_given(api_a: Api) -> None:
    assert api_a.create_policy(max_backups=1)["operation_definition"] == {"max_backups": 1, **BY_CUSTOMER}
    assert api_a.create_policy()["operation_definition"] == BY_CUSTOMER


def test_a_policy_without_a_rule_is_created_and_never_due(api_a: Api) -> None:
    """E-PATTERN-RULES: the reference and the SDK bound the rules from above only."""
    body = policy_body()
    body["policy"]["trigger"]["properties"]["pattern"] = []
    answer = api_a.post("/policies", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["policy"]["trigger"]["properties"]["pattern"] == []


def test_disabled_policy(api_a: Api) -> None:
    body = policy_body()
    body["policy"]["enabled"] = False
    assert api_a.post("/policies", json=body).json()["policy"]["enabled"] is False


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p.pop("name"),
        lambda p: p.update(name=""),
        lambda p: p.update(name="x" * 65),
        lambda p: p.update(name="has space"),
        lambda p: p.pop("operation_type"),
        lambda p: p.pop("operation_definition"),
        lambda p: p.pop("trigger"),
        lambda p: p.update(trigger={}),
        lambda p: p.update(trigger={"properties": {}}),
        lambda p: p.update(trigger={"properties": {"pattern": "FREQ=DAILY;BYHOUR=1;BYMINUTE=0"}}),
        lambda p: p.update(enabled="true"),
    ],
)
def test_invalid_policy_bodies_answer_9900(api_a: Api, mutate: Any) -> None:
    body = policy_body()
    mutate(body["policy"])
    assert_error(api_a.post("/policies", json=body), 400, "BackupService.9900")


def test_unknown_operation_type_answers_6117(api_a: Api) -> None:
    body = policy_body()
    body["policy"]["operation_type"] = "archive"
    assert_error(api_a.post("/policies", json=body), 400, "BackupService.6117")


@pytest.mark.parametrize(
    "pattern",
    [
        "FREQ=HOURLY;BYHOUR=1;BYMINUTE=0",
        "FREQ=MONTHLY;BYHOUR=1;BYMINUTE=0",
        "FREQ=DAILY;BYHOUR=24;BYMINUTE=0",
        "FREQ=DAILY;BYHOUR=1;BYMINUTE=60",
        "FREQ=DAILY;BYHOUR=1;BYMINUTE=0;COUNT=2",
        "FREQ=WEEKLY;BYDAY=XX;BYHOUR=1;BYMINUTE=0",
        "FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0,30",
        "FREQ=DAILY;INTERVAL=0;BYHOUR=1;BYMINUTE=0",
        "FREQ=DAILY;BYMINUTE=0",
        "BYHOUR=1;BYMINUTE=0",
        "not a rule",
    ],
)
def test_invalid_patterns_answer_9900(api_a: Api, pattern: str) -> None:
    assert_error(api_a.post("/policies", json=policy_body(pattern=pattern)), 400, "BackupService.9900")


def test_runs_less_than_an_hour_apart_across_patterns_are_rejected(api_a: Api) -> None:
    body = policy_body()
    body["policy"]["trigger"]["properties"]["pattern"] = [
        "FREQ=DAILY;BYHOUR=23;BYMINUTE=30",
        "FREQ=DAILY;BYHOUR=0;BYMINUTE=10",
    ]
    assert_error(api_a.post("/policies", json=body), 400, "BackupService.9900")


def test_24_hourly_runs_a_day_are_accepted_and_25_patterns_are_not(api_a: Api) -> None:
    hours = ",".join(str(h) for h in range(24))
    api_a.create_policy(pattern=f"FREQ=DAILY;BYHOUR={hours};BYMINUTE=0")
    body = policy_body()
    body["policy"]["trigger"]["properties"]["pattern"] = [
        f"FREQ=WEEKLY;BYDAY=MO;BYHOUR={h % 24};BYMINUTE=0" for h in range(25)
    ]
    assert_error(api_a.post("/policies", json=body), 400, "BackupService.9900")


def test_interval_and_weekly_patterns_are_accepted(api_a: Api) -> None:
    api_a.create_policy(pattern="FREQ=DAILY;INTERVAL=2;BYHOUR=6;BYMINUTE=00")
    api_a.create_policy(pattern="freq=weekly;byday=sa;byhour=23;byminute=59")


@pytest.mark.parametrize(
    "definition",
    [
        {"max_backups": -2},
        {"max_backups": 100000},
        {"retention_duration_days": 100000},
        {"day_backups": 101, "timezone": "UTC+08:00"},
        {"week_backups": -1, "timezone": "UTC+08:00"},
        {"day_backups": 1},
        {"year_backups": 0},
        {"timezone": "GMT+8"},
        {"max_backups": "1"},
        {"max_backups": 1.5},
    ],
)
def test_invalid_operation_definitions_answer_9900(api_a: Api, definition: dict[str, Any]) -> None:
    assert_error(api_a.post("/policies", json=policy_body(**definition)), 400, "BackupService.9900")


@pytest.mark.parametrize(
    "definition",
    [
        {"max_backups": -1},
        {"max_backups": 99999},
        {"retention_duration_days": -1},
        {"retention_duration_days": 99999},
        {
            "day_backups": 100,
            "week_backups": 0,
            "month_backups": 0,
            "year_backups": 100,
            "timezone": "UTC-03:30",
        },
    ],
)
def test_boundary_operation_definitions_are_accepted(api_a: Api, definition: dict[str, Any]) -> None:
    assert api_a.create_policy(**definition)["operation_definition"] == {**definition, **BY_CUSTOMER}


def test_show_and_unknown_policy(api_a: Api) -> None:
    policy = api_a.create_policy()
    assert api_a.get(f"/policies/{policy['id']}").json() == {"policy": policy}
    missing = "/policies/00000000-0000-0000-0000-000000000000"
    assert_error(api_a.get(missing), 404, "BackupService.6000")
    assert_error(api_a.put(missing, json={"policy": {"name": "x"}}), 404, "BackupService.6000")
    assert_error(api_a.delete(missing), 404, "BackupService.6000")


def test_policies_are_private_to_their_project(api_a: Api, api_b: Api) -> None:
    policy = api_a.create_policy()
    assert_error(api_b.get(f"/policies/{policy['id']}"), 404, "BackupService.6000")


def test_list_policies_with_filters(api_a: Api) -> None:
    first, second = api_a.create_policy(), api_a.create_policy()
    vault = api_a.create_vault(backup_policy_id=second["id"])
    listed = api_a.get("/policies").json()
    assert listed["count"] == 2 and {p["id"] for p in listed["policies"]} == {first["id"], second["id"]}
    by_vault = api_a.get("/policies", params={"vault_id": vault["id"]}).json()
    assert [p["id"] for p in by_vault["policies"]] == [second["id"]] and by_vault["count"] == 1
    assert api_a.get("/policies", params={"operation_type": "replication"}).json()["count"] == 0
    assert_error(api_a.get("/policies", params={"operation_type": "x"}), 400, "BackupService.9900")


def test_replication_policies_are_listed_by_their_type(api_a: Api) -> None:
    replication = _replication_policy(api_a)
    assert replication["operation_type"] == "replication" and replication["associated_vaults"] == []
    backup = api_a.create_policy()
    listed = api_a.get("/policies", params={"operation_type": "replication"}).json()
    assert [p["id"] for p in listed["policies"]] == [replication["id"]] and listed["count"] == 1
    assert backup["id"] not in {p["id"] for p in listed["policies"]}
    with_it = api_a.post("/vaults", json=vault_body(backup_policy_id=replication["id"]))
    assert_error(with_it, 400, "BackupService.6127")
    assert api_a.delete(f"/policies/{replication['id']}").status_code == 204


def test_a_replication_policy_applies_to_a_vault_with_its_destination(api_a: Api) -> None:
    """The SDK's VaultAssociate.destination_vault_id, as the live service answers it (a vault keeps
    its backup policy beside its replication policy)."""
    replication, backup = _replication_policy(api_a), api_a.create_policy()
    vault = api_a.create_vault()
    path = f"/vaults/{vault['id']}/associatepolicy"
    assert api_a.post(path, json={"policy_id": backup["id"]}).status_code == 200
    remote = "e4a00c14-27bd-40f1-8f07-d2bd1cc5d001"  # a vault of another region
    body = {"policy_id": replication["id"], "destination_vault_id": remote}
    answer = api_a.post(path, json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"associate_policy": {"vault_id": vault["id"], **body}}
    shown = api_a.get(f"/policies/{replication['id']}").json()["policy"]
    assert shown["associated_vaults"] == [{"vault_id": vault["id"], "destination_vault_id": remote}]
    by_vault = api_a.get("/policies", params={"vault_id": vault["id"]}).json()
    assert {p["id"] for p in by_vault["policies"]} == {replication["id"], backup["id"]}
    by_policy = api_a.get("/vaults", params={"policy_id": replication["id"]}).json()["vaults"]
    assert [v["id"] for v in by_policy] == [vault["id"]]
    backup_shown = api_a.get(f"/policies/{backup['id']}").json()["policy"]
    assert backup_shown["associated_vaults"] == [{"vault_id": vault["id"], "destination_vault_id": None}]
    answer = api_a.post(f"/vaults/{vault['id']}/dissociatepolicy", json={"policy_id": replication["id"]})
    assert answer.status_code == 200, answer.text
    assert api_a.get(f"/policies/{replication['id']}").json()["policy"]["associated_vaults"] == []
    assert api_a.get(f"/policies/{backup['id']}").json()["policy"]["associated_vaults"] != []


def test_a_replication_policy_needs_a_destination_replication_vault(api_a: Api) -> None:
    replication = _replication_policy(api_a)
    vault = api_a.create_vault()
    path = f"/vaults/{vault['id']}/associatepolicy"
    assert_error(api_a.post(path, json={"policy_id": replication["id"]}), 400, "BackupService.9900")
    another_backup_vault = api_a.create_vault(name="not-a-destination")
    wrong = {"policy_id": replication["id"], "destination_vault_id": another_backup_vault["id"]}
    assert_error(api_a.post(path, json=wrong), 400, "BackupService.6127")
    wrong["destination_vault_id"] = _replication_vault(api_a, "disk")
    assert_error(api_a.post(path, json=wrong), 400, "BackupService.6127")
    destination = _replication_vault(api_a, "server")
    right = {"policy_id": replication["id"], "destination_vault_id": destination}
    assert api_a.post(path, json=right).status_code == 200
    from_a_replica = api_a.post(f"/vaults/{destination}/associatepolicy", json=right)
    assert_error(from_a_replica, 400, "BackupService.6127")
    assert api_a.delete(f"/policies/{replication['id']}").status_code == 204
    assert api_a.get("/vaults", params={"policy_id": replication["id"]}).json()["vaults"] == []


def _replication_vault(api: Api, object_type: str) -> str:
    body = vault_body(object_type)
    body["vault"]["billing"]["protect_type"] = "replication"
    answer = api.post("/vaults", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["vault"]["id"])


def _replication_policy(api: Api) -> dict[str, Any]:
    body = policy_body(name="replicate", destination_region="ap-southeast-2")
    body["policy"]["operation_type"] = "replication"
    answer = api.post("/policies", json=body)
    assert answer.status_code == 200, answer.text
    policy: dict[str, Any] = answer.json()["policy"]
    return policy


def test_update_policy(api_a: Api) -> None:
    policy = api_a.create_policy(retention_duration_days=5)
    body = {
        "policy": {
            "name": "renamed",
            "enabled": False,
            "operation_definition": {"max_backups": 1, "day_backups": 2, "timezone": "UTC+08:00"},
            "trigger": {"properties": {"pattern": [WEEKLY]}},
        }
    }
    answer = api_a.put(f"/policies/{policy['id']}", json=body)
    assert answer.status_code == 200, answer.text
    updated = answer.json()["policy"]
    assert updated["name"] == "renamed" and updated["enabled"] is False
    expected = {"max_backups": 1, "day_backups": 2, "timezone": "UTC+08:00", **BY_CUSTOMER}
    assert updated["operation_definition"] == expected
    assert updated["trigger"]["properties"]["pattern"] == [WEEKLY]
    assert updated["trigger"]["id"] == policy["trigger"]["id"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"policy": {"name": ""}},
        {"policy": {"trigger": {"properties": {"pattern": ["FREQ=YEARLY"]}}}},
        {"policy": {"operation_definition": {"day_backups": 1}}},
        {"policy": {"enabled": 1}},
    ],
)
def test_invalid_updates_answer_9900(api_a: Api, body: dict[str, Any]) -> None:
    policy = api_a.create_policy()
    assert_error(api_a.put(f"/policies/{policy['id']}", json=body), 400, "BackupService.9900")


def test_delete_policy_removes_it_from_its_vaults(api_a: Api) -> None:
    policy = api_a.create_policy()
    vault = api_a.create_vault(backup_policy_id=policy["id"])
    assert api_a.delete(f"/policies/{policy['id']}").status_code == 204
    assert_error(api_a.get(f"/policies/{policy['id']}"), 404, "BackupService.6000")
    assert api_a.get("/vaults", params={"policy_id": policy["id"]}).json()["count"] == 0
    assert api_a.get(f"/vaults/{vault['id']}").status_code == 200


def test_replication_policy_with_todays_fields_is_echoed(api_a: Api) -> None:
    """A replication policy (the SDK's operation_type) names its destination; the trigger's start
    window and the long-term retention rules are answered as given."""
    body = policy_body(
        max_backups=3,
        destination_region="emu-region-2",
        destination_project_id="0605767b5c00d4762ff3c00b0f6e2f3b",
        enable_acceleration=True,
        full_backup_interval=10,
        advanced_retention_rules={
            "weekly_retention_rules": {"days_of_week": ["MO"], "retention_duration_periods": 4}
        },
    )
    body["policy"]["operation_type"] = "replication"
    body["policy"]["trigger"]["properties"]["start_window_minutes"] = 120
    answer = api_a.post("/policies", json=body)
    assert answer.status_code == 200, answer.text
    policy = answer.json()["policy"]
    assert policy["operation_type"] == "replication"
    assert policy["operation_definition"] == {**body["policy"]["operation_definition"], **BY_CUSTOMER}
    assert policy["trigger"]["properties"]["start_window_minutes"] == 120
    shown = api_a.get(f"/policies/{policy['id']}").json()["policy"]
    assert shown["trigger"]["properties"]["start_window_minutes"] == 120


@pytest.mark.parametrize(
    "definition",
    [{"full_backup_interval": 101}, {"enable_acceleration": "yes"}, {"destination_region": 7}],
)
def test_ill_typed_todays_policy_fields_are_refused(api_a: Api, definition: dict[str, Any]) -> None:
    assert_error(api_a.post("/policies", json=policy_body(**definition)), 400, "BackupService.9900")


def test_any_integer_start_window_is_kept(api_a: Api) -> None:
    """The SDK bounds start_window_minutes nowhere; one beyond SQLite's integers is kept too."""
    body = policy_body()
    body["policy"]["trigger"]["properties"]["start_window_minutes"] = 2**70
    answer = api_a.post("/policies", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["policy"]["trigger"]["properties"]["start_window_minutes"] == 2**70
