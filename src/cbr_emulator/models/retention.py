"""Retention of automatic backups (table 4-176).

* ``max_backups`` N (not -1): per resource of the vault, only the N newest automatic backups are
  kept, plus the long-term ones;
* ``day/week/month/year_backups`` N: the newest backup of each of the N most recent days (weeks,
  months, years; in ``timezone``) that have backups is kept long-term, even past the limits;
* ``retention_duration_days`` D: an automatic backup expires D days after it was made, unless it is
  kept long-term (its expiry is then cleared).

Manual backups are never removed by a policy's retention; one made with the restore point's
``retention_duration_days`` expires as an automatic one does (``expiry`` says when, ``expire``
deletes it then).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime, timedelta
from typing import Any

from cbr_emulator.clock import format_timestamp, parse_timestamp
from cbr_emulator.models import backups
from cbr_emulator.models.common import Session, loads

_PERIODS: dict[str, Callable[[datetime], Hashable]] = {
    "day_backups": lambda m: m.date(),
    "week_backups": lambda m: m.isocalendar()[:2],
    "month_backups": lambda m: (m.year, m.month),
    "year_backups": lambda m: m.year,
}


def expiry(s: Session, retention_days: int) -> str | None:
    """When a backup made now with retention_duration_days D expires: D days on; never for -1 or 0."""
    return format_timestamp(s.now + timedelta(days=retention_days)) if retention_days > 0 else None


def _offset(timezone: Any) -> timedelta:
    match = re.fullmatch(r"UTC([+-])(\d\d):(\d\d)", str(timezone or "UTC+00:00"))
    if match is None:
        return timedelta(0)
    delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
    return delta if match[1] == "+" else -delta


def long_term(rows: Sequence[sqlite3.Row], definition: dict[str, Any]) -> set[str]:
    """Ids kept long-term; ``rows`` are one resource's automatic backups, newest first."""
    offset = _offset(definition.get("timezone"))
    keep: set[str] = set()
    for field, period_of in _PERIODS.items():
        wanted = int(definition.get(field) or 0)
        seen: set[Hashable] = set()
        for row in rows:
            if len(seen) >= wanted:
                break
            period = period_of(parse_timestamp(row["created_at"]) + offset)
            if period not in seen:
                seen.add(period)
                keep.add(row["id"])
    return keep


def _definition(s: Session, vault_id: str) -> tuple[dict[str, Any], str | None]:
    row = s.tx.one(
        "SELECT p.id, p.operation_definition FROM vaults v JOIN policies p ON p.id = v.policy_id "
        "WHERE v.id = ?",
        [vault_id],
    )
    return ({}, None) if row is None else (loads(row["operation_definition"]), row["id"])


def _automatic(s: Session, vault_id: str, resource_id: str) -> list[sqlite3.Row]:
    return s.tx.all(
        "SELECT * FROM backups WHERE vault_id = ? AND resource_id = ? AND parent_id IS NULL "
        "AND auto_trigger = 1 AND status = 'available' ORDER BY created_at DESC, id DESC",
        [vault_id, resource_id],
    )


def apply_counts(s: Session, vault_id: str) -> None:
    """After an automatic backup completes: enforce max_backups on each resource of the vault."""
    definition, policy_id = _definition(s, vault_id)
    limit = int(definition.get("max_backups", -1))
    if limit < 1:
        return
    resources = s.tx.all(
        "SELECT DISTINCT resource_id FROM backups WHERE vault_id = ? AND parent_id IS NULL "
        "AND auto_trigger = 1",
        [vault_id],
    )
    for resource in resources:
        rows = _automatic(s, vault_id, resource["resource_id"])
        keep = {r["id"] for r in rows[:limit]} | long_term(rows, definition)
        for row in rows:
            if row["id"] not in keep:
                backups.remove(s, row, policy_id)


def expire(s: Session, backup_id: str) -> None:
    """A backup's retention_duration_days ran out: delete it, unless it is kept long-term."""
    row = s.tx.one("SELECT * FROM backups WHERE id = ?", [backup_id])
    if row is None:
        return
    definition, policy_id = _definition(s, row["vault_id"])
    if row["id"] in long_term(_automatic(s, row["vault_id"], row["resource_id"]), definition):
        s.tx.execute("UPDATE backups SET expired_at = NULL WHERE id = ?", [backup_id])
    else:
        backups.remove(s, row, policy_id)
