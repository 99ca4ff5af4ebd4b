"""Scenarios of automatic backup (reference 5.2, 4.4.8, 4.4.9, 4.6): applying a policy to a vault and
removing it, what updating a policy keeps, and (with time control) policies firing and retention.

Scenarios that need time to pass own the target's clock through `cbr_clock` (not tested on targets
whose clock cannot be moved): they choose their moments after its now, and move it forward only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from cbr_conformance.contract.codes import BACKUP_NOT_FOUND, POLICY_NOT_APPLIED, POLICY_NOT_FOUND
from cbr_conformance.contract.resource_types import SERVER
from cbr_conformance.paths import reference_example
from cbr_conformance.postconditions.time_driven import (
    FIRES,
    MAX_BACKUPS,
    RETENTION_DAYS,
    automatic,
    fired,
    kept_newest,
    kept_young,
    settle,
)
from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.clock import ScenarioClock
from cbr_conformance.target.moments import moment
from cbr_conformance.testkit.expect import expect_error, expect_status, expect_subset
from cbr_conformance.testkit.scenario import Steps
from cbr_conformance.transport.recording import Exchange

EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
DAY = timedelta(days=1)


def _ids_of(answer: Any) -> Any:
    """The vault and policy of an association's answer (what else it carries is not compared)."""
    if not isinstance(answer, dict):
        return answer
    return {key: answer.get(key) for key in ("vault_id", "policy_id")}


def _weekly(hour: int) -> str:
    """The pattern of case 5.2: every day of the week at hour:00 UTC."""
    return f"FREQ=WEEKLY;BYDAY={EVERY_DAY};BYHOUR={hour};BYMINUTE=00"


def _apply(cbr: CBRClient, vault_id: str, policy_id: str) -> None:
    body = {"policy_id": policy_id}
    applied = expect_status(
        cbr.call("associate_vault_policy", path={"vault_id": vault_id}, json_body=body), 200
    )
    # the reference's two fields; a service may answer more (the contract leaves the object open)
    assert _ids_of(applied["associate_policy"]) == {"vault_id": vault_id, "policy_id": policy_id}, (
        "4.4.8 (Table 4-143): associate_policy is the vault and policy given, "
        f"got {applied['associate_policy']}"
    )


def _vaults_of(cbr: CBRClient, policy_id: str) -> list[str]:
    """The vaults list_vaults gives for the policy, and the vaults show_policy says it is applied to."""
    listed = expect_status(cbr.call("list_vaults", query={"policy_id": policy_id}), 200)
    assert listed["count"] == len(listed["vaults"]), (
        f"4.4.3 (Table 4-112; E-LIST-COUNTS): count is the {len(listed['vaults'])} vaults listed unpaged, "
        f"got {listed['count']}"
    )
    shown = expect_status(cbr.call("show_policy", path={"policy_id": policy_id}), 200)["policy"]
    associated = sorted(v["vault_id"] for v in shown.get("associated_vaults") or [])
    ids = sorted(v["id"] for v in listed["vaults"])
    assert ids == associated, (
        "4.4.3 (Table 4-110), 4.6.2 (Table 4-192): list_vaults?policy_id and associated_vaults agree, "
        f"got {ids} and {associated}"
    )
    return ids


def _automatic(cbr: CBRClient, vault_id: str, clock: ScenarioClock) -> tuple[list[dict[str, Any]], Exchange]:
    """The vault's automatic backups, oldest first, as the scenario's moves of the clock left them,
    and the listing that shows them. Only this vault's backups made by a policy are judged: what
    another client of a shared target makes, elsewhere or by hand, is never the policy's."""
    query: dict[str, Any] = {"vault_id": vault_id, "sort": "created_at:asc", "limit": 1000}
    answer = cbr.call("list_backups", query=query)
    backups = automatic(expect_status(answer, 200)["backups"], vault_id)
    clock.unmoved()
    for backup in backups:
        assert backup["status"] == "available", (
            f"4.5.2 (Table 4-161): the policy's backup {backup['id']} is available, got {backup['status']!r}"
        )
    return [dict(b) for b in backups], answer.exchange


def _schedule(cbr_clock: ScenarioClock) -> tuple[datetime, int, datetime]:
    """The target's now, an hour of the day, and the first time after now at that hour (1 to 2 h later)."""
    now = cbr_clock.now()
    first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    return now, first.hour, first


