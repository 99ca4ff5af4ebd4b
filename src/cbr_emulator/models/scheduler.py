"""Everything that happens on its own, run in time order up to the virtual "now".

Three kinds of due work, the earliest first (ties: jobs, then expiries, then triggers):

* jobs: a checkpoint's backups become available, a restore completes (after the async delay);
* expiries: automatic backups whose retention_duration_days ran out;
* triggers: enabled policies applied to vaults fire at their pattern's times, each making a
  checkpoint of every such vault that has resources (``autobk_`` names, auto_trigger true).

Each piece of work runs with the session's clock set to the moment it was due, so timestamps are
those the real service would have written, whenever the emulator gets to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cbr_emulator import errors
from cbr_emulator.clock import format_timestamp, parse_start_time, parse_timestamp
from cbr_emulator.models import backups, checkpoints, operation_logs, resource_backups, retention, triggers
from cbr_emulator.models.common import Session, loads

# A guard against runaway catch-up (e.g. years of hourly triggers): the rest waits for the next call.
MAX_EVENTS_PER_CALL = 100_000


@dataclass(frozen=True, order=True)
class Due:
    at: datetime
    rank: int
    ref: str
    kind: str = ""
    extra: str | None = None
    job_id: int = 0


def next_due(s: Session) -> Due | None:
    found = []
    job = s.tx.one("SELECT id, kind, ref_id, extra, due_at FROM jobs ORDER BY due_at, id LIMIT 1")
    if job is not None:
        found.append(
            Due(parse_timestamp(job["due_at"]), 0, job["ref_id"], job["kind"], job["extra"], job["id"])
        )
    expiring = s.tx.one(
        "SELECT id, expired_at FROM backups WHERE expired_at IS NOT NULL AND parent_id IS NULL "
        "AND status = 'available' ORDER BY expired_at, id LIMIT 1"
    )
    if expiring is not None:
        found.append(Due(parse_timestamp(expiring["expired_at"]), 1, expiring["id"], "expiry"))
    policy = s.tx.one(
        "SELECT id, next_run_at FROM policies p WHERE next_run_at IS NOT NULL AND enabled = 1 "
        "AND EXISTS (SELECT 1 FROM vaults v WHERE v.policy_id = p.id) ORDER BY next_run_at, id "
        "LIMIT 1"
    )
    if policy is not None:
        found.append(Due(parse_timestamp(policy["next_run_at"]), 2, policy["id"], "trigger"))
    return min(found) if found else None


def run_due(s: Session) -> None:
    for _ in range(MAX_EVENTS_PER_CALL):
        due = next_due(s)
        if due is None or due.at > s.now:
            return
        run_one(s.at(due.at), due)


def run_one(s: Session, due: Due) -> None:
    if due.kind == "expiry":
        retention.expire(s, due.ref)
    elif due.kind == "trigger":
        fire(s, due.ref)
    else:
        s.tx.execute("DELETE FROM jobs WHERE id = ?", [due.job_id])
        if due.kind == "checkpoint":
            row = checkpoints.complete(s, due.ref)
            if row is not None and row["auto_trigger"] and row["policy_id"] is not None:
                retention.apply_counts(s, row["vault_id"])
        elif due.kind == "restore":
            backups.complete_restore(s, due.ref, due.extra)


def fire(s: Session, policy_id: str) -> None:
    """One run of a policy: back up each of its vaults that has resources; schedule the next run."""
    policy = s.tx.one("SELECT * FROM policies WHERE id = ?", [policy_id])
    if policy is None:
        return
    definition = loads(policy["operation_definition"])
    run = resource_backups.BackupRun(
        name=None,
        description="",
        incremental=True,
        auto_trigger=True,
        policy_id=policy_id,
        retention_days=int(definition.get("retention_duration_days", -1)),
    )
    vaults = s.tx.all(
        "SELECT * FROM vaults v WHERE v.policy_id = ? AND EXISTS "
        "(SELECT 1 FROM vault_resources r WHERE r.vault_id = v.id) ORDER BY created_at, id",
        [policy_id],
    )
    for vault in vaults:
        try:
            checkpoints.back_up_vault(s, vault, (), run)
        except errors.CBRError as refused:  # e.g. a full vault: the run fails for it, the others go on
            operation_logs.record(
                s,
                vault["project_id"],
                "backup",
                status="failed",
                finished=True,
                vault=vault,
                policy_id=policy_id,
                error=(refused.code, refused.message),
            )
    following = triggers.next_run(loads(policy["patterns"]), parse_start_time(policy["start_time"]), s.now)
    s.tx.execute(
        "UPDATE policies SET next_run_at = ? WHERE id = ?",
        [None if following is None else format_timestamp(following), policy_id],
    )
