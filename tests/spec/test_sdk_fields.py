"""Every field the official SDK models for the 27 operations' bodies is described by the spec or
left out on purpose.

The SDK (huaweicloudsdkcbr, pinned by the dev extra) follows the service as it is today; the
reference is of 2022. A field the spec leaves undescribed is open-ended: any value passes there, a
wrong type included. So each SDK field of a request or response body, nested, must be a property
of the spec at the same place, or be listed with its reason in spec/sdk-left-out.yaml. After an
SDK upgrade the failure names each new field.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from cbr_conformance.contract.spec import Contract
from tests.spec import sdk_models

LEFT_OUT_FILE = "sdk-left-out.yaml"
_COMBINATIONS = ("allOf", "anyOf", "oneOf")


def left_out(spec_root: Path) -> dict[str, str]:
    """SDK Model.field -> why the spec leaves it (and everything under it) out."""
    entries = yaml.safe_load((spec_root / LEFT_OUT_FILE).read_text(encoding="utf-8"))["fields"]
    return {entry["sdk"]: entry["reason"] for entry in entries}


def _alternatives(contract: Contract, schema: Any) -> list[Mapping[str, Any]]:
    schema = contract.resolve(schema)
    found = [schema]
    for combination in _COMBINATIONS:
        for sub in schema.get(combination, []):
            found.extend(_alternatives(contract, sub))
    return found


def spec_schemas_at(contract: Contract, schema: Any, path: tuple[str, ...]) -> list[Mapping[str, Any]]:
    """The spec's schemas of the field at `path` (names from the body's root, "[]" for items)."""
    if not path:
        return _alternatives(contract, schema)
    name, rest = path[0], path[1:]
    is_list = name.endswith("[]")
    name = name.removesuffix("[]")
    found: list[Mapping[str, Any]] = []
    for alternative in _alternatives(contract, schema):
        sub = alternative.get("properties", {}).get(name)
        if sub is None:
            continue
        if not is_list:
            found.extend(spec_schemas_at(contract, sub, rest))
            continue
        for listed in _alternatives(contract, sub):
            if "items" in listed:
                found.extend(spec_schemas_at(contract, listed["items"], rest))
    return found


def body_schema(contract: Contract, field: sdk_models.BodyField) -> Any:
    if field.side == "request":
        return contract.request_schema(field.operation)
    success = min(status for status in contract.operations[field.operation].statuses if status < 300)
    return contract.response_schema(field.operation, success)


def undescribed(contract: Contract, leaving_out: Mapping[str, str]) -> list[sdk_models.BodyField]:
    missing = []
    for field in sdk_models.body_fields():
        if any(step in leaving_out for step in field.chain):
            continue
        schema = body_schema(contract, field)
        if schema is None or not spec_schemas_at(contract, schema, field.path):
            missing.append(field)
    return missing


def test_every_sdk_body_field_is_described_or_left_out(contract: Contract, spec_root: Path) -> None:
    missing = undescribed(contract, left_out(spec_root))
    assert missing == [], (
        f"{len(missing)} SDK fields of the operations' bodies are neither in the spec nor in "
        f"spec/{LEFT_OUT_FILE}:\n" + "\n".join(map(str, missing))
    )


def test_every_left_out_field_is_an_sdk_body_field(spec_root: Path) -> None:
    """A left-out entry the SDK no longer has (or never had) is stale."""
    steps = {step for field in sdk_models.body_fields() for step in field.chain}
    assert sorted(set(left_out(spec_root)) - steps) == []


def test_the_strict_profile_leaves_the_sdk_fields_out(strict: Contract, spec_root: Path) -> None:
    """The reference's letter describes only part of the SDK's fields: the strict profile is not
    the default one with other enums, it lacks today's fields altogether."""
    missing = {".".join(field.path) for field in undescribed(strict, left_out(spec_root))}
    for path in ("vault.locked", "vault.smn_notify", "policy.operation_definition.destination_region"):
        assert path in missing, path


_SPEC_TYPES = {"str": "string", "int": "integer", "bool": "boolean", "float": "number"}


def _spec_type(sdk_type: str) -> str | None:
    if sdk_type.startswith("list["):
        return "array"
    if sdk_type in ("datetime", "date"):
        return "string"
    if sdk_type == "object":
        return None
    return _SPEC_TYPES.get(sdk_type, "object")


def test_described_sdk_fields_have_the_sdk_type(contract: Contract, spec_root: Path) -> None:
    """Wherever the spec describes an SDK field, one of its types is the SDK's."""
    leaving_out = left_out(spec_root)
    differing = []
    for field in sdk_models.body_fields():
        expected = _spec_type(field.type)
        if expected is None or any(step in leaving_out for step in field.chain):
            continue
        schema = body_schema(contract, field)
        if schema is None:
            continue
        types = {str(s["type"]) for s in spec_schemas_at(contract, schema, field.path) if "type" in s}
        if types and expected not in types and not (expected == "number" and "integer" in types):
            differing.append(f"{field}: spec {sorted(types)}")
    assert differing == []


def test_the_walk_finds_the_sdk_fields() -> None:
    """The SDK's models are read: without fields the checks above would pass vacuously."""
    fields = sdk_models.body_fields()
    assert len(fields) > 1000
    assert any(f.path == ("vault", "billing", "size") and f.side == "request" for f in fields)


_VAULT = {
    "id": "3b5816b5-f29c-4172-9d9a-76c719a659ce",
    "name": "vault-1",
    "project_id": "0605767b5c00d4762ff3c00b0f6e2f3b",
    "resources": [{"id": "97595625-198e-4e4d-879b-9d53f68ba551", "type": "OS::Nova::Server"}],
    "billing": {
        "allocated": 0,
        "consistent_level": "crash_consistent",
        "protect_type": "backup",
        "size": 100,
        "status": "available",
        "used": 0,
    },
}


def _vault_errors(contract: Contract, **changes: Any) -> list[str]:
    vault = {**_VAULT, **changes}
    return [e.message for e in contract.validator(contract.schema_ref("Vault")).iter_errors(vault)]


def test_todays_fields_are_checked_by_the_default_profile(contract: Contract, strict: Contract) -> None:
    assert _vault_errors(contract) == []
    # Well-typed, today's fields conform; the 2022 answer without them conforms too (above).
    assert _vault_errors(contract, locked=False, smn_notify=True, threshold=80, availability_zone=None) == []
    for wrong in ({"locked": "yes"}, {"threshold": "80"}, {"smn_notify": 1}):
        assert _vault_errors(contract, **wrong), wrong
        # The reference's letter knows nothing of them: anything passes there.
        assert _vault_errors(strict, **wrong) == [], wrong