@pytest.mark.cbr(
    operation=(
        "associate_vault_policy",
        "create_policy",
        "list_vaults",
        "show_policy",
        "dissociate_vault_policy",
    ),
    kind="scenario",
    mutates=True,
    id="scenario-auto-backup-apply-policy",
    creates={"vault": 1, "policy": 1},
)
def test_apply_and_remove_a_policy_as_in_application_case_5_2(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps
) -> None:
    """5.2, 4.4.8, 4.4.9: the application case's policy is applied to a vault, then removed."""
    vault = cbr_resources.vault("server")  # no resources: the policy has nothing to back up meanwhile
    # 5.2 step 1 as the errata correct it (operation_type added); no `enabled`: enabled by default
    sent = reference_example("create_policy.request.case-5.2-step1.json")["policy"]
    sent["name"] = cbr_resources.name("dh_test_policy")
    response = cbr.call("create_policy", json_body={"policy": sent})
    if response.status == 200:
        cbr_resources.delete_later("delete_policy", policy_id=response.json()["policy"]["id"])
    policy = expect_status(response, 200)["policy"]
    expect_subset(
        policy,
        {
            "name": sent["name"],
            "enabled": True,
            "operation_type": "backup",
            "operation_definition": sent["operation_definition"],
        },
    )
    assert policy["trigger"]["properties"]["pattern"] == sent["trigger"]["properties"]["pattern"], (
        "5.2 step 1, 4.6.1 (Table 4-183): trigger.properties.pattern is the one sent, "
        f"got {policy['trigger']['properties']['pattern']}"
    )
    assert policy["trigger"]["type"] == "time", (
        f"4.6.1 (Table 4-182): trigger.type is time, the only type, got {policy['trigger']['type']!r}"
    )
    assert not policy.get("associated_vaults"), (
        "5.2 step 1, 4.6.1 (Table 4-180; E-ASSOCIATED-VAULTS-NULL): a new policy is applied to no vault, "
        f"got {policy.get('associated_vaults')}"
    )
    cbr_steps(f"1. created policy {policy['id']} with the body of 5.2 step 1: enabled, daily 23:00, 30 days")

    _apply(cbr, vault["id"], policy["id"])
    assert _vaults_of(cbr, policy["id"]) == [vault["id"]], (
        f"5.2 step 2, 4.4.8: the policy is applied to the vault {vault['id']} alone"
    )
    listed = expect_status(cbr.call("list_policies", query={"vault_id": vault["id"]}), 200)["policies"]
    assert [p["id"] for p in listed] == [policy["id"]], (
        "4.6.3 (Table 4-194): vault_id= lists the policy applied to the vault, "
        f"got {[p['id'] for p in listed]}"
    )
    cbr_steps(
        "2. applied it to the vault: list_vaults?policy_id, show_policy and list_policies?vault_id agree"
    )

    body = {"policy_id": policy["id"]}
    path = {"vault_id": vault["id"]}
    removed = expect_status(cbr.call("dissociate_vault_policy", path=path, json_body=body), 200)
    assert _ids_of(removed["dissociate_policy"]) == {"vault_id": vault["id"], "policy_id": policy["id"]}, (
        "4.4.9 (Table 4-148): dissociate_policy is the vault and policy given, "
        f"got {removed['dissociate_policy']}"
    )
    assert _vaults_of(cbr, policy["id"]) == [], (
        "4.4.9: a policy removed from its one vault is applied to none"
    )
    cbr_steps("removed it: gone from list_vaults?policy_id and from show_policy's associated_vaults")

    expect_error(cbr.call("dissociate_vault_policy", path=path, json_body=body), 404, POLICY_NOT_APPLIED)
    cbr_steps(f"removing it again: 404 {POLICY_NOT_APPLIED}")


