"""Listing backups stays fast with 100k of them (the schema's indexes are what this pins down)."""

from __future__ import annotations

import time
from typing import Any

from starlette.testclient import TestClient

from cbr_emulator.defaults import PROJECT_A
from tests.emulator.helpers import Api, back_up, backups_of, resource

ROWS = 100_000
BUDGET_SECONDS = 1.5  # per listing, generous for slow CI machines; typically ~0.1 s


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


def timed(api: Api, **params: Any) -> dict[str, Any]:
    started = time.perf_counter()
    answer = api.get("/backups", params=params)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    assert elapsed < BUDGET_SECONDS, (params, elapsed)
    result: dict[str, Any] = answer.json()
    return result


def test_list_backups_at_100k_rows(api_a: Api, client: TestClient) -> None:
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 0)])
    checkpoint = back_up(api_a, vault["id"])
    [template] = backups_of(api_a, checkpoint_id=checkpoint["id"])
    clone_backups(client, template["id"])
    assert timed(api_a, limit=100)["count"] == ROWS + 1
    assert timed(api_a, status="error", limit=50)["count"] == ROWS // 10
    assert timed(api_a, resource_id="res-00042")["count"] == ROWS // 5000
    assert timed(api_a, name="bk-7", sort="created_at:asc", limit=10)["count"] == ROWS // 1000
    assert (
        timed(api_a, start_time="2024-03-01T00:00:00Z", end_time="2024-03-31T23:59:59Z", limit=10)["count"]
        > 0
    )
    first = timed(api_a, limit=10, sort="name:asc,created_at:desc")["backups"]
    following = timed(api_a, limit=10, sort="name:asc,created_at:desc", marker=first[-1]["id"])["backups"]
    assert following[0]["id"] != first[-1]["id"]
    assert len(timed(api_a, limit=1000, offset=50_000)["backups"]) == 1000
