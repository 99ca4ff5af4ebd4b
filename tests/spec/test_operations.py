"""The spec holds exactly the reference's 27 operations, each well described."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from cbr_conformance.contract.spec import Contract

# (section, method, path, operationId), transcribed from the reference's sections 4.1 to 4.6.
REFERENCE_OPERATIONS = [
    ("4.1.1", "GET", "/v3/{project_id}/operation-logs/{operation_log_id}", "show_operation_log"),
    ("4.1.2", "GET", "/v3/{project_id}/operation-logs", "list_operation_logs"),
    ("4.2.1", "POST", "/v3/{project_id}/backups/{backup_id}/members", "add_share_members"),
    (
        "4.2.2",
        "PUT",
        "/v3/{project_id}/backups/{backup_id}/members/{member_id}",
        "update_share_member_status",
    ),
    ("4.2.3", "GET", "/v3/{project_id}/backups/{backup_id}/members/{member_id}", "show_share_member"),
    ("4.2.4", "GET", "/v3/{project_id}/backups/{backup_id}/members", "list_share_members"),
    ("4.2.5", "DELETE", "/v3/{project_id}/backups/{backup_id}/members/{member_id}", "delete_share_member"),
    ("4.3.1", "GET", "/v3/{project_id}/checkpoints/{checkpoint_id}", "show_checkpoint"),
    ("4.3.2", "POST", "/v3/{project_id}/checkpoints", "create_checkpoint"),
    ("4.4.1", "POST", "/v3/{project_id}/vaults", "create_vault"),
    ("4.4.2", "GET", "/v3/{project_id}/vaults/{vault_id}", "show_vault"),
    ("4.4.3", "GET", "/v3/{project_id}/vaults", "list_vaults"),
    ("4.4.4", "PUT", "/v3/{project_id}/vaults/{vault_id}", "update_vault"),
    ("4.4.5", "DELETE", "/v3/{project_id}/vaults/{vault_id}", "delete_vault"),
    ("4.4.6", "POST", "/v3/{project_id}/vaults/{vault_id}/removeresources", "remove_vault_resources"),
    ("4.4.7", "POST", "/v3/{project_id}/vaults/{vault_id}/addresources", "add_vault_resources"),
    ("4.4.8", "POST", "/v3/{project_id}/vaults/{vault_id}/associatepolicy", "associate_vault_policy"),
    ("4.4.9", "POST", "/v3/{project_id}/vaults/{vault_id}/dissociatepolicy", "dissociate_vault_policy"),
    ("4.5.1", "GET", "/v3/{project_id}/backups/{backup_id}", "show_backup"),
    ("4.5.2", "GET", "/v3/{project_id}/backups", "list_backups"),
    ("4.5.3", "DELETE", "/v3/{project_id}/backups/{backup_id}", "delete_backup"),
    ("4.5.4", "POST", "/v3/{project_id}/backups/{backup_id}/restore", "restore_backup"),
    ("4.6.1", "POST", "/v3/{project_id}/policies", "create_policy"),
    ("4.6.2", "GET", "/v3/{project_id}/policies/{policy_id}", "show_policy"),
    ("4.6.3", "GET", "/v3/{project_id}/policies", "list_policies"),
    ("4.6.4", "PUT", "/v3/{project_id}/policies/{policy_id}", "update_policy"),
    ("4.6.5", "DELETE", "/v3/{project_id}/policies/{policy_id}", "delete_policy"),
]
AREAS = {
    "4.1": "Tasks",
    "4.2": "Backup sharing",
    "4.3": "Restore points",
    "4.4": "Vaults",
    "4.5": "Backups",
    "4.6": "Policies",
}


def test_spec_is_valid_openapi_3_0(contract: Contract) -> None:
    assert contract.document["openapi"] == "3.0.3"
    validate(contract.document)


def test_operations_are_exactly_the_references_27(contract: Contract) -> None:
    assert len(REFERENCE_OPERATIONS) == 27
    expected = {(method, path) for _, method, path, _ in REFERENCE_OPERATIONS}
    actual = {(op.method, op.path) for op in contract}
    assert actual == expected
    assert len(list(contract)) == 27


@pytest.mark.parametrize(("section", "method", "path", "operation_id"), REFERENCE_OPERATIONS)
def test_operation_identity(
    contract: Contract, section: str, method: str, path: str, operation_id: str
) -> None:
    op = contract.operations[operation_id]
    assert (op.method, op.path, op.section) == (method, path, section)
    assert op.tag == AREAS[section[:3]]
    assert re.fullmatch(r"[a-z]+(_[a-z]+)+", operation_id)
    assert op.definition["summary"] and len(op.definition["summary"]) <= 60


@pytest.mark.parametrize("operation_id", [row[3] for row in REFERENCE_OPERATIONS])
def test_every_operation_documents_its_error_statuses(contract: Contract, operation_id: str) -> None:
    op = contract.operations[operation_id]
    assert {400, 401, 403, 500} <= op.statuses
    addresses_a_resource = len(op.path_parameters) > 1
    if addresses_a_resource:
        assert 404 in op.statuses
    for status in op.statuses:
        if status >= 400:
            assert contract.response_schema(operation_id, status) == {"$ref": "#/components/schemas/Error"}


def test_every_path_parameter_is_declared(contract: Contract) -> None:
    for op in contract:
        declared = {
            contract.resolve(p)["name"]
            for p in op.definition["parameters"]
            if contract.resolve(p)["in"] == "path"
        }
        assert declared == set(op.path_parameters), op.operation_id


def test_security_schemes_cover_token_and_aksk(contract: Contract) -> None:
    schemes = contract.document["components"]["securitySchemes"]
    assert schemes["token"]["name"] == "X-Auth-Token"
    assert schemes["aksk"]["name"] == "Authorization"
    assert "SDK-HMAC-SHA256" in schemes["aksk"]["description"]
    assert contract.document["security"] == [{"token": []}, {"aksk": []}]


def test_links_point_at_real_operations_and_parameters(contract: Contract) -> None:
    links = 0
    for op in contract:
        for response in op.definition["responses"].values():
            for name, link in contract.resolve(response).get("links", {}).items():
                target = contract.operations[link["operationId"]]
                names = {contract.resolve(p)["name"] for p in target.definition["parameters"]}
                assert set(link["parameters"]) <= names, f"{op.operation_id} -> {name}"
                assert set(target.path_parameters) <= set(link["parameters"]), f"{op.operation_id} -> {name}"
                links += 1
    assert links >= 25
