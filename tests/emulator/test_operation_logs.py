"""4.1 Tasks: showing and listing operation logs."""

from __future__ import annotations

from typing import Any

import pytest

from cbr_emulator.defaults import PROJECT_A
from tests.emulator.conftest import TEST_ASYNC_DELAY
from tests.emulator.helpers import SERVER, Api, Control, assert_error, back_up, logs_of, resource

LOG_KEYS = {
    "checkpoint_id",
    "created_at",
    "ended_at",
    "error_info",
    "extra_info",
    "id",
    "operation_type",
    "policy_id",
    "project_id",
    "provider_id",
    "started_at",
    "status",
    "updated_at",
    "vault_id",
    "vault_name",
}


def test_backup_task_has_the_documented_shape(api_a: Api, control: Control) -> None:
    server = resource(PROJECT_A, "servers", 0)
    vault = api_a.create_vault("server", [server], name="v-logs")
    checkpoint = back_up(api_a, vault["id"], name="manualbk_1234")
    control.advance(TEST_ASYNC_DELAY + 1)
    [log] = logs_of(api_a)
    assert set(log) == LOG_KEYS
    assert log["operation_type"] == "backup" and log["status"] == "success"
    assert log["checkpoint_id"] == checkpoint["id"] and log["project_id"] == PROJECT_A
    assert log["provider_id"] == "0daac4c5-6707-4851-97ba-169e36266b66"
    assert log["vault_id"] == vault["id"] and log["vault_name"] == "v-logs" and log["policy_id"] is None
    assert log["error_info"] == {"code": "", "message": ""}
    assert log["extra_info"]["resource"] == {"id": server["id"], "name": server["name"], "type": SERVER}
    assert log["extra_info"]["backup"]["backup_name"] == "manualbk_1234"
    assert log["extra_info"]["backup"]["incremental"] == "false"
    assert log["extra_info"]["backup"]["app_consistency_status"] == "0"
    assert set(log["extra_info"]["common"]) == {"progress", "request_id", "task_id"}
    assert api_a.get(f"/operation-logs/{log['id']}").json() == {"operation_log": log}


def test_unknown_task_answers_6500(api_a: Api, api_b: Api, control: Control) -> None:
    assert_error(api_a.get("/operation-logs/00000000-0000-0000-0000-000000000000"), 404, "BackupService.6500")
    vault = api_a.create_vault("disk", [resource(PROJECT_A, "volumes", 0)])
    back_up(api_a, vault["id"])
    [log] = logs_of(api_a)
    assert_error(api_b.get(f"/operation-logs/{log['id']}"), 404, "BackupService.6500")
    assert logs_of(api_b) == []


def test_list_tasks_filters_and_paging(api_a: Api, control: Control) -> None:
    disk = resource(PROJECT_A, "volumes", 1)
    first = api_a.create_vault("disk", [disk], name="first", enterprise_project_id="ep1")
    second = api_a.create_vault("server", [resource(PROJECT_A, "servers", 1)], name="second")
    back_up(api_a, first["id"])
    back_up(api_a, second["id"])
    control.advance(TEST_ASYNC_DELAY + 1)
    api_a.delete(f"/vaults/{second['id']}")

    def types(**params: Any) -> list[str]:
        return sorted(log["operation_type"] for log in logs_of(api_a, **params))

    assert types() == ["backup", "backup", "vault_delete"]
    assert types(operation_type="vault_delete") == ["vault_delete"]
    assert types(vault_id=first["id"]) == ["backup"]
    assert types(vault_name="second") == ["backup", "vault_delete"]
    assert types(resource_id=disk["id"]) == ["backup"]
    assert types(resource_name=disk["name"]) == ["backup"]
    assert types(provider_id="d1603440-187d-4516-af25-121250c7cc97") == ["backup"]
    assert types(status="success") == ["backup", "backup", "vault_delete"]
    assert types(status="running") == []
    assert types(enterprise_project_id="ep1") == ["backup"]
    assert types(start_time="2000-01-01T00:00:00Z", end_time="2999-01-01T00:00:00Z") == types()
    assert types(end_time="2000-01-01T00:00:00Z") == []
    page = api_a.get("/operation-logs", params={"limit": 1, "offset": 1}).json()
    assert (
        page["count"] == 3 and page["limit"] == 1 and page["offset"] == 1 and len(page["operation_logs"]) == 1
    )
    newest = logs_of(api_a)
    assert newest[0]["operation_type"] == "vault_delete"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"offset": -1},
        {"operation_type": "x"},
        {"status": "done"},
        {"start_time": "today"},
        {"end_time": "2020"},
    ],
)
def test_invalid_task_queries_answer_9900(api_a: Api, params: dict[str, Any]) -> None:
    assert_error(api_a.get("/operation-logs", params=params), 400, "BackupService.9900")
