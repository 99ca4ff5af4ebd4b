"""SQLite persistence: WAL, foreign keys, one serialized transaction at a time.

One connection is shared by all threads (``:memory:`` needs exactly that) and guarded by a
re-entrant lock, so concurrent requests never interleave their reads and writes: each request's
writes form a single transaction that either commits whole or leaves no trace.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

SCHEMA_VERSION = "1"

# Columns for the fields today's service has beyond the reference, added to a state file that an
# older emulator wrote (CREATE TABLE IF NOT EXISTS leaves its tables as they were).
# start_window_minutes is JSON text: the SDK bounds it nowhere, and SQLite's integers stop at 2**63.
ADDED_COLUMNS = (
    ("vaults", "added_fields", "TEXT"),
    ("policies", "start_window_minutes", "TEXT"),
    ("vaults", "replication_policy_id", "TEXT"),
    ("vaults", "destination_vault_id", "TEXT"),
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS policies (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    operation_type TEXT NOT NULL,
    operation_definition TEXT NOT NULL,
    patterns TEXT NOT NULL,
    trigger_id TEXT NOT NULL,
    start_time TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    next_run_at TEXT,
    start_window_minutes TEXT
);
CREATE INDEX IF NOT EXISTS policies_by_project ON policies(project_id, created_at);
CREATE INDEX IF NOT EXISTS policies_by_next_run ON policies(next_run_at) WHERE next_run_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS vaults (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    object_type TEXT NOT NULL,
    consistent_level TEXT NOT NULL,
    protect_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    charging_mode TEXT NOT NULL,
    cloud_type TEXT NOT NULL,
    is_auto_renew INTEGER NOT NULL,
    is_auto_pay INTEGER NOT NULL,
    console_url TEXT,
    status TEXT NOT NULL,
    enterprise_project_id TEXT NOT NULL,
    auto_bind INTEGER NOT NULL,
    bind_rules TEXT,
    tags TEXT NOT NULL,
    auto_expand INTEGER NOT NULL,
    smn_notify INTEGER NOT NULL,
    threshold INTEGER NOT NULL,
    added_fields TEXT,
    policy_id TEXT REFERENCES policies(id) ON DELETE SET NULL,
    replication_policy_id TEXT,
    destination_vault_id TEXT,
    user_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX IF NOT EXISTS vaults_by_project ON vaults(project_id, created_at);
CREATE INDEX IF NOT EXISTS vaults_by_policy ON vaults(policy_id);

CREATE TABLE IF NOT EXISTS vault_resources (
    vault_id TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    extra_info TEXT,
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (vault_id, resource_id),
    -- a resource belongs to one vault at a time
    UNIQUE (project_id, resource_id)
);

CREATE TABLE IF NOT EXISTS checkpoints (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    vault_id TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
    vault_name TEXT NOT NULL,
    status TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    retention_duration INTEGER NOT NULL,
    auto_trigger INTEGER NOT NULL,
    policy_id TEXT,
    resources TEXT NOT NULL,
    skipped TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
CREATE INDEX IF NOT EXISTS checkpoints_by_vault ON checkpoints(vault_id);

CREATE TABLE IF NOT EXISTS backups (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    checkpoint_id TEXT NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
    vault_id TEXT NOT NULL REFERENCES vaults(id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES backups(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    image_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_size INTEGER NOT NULL,
    resource_az TEXT,
    enterprise_project_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    size_mb INTEGER NOT NULL,
    auto_trigger INTEGER NOT NULL,
    incremental INTEGER NOT NULL,
    extend_info TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    protected_at TEXT,
    expired_at TEXT
);
CREATE INDEX IF NOT EXISTS backups_by_project ON backups(project_id, parent_id, created_at);
CREATE INDEX IF NOT EXISTS backups_by_status ON backups(project_id, status, created_at);
CREATE INDEX IF NOT EXISTS backups_by_type ON backups(project_id, resource_type, created_at);
-- filter and default order in one index: a page of one resource's backups reads only that page
CREATE INDEX IF NOT EXISTS backups_by_resource2 ON backups(project_id, resource_id, parent_id, created_at);
CREATE INDEX IF NOT EXISTS backups_by_name2 ON backups(project_id, name, parent_id, created_at);
CREATE INDEX IF NOT EXISTS backups_by_vault ON backups(vault_id, resource_id, status);
CREATE INDEX IF NOT EXISTS backups_by_checkpoint ON backups(checkpoint_id);
CREATE INDEX IF NOT EXISTS backups_by_parent ON backups(parent_id);
CREATE INDEX IF NOT EXISTS backups_by_expiry ON backups(expired_at) WHERE expired_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS members (
    id TEXT PRIMARY KEY,
    backup_id TEXT NOT NULL REFERENCES backups(id) ON DELETE CASCADE,
    owner_project_id TEXT NOT NULL,
    dest_project_id TEXT NOT NULL,
    status TEXT NOT NULL,
    vault_id TEXT,
    image_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    UNIQUE (backup_id, dest_project_id)
);
CREATE INDEX IF NOT EXISTS members_by_destination ON members(dest_project_id, status);

CREATE TABLE IF NOT EXISTS operation_logs (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    operation_type TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_id TEXT,
    checkpoint_id TEXT,
    policy_id TEXT,
    vault_id TEXT,
    vault_name TEXT,
    resource_id TEXT,
    resource_name TEXT,
    enterprise_project_id TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    updated_at TEXT,
    extra_info TEXT NOT NULL,
    error_info TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS operation_logs_by_project ON operation_logs(project_id, created_at);
CREATE INDEX IF NOT EXISTS operation_logs_by_checkpoint ON operation_logs(checkpoint_id);

-- asynchronous transitions still to happen, in due_at order
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    extra TEXT,
    due_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_due ON jobs(due_at, id);
"""

