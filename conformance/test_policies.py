"""Policies (reference section 4.6): create, show, list, update and delete."""

from __future__ import annotations

from typing import Any

import pytest

from cbr_conformance.contract.codes import POLICY_NOT_FOUND, UNKNOWN_ID
from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient, Response
from cbr_conformance.testkit.expect import expect_error, expect_status, expect_subset

# The two schedules of Table 4-178's text: 14:00 every day of the week, and 06:00 daily.
WEEKLY = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00"
DAILY = "FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=00"
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# 25 rules, each at least six hours from the next: only their number (at most 24) is wrong.
TWENTY_FIVE_RULES = [f"FREQ=WEEKLY;BYDAY={DAYS[i // 4]};BYHOUR={(i % 4) * 6};BYMINUTE=00" for i in range(25)]
ABSENT = object()  # in a change of a request body: remove the field


def _trigger(*patterns: str) -> dict[str, Any]:
    return {"properties": {"pattern": list(patterns)}}


def _changed(policy: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    result = {k: v for k, v in policy.items() if change.get(k) is not ABSENT}
    result.update({k: v for k, v in change.items() if v is not ABSENT})
    return result


def _create(cbr: CBRClient, resources: Resources, body: dict[str, Any]) -> Response:
    """create_policy as sent; a policy it makes anyway (even when it should not) is deleted at cleanup."""
    response = cbr.call("create_policy", json_body=body)
    if response.status == 200:
        resources.delete_later("delete_policy", policy_id=response.json()["policy"]["id"])
    return response


def _show(cbr: CBRClient, policy_id: str) -> dict[str, Any]:
    policy: dict[str, Any] = expect_status(cbr.call("show_policy", path={"policy_id": policy_id}), 200)[
        "policy"
    ]
    return policy


def _listed(cbr: CBRClient, **query: str) -> list[dict[str, Any]]:
    body = expect_status(cbr.call("list_policies", query=query), 200)
    assert body["count"] == len(body["policies"]), (
        "4.6.3 (Table 4-196; E-LIST-COUNTS): count is the total number of policies, "
        f"{len(body['policies'])} in the unpaged list, got {body['count']}"
    )
    return list(body["policies"])


def _schedule(policy: dict[str, Any]) -> dict[str, Any]:
    """What a policy does, without its identity: the fields that must survive unrelated changes."""
    return {
        "enabled": policy["enabled"],
        "operation_type": policy["operation_type"],
        "operation_definition": policy["operation_definition"],
        "pattern": policy["trigger"]["properties"]["pattern"],
    }


# --- create_policy --------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="create_policy",
    kind="contract",
    mutates=True,
    id="policy-create-echoes-input",
    creates={"policy": 1},
)
def test_create_policy_echoes_its_input(cbr_resources: Resources) -> None:
    """4.6.1 (Tables 4-175, 4-180): a new policy echoes its name, enabled, definition and schedule."""
    definition = {
        "retention_duration_days": 7,
        "day_backups": 3,
        "week_backups": 2,
        "month_backups": 1,
        "year_backups": 0,
        "timezone": "UTC+08:00",
    }
    sent = cbr_resources.policy_body(
        enabled=True, operation_definition=definition, trigger=_trigger(WEEKLY, DAILY)
    )["policy"]
    policy = cbr_resources.policy(**sent)
    expect_subset(
        policy,
        {
            "name": sent["name"],
            "enabled": True,
            "operation_type": "backup",
            "operation_definition": definition,
        },
    )
    assert policy["trigger"]["properties"]["pattern"] == [WEEKLY, DAILY], (
        "4.6.1 (Table 4-183): trigger.properties.pattern is the one sent, "
        f"got {policy['trigger']['properties']['pattern']}"
    )
    assert policy["trigger"]["type"] == "time", (
        f"4.6.1 (Table 4-182): trigger.type is time, the only type, got {policy['trigger']['type']!r}"
    )
    assert not policy.get("associated_vaults"), (
        "4.6.1 (Table 4-180; E-ASSOCIATED-VAULTS-NULL): a new policy is applied to no vault, "
        f"got {policy.get('associated_vaults')}"
    )


