"""Tasks (reference section 4.1): the operation logs that backups, restores and deletions leave."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cbr_conformance.contract.codes import TASK_NOT_FOUND, UNKNOWN_ID
from cbr_conformance.contract.resource_types import VOLUME
from cbr_conformance.resources.provision import Resources
from cbr_conformance.resources.tasks import Task, extra, wait_task
from cbr_conformance.target.client import CBRClient
from cbr_conformance.testkit.expect import expect_error, expect_status
from cbr_conformance.testkit.paging import page_query


def _list(cbr: CBRClient, **query: Any) -> dict[str, Any]:
    body: dict[str, Any] = expect_status(cbr.call("list_operation_logs", query=page_query(**query)), 200)
    return body


def _ids(body: dict[str, Any]) -> list[str]:
    return [t["id"] for t in body["operation_logs"]]


def _of_backup(backup: dict[str, Any]) -> Callable[[Task], bool]:
    """The backup task that made this backup: same restore point, or naming the backup."""
    return lambda t: (
        t["operation_type"] == "backup"
        and (
            t.get("checkpoint_id") == backup["checkpoint_id"]
            or extra(t, "backup").get("backup_id") == backup["id"]
        )
    )


# --- list_operation_logs ------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="list_operation_logs",
    kind="contract",
    mutates=True,
    id="task-list-backup-recorded",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 1},
)
def test_list_operation_logs_shows_the_backup_task(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.1.2 (Table 4-20): a backup leaves a backup task of the project and vault, with an end time."""
    vault, volume = cbr_resources.vault_with_resource(VOLUME)
    made = cbr_resources.backup(vault["id"])
    task = wait_task(cbr, cbr_resources, _of_backup(made), operation_type="backup", vault_id=vault["id"])
    assert task["operation_type"] == "backup" and task["project_id"] == cbr.project_id, (
        "4.1.2 (Table 4-20): the task is a backup of the caller's project, "
        f"got {task['operation_type']!r}, {task['project_id']!r}"
    )
    assert task.get("vault_id") == vault["id"], (
        f"4.1.2 (Table 4-20): vault_id is the vault backed up, got {task.get('vault_id')!r}"
    )
    assert task.get("ended_at"), (
        f"4.1.2 (Table 4-20): a task that succeeded has its end time, got {task.get('ended_at')!r}"
    )
    if extra(task, "resource"):  # optional, but when given it names the disk backed up
        assert extra(task, "resource")["id"] == volume.id, (
            f"4.1.2 (Table 4-28): extra_info.resource is the disk, got {extra(task, 'resource')}"
        )


