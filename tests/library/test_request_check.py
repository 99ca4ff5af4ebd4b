"""request_check: which requests the spec allows, measured per parameter and on the body."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import hypothesis
import pytest
import yaml
from hypothesis import HealthCheck, settings
from schemathesis.core import NotSet

from cbr_conformance.contract.request_check import request_errors
from cbr_conformance.contract.spec import Contract
from cbr_conformance.generation.cases import has_breakable_input
from cbr_conformance.generation.fuzzing import MODES, load_schema
from cbr_conformance.paths import fixtures_dir
from tests.library.schemathesis_mutations import relevant_mutations

PROJECT = "c0ffee00000000000000000000000a01"
BILLING = {
    "consistent_level": "crash_consistent",
    "object_type": "server",
    "protect_type": "backup",
    "size": 100,
}
VAULT: dict[str, Any] = {"billing": BILLING, "name": "v", "resources": []}


@pytest.fixture(scope="module")
def contract() -> Contract:
    return Contract.load()


def errors(
    contract: Contract,
    operation_id: str,
    query: dict[str, Any] | None = None,
    body: Any = None,
    raw: bytes | None = None,
    **path: str,
) -> list[str]:
    pairs = [
        (name, str(item))
        for name, value in (query or {}).items()
        for item in (value if isinstance(value, list) else [value])
    ]
    sent = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    return request_errors(contract, operation_id, {"project_id": PROJECT, **path}, pairs, sent)


def test_every_request_of_the_reference_is_allowed(contract: Contract) -> None:
    index = yaml.safe_load((fixtures_dir() / "reference-examples" / "index.yaml").read_text(encoding="utf-8"))
    requests = [entry for entry in index if entry["direction"] == "request"]
    assert len(requests) >= 27
    for entry in requests:
        url = str(entry["request_line"] or "").partition(" ")[2]
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        operation = contract.operations[entry["operation_id"]]
        path = {"project_id": PROJECT, **{name: "an-id" for name in operation.path_parameters}}
        body = (fixtures_dir() / "reference-examples" / entry["file"]).read_bytes() if entry["file"] else None
        assert request_errors(contract, operation.operation_id, path, query, body) == [], entry["section"]


def test_query_values_are_read_as_their_schema_types(contract: Contract) -> None:
    assert errors(contract, "list_vaults", {"limit": 10, "offset": 0}) == []
    assert errors(contract, "list_backups", {"status": ["available", "error"], "dec": "true"}) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"limit": 0}, "query parameter limit='0': 0 is less than the minimum of 1"),
        ({"limit": "many"}, "query parameter limit='many': 'many' is not of type 'integer'"),
        ({"limit": [1, 2]}, "query parameter limit is given 2 times but takes one value"),
        ({"status": ["available", "finished"]}, "'finished' is not one of"),
    ],
    ids=["below-minimum", "not-an-integer", "repeated", "one-of-many-not-in-enum"],
)
def test_query_values_the_spec_forbids(contract: Contract, query: dict[str, Any], expected: str) -> None:
    operation = "list_backups" if "status" in query else "list_vaults"
    found = errors(contract, operation, query)
    assert len(found) == 1 and expected in found[0], found


def test_formats_are_asserted(contract: Contract) -> None:
    """The reference accepts "only UUID" for the vault filter of the member list."""
    uuid = "4a6ffa02-1a33-46f0-a26b-39316053eee8"
    assert errors(contract, "list_share_members", {"vault_id": uuid}, backup_id="b-1") == []
    assert errors(contract, "list_share_members", {"vault_id": "v-1"}, backup_id="b-1") == [
        "query parameter vault_id='v-1': 'v-1' is not a 'uuid'"
    ]


def test_bodies(contract: Contract) -> None:
    assert errors(contract, "create_vault", body={"vault": VAULT}) == []
    assert errors(contract, "create_vault") == ["the request body is required but missing"]
    assert errors(contract, "create_vault", raw=b"{not json") == ["the request body is not JSON"]
    wrong = errors(
        contract, "create_vault", body={"vault": {**VAULT, "billing": {**VAULT["billing"], "size": 0}}}
    )
    assert wrong == ["request body $.vault.billing.size: 0 is less than the minimum of 1"]
    assert errors(contract, "list_vaults", raw=b"{}") == [
        "the operation takes no request body, but one is sent"
    ]


def test_a_missing_path_parameter(contract: Contract) -> None:
    assert errors(contract, "show_vault") == ["path parameter vault_id is required but missing"]
    assert errors(contract, "show_vault", vault_id="v-1") == []


CROSS_CHECK_EXAMPLES = 5


def _has_null(document: Any) -> bool:
    if isinstance(document, dict):
        return any(value is None or _has_null(value) for value in document.values())
    if isinstance(document, list):
        return any(item is None or _has_null(item) for item in document)
    return False


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_schemathesis_and_the_measure_read_the_spec_alike(contract: Contract, mode: str) -> None:
    """Cases schemathesis generates as valid are allowed by the measure; cases it generates to
    break a rule (other than by an undeclared query parameter) are refused by it."""
    schema = load_schema(contract)
    disagreements: list[str] = []
    for operation in contract:
        if mode == "negative" and not has_breakable_input(contract, operation.operation_id):
            continue
        strategy = schema.find_operation_by_id(operation.operation_id).as_strategy(
            generation_mode=MODES[mode]
        )

        @hypothesis.seed(1)
        @settings(
            max_examples=CROSS_CHECK_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[hypothesis.Phase.generate],
        )
        @hypothesis.given(case=strategy)
        def measure(case: Any) -> None:
            body = None if isinstance(case.body, NotSet) else case.body
            sent = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
            path = {name: unquote(str(value)) for name, value in (case.path_parameters or {}).items()}
            query = [(name, str(v)) for name, value in dict(case.query or {}).items()
                     for v in (value if isinstance(value, list) else [value])]  # fmt: skip
            operation_id = case.operation.definition.raw["operationId"]
            found = request_errors(contract, operation_id, path, query, sent)
            if mode == "positive" and found:
                disagreements.append(f"{operation_id}: a valid case is refused: {found}")
            if mode == "negative" and relevant_mutations(case) and not found and not _has_null(body):
                # (a null in an optional field is the field left out: E-NULL-AS-ABSENT)
                disagreements.append(f"{operation_id}: a case breaking {relevant_mutations(case)} passes")

        measure()
    assert disagreements == []


# --- an explicit null in an optional field is the field left out (E-NULL-AS-ABSENT) ----------


def test_a_null_vault_id_when_rejecting_a_share_is_allowed(contract: Contract) -> None:
    body = {"status": "rejected", "vault_id": None}
    assert errors(contract, "update_share_member_status", body=body, backup_id="b", member_id="m") == []


def test_a_null_optional_field_deep_in_a_body_is_allowed(contract: Contract) -> None:
    body = {"vault": {**VAULT, "description": None, "billing": {**BILLING, "charging_mode": None}}}
    assert errors(contract, "create_vault", body=body) == []


def test_a_null_required_field_is_refused(contract: Contract) -> None:
    found = errors(
        contract, "update_share_member_status", body={"status": None}, backup_id="b", member_id="m"
    )
    assert found and "status" in found[0]
    found = errors(contract, "create_vault", body={"vault": {**VAULT, "name": None}})
    assert found and "name" in found[0]


def test_a_null_that_leaves_no_alternative_is_refused(contract: Contract) -> None:
    # associate_vault_policy needs policy_id or add_policy_ids: a null policy_id names neither
    assert errors(contract, "associate_vault_policy", body={"policy_id": None})