@pytest.mark.cbr(
    operation=("update_policy", "show_policy", "list_vaults", "delete_policy", "associate_vault_policy"),
    kind="scenario",
    mutates=True,
    id="scenario-policy-update-keeps-vaults",
    creates={"vault": 2, "policy": 1},
)
def test_updating_an_applied_policy_keeps_its_vaults(
    cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps
) -> None:
    """4.6.4: updating name, schedule, retention or enabled keeps the vaults a policy is applied to."""
    vaults = [cbr_resources.vault("disk") for _ in range(2)]
    policy = cbr_resources.policy(operation_definition={"max_backups": 10}, enabled=False)
    for vault in vaults:
        _apply(cbr, vault["id"], policy["id"])
    mine = sorted(v["id"] for v in vaults)
    assert _vaults_of(cbr, policy["id"]) == mine, f"4.4.8: the policy is applied to the two vaults {mine}"
    cbr_steps(f"disabled policy {policy['id']} applied to two vaults")

    path = {"policy_id": policy["id"]}
    name = cbr_resources.name("renamed")
    changes: list[dict[str, Any]] = [
        {"name": name},
        {"enabled": True, "trigger": {"properties": {"pattern": [_weekly(3)]}}},
        {"operation_definition": {"retention_duration_days": 7}},
        {"enabled": False},
    ]
    expected: dict[str, Any] = {
        "name": policy["name"],
        "enabled": policy["enabled"],
        "pattern": policy["trigger"]["properties"]["pattern"],
        "operation_definition": policy["operation_definition"],
    }
    for change in changes:
        updated = expect_status(cbr.call("update_policy", path=path, json_body={"policy": change}), 200)[
            "policy"
        ]
        expected.update({k: v for k, v in change.items() if k in expected})
        if "trigger" in change:
            expected["pattern"] = change["trigger"]["properties"]["pattern"]
        shown = expect_status(cbr.call("show_policy", path=path), 200)["policy"]
        for result in (updated, shown):
            assert result["id"] == policy["id"] and result["operation_type"] == "backup", (
                "4.6.4 (Table 4-210): the policy keeps its id and operation_type backup, "
                f"got {result['id']!r}, {result['operation_type']!r}"
            )
            assert result["name"] == expected["name"] and result["enabled"] is expected["enabled"], (
                "4.6.4 (Table 4-205; E-DROPPED-DEFAULTS): name and enabled are as sent, or kept, "
                f"{expected['name']!r}, {expected['enabled']!r}, "
                f"got {result['name']!r}, {result['enabled']!r}"
            )
            assert result["trigger"]["properties"]["pattern"] == expected["pattern"], (
                "4.6.4 (Table 4-205; E-DROPPED-DEFAULTS): the pattern is as sent, or kept, "
                f"{expected['pattern']}, got {result['trigger']['properties']['pattern']}"
            )
            expect_subset(
                result["operation_definition"], expected["operation_definition"], "$.operation_definition"
            )
            assert sorted(v["vault_id"] for v in result.get("associated_vaults") or []) == mine, (
                f"4.6.4 (Table 4-214): update {change} must keep the vaults of the policy, {mine}, "
                f"got {result.get('associated_vaults')}"
            )
        cbr_steps(f"update {sorted(change)}: the fields sent changed, the others and both vaults kept")
    assert _vaults_of(cbr, policy["id"]) == mine, (
        f"4.6.4: updates keep the vaults the policy is applied to, {mine}"
    )

    body = {"policy_id": policy["id"]}
    for index, vault in enumerate(vaults):
        path_of_vault = {"vault_id": vault["id"]}
        expect_status(cbr.call("dissociate_vault_policy", path=path_of_vault, json_body=body), 200)
        assert _vaults_of(cbr, policy["id"]) == sorted(v["id"] for v in vaults[index + 1 :]), (
            f"4.4.9: removed from vault {vault['id']}, the policy stays applied to the other vaults only"
        )
    assert expect_status(cbr.call("delete_policy", path=path), 204) is None, (
        "4.6.5: delete_policy answers 204 No Content, without a body"
    )
    expect_error(cbr.call("show_policy", path=path), 404, POLICY_NOT_FOUND)
    listed = expect_status(cbr.call("list_vaults", query={"policy_id": policy["id"]}), 200)
    assert listed["vaults"] == [] and listed["count"] == 0, (
        "4.4.3 (Tables 4-110, 4-112): policy_id of a deleted policy (4.6.5) lists no vault, count 0, "
        f"got {[v['id'] for v in listed['vaults']]}, count {listed['count']}"
    )
    cbr_steps("removed it from one vault, then the other, then deleted it: show_policy 404, no vault listed")

    expect_error(
        cbr.call("associate_vault_policy", path={"vault_id": vaults[0]["id"]}, json_body=body),
        404,
        POLICY_NOT_FOUND,
    )
    cbr_steps(f"applying the deleted policy: 404 {POLICY_NOT_FOUND}")