@pytest.mark.cbr(
    operation="create_policy",
    kind="contract",
    mutates=True,
    id="policy-create-enabled-by-default",
    creates={"policy": 1},
)
def test_create_policy_without_enabled_makes_it_enabled(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.6.1 (Table 4-175): a policy created without enabled is enabled (Default: true)."""
    body = cbr_resources.policy_body()
    del body["policy"]["enabled"]  # Table 4-175: enabled, Default: true
    policy = expect_status(_create(cbr, cbr_resources, body), 200)["policy"]
    assert policy["enabled"] is True, (
        f"4.6.1 (Table 4-175): enabled has Default: true, got {policy['enabled']!r}"
    )


@pytest.mark.cbr(operation="create_policy", kind="negative", mutates=True, id="policy-create-invalid")
@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"name": "two words"}, id="name-with-space"),
        pytest.param({"name": "p" * 65}, id="name-65-characters"),
        pytest.param({"name": ABSENT}, id="missing-name"),
        pytest.param({"operation_definition": ABSENT}, id="missing-operation-definition"),
        pytest.param({"operation_type": ABSENT}, id="missing-operation-type"),
        pytest.param({"trigger": ABSENT}, id="missing-trigger"),
        pytest.param({"trigger": _trigger(*TWENTY_FIVE_RULES)}, id="25-patterns"),
        pytest.param({"trigger": _trigger("FREQ=MONTHLY;BYHOUR=14;BYMINUTE=00")}, id="freq-monthly"),
        pytest.param({"trigger": _trigger("FREQ=DAILY;INTERVAL=1;BYHOUR=24;BYMINUTE=00")}, id="byhour-24"),
        pytest.param(
            {"trigger": _trigger("FREQ=DAILY;INTERVAL=1;BYHOUR=14;BYMINUTE=0,30")}, id="runs-30-minutes-apart"
        ),
        pytest.param({"operation_definition": {"day_backups": 3}}, id="day-backups-without-timezone"),
        pytest.param({"operation_definition": {"max_backups": -2}}, id="max-backups-minus-2"),
        pytest.param(
            {"operation_definition": {"retention_duration_days": 100000}}, id="retention-100000-days"
        ),
        pytest.param({"operation_type": "archive"}, id="unknown-operation-type"),
    ],
)
def test_create_policy_with_invalid_body_is_refused(
    cbr: CBRClient, cbr_resources: Resources, change: dict[str, Any]
) -> None:
    """4.6.1 (Tables 4-175 to 4-178): a name, definition or schedule out of its rules is refused with 400."""
    body = {"policy": _changed(cbr_resources.policy_body()["policy"], change)}
    expect_error(_create(cbr, cbr_resources, body), 400)


@pytest.mark.cbr(operation="create_policy", kind="negative", id="policy-create-malformed-json")
def test_create_policy_with_malformed_json_is_refused(cbr: CBRClient) -> None:
    """3.1, 4.6.1: a body that is not JSON is refused with 400."""
    expect_error(cbr.call("create_policy", raw_body=b'{"policy": {"name": '), 400)


# --- show_policy ----------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="show_policy",
    kind="contract",
    mutates=True,
    id="policy-show-matches-create",
    creates={"policy": 1},
)
def test_show_policy_returns_the_created_policy(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.6.2 (Table 4-188): show_policy returns the policy as created, its scheduler included."""
    created = cbr_resources.policy()
    shown = _show(cbr, created["id"])
    assert shown["id"] == created["id"] and shown["name"] == created["name"], (
        f"4.6.2 (Table 4-188): id and name are the created policy's, got {shown['id']!r}, {shown['name']!r}"
    )
    assert _schedule(shown) == _schedule(created), (
        f"4.6.2 (Table 4-188): the policy is shown as created, {_schedule(created)}, got {_schedule(shown)}"
    )
    assert shown["trigger"]["id"] == created["trigger"]["id"], (
        f"4.6.2 (Table 4-190): trigger.id is the created policy's scheduler, got {shown['trigger']['id']!r}"
    )


@pytest.mark.cbr(
    operation="show_policy",
    kind="contract",
    mutates=True,
    id="policy-show-associated-vaults",
    creates={"vault": 1, "policy": 1},
)
def test_show_policy_lists_the_vaults_it_is_applied_to(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.6.2 (Table 4-192): associated_vaults names the vault the policy was applied to (4.4.8)."""
    vault = cbr_resources.vault("disk")
    policy = cbr_resources.policy()
    expect_status(
        cbr.call(
            "associate_vault_policy", path={"vault_id": vault["id"]}, json_body={"policy_id": policy["id"]}
        ),
        200,
    )
    shown = _show(cbr, policy["id"])
    assert [v["vault_id"] for v in shown["associated_vaults"] or []] == [vault["id"]], (
        f"4.6.2 (Table 4-192): associated_vaults is the vault of 4.4.8, got {shown['associated_vaults']}"
    )


@pytest.mark.cbr(operation="show_policy", kind="negative", id="policy-show-unknown")
def test_show_unknown_policy_is_not_found(cbr: CBRClient) -> None:
    """4.6.2, 7.2: an unknown policy id answers 404 BackupService.6000."""
    expect_error(cbr.call("show_policy", path={"policy_id": UNKNOWN_ID}), 404, POLICY_NOT_FOUND)


# --- list_policies --------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="list_policies",
    kind="contract",
    mutates=True,
    id="policy-list-agrees-with-show",
    creates={"policy": 2},
)
def test_list_policies_shows_what_show_policy_shows(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.6.3 (Table 4-197): the policy list holds each policy as show_policy shows it."""
    created = [cbr_resources.policy(), cbr_resources.policy(trigger=_trigger(DAILY))]
    listed = {p["id"]: p for p in _listed(cbr)}
    for policy in created:
        assert policy["id"] in listed, f"4.6.3 (Table 4-196): the list must hold policy {policy['id']}"
        item, shown = listed[policy["id"]], _show(cbr, policy["id"])
        assert item["name"] == shown["name"], (
            f"4.6.3 (Table 4-197): the listed name is show_policy's {shown['name']!r}, got {item['name']!r}"
        )
        assert _schedule(item) == _schedule(shown), (
            f"4.6.3 (Table 4-197): a listed policy is as show_policy gives it, {_schedule(shown)}, "
            f"got {_schedule(item)}"
        )


@pytest.mark.cbr(
    operation="list_policies",
    kind="contract",
    mutates=True,
    id="policy-list-filter-operation-type",
    creates={"policy": 1},
)
def test_list_policies_filters_by_operation_type(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.6.3 (Table 4-194): operation_type=backup or replication lists only policies of that type."""
    policy = cbr_resources.policy()
    backups = _listed(cbr, operation_type="backup")
    assert policy["id"] in {p["id"] for p in backups}, (
        f"4.6.3 (Table 4-194): operation_type=backup lists the backup policy {policy['id']}"
    )
    assert all(p["operation_type"] == "backup" for p in backups), (
        "4.6.3 (Table 4-194): operation_type=backup lists backup policies only, "
        f"got {sorted({str(p['operation_type']) for p in backups})}"
    )
    replications = _listed(cbr, operation_type="replication")
    assert policy["id"] not in {p["id"] for p in replications}, (
        f"4.6.3 (Table 4-194): operation_type=replication must not list the backup policy {policy['id']}"
    )
    assert all(p["operation_type"] == "replication" for p in replications), (
        "4.6.3 (Table 4-194): operation_type=replication lists replication policies only, "
        f"got {sorted({str(p['operation_type']) for p in replications})}"
    )


@pytest.mark.cbr(
    operation="list_policies",
    kind="contract",
    mutates=True,
    id="policy-list-filter-vault",
    creates={"vault": 1, "policy": 2},
)
def test_list_policies_filters_by_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.6.3 (Table 4-194): vault_id= lists only the policy applied to that vault."""
    vault = cbr_resources.vault("disk")
    applied = cbr_resources.policy()
    cbr_resources.policy()  # another policy of the project, applied to no vault
    expect_status(
        cbr.call(
            "associate_vault_policy", path={"vault_id": vault["id"]}, json_body={"policy_id": applied["id"]}
        ),
        200,
    )
    assert [p["id"] for p in _listed(cbr, vault_id=vault["id"])] == [applied["id"]], (
        f"4.6.3 (Table 4-194): vault_id= lists just the policy applied to it (4.4.8), {applied['id']}"
    )


@pytest.mark.cbr(operation="list_policies", kind="contract", id="policy-list-unknown-vault")
def test_list_policies_of_unknown_vault_is_empty(cbr: CBRClient) -> None:
    """4.6.3 (Table 4-194): vault_id of an unknown vault lists no policy (the list documents no 404)."""
    # The list documents no 404: a filter that matches nothing is an empty list.
    assert _listed(cbr, vault_id=UNKNOWN_ID) == [], (
        "4.6.3 (Table 4-194): vault_id of an unknown vault lists no policy"
    )


@pytest.mark.cbr(operation="list_policies", kind="negative", id="policy-list-invalid-operation-type")
def test_list_policies_with_unknown_operation_type_is_refused(cbr: CBRClient) -> None:
    """4.6.3 (Table 4-194): an operation_type other than backup or replication is refused with 400."""
    expect_error(cbr.call("list_policies", query={"operation_type": "archive"}), 400)


# --- update_policy --------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="update_policy",
    kind="contract",
    mutates=True,
    id="policy-update-name-only",
    creates={"policy": 1},
)
def test_update_policy_name_keeps_the_rest(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.6.4 (Table 4-205): renaming a policy changes its name only; show_policy agrees."""
    policy = cbr_resources.policy(operation_definition={"max_backups": 10}, trigger=_trigger(WEEKLY, DAILY))
    name = cbr_resources.name("renamed")
    path = {"policy_id": policy["id"]}
    updated = expect_status(cbr.call("update_policy", path=path, json_body={"policy": {"name": name}}), 200)[
        "policy"
    ]
    assert updated["id"] == policy["id"] and updated["name"] == name, (
        "4.6.4 (Table 4-210): the policy keeps its id, with the name sent, "
        f"got {updated['id']!r}, {updated['name']!r}"
    )
    assert _schedule(updated) == _schedule(policy), (
        f"4.6.4 (E-DROPPED-DEFAULTS): fields not sent stay as they are, {_schedule(policy)}, "
        f"got {_schedule(updated)}"
    )
    shown = _show(cbr, policy["id"])
    assert shown["name"] == name, (
        f"4.6.2: after a rename (4.6.4) the policy has the name sent, got {shown['name']!r}"
    )
    assert _schedule(shown) == _schedule(policy), (
        f"4.6.2: a rename (4.6.4, E-DROPPED-DEFAULTS) keeps the rest, {_schedule(policy)}, "
        f"got {_schedule(shown)}"
    )


@pytest.mark.cbr(
    operation="update_policy",
    kind="contract",
    mutates=True,
    id="policy-update-schedule",
    creates={"policy": 1},
)
def test_update_policy_schedule_and_retention(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.6.4 (Table 4-205): a new schedule and retention apply and the name stays; show_policy agrees."""
    policy = cbr_resources.policy()
    change: dict[str, Any] = {
        "enabled": True,
        "operation_definition": {"max_backups": 5, "week_backups": 2, "timezone": "UTC-05:00"},
        "trigger": _trigger(DAILY),
    }
    path = {"policy_id": policy["id"]}
    updated = expect_status(cbr.call("update_policy", path=path, json_body={"policy": change}), 200)["policy"]
    for result in (updated, _show(cbr, policy["id"])):
        assert result["name"] == policy["name"], (
            f"4.6.4 (E-DROPPED-DEFAULTS): a name not sent stays {policy['name']!r}, got {result['name']!r}"
        )
        assert result["enabled"] is True, (
            f"4.6.4 (Table 4-210): enabled is the true sent, got {result['enabled']!r}"
        )
        expect_subset(
            result["operation_definition"], change["operation_definition"], "$.operation_definition"
        )
        assert result["trigger"]["properties"]["pattern"] == [DAILY], (
            "4.6.4 (Table 4-213): trigger.properties.pattern is the one sent, "
            f"got {result['trigger']['properties']['pattern']}"
        )


@pytest.mark.cbr(
    operation="update_policy",
    kind="negative",
    mutates=True,
    id="policy-update-invalid",
    creates={"policy": 1},
)
@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"name": ""}, id="empty-name"),
        pytest.param({"name": "p" * 65}, id="name-65-characters"),
        pytest.param({"trigger": _trigger("FREQ=MONTHLY;BYHOUR=14;BYMINUTE=00")}, id="freq-monthly"),
        pytest.param(
            {"trigger": _trigger("FREQ=DAILY;INTERVAL=1;BYHOUR=14;BYMINUTE=0,30")}, id="runs-30-minutes-apart"
        ),
        pytest.param({"operation_definition": {"day_backups": 3}}, id="day-backups-without-timezone"),
        pytest.param({"operation_definition": {"max_backups": -2}}, id="max-backups-minus-2"),
    ],
)
def test_update_policy_with_invalid_values_is_refused(
    cbr: CBRClient, cbr_resources: Resources, change: dict[str, Any]
) -> None:
    """4.6.4 (Tables 4-205 to 4-208): an invalid name, schedule or retention is refused, changing nothing."""
    policy = cbr_resources.policy()
    path = {"policy_id": policy["id"]}
    expect_error(cbr.call("update_policy", path=path, json_body={"policy": change}), 400)
    shown = _show(cbr, policy["id"])
    assert shown["name"] == policy["name"] and _schedule(shown) == _schedule(policy), (
        f"4.6.4, 7.1: an update refused with 400 must leave the policy as it was, got {shown['name']!r}, "
        f"{_schedule(shown)}"
    )


