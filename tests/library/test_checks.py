"""Each automatic check fails on a deliberately broken response and passes on a correct one."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from cbr_conformance.paths import fixtures_dir
from cbr_conformance.target.client import CBRClient, ContractViolation

from .fake_target import Canned, FakeTarget


def example(name: str) -> Any:
    return json.loads((fixtures_dir() / "reference-examples" / name).read_text())


VAULT = example("show_vault.response.200.json")
NOT_FOUND = {"error_code": "BackupService.6105", "error_msg": "The vault does not exist."}


def _violations(
    client: CBRClient,
    fake: FakeTarget,
    answer: Canned,
    operation: str = "show_vault",
    path: dict[str, str] | None = None,
) -> list[str]:
    fake.answer = answer
    response = client.call(operation, path=path or {"vault_id": "v-1"}, check=False)
    return [f"{v.rule} {v.path} {v.message}" for v in response.exchange.violations]


def test_a_correct_response_passes(client: CBRClient, fake: FakeTarget) -> None:
    assert _violations(client, fake, Canned.json(200, VAULT)) == []
    assert _violations(client, fake, Canned.json(404, NOT_FOUND)) == []
    assert _violations(client, fake, Canned(204, b""), operation="delete_vault") == []


def test_a_missing_required_field_fails(client: CBRClient, fake: FakeTarget) -> None:
    body = copy.deepcopy(VAULT)
    del body["vault"]["billing"]
    assert _violations(client, fake, Canned.json(200, body)) == [
        "response_schema $.vault 'billing' is a required property (schema rule: required)"
    ]


def test_a_wrong_type_fails_and_names_the_json_path(client: CBRClient, fake: FakeTarget) -> None:
    body = copy.deepcopy(VAULT)
    body["vault"]["billing"]["size"] = "40"
    [violation] = _violations(client, fake, Canned.json(200, body))
    assert violation.startswith("response_schema $.vault.billing.size '40' is not of type 'integer'")


def test_an_out_of_enum_value_fails(client: CBRClient, fake: FakeTarget) -> None:
    body = copy.deepcopy(VAULT)
    body["vault"]["billing"]["status"] = "melting"
    [violation] = _violations(client, fake, Canned.json(200, body))
    assert "$.vault.billing.status" in violation and "enum" in violation


def test_an_undocumented_status_fails(client: CBRClient, fake: FakeTarget) -> None:
    [violation] = _violations(client, fake, Canned.json(201, VAULT))
    assert violation.startswith("status_documented status status 201 is not documented")


def test_a_non_json_content_type_fails(client: CBRClient, fake: FakeTarget) -> None:
    answer = Canned(200, json.dumps(VAULT).encode(), {"Content-Type": "text/html"})
    assert _violations(client, fake, answer) == [
        "content_type headers.Content-Type expected application/json, got text/html"
    ]


def test_a_body_that_is_not_json_fails(client: CBRClient, fake: FakeTarget) -> None:
    violations = _violations(client, fake, Canned(200, b"<html>oops</html>"))
    assert any(v.startswith("response_schema $ the body is not JSON") for v in violations)


def test_a_204_with_a_body_fails(client: CBRClient, fake: FakeTarget) -> None:
    assert _violations(client, fake, Canned.json(204, VAULT), operation="delete_vault") == [
        "content_type body a 204 response carries a body"
    ]


def test_an_error_code_outside_the_catalogue_fails(client: CBRClient, fake: FakeTarget) -> None:
    body = {"error_code": "BackupService.0000", "error_msg": "nope"}
    assert _violations(client, fake, Canned.json(404, body)) == [
        "error_code $.error_code error_code 'BackupService.0000' is not in the error-code catalogue"
    ]


def test_an_error_code_with_the_wrong_status_fails(client: CBRClient, fake: FakeTarget) -> None:
    assert _violations(client, fake, Canned.json(400, NOT_FOUND)) == [
        "error_code $.error_code error_code 'BackupService.6105' is documented with status 404, not 400"
    ]


def test_an_error_shaped_as_a_success_body_fails(client: CBRClient, fake: FakeTarget) -> None:
    violations = _violations(client, fake, Canned.json(404, VAULT))
    assert "response_schema $ 'error_code' is a required property (schema rule: required)" in violations
    assert "error_body $.error_code the error body has no error_code" in violations


def test_call_raises_with_every_violation_and_a_redacted_reproduction(
    client: CBRClient, fake: FakeTarget
) -> None:
    body = copy.deepcopy(VAULT)
    body["vault"]["id"] = 7
    fake.answer = Canned.json(201, body)
    with pytest.raises(ContractViolation) as caught:
        client.call("show_vault", path={"vault_id": "v-1"})
    message = str(caught.value)
    assert "status 201 is not documented" in message
    assert "curl" in message and "<X-Auth-Token>" in message
    from .conftest import TOKEN

    assert TOKEN not in message


def test_a_schema_violation_cites_the_reference_table_of_its_object(
    client: CBRClient, fake: FakeTarget
) -> None:
    body = copy.deepcopy(VAULT)
    body["vault"]["billing"]["size"] = "big"  # Billing, deep in the vault
    del body["vault"]["name"]
    fake.answer = Canned.json(200, body)
    response = client.call("show_vault", path={"vault_id": "v-1"}, check=False)
    found = {v.path: v for v in response.exchange.violations}
    billing, vault = found["$.vault.billing.size"], found["$.vault"]
    assert billing.schema == "#/components/schemas/Billing"
    assert "4.4.2 Table" in billing.reference and billing.reference in str(billing)
    assert vault.schema == "#/components/schemas/Vault" and "4.4.2 Table 4-100" in vault.reference