@pytest.mark.cbr(
    operation=(
        "associate_vault_policy",
        "create_policy",
        "list_backups",
        "show_backup",
        "list_operation_logs",
    ),
    kind="scenario",
    mutates=True,
    id="scenario-auto-backup-retention",
    needs={SERVER: 1},
    creates={"vault": 1, "policy": 1},
)
def test_policy_fires_and_keeps_the_newest_backups(
    cbr_clock: ScenarioClock, cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps
) -> None:
    """4.6.1 (Tables 4-176, 4-178): a policy fires at its pattern's times, keeps max_backups, newest."""
    vault, server = cbr_resources.vault_with_resource(SERVER)  # the server the vault holds
    now, hour, first = _schedule(cbr_clock)
    policy = cbr_resources.policy(
        enabled=True,
        operation_definition={"max_backups": 2},
        trigger={"properties": {"pattern": [_weekly(hour)]}},
    )
    _apply(cbr, vault["id"], policy["id"])
    cbr_steps(
        f"at {now:%Y-%m-%d %H:%M} applied policy {_weekly(hour)}, max_backups 2, to a vault with a server"
    )

    cbr_clock.advance_to(first + DAY + timedelta(hours=1))
    early, listing = _automatic(cbr, vault["id"], cbr_clock)
    settle(cbr, FIRES, fired(early, vault["id"], {server.id}, [first, first + DAY]), listing)
    assert len(early) == 2, f"4.6.1 (Table 4-178): two runs of the pattern make two backups, got {len(early)}"
    cbr_steps(f"clock past two runs: two automatic backups (auto_trigger true) at {first:%H:%M} on two days")

    cbr_clock.advance_to(first + 3 * DAY + timedelta(hours=1))
    late, listing = _automatic(cbr, vault["id"], cbr_clock)
    runs = [first + n * DAY for n in range(4)]
    settle(cbr, MAX_BACKUPS, kept_newest(late, vault["id"], {server.id}, runs, 2), listing)
    assert len(late) == 2, (
        f"4.6.1 (Table 4-176): max_backups 2 retains 2 backups after four runs, got {len(late)}"
    )
    for backup in early:
        expect_error(cbr.call("show_backup", path={"backup_id": backup["id"]}), 404, BACKUP_NOT_FOUND)
    cbr_steps(
        f"clock past four runs: the two newest are kept, the two oldest are gone (404 {BACKUP_NOT_FOUND})"
    )

    query = {"vault_id": vault["id"], "operation_type": "backup", "limit": 1000}
    tasks = expect_status(cbr.call("list_operation_logs", query=query), 200)["operation_logs"]
    cbr_clock.unmoved()
    assert len(tasks) == 4, (
        f"4.1.2 (Table 4-17): four runs of the policy leave 4 backup tasks, got {len(tasks)}"
    )
    for task in tasks:
        assert task["status"] == "success" and task.get("policy_id") == policy["id"], (
            f"4.1.2 (Table 4-20): each task of the policy succeeded and names it, task {task['id']}: "
            f"status {task['status']!r}, policy_id {task.get('policy_id')!r}"
        )
    cbr_steps("four backup tasks, all success, name the policy")


@pytest.mark.cbr(
    operation=("update_policy", "associate_vault_policy", "list_backups"),
    kind="scenario",
    mutates=True,
    id="scenario-policy-enable-disable",
    needs={SERVER: 2},
    creates={"vault": 1, "policy": 1},
)
def test_only_an_enabled_policy_fires(
    cbr_clock: ScenarioClock, cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps
) -> None:
    """4.6.1, 4.6.4 (Table 4-175): only an enabled policy makes backups; enabling takes effect, on
    each resource of the vault (two servers: a scheduler backing up only one is seen)."""
    servers = [cbr_resources.lease(SERVER) for _ in range(2)]
    vault = cbr_resources.vault("server", servers)
    held = {server.id for server in servers}  # as the vault holds them: another client may hold one leased
    _, hour, first = _schedule(cbr_clock)
    policy = cbr_resources.policy(enabled=False, trigger={"properties": {"pattern": [_weekly(hour)]}})
    _apply(cbr, vault["id"], policy["id"])
    cbr_steps(f"disabled policy {_weekly(hour)} applied to a vault with two servers")

    cbr_clock.advance_to(first + timedelta(hours=1))
    assert _automatic(cbr, vault["id"], cbr_clock)[0] == [], (
        "4.6.1 (Table 4-175): a policy not enabled must make no backup"
    )
    cbr_steps("clock past a run: no backup")

    path = {"policy_id": policy["id"]}
    body = {"policy": {"enabled": True}}
    assert (
        expect_status(cbr.call("update_policy", path=path, json_body=body), 200)["policy"]["enabled"] is True
    ), "4.6.4 (Table 4-210): enabled is the true sent"
    cbr_clock.advance_to(first + DAY + timedelta(hours=1))
    made, listing = _automatic(cbr, vault["id"], cbr_clock)
    settle(cbr, FIRES, fired(made, vault["id"], held, [first + DAY]), listing)
    assert len(made) == 2, (
        f"4.6.4, 4.6.1: one run of the policy enabled makes a backup of each of 2 servers, got {len(made)}"
    )
    cbr_steps("enabled it; clock past the next run: an automatic backup of each server, at that run")

    body = {"policy": {"enabled": False}}
    assert (
        expect_status(cbr.call("update_policy", path=path, json_body=body), 200)["policy"]["enabled"] is False
    ), "4.6.4 (Table 4-210): enabled is the false sent"
    cbr_clock.advance_to(first + 2 * DAY + timedelta(hours=1))
    later = sorted(b["id"] for b in _automatic(cbr, vault["id"], cbr_clock)[0])
    assert later == sorted(b["id"] for b in made), (
        "4.6.4, 4.6.1 (Table 4-175): a policy disabled again must make no more backups"
    )
    cbr_steps("disabled it again; clock past another run: still those two backups")


