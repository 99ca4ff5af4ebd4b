"""Policies that fire on the virtual clock, and retention of automatic backups."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from cbr_emulator.clock import parse_timestamp
from cbr_emulator.defaults import PROJECT_A
from tests.emulator.conftest import TEST_ASYNC_DELAY
from tests.emulator.helpers import Api, Control, back_up, backups_of, logs_of, policy_body, resource

HOURLY = "FREQ=DAILY;BYHOUR=" + ",".join(str(h) for h in range(24)) + ";BYMINUTE=0"
HOUR = 3600


def now_of(control: Control) -> datetime:
    return parse_timestamp(control.client.request("GET", "/_emulator/clock").json()["now"])


def to_next_hour(control: Control) -> None:
    """Advance to one second past the next full hour (the first hourly run)."""
    now = now_of(control)
    following = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    control.advance((following - now).total_seconds() + 1)


def scheduled_vault(
    api: Api, pattern: str = HOURLY, index: int = 0, **definition: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    policy = api.create_policy(pattern=pattern, **definition)
    vault = api.create_vault("disk", [resource(PROJECT_A, "volumes", index)], backup_policy_id=policy["id"])
    return policy, vault


def test_policy_fires_at_its_time_and_names_backups_autobk(api_a: Api, control: Control) -> None:
    policy, vault = scheduled_vault(api_a, retention_duration_days=7)
    to_next_hour(control)
    [backup] = backups_of(api_a, vault_id=vault["id"])
    assert backup["name"].startswith("autobk_") and backup["extend_info"]["auto_trigger"] is True
    assert backup["status"] == "protecting"
    assert backup["created_at"].endswith(":00:00.000000")
    created = parse_timestamp(backup["created_at"])
    assert backup["expired_at"] == (created + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    checkpoint = api_a.get(f"/checkpoints/{backup['checkpoint_id']}").json()["checkpoint"]
    assert checkpoint["extra_info"]["retention_duration"] == 7
    [log] = logs_of(api_a, operation_type="backup")
    assert log["policy_id"] == policy["id"] and log["status"] == "running"
    control.advance(TEST_ASYNC_DELAY)
    assert backups_of(api_a, vault_id=vault["id"])[0]["status"] == "available"
    assert logs_of(api_a, operation_type="backup")[0]["status"] == "success"


def test_advancing_runs_every_trigger_in_time_order(api_a: Api, control: Control) -> None:
    _, vault = scheduled_vault(api_a)
    to_next_hour(control)
    control.advance(5 * HOUR + TEST_ASYNC_DELAY)
    found = backups_of(api_a, vault_id=vault["id"], sort="created_at:asc")
    assert len(found) == 6 and {b["status"] for b in found} == {"available"}
    times = [parse_timestamp(b["created_at"]) for b in found]
    assert all(later - earlier == timedelta(hours=1) for earlier, later in itertools.pairwise(times))
    assert [b["extend_info"]["incremental"] for b in found] == [False] + [True] * 5


def test_daily_and_weekly_patterns(api_a: Api, control: Control) -> None:
    now = now_of(control)
    _, daily = scheduled_vault(api_a, f"FREQ=DAILY;BYHOUR={now.hour};BYMINUTE={now.minute}", index=1)
    day = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][now.weekday()]
    _, weekly = scheduled_vault(
        api_a, f"FREQ=WEEKLY;BYDAY={day};BYHOUR={now.hour};BYMINUTE={now.minute}", index=2
    )
    control.advance(7 * 24 * HOUR)
    assert len(backups_of(api_a, vault_id=daily["id"])) == 7
    assert len(backups_of(api_a, vault_id=weekly["id"])) == 1


def test_disabled_policy_and_vault_without_resources_do_not_back_up(api_a: Api, control: Control) -> None:
    body = policy_body(pattern=HOURLY)
    body["policy"]["enabled"] = False
    disabled = api_a.post("/policies", json=body).json()["policy"]
    api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 3)], backup_policy_id=disabled["id"])
    empty_policy = api_a.create_policy(pattern=HOURLY)
    api_a.create_vault("disk", backup_policy_id=empty_policy["id"])
    api_a.create_policy(pattern=HOURLY)  # applied to no vault
    control.advance(3 * HOUR)
    assert backups_of(api_a) == []
    api_a.put(f"/policies/{disabled['id']}", json={"policy": {"enabled": True}})
    control.advance(2 * HOUR)
    assert len(backups_of(api_a)) == 2


def test_policy_applied_later_does_not_fire_for_the_past(api_a: Api, control: Control) -> None:
    policy = api_a.create_policy(pattern=HOURLY)
    control.advance(10 * HOUR)
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 4)])
    api_a.post(f"/vaults/{vault['id']}/associatepolicy", json={"policy_id": policy["id"]})
    assert backups_of(api_a) == []
    control.advance(HOUR)
    assert len(backups_of(api_a)) == 1


def test_max_backups_keeps_the_newest_automatic_backups(api_a: Api, control: Control) -> None:
    policy, vault = scheduled_vault(api_a, max_backups=2, index=5)
    manual = back_up(api_a, vault["id"], name="keep-me")
    control.advance(TEST_ASYNC_DELAY + 1)
    to_next_hour(control)
    control.advance(4 * HOUR + TEST_ASYNC_DELAY)
    found = backups_of(api_a, vault_id=vault["id"], sort="created_at:asc")
    automatic = [b for b in found if b["extend_info"]["auto_trigger"]]
    assert len(automatic) == 2
    assert automatic[-1]["created_at"] > automatic[0]["created_at"]
    assert [b["checkpoint_id"] for b in found if not b["extend_info"]["auto_trigger"]] == [manual["id"]]
    deletions = logs_of(api_a, operation_type="delete")
    assert len(deletions) == 3 and {log["policy_id"] for log in deletions} == {policy["id"]}


def test_retention_duration_deletes_expired_automatic_backups(api_a: Api, control: Control) -> None:
    _, vault = scheduled_vault(api_a, retention_duration_days=1, index=6)
    to_next_hour(control)
    control.advance(30 * HOUR)
    found = backups_of(api_a, vault_id=vault["id"])
    assert len(found) == 24
    newest = parse_timestamp(found[0]["created_at"])
    assert all(newest - parse_timestamp(b["created_at"]) < timedelta(days=1) for b in found)


def test_long_term_daily_backups_outlive_max_backups(api_a: Api, control: Control) -> None:
    _, vault = scheduled_vault(api_a, max_backups=1, day_backups=3, timezone="UTC+00:00", index=7)
    # End half past an hour, whatever the clock's time now: ended just after an hour, the last fire
    # would still be protecting, and retention (which counts available backups only) would not
    # have run on it yet, while the list shows it.
    to_next_hour(control)
    control.advance(HOUR / 2 + 4 * 24 * HOUR)
    found = backups_of(api_a, vault_id=vault["id"])
    days = [b["created_at"][:10] for b in found]
    assert len(found) == 3 and len(set(days)) == 3
    assert all(b["created_at"][11:13] == "23" for b in found[1:])  # the last backup of earlier days


def test_a_busy_resource_is_skipped_by_the_schedule(api_a: Api, control: Control) -> None:
    policy, vault = scheduled_vault(api_a, index=8)
    now = now_of(control)
    following = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    control.advance((following - now).total_seconds() - 5)
    back_up(api_a, vault["id"])  # still protecting when the policy fires 5 s later
    control.advance(10)
    [skipped] = logs_of(api_a, status="skipped")
    assert skipped["policy_id"] == policy["id"] and skipped["error_info"]["code"] == "BackupService.0002"


def test_a_full_vault_fails_its_run_and_the_policys_other_vaults_are_backed_up(
    api_a: Api, control: Control
) -> None:
    policy = api_a.create_policy(pattern=HOURLY)
    full = api_a.create_vault(
        "server", [resource(PROJECT_A, "servers", 0)], size=1, backup_policy_id=policy["id"]
    )
    back_up(api_a, full["id"])  # the one backup that fills it
    control.advance(TEST_ASYNC_DELAY)
    roomy = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 9)], backup_policy_id=policy["id"])
    to_next_hour(control)
    [failed] = logs_of(api_a, vault_id=full["id"], status="failed")
    assert failed["policy_id"] == policy["id"]
    assert failed["error_info"] == {
        "code": "BackupService.6114",
        "message": "The used capacity of the vault exceeds the maximum capacity.",
    }
    assert len(backups_of(api_a, vault_id=full["id"])) == 1
    [automatic] = backups_of(api_a, vault_id=roomy["id"])
    assert automatic["extend_info"]["auto_trigger"] is True
