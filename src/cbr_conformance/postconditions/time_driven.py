"""The time-driven rules of declared.py: what a target's clock passing a policy's times implies.

They are judged where the suite moves the target's clock (the policy scenarios, with time
control): only there does it know which of the pattern's times have passed. Each judge takes the
vault's backups as one listing shows them, the resources the vault holds and the times passed,
and returns the problems it found (none: the rule holds); `settle` tallies the result beside the
other post-conditions, or fails with `PostConditionFailed` naming the operation and the rule.

What is judged is only what every reading agrees on (E-RETENTION-SCOPE):
- only the backups of the given vault that say they were made automatically (auto_trigger true):
  another client's backups, in other vaults or made by hand, are never the policy's;
- a time's backup is made within `SCHEDULER_DELAY` after it, and what retention removes is gone
  within `SCHEDULER_DELAY` after it is due (the reference gives no figure; the pattern's times
  are at least an hour apart, so each backup still belongs to one time);
- retention is judged on vaults of one resource holding only the policy's backups, made at times
  a day apart: whether `max_backups` counts per resource or per vault, whether manual backups
  count, and which of two backups made at one instant is the oldest are left open by the
  reference, and the judges never depend on them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from cbr_conformance.postconditions.checking import PostConditionFailed
from cbr_conformance.postconditions.declared import BY_ID
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.moments import moment
from cbr_conformance.transport.recording import Exchange

SCHEDULER_DELAY = timedelta(hours=1)  # the shortest interval between two times of a pattern (4.6.1)

FIRES = "associate_vault_policy.fires"
MAX_BACKUPS = "create_policy.max_backups"
RETENTION_DAYS = "create_policy.retention_duration_days"


def automatic(backups: Iterable[Mapping[str, Any]], vault_id: str) -> list[Mapping[str, Any]]:
    """The backups of the vault that say a policy made them (auto_trigger true), oldest first."""
    mine = [
        b
        for b in backups
        if b.get("vault_id") == vault_id and (b.get("extend_info") or {}).get("auto_trigger") is True
    ]
    return sorted(mine, key=lambda b: moment(str(b.get("created_at"))))


def _of_time(backups: Iterable[Mapping[str, Any]], resource: str, time: datetime) -> list[str]:
    """The ids of the resource's backups made for the time: within the delay after it."""
    return [
        str(b.get("id"))
        for b in backups
        if b.get("resource_id") == resource
        and time <= moment(str(b.get("created_at"))) < time + SCHEDULER_DELAY
    ]


def _shown(backups: Sequence[Mapping[str, Any]]) -> str:
    listed = ", ".join(f"{b.get('id')} of {b.get('resource_id')} at {b.get('created_at')}" for b in backups)
    return f"(the vault's automatic backups: {listed or 'none'})"


def fired(
    backups: Iterable[Mapping[str, Any]], vault_id: str, resources: Collection[str], times: Sequence[datetime]
) -> list[str]:
    """associate_vault_policy.fires: each resource has a backup of each time passed (times whose
    backups retention keeps), and no backup is of a resource the vault does not hold."""
    made = automatic(backups, vault_id)
    problems = [
        f"the policy made no automatic backup of resource {resource} in vault {vault_id} within "
        f"{SCHEDULER_DELAY} after its time {time:%Y-%m-%d %H:%M}Z {_shown(made)}"
        for time in times
        for resource in sorted(resources)
        if not _of_time(made, resource, time)
    ]
    problems += [
        f"automatic backup {b.get('id')} in vault {vault_id} is of resource {b.get('resource_id')}, "
        f"which the vault does not hold ({', '.join(sorted(resources))})"
        for b in made
        if b.get("resource_id") not in resources
    ]
    return problems


def _kept_and_gone(
    made: Sequence[Mapping[str, Any]],
    resources: Collection[str],
    kept: Sequence[datetime],
    gone: Sequence[datetime],
    why: str,
) -> list[str]:
    problems = []
    for resource in sorted(resources):
        problems += [
            f"resource {resource}: the backup of the time {time:%Y-%m-%d %H:%M}Z is gone, though {why} "
            f"keeps it {_shown(made)}"
            for time in kept
            if not _of_time(made, resource, time)
        ]
        problems += [
            f"resource {resource}: backup {backup} of the time {time:%Y-%m-%d %H:%M}Z is still listed, "
            f"though {why} removes it {_shown(made)}"
            for time in gone
            for backup in _of_time(made, resource, time)
        ]
    return problems


def kept_newest(
    backups: Iterable[Mapping[str, Any]],
    vault_id: str,
    resources: Collection[str],
    times: Sequence[datetime],
    keep: int,
) -> list[str]:
    """create_policy.max_backups: of the times passed (oldest first), the backups of the `keep`
    newest are listed and none of the older ones."""
    newest = list(times[-keep:]) if keep > 0 else []
    older = list(times[: len(times) - len(newest)])
    return _kept_and_gone(automatic(backups, vault_id), resources, newest, older, f"max_backups {keep}")


def kept_young(
    backups: Iterable[Mapping[str, Any]],
    vault_id: str,
    resources: Collection[str],
    times: Sequence[datetime],
    days: int,
    now: datetime,
) -> list[str]:
    """create_policy.retention_duration_days: a time's backup is gone once `days` have passed
    since it was made and removed (a delay each), and listed while fewer have passed; the times
    in between are not judged."""
    duration = timedelta(days=days)
    young = [time for time in times if time + duration > now]
    old = [time for time in times if time + 2 * SCHEDULER_DELAY + duration <= now]
    return _kept_and_gone(
        automatic(backups, vault_id), resources, young, old, f"retention_duration_days {days}"
    )


def settle(client: CBRClient, rule_id: str, problems: list[str], exchange: Exchange | None) -> None:
    """Tally a time-driven rule in the test's post-conditions (met), or fail it naming its
    operation and the read that shows it."""
    __tracebackhide__ = True
    checks = client.postconditions
    if checks is not None:
        checks.judge(BY_ID[rule_id], problems, exchange)
    elif problems:
        raise PostConditionFailed(BY_ID[rule_id], problems, exchange)