@pytest.mark.cbr(
    operation=("create_policy", "associate_vault_policy", "list_backups", "show_backup", "show_checkpoint"),
    kind="scenario",
    mutates=True,
    id="scenario-auto-backup-retention-days",
    needs={SERVER: 1},
    creates={"vault": 1, "policy": 1},
)
def test_automatic_backups_expire_after_the_retention_duration(
    cbr_clock: ScenarioClock, cbr: CBRClient, cbr_resources: Resources, cbr_steps: Steps
) -> None:
    """4.6.1 (Table 4-176): automatic backups expire after retention_duration_days, then go."""
    vault, server = cbr_resources.vault_with_resource(SERVER)  # the server the vault holds
    _, hour, first = _schedule(cbr_clock)
    policy = cbr_resources.policy(
        enabled=True,
        operation_definition={"retention_duration_days": 2},
        trigger={"properties": {"pattern": [_weekly(hour)]}},
    )
    _apply(cbr, vault["id"], policy["id"])
    cbr_steps(f"applied policy {_weekly(hour)}, retention_duration_days 2, to a vault with a server")

    cbr_clock.advance_to(first + timedelta(hours=1))
    backups, listing = _automatic(cbr, vault["id"], cbr_clock)
    settle(cbr, FIRES, fired(backups, vault["id"], {server.id}, [first]), listing)
    (made,) = backups
    lifetime = moment(made["expired_at"]) - moment(made["created_at"])
    assert abs(lifetime - 2 * DAY) < timedelta(minutes=1), (
        "4.6.1 (Table 4-176), 4.5.2 (Table 4-161): retention_duration_days 2: expired_at is 2 days "
        f"after created_at, got {lifetime}"
    )
    checkpoint = expect_status(
        cbr.call("show_checkpoint", path={"checkpoint_id": made["checkpoint_id"]}), 200
    )
    retention = (checkpoint["checkpoint"].get("extra_info") or {}).get("retention_duration")
    assert retention in (None, 2), (
        f"4.3.1 (Table 4-71): retention_duration is the policy's 2 days, got {retention}"
    )
    cbr_steps(f"clock past a run: backup {made['id']} expires 2 days after it was made")

    # an hour to make the last run's backups, and one to remove what expired (E-RETENTION-SCOPE)
    now = first + 3 * DAY + 2 * timedelta(hours=1)
    cbr_clock.advance_to(now)
    kept, listing = _automatic(cbr, vault["id"], cbr_clock)
    runs = [first + n * DAY for n in range(4)]
    settle(cbr, RETENTION_DAYS, kept_young(kept, vault["id"], {server.id}, runs, 2, now), listing)
    assert len(kept) == 2, (
        "4.6.1 (Table 4-176): retention_duration_days 2 keeps the last 2 days' backups of four runs, "
        f"got {[b['created_at'] for b in kept]}"
    )
    expect_error(cbr.call("show_backup", path={"backup_id": made["id"]}), 404, BACKUP_NOT_FOUND)
    cbr_steps("clock past four runs: only the backups younger than 2 days are left; the first is 404")