# Deleted by a reset, children first (the foreign keys would cascade, this is just explicit).
STATE_TABLES = (
    "jobs",
    "members",
    "operation_logs",
    "backups",
    "checkpoints",
    "vault_resources",
    "vaults",
    "policies",
    "meta",
)


class Tx:
    """The handle a transaction's code uses; thin typed helpers over the connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._connection.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._connection.executemany(sql, [tuple(r) for r in rows])

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._connection.execute(sql, tuple(params)).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self._connection.execute(sql, tuple(params)).fetchall())

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._connection.execute(sql, tuple(params)).fetchone()
        return None if row is None else row[0]

    def insert(self, table: str, values: dict[str, Any]) -> None:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))

    def update(self, table: str, key: str, values: dict[str, Any]) -> None:
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*values.values(), key])

    def get_meta(self, key: str) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", [key])
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


class Store:
    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._connection.row_factory = sqlite3.Row
        with self.lock:
            if path != ":memory:":
                self._connection.execute("PRAGMA journal_mode=WAL")
                self._connection.execute("PRAGMA synchronous=NORMAL")
            self._connection.execute("PRAGMA foreign_keys=ON")
            self._connection.execute("PRAGMA busy_timeout=30000")
            self._connection.executescript(SCHEMA)
            for table, column, kind in ADDED_COLUMNS:
                present = {row["name"] for row in self._connection.execute(f"PRAGMA table_info({table})")}
                if column not in present:
                    self._connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            with self.transaction() as tx:
                if tx.get_meta("schema_version") is None:
                    tx.set_meta("schema_version", SCHEMA_VERSION)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK if the block raises."""
        with self.lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def wipe(self) -> None:
        """Remove every piece of CBR state (the reset of the control API)."""
        with self.transaction() as tx:
            for table in STATE_TABLES:
                tx.execute(f"DELETE FROM {table}")
            tx.set_meta("schema_version", SCHEMA_VERSION)

    def close(self) -> None:
        with self.lock:
            self._connection.close()