@pytest.mark.cbr(operation="update_policy", kind="negative", id="policy-update-unknown")
def test_update_unknown_policy_is_not_found(cbr: CBRClient) -> None:
    """4.6.4, 7.2: updating an unknown policy answers 404 BackupService.6000."""
    body = {"policy": {"enabled": False}}
    expect_error(
        cbr.call("update_policy", path={"policy_id": UNKNOWN_ID}, json_body=body), 404, POLICY_NOT_FOUND
    )


# --- delete_policy --------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="delete_policy",
    kind="contract",
    mutates=True,
    id="policy-delete-then-gone",
    creates={"policy": 1},
)
def test_delete_policy_makes_it_unknown(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.6.5: a deleted policy answers 204, then 404 BackupService.6000, and is not listed."""
    policy = cbr_resources.policy()
    expect_status(cbr.call("delete_policy", path={"policy_id": policy["id"]}), 204)
    expect_error(cbr.call("show_policy", path={"policy_id": policy["id"]}), 404, POLICY_NOT_FOUND)
    assert policy["id"] not in {p["id"] for p in _listed(cbr)}, (
        f"4.6.3: the list must not hold policy {policy['id']}, deleted (4.6.5)"
    )


@pytest.mark.cbr(operation="delete_policy", kind="negative", id="policy-delete-unknown")
def test_delete_unknown_policy_is_not_found(cbr: CBRClient) -> None:
    """4.6.5, 7.2: deleting an unknown policy answers 404 BackupService.6000."""
    expect_error(cbr.call("delete_policy", path={"policy_id": UNKNOWN_ID}), 404, POLICY_NOT_FOUND)
