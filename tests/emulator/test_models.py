"""The models work without any HTTP: a Backend and plain function calls."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cbr_emulator import errors
from cbr_emulator.config import Settings
from cbr_emulator.defaults import PROJECT_A
from cbr_emulator.models import backup_query, checkpoints, policies, retention, triggers, vaults
from cbr_emulator.models.backend import Backend
from cbr_emulator.models.vault_resources import ResourceSpec
from tests.emulator.helpers import VOLUME, resource


@pytest.fixture
def backend() -> Iterator[Backend]:
    backend = Backend(Settings(async_delay=10))
    yield backend
    backend.close()


def disk_vault(backend: Backend, index: int, policy_id: str | None = None) -> dict[str, Any]:
    volume = resource(PROJECT_A, "volumes", index)
    request = vaults.VaultCreate(
        name="m",
        object_type="disk",
        consistent_level="crash_consistent",
        protect_type="backup",
        size=10,
        resources=(ResourceSpec(volume["id"], VOLUME),),
        backup_policy_id=policy_id,
    )
    vault: dict[str, Any] = backend.run(lambda s: vaults.create_vault(s, PROJECT_A, request))["vault"]
    return vault


def test_backup_lifecycle_through_the_backend(backend: Backend) -> None:
    vault = disk_vault(backend, 0)
    created = backend.run(
        lambda s: checkpoints.create_checkpoint(
            s, PROJECT_A, checkpoints.CheckpointCreate(vault_id=vault["id"])
        )
    )["checkpoint"]
    assert created["status"] == "protecting"
    backend.advance_clock(11)
    shown = backend.run(lambda s: checkpoints.show_checkpoint(s, PROJECT_A, created["id"]))["checkpoint"]
    assert shown["status"] == "available"
    listing = backend.run(lambda s: backup_query.list_backups(s, PROJECT_A, backup_query.BackupFilter()))
    assert listing["count"] == 1 and listing["backups"][0]["status"] == "available"


def test_errors_are_raised_as_cbr_errors(backend: Backend) -> None:
    with pytest.raises(errors.CBRError) as raised:
        backend.run(lambda s: vaults.show_vault(s, PROJECT_A, "nope"))
    assert (raised.value.status, raised.value.code) == (404, "BackupService.6105")


def test_a_failed_operation_writes_nothing(backend: Backend) -> None:
    def create_then_fail(s: Any) -> None:
        vaults.create_vault(
            s,
            PROJECT_A,
            vaults.VaultCreate(
                name="x",
                object_type="server",
                consistent_level="crash_consistent",
                protect_type="backup",
                size=1,
            ),
        )
        raise errors.invalid_parameter("late failure")

    with pytest.raises(errors.CBRError):
        backend.run(create_then_fail)
    assert backend.run(lambda s: vaults.list_vaults(s, PROJECT_A, vaults.VaultFilter()))["count"] == 0


def test_policy_triggers_through_the_backend(backend: Backend) -> None:
    policy = backend.run(
        lambda s: policies.create_policy(
            s,
            PROJECT_A,
            policies.PolicyCreate(
                name="p", operation_type="backup", patterns=("FREQ=DAILY;BYHOUR=0,6,12,18;BYMINUTE=0",)
            ),
        )
    )["policy"]
    vault = disk_vault(backend, 1, policy["id"])
    backend.advance_clock(24 * 3600)
    found = backend.run(
        lambda s: backup_query.list_backups(s, PROJECT_A, backup_query.BackupFilter(vault_id=vault["id"]))
    )
    assert found["count"] == 4


def test_next_run_counts_intervals_from_the_start() -> None:
    start = datetime(2024, 1, 1, 7, 3, 5)
    rules = ["FREQ=DAILY;INTERVAL=2;BYHOUR=6;BYMINUTE=0"]
    assert triggers.next_run(rules, start, start) == datetime(2024, 1, 3, 6, 0)
    assert triggers.next_run(rules, start, datetime(2024, 1, 3, 6, 0)) == datetime(2024, 1, 5, 6, 0)


def test_long_term_retention_keeps_the_newest_of_each_period() -> None:
    rows = [
        {"id": str(i), "created_at": f"2024-01-{day:02d}T{hour:02d}:00:00.000000"}
        for i, (day, hour) in enumerate([(3, 23), (3, 1), (2, 23), (2, 5), (1, 23)])
    ]
    assert retention.long_term(rows, {"day_backups": 2, "timezone": "UTC+00:00"}) == {"0", "2"}  # type: ignore[arg-type]
    # in UTC+02:00 the 23:00 backups belong to the next day
    assert retention.long_term(rows, {"day_backups": 2, "timezone": "UTC+02:00"}) == {"0", "1"}  # type: ignore[arg-type]
    assert retention.long_term(rows, {"month_backups": 1, "timezone": "UTC+00:00"}) == {"0"}  # type: ignore[arg-type]


def test_a_state_file_of_an_older_emulator_gains_the_new_columns(tmp_path: Path) -> None:
    """A state file written before vaults and policies had today's fields opens, and takes them."""
    from cbr_emulator import store

    path = tmp_path / "state.db"
    older = store.SCHEMA.replace("    added_fields TEXT,\n", "").replace(
        "    next_run_at TEXT,\n    start_window_minutes TEXT\n", "    next_run_at TEXT\n"
    )
    assert older != store.SCHEMA
    connection = sqlite3.connect(path)
    connection.executescript(older)
    connection.close()
    opened = store.Store(str(path))
    try:
        with opened.transaction() as tx:
            vault_columns = {row["name"] for row in tx.all("PRAGMA table_info(vaults)")}
            policy_columns = {row["name"] for row in tx.all("PRAGMA table_info(policies)")}
    finally:
        opened.close()
    assert "added_fields" in vault_columns and "start_window_minutes" in policy_columns