@pytest.mark.cbr(
    operation="list_operation_logs",
    kind="contract",
    mutates=True,
    id="task-list-filters",
    needs={VOLUME: 1},
    creates={"vault": 2, "disk_backup": 1},
)
def test_list_operation_logs_by_type_status_and_vault(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.1.2 (Table 4-17): vault_id, operation_type and status filters, alone and combined."""
    vault, _ = cbr_resources.vault_with_resource(VOLUME)
    idle = cbr_resources.vault("disk")  # a vault that has done nothing
    made = cbr_resources.backup(vault["id"])
    task = wait_task(cbr, cbr_resources, _of_backup(made), vault_id=vault["id"])

    for query in (
        {"vault_id": vault["id"]},
        {"vault_id": vault["id"], "operation_type": "backup"},
        {"vault_id": vault["id"], "status": "success"},
        {"vault_id": vault["id"], "operation_type": "backup", "status": "success"},
    ):
        body = _list(cbr, **query)
        assert task["id"] in _ids(body), (
            f"4.1.2 (Table 4-17): {query} must list the vault's backup task {task['id']}"
        )
        for listed in body["operation_logs"]:
            for key, value in query.items():
                assert listed.get(key) == value, (
                    f"4.1.2 (Table 4-17): {query} lists only tasks with {key} {value!r}, "
                    f"task {listed['id']} has {listed.get(key)!r}"
                )

    for query in (
        {"vault_id": vault["id"], "operation_type": "restore"},
        {"vault_id": vault["id"], "status": "running"},
        {"vault_id": vault["id"], "status": "failed"},
    ):
        assert task["id"] not in _ids(_list(cbr, **query)), (
            f"4.1.2 (Table 4-17): {query} must not list the vault's successful backup task"
        )

    body = _list(cbr, vault_id=idle["id"])
    assert body["operation_logs"] == [] and body["count"] == 0, (
        "4.1.2 (Tables 4-17, 4-19): a vault that did nothing has no task, "
        f"got {_ids(body)}, count {body['count']}"
    )


@pytest.mark.cbr(
    operation="list_operation_logs",
    kind="contract",
    mutates=True,
    id="task-list-paging",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 2},
)
def test_list_operation_logs_pages_with_limit_and_offset(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.1.2 (Tables 4-17, 4-19): limit and offset page a vault's tasks without overlap or gap."""
    vault, _ = cbr_resources.vault_with_resource(VOLUME)
    for _ in range(2):
        made = cbr_resources.backup(vault["id"])
        wait_task(cbr, cbr_resources, _of_backup(made), vault_id=vault["id"])
    everything = _list(cbr, vault_id=vault["id"])
    total = everything["count"]
    assert total >= 2, f"4.1.2 (Table 4-19): two backups of the vault leave two tasks at least, count {total}"
    assert total == len(everything["operation_logs"]), (
        "4.1.2 (Table 4-19; E-LIST-COUNTS): count is the number of tasks, "
        f"{len(everything['operation_logs'])} listed unpaged, got {total}"
    )
    seen: list[str] = []
    for offset in range(total):
        page = _list(cbr, vault_id=vault["id"], limit=1, offset=offset)
        assert len(page["operation_logs"]) == 1, (
            f"4.1.2 (Table 4-17): limit=1 at offset {offset} of {total} lists 1 task, "
            f"got {len(page['operation_logs'])}"
        )
        assert page["count"] == total, (
            f"4.1.2 (Table 4-19): count is the {total} tasks matched, got {page['count']} at offset {offset}"
        )
        assert page.get("limit", 1) == 1 and page.get("offset", offset) == offset, (
            f"4.1.2 (Table 4-19): limit and offset are those of the query (1, {offset}), "
            f"got {page.get('limit')}, {page.get('offset')}"
        )
        seen += _ids(page)
    assert len(seen) == len(set(seen)), f"4.1.2 (Table 4-17): pages of limit 1 must not overlap, got {seen}"
    assert sorted(seen) == sorted(_ids(everything)), (
        f"4.1.2 (Table 4-17): the pages hold the unpaged list's tasks {sorted(_ids(everything))}, "
        f"got {sorted(seen)}"
    )
    beyond = _list(cbr, vault_id=vault["id"], limit=5, offset=total)
    assert beyond["operation_logs"] == [] and beyond["count"] == total, (
        f"4.1.2 (Tables 4-17, 4-19): offset {total} of {total} tasks lists none, count {total}, "
        f"got {_ids(beyond)}, count {beyond['count']}"
    )


@pytest.mark.cbr(
    operation=("list_operation_logs", "restore_backup"),
    kind="contract",
    mutates=True,
    id="task-list-restore-recorded",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 1, "restore": 1},
)
def test_list_operation_logs_shows_the_restore_task(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.1.2 (Tables 4-20, 4-29): a restore leaves a restore task naming the backup and its target."""
    vault, volume = cbr_resources.vault_with_resource(VOLUME)
    made = cbr_resources.backup(vault["id"])
    body = {"restore": {"volume_id": volume.id}}
    expect_status(cbr.call("restore_backup", path={"backup_id": made["id"]}, json_body=body), 202)
    task = wait_task(
        cbr,
        cbr_resources,
        lambda t: extra(t, "restore").get("backup_id") == made["id"],
        operation_type="restore",
        vault_id=vault["id"],
    )
    assert task["operation_type"] == "restore", (
        f"4.1.2 (Table 4-17): operation_type=restore lists restore tasks, got {task['operation_type']!r}"
    )
    assert extra(task, "restore").get("target_resource_id") in (None, volume.id), (
        "4.1.2 (Table 4-29): extra_info.restore.target_resource_id is the disk restored onto, "
        f"got {extra(task, 'restore').get('target_resource_id')!r}"
    )
    cbr_resources.wait_backup(made["id"])


@pytest.mark.cbr(
    operation=("list_operation_logs", "delete_backup"),
    kind="contract",
    mutates=True,
    id="task-list-delete-recorded",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 1},
)
def test_list_operation_logs_shows_the_delete_task(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.1.2 (Tables 4-20, 4-25): deleting a backup leaves a delete task naming the backup."""
    vault, _ = cbr_resources.vault_with_resource(VOLUME)
    made = cbr_resources.backup(vault["id"])
    expect_status(cbr.call("delete_backup", path={"backup_id": made["id"]}), 204)
    task = wait_task(
        cbr,
        cbr_resources,
        lambda t: extra(t, "delete").get("backup_id") == made["id"],
        operation_type="delete",
        vault_id=vault["id"],
    )
    assert task["operation_type"] == "delete", (
        f"4.1.2 (Table 4-17): operation_type=delete lists delete tasks, got {task['operation_type']!r}"
    )


@pytest.mark.cbr(operation="list_operation_logs", kind="negative", id="task-list-invalid-query")
@pytest.mark.parametrize(
    "query",
    [
        {"operation_type": "archive"},
        {"status": "done"},
        {"limit": 0},
        {"limit": 1001},
        {"limit": "many"},
        {"offset": -1},
        {"start_time": "yesterday"},
        {"end_time": "2020-13-01T00:00:00Z"},
    ],
    ids=lambda query: "&".join(f"{key}={value}" for key, value in query.items()),
)
def test_list_operation_logs_with_invalid_query_is_refused(cbr: CBRClient, query: dict[str, Any]) -> None:
    """4.1.2 (Table 4-17; E-LIMIT-MAX): a type, status, limit, offset or time out of range is refused."""
    expect_error(cbr.call("list_operation_logs", query=query), 400)


# --- show_operation_log -------------------------------------------------------------------------


@pytest.mark.cbr(
    operation="show_operation_log",
    kind="contract",
    mutates=True,
    id="task-show-matches-list",
    needs={VOLUME: 1},
    creates={"vault": 1, "disk_backup": 1},
)
def test_show_operation_log_returns_the_listed_task(cbr: CBRClient, cbr_resources: Resources) -> None:
    """4.1.1 (Table 4-4): show_operation_log returns the task as the task list gives it."""
    vault, _ = cbr_resources.vault_with_resource(VOLUME)
    made = cbr_resources.backup(vault["id"])
    listed = wait_task(cbr, cbr_resources, _of_backup(made), vault_id=vault["id"])
    shown = expect_status(cbr.call("show_operation_log", path={"operation_log_id": listed["id"]}), 200)[
        "operation_log"
    ]
    for field in ("id", "operation_type", "status", "project_id", "checkpoint_id", "vault_id", "created_at"):
        assert shown.get(field) == listed.get(field), (
            f"4.1.1 (Table 4-4), 4.1.2 (Table 4-20): show and list agree on {field}: "
            f"listed {listed.get(field)!r}, shown {shown.get(field)!r}"
        )


@pytest.mark.cbr(operation="show_operation_log", kind="negative", id="task-show-unknown")
def test_show_unknown_operation_log_is_not_found(cbr: CBRClient) -> None:
    """4.1.1, 7.2: an unknown task id answers 404 BackupService.6500."""
    expect_error(cbr.call("show_operation_log", path={"operation_log_id": UNKNOWN_ID}), 404, TASK_NOT_FOUND)
