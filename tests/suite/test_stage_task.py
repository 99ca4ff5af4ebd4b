"""The fuzz stage names the operation log of its own backup, not whatever the run did last: a
seed's cases then show the same task in every run."""

from __future__ import annotations

import importlib.util
from types import ModuleType, SimpleNamespace
from typing import Any

from cbr_conformance import paths
from cbr_conformance.contract.service_rules import RealIds


def _suite_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("suite_conftest", paths.suite_dir() / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Client:
    """Lists the project's tasks, newest first: another test's deletion, then the stage's backup."""

    def __init__(self) -> None:
        self.queries: list[dict[str, Any]] = []

    def call(self, operation: str, query: dict[str, Any] | None = None, check: bool = True) -> Any:
        query = query or {}
        self.queries.append({"operation": operation, **query})
        newest = {"id": "t-delete", "operation_type": "delete", "checkpoint_id": "cp-other"}
        ours = {"id": "t-ours", "operation_type": "backup", "checkpoint_id": "cp-1"}
        if operation == "list_operation_logs":
            logs = [ours] if query.get("vault_id") == "v-1" else [newest, ours]
            return SimpleNamespace(status=200, json=lambda: {"operation_logs": logs[: int(query["limit"])]})
        return SimpleNamespace(status=200, json=lambda: {"vaults": [], "backups": [], "policies": []})


def test_the_stage_names_its_own_backups_task() -> None:
    conftest = _suite_conftest()
    client = _Client()
    ids = RealIds({"vault_id": "v-1", "backup_id": "b-1", "checkpoint_id": "cp-1"})
    assert conftest._stage_task(client, ids) == {"operation_log_id": "t-ours"}
    assert client.queries[0]["vault_id"] == "v-1"


def test_without_a_backup_of_its_own_the_stage_takes_the_projects_newest() -> None:
    conftest = _suite_conftest()
    assert conftest._stage_task(_Client(), RealIds({})) == {"operation_log_id": "t-delete"}
