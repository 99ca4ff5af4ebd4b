"""The time-driven post-conditions (postconditions/time_driven.py) as judges of listings: what a
policy that fires and a retention that removes the oldest leave, and what each breakage looks
like. Against targets at a URL, with their clock moved: tests/shared_target/test_time_driven.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cbr_conformance.postconditions.checking import Memory, PostConditionFailed, PostConditions
from cbr_conformance.postconditions.declared import BY_ID, Kind
from cbr_conformance.postconditions.rules import checked_rules
from cbr_conformance.postconditions.time_driven import (
    FIRES,
    MAX_BACKUPS,
    RETENTION_DAYS,
    automatic,
    fired,
    kept_newest,
    kept_young,
)

VAULT, SERVER, OTHER = "v-mine", "s-mine", "s-other"
FIRST = datetime(2030, 1, 7, 3, tzinfo=UTC)
DAY = timedelta(days=1)
RUNS = [FIRST + n * DAY for n in range(4)]


def _backup(n: int, *, resource: str = SERVER, vault: str = VAULT, auto: bool = True) -> dict[str, Any]:
    """The backup of the n-th run, made 5 minutes after its time."""
    made = RUNS[n] + timedelta(minutes=5)
    return {
        "id": f"b{n}-{resource}-{vault}-{auto}",
        "vault_id": vault,
        "resource_id": resource,
        "created_at": made.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "extend_info": {"auto_trigger": auto},
    }


def test_the_time_driven_rules_are_declared_and_evaluated() -> None:
    assert {BY_ID[rule].kind for rule in (FIRES, MAX_BACKUPS, RETENTION_DAYS)} == {Kind.TIME_DRIVEN}
    assert {FIRES, MAX_BACKUPS, RETENTION_DAYS} <= set(checked_rules())


def test_only_the_vault_s_automatic_backups_are_judged_oldest_first() -> None:
    listed = [_backup(1), _backup(0), _backup(0, vault="v-theirs"), _backup(1, auto=False)]
    assert [b["id"] for b in automatic(listed, VAULT)] == [_backup(0)["id"], _backup(1)["id"]]


def test_a_policy_that_fires_for_each_resource_at_each_time_meets_the_rule() -> None:
    # another client's backups, of another server in another vault or made by hand, are not judged
    listed = [_backup(0), _backup(1), _backup(0, resource=OTHER, vault="v-theirs"), _backup(1, auto=False)]
    assert fired(listed, VAULT, {SERVER}, RUNS[:2]) == []


@pytest.mark.parametrize(
    ("listed", "found"),
    [
        ([_backup(0)], "made no automatic backup of resource s-mine"),  # misses a time
        ([_backup(0, auto=False), _backup(1, auto=False)], "made no automatic backup"),  # by hand
        ([_backup(0, resource=OTHER), _backup(1, resource=OTHER)], "which the vault does not hold"),
    ],
    ids=["misses a time", "not automatic", "another resource"],
)
def test_a_policy_that_does_not_fire_for_the_vault_s_resources_breaks_the_rule(
    listed: list[dict[str, Any]], found: str
) -> None:
    problems = fired(listed, VAULT, {SERVER}, RUNS[:2])
    assert problems and any(found in p for p in problems), problems


def test_a_backup_made_more_than_the_delay_after_its_time_is_not_that_time_s() -> None:
    late = _backup(0) | {"created_at": (RUNS[0] + timedelta(minutes=61)).isoformat()}
    assert fired([late], VAULT, {SERVER}, RUNS[:1]) != []


@pytest.mark.parametrize(
    ("kept", "met"),
    [((2, 3), True), ((0, 1), False), ((3,), False), ((0, 1, 2, 3), False), ((1, 2, 3), False)],
    ids=["the newest", "the oldest", "too few", "none removed", "one too many"],
)
def test_max_backups_keeps_the_newest_and_only_those(kept: tuple[int, ...], met: bool) -> None:
    problems = kept_newest([_backup(n) for n in kept], VAULT, {SERVER}, RUNS, 2)
    assert (problems == []) is met, problems


@pytest.mark.parametrize(
    ("kept", "met"),
    [((2, 3), True), ((3,), False), ((0, 1, 2, 3), False), ((1, 2, 3), False)],
    ids=["the young", "too many removed", "none removed", "one expired kept"],
)
def test_retention_duration_removes_what_expired_and_only_that(kept: tuple[int, ...], met: bool) -> None:
    now = RUNS[3] + 2 * timedelta(hours=1)
    problems = kept_young([_backup(n) for n in kept], VAULT, {SERVER}, RUNS, 2, now)
    assert (problems == []) is met, problems


def test_a_time_within_the_delays_of_expiring_is_not_judged() -> None:
    now = RUNS[3] + timedelta(hours=1)  # the second run's backup may or may not be gone yet
    for kept in ((1, 2, 3), (2, 3)):
        assert kept_young([_backup(n) for n in kept], VAULT, {SERVER}, RUNS, 2, now) == []


def test_a_judged_rule_is_tallied_met_or_fails_naming_its_operation() -> None:
    checks = PostConditions(Memory())
    checks.judge(BY_ID[FIRES], [], None)
    with pytest.raises(PostConditionFailed) as failed:
        checks.judge(BY_ID[MAX_BACKUPS], ["resource s: kept the oldest"], None)
    assert str(failed.value).startswith("create_policy: post-condition create_policy.max_backups broken")
    assert checks.tally.drain() == {FIRES: {"met": 1}, MAX_BACKUPS: {"failed": 1}}
