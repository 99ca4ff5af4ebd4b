"""The schemas are not vacuous: wrong bodies fail, and say where."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.contract.spec import Contract


def _load(examples_dir: Path, name: str) -> Any:
    return json.loads((examples_dir / name).read_text(encoding="utf-8"))


def _errors(contract: Contract, schema: Any, body: Any) -> list[str]:
    return [
        "/".join(map(str, e.absolute_path)) + ": " + e.message
        for e in contract.validator(schema).iter_errors(body)
    ]


# (operation, fixture, mutation, expected error path fragment)
RESPONSE_BREAKAGES = [
    (
        "show_vault",
        "show_vault.response.200.json",
        lambda b: b["vault"].pop("id"),
        "vault: 'id' is a required",
    ),
    (
        "show_vault",
        "show_vault.response.200.json",
        lambda b: b["vault"]["billing"].update(size="40"),
        "vault/billing/size",
    ),
    (
        "show_vault",
        "show_vault.response.200.json",
        lambda b: b["vault"]["billing"].update(status="open"),
        "vault/billing/status",
    ),
    (
        "show_backup",
        "show_backup.response.200.json",
        lambda b: b["backup"].update(status="done"),
        "backup/status",
    ),
    (
        "show_backup",
        "show_backup.response.200.json",
        lambda b: b["backup"]["children"][0].update(resource_size="40"),
        "backup/children/0/resource_size",
    ),
    (
        "show_backup",
        "show_backup.response.200.json",
        lambda b: b["backup"].update(created_at="yesterday"),
        "backup/created_at",
    ),
    ("list_backups", "list_backups.response.200.json", lambda b: b.pop("count"), "'count' is a required"),
    (
        "show_operation_log",
        "show_operation_log.response.200.json",
        lambda b: b["operation_log"].update(operation_type="copying"),
        "operation_log/operation_type",
    ),
    (
        "show_operation_log",
        "show_operation_log.response.200.json",
        lambda b: b["operation_log"]["extra_info"]["common"].update(progress=101),
        "progress",
    ),
    (
        "show_policy",
        "show_policy.response.200.json",
        lambda b: b["policy"]["trigger"].update(type="cron"),
        "policy/trigger/type",
    ),
    (
        "show_policy",
        "show_policy.response.200.json",
        lambda b: b["policy"].update(enabled="true"),
        "policy/enabled",
    ),
    (
        "show_share_member",
        "show_share_member.response.200.json",
        lambda b: b["member"].update(status="approved"),
        "member/status",
    ),
    (
        "show_checkpoint",
        "show_checkpoint.response.200.json",
        lambda b: b["checkpoint"]["vault"]["resources"][0].update(resource_size=40),
        "resource_size",
    ),
    (
        "show_operation_log",
        "show_operation_log.response.404.json",
        lambda b: b.pop("error_code"),
        "'error_code' is a required",
    ),
]

REQUEST_BREAKAGES = [
    (
        "create_vault",
        "create_vault.request.2.json",
        lambda b: b["vault"].pop("billing"),
        "'billing' is a required",
    ),
    (
        "create_vault",
        "create_vault.request.2.json",
        lambda b: b["vault"]["billing"].update(size=0),
        "vault/billing/size",
    ),
    (
        "create_vault",
        "create_vault.request.2.json",
        lambda b: b["vault"]["billing"].update(size=10485761),
        "vault/billing/size",
    ),
    (
        "create_vault",
        "create_vault.request.2.json",
        lambda b: b["vault"]["billing"].update(consistent_level="eventual"),
        "consistent_level",
    ),
    ("create_vault", "create_vault.request.2.json", lambda b: b["vault"].update(name=""), "vault/name"),
    ("create_vault", "create_vault.request.2.json", lambda b: b["vault"].update(name="x" * 65), "vault/name"),
    ("create_vault", "create_vault.request.2.json", lambda b: b["vault"].update(tags=[]), "vault/tags"),
    (
        "create_vault",
        "create_vault.request.2.json",
        lambda b: b["vault"].update(tags=[{"key": f"k{i}", "value": "v"} for i in range(11)]),
        "vault/tags",
    ),
    (
        "create_vault",
        "create_vault.request.2.json",
        lambda b: b["vault"].update(resources=[{"id": "x", "type": "OS::IroniC::BareMetalServer"}]),
        "resources/0/type",
    ),
    (
        "update_vault",
        "update_vault.request.json",
        lambda b: b["vault"].update(threshold=101),
        "vault/threshold",
    ),
    (
        "create_policy",
        "create_policy.request.json",
        lambda b: b["policy"].update(name="policy 001"),
        "policy/name",
    ),
    (
        "create_policy",
        "create_policy.request.json",
        lambda b: b["policy"]["operation_definition"].update(day_backups=101),
        "day_backups",
    ),
    (
        "create_policy",
        "create_policy.request.json",
        lambda b: b["policy"]["operation_definition"].update(max_backups=-2),
        "max_backups",
    ),
    (
        "create_policy",
        "create_policy.request.json",
        lambda b: b["policy"]["operation_definition"].pop("timezone"),
        "operation_definition",
    ),
    (
        "create_policy",
        "create_policy.request.json",
        lambda b: b["policy"]["trigger"]["properties"].update(pattern=["FREQ=MONTHLY;BYHOUR=1"]),
        "pattern/0",
    ),
    (
        "create_policy",
        "create_policy.request.json",
        lambda b: b["policy"]["trigger"]["properties"].update(pattern=["FREQ=DAILY;BYHOUR=24;BYMINUTE=00"]),
        "pattern/0",
    ),
    (
        "create_policy",
        "create_policy.request.json",
        lambda b: b["policy"]["trigger"]["properties"].update(
            pattern=["FREQ=DAILY;BYHOUR=1;BYMINUTE=00"] * 25
        ),
        "pattern",
    ),
    (
        "create_checkpoint",
        "create_checkpoint.request.json",
        lambda b: b["checkpoint"].pop("vault_id"),
        "'vault_id' is a required",
    ),
    (
        "create_checkpoint",
        "create_checkpoint.request.json",
        lambda b: b["checkpoint"]["parameters"].update(incremental="yes"),
        "incremental",
    ),
    (
        "update_share_member_status",
        "update_share_member_status.request.json",
        lambda b: b.update(status="approved"),
        "status",
    ),
    (
        "restore_backup",
        "restore_backup.request.json",
        lambda b: b["restore"]["mappings"][0].pop("volume_id"),
        "mappings/0",
    ),
    (
        "associate_vault_policy",
        "associate_vault_policy.request.json",
        lambda b: b.pop("policy_id"),
        "is not valid under any of the given schemas",
    ),
]


@pytest.mark.parametrize(("operation_id", "fixture", "mutate", "where"), RESPONSE_BREAKAGES)
def test_broken_response_fails(
    contract: Contract, examples_dir: Path, operation_id: str, fixture: str, mutate: Any, where: str
) -> None:
    body = _load(examples_dir, fixture)
    status = int(fixture.split(".")[2])
    schema = contract.response_schema(operation_id, status)
    assert _errors(contract, schema, body) == []
    broken = copy.deepcopy(body)
    mutate(broken)
    errors = _errors(contract, schema, broken)
    assert errors and any(where in error for error in errors), errors


@pytest.mark.parametrize(("operation_id", "fixture", "mutate", "where"), REQUEST_BREAKAGES)
def test_broken_request_fails(
    contract: Contract, examples_dir: Path, operation_id: str, fixture: str, mutate: Any, where: str
) -> None:
    body = _load(examples_dir, fixture)
    schema = contract.request_schema(operation_id)
    assert _errors(contract, schema, body) == []
    broken = copy.deepcopy(body)
    mutate(broken)
    errors = _errors(contract, schema, broken)
    assert errors and any(where in error for error in errors), errors


def test_timezone_is_required_only_with_period_counts(contract: Contract) -> None:
    schema = contract.schema_ref("PolicyODCreate")
    assert _errors(contract, schema, {"retention_duration_days": 30}) == []
    assert _errors(contract, schema, {"week_backups": 4, "timezone": "UTC+08:00"}) == []
    assert _errors(contract, schema, {"week_backups": 4}) != []
    assert _errors(contract, schema, {"week_backups": 4, "timezone": "UTC +08:00"}) != []
