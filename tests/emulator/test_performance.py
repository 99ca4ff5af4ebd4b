"""Listing backups with 100k of them: right answers, and every query behind a listing searches an
index rather than scanning the table (the plans SQLite reports, not timings: speed is measured in
bench/emulator_scale.py)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from starlette.testclient import TestClient

from cbr_emulator.defaults import PROJECT_A
from cbr_emulator.store import Tx
from tests.emulator.helpers import Api, back_up, backups_of, resource

ROWS = 100_000


def clone_backups(client: TestClient, template_id: str) -> None:
    with client.app.state.backend.store.transaction() as tx:  # type: ignore[attr-defined]
        tx.execute(
            f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
            INSERT INTO backups SELECT printf('%08d-0000-4000-8000-%012d', i, i), project_id, checkpoint_id,
                vault_id, NULL, 'bk-' || (i % 1000), description,
                CASE i % 10 WHEN 0 THEN 'error' WHEN 1 THEN 'protecting' ELSE 'available' END, image_type,
                printf('res-%05d', i % 5000), resource_name, resource_type, resource_size, resource_az,
                enterprise_project_id, provider_id, size_mb, i % 2, incremental, extend_info,
                printf('2024-%02d-%02dT%02d:%02d:%02d.%06d',
                       1 + i % 12, 1 + i % 28, i % 24, i % 60, i % 60, i),
                NULL, NULL, NULL
            FROM backups, n WHERE backups.id = ?""",
            [template_id],
        )


class QueryPlans:
    """Records the SELECTs on backups a request makes, to read SQLite's plan for each."""

    def __init__(self, connection: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
        self.connection = connection
        self.statements: list[tuple[str, tuple[Any, ...]]] = []
        for name in ("execute", "one", "all", "scalar"):
            monkeypatch.setattr(Tx, name, self._recording(getattr(Tx, name)))

    def _recording(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def record(tx: Tx, sql: str, params: Sequence[Any] = ()) -> Any:
            if sql.lstrip().upper().startswith("SELECT") and re.search(r"\bbackups\b", sql):
                self.statements.append((sql, tuple(params)))
            return method(tx, sql, params)

        return record

    def searched_columns(self) -> set[str]:
        """Columns of backups that the recorded queries look up through an index."""
        found: set[str] = set()
        for sql, params in self.statements:
            for step in self.connection.execute(f"EXPLAIN QUERY PLAN {sql}", params):
                match = re.match(
                    r"SEARCH (?:backups|b|x) USING (?:COVERING )?INDEX \w+ \((.*)\)", step["detail"]
                )
                if match:
                    found.update(re.findall(r"(\w+)\s*[=<>]", match[1]))
        return found

    def full_scans(self) -> list[str]:
        """Plan steps that read the backups table row by row instead of searching an index."""
        found = []
        for sql, params in self.statements:
            for step in self.connection.execute(f"EXPLAIN QUERY PLAN {sql}", params):
                detail = str(step["detail"])
                if re.match(r"SCAN (backups|b|x)\b", detail):
                    found.append(f"{detail}  <- {' '.join(sql.split())[:160]}")
        return found


def listed(api: Api, plans: QueryPlans, by: set[str], **params: Any) -> dict[str, Any]:
    """List backups, requiring that no query behind the listing scans the whole table and that
    an index narrows it down by the columns `by`."""
    plans.statements.clear()
    answer = api.get("/backups", params=params)
    assert answer.status_code == 200, answer.text
    assert plans.statements, "the listing ran no query on backups"
    assert plans.full_scans() == [], params
    assert by <= plans.searched_columns(), (params, plans.searched_columns())
    result: dict[str, Any] = answer.json()
    return result


def test_list_backups_at_100k_rows(api_a: Api, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 0)])
    checkpoint = back_up(api_a, vault["id"])
    [template] = backups_of(api_a, checkpoint_id=checkpoint["id"])
    clone_backups(client, template["id"])
    plans = QueryPlans(client.app.state.backend.store._connection, monkeypatch)  # type: ignore[attr-defined]
    assert listed(api_a, plans, {"project_id", "parent_id"}, limit=100)["count"] == ROWS + 1
    assert listed(api_a, plans, {"status"}, status="error", limit=50)["count"] == ROWS // 10
    assert listed(api_a, plans, {"resource_id"}, resource_id="res-00042")["count"] == ROWS // 5000
    assert (
        listed(api_a, plans, {"name"}, name="bk-7", sort="created_at:asc", limit=10)["count"] == ROWS // 1000
    )
    assert (
        listed(
            api_a,
            plans,
            {"created_at"},
            start_time="2024-03-01T00:00:00Z",
            end_time="2024-03-31T23:59:59Z",
            limit=10,
        )["count"]
        > 0
    )
    first = listed(api_a, plans, {"project_id"}, limit=10, sort="name:asc,created_at:desc")["backups"]
    following = listed(
        api_a, plans, {"project_id"}, limit=10, sort="name:asc,created_at:desc", marker=first[-1]["id"]
    )["backups"]
    assert following[0]["id"] != first[-1]["id"]
    assert (
        len(listed(api_a, plans, {"project_id", "parent_id"}, limit=1000, offset=50_000)["backups"]) == 1000
    )
