"""The spec against the official SDK's models: the principle at the top of spec/errata.yaml, checked.

Requests: for every enum, bound or pattern the spec puts on a request, each value that the SDK's
model documents for that field is one the spec allows. The negative fuzzer and the hand-written
negative tests assert a refusal only of a request the spec forbids (request_check), so no refusal
of a value any reading documents as valid can be asserted.

Responses: a field the spec requires and the SDK leaves optional is one the errata decided to keep
(E-REQUIRED-VS-SDK); every other is optional.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cbr_conformance.contract.errata import Erratum
from cbr_conformance.contract.spec import Contract
from tests.spec import sdk_models

_CONSTRAINTS = ("enum", "minimum", "maximum", "pattern", "minLength", "maxLength")

# Where each request constraint of the spec lives, and the SDK fields that document the same input.
# A location with no source names why in a comment. Closest models are used where the operation's
# own model only describes the field in words (e.g. BillingCreate.cloud_type: "公有云或者混合云").
SOURCES: dict[str, tuple[str, ...]] = {
    "create_vault.vault.billing.cloud_type": ("PrePaidBillingCreate.cloud_type",),
    "create_vault.vault.billing.consistent_level": ("BillingCreate.consistent_level",),
    "create_vault.vault.billing.object_type": ("BillingCreate.object_type",),
    "create_vault.vault.billing.protect_type": ("BillingCreate.protect_type",),
    "create_vault.vault.billing.size": ("BillingCreate.size",),
    "create_vault.vault.billing.charging_mode": ("BillingCreate.charging_mode",),
    "create_vault.vault.billing.console_url": ("BillingCreate.console_url",),
    "create_vault.vault.description": ("VaultCreate.description", "PrePaidVaultOrder.description"),
    "create_vault.vault.name": ("VaultCreate.name", "PrePaidVaultOrder.name"),
    "create_vault.vault.resources[].type": ("ResourceCreate.type",),
    "create_vault.vault.resources[].name": ("Resource.name",),
    "create_vault.vault.tags": ("VaultCreate.tags",),
    "create_vault.vault.tags[].key": ("Tag.key",),
    "create_vault.vault.tags[].value": ("Tag.value",),
    "create_vault.vault.bind_rules.tags[].key": ("BindRulesTags.key",),
    "create_vault.vault.bind_rules.tags[].value": ("BindRulesTags.value",),
    "update_vault.vault.billing.size": ("BillingUpdate.size",),
    "update_vault.vault.billing.consistent_level": ("BillingCreate.consistent_level",),
    "update_vault.vault.name": ("VaultUpdate.name",),
    "update_vault.vault.bind_rules.tags[].key": ("BindRulesTags.key",),
    "update_vault.vault.bind_rules.tags[].value": ("BindRulesTags.value",),
    "update_vault.vault.threshold": ("VaultCreate.threshold", "PrePaidVaultOrder.threshold"),
    "create_vault.vault.threshold": ("VaultCreate.threshold", "PrePaidVaultOrder.threshold"),
    "create_vault.vault.availability_zone": ("VaultCreate.availability_zone",),
    "create_vault.vault.sys_lock_source_service": ("VaultCreate.sys_lock_source_service",),
    "create_checkpoint.checkpoint.parameters.retention_duration_days": (
        "CheckpointParam.retention_duration_days",
    ),
    "add_vault_resources.resources[].type": ("ResourceCreate.type",),
    "add_vault_resources.resources[].name": ("Resource.name",),
    "list_vaults?cloud_type": ("ListExternalVaultRequest.cloud_type",),
    "list_vaults?object_type": ("ListVaultRequest.object_type",),
    "list_vaults?protect_type": ("ListExternalVaultRequest.protect_type",),
    "list_vaults?limit": ("ListVaultRequest.limit",),
    "list_vaults?offset": ("ListVaultRequest.offset",),
    "list_backups?image_type": ("BackupResp.image_type",),
    "list_backups?resource_type": ("ListBackupsRequest.resource_type",),
    "list_backups?own_type": ("ListBackupsRequest.own_type",),
    "list_backups?status[]": ("BackupResp.status",),
    "list_backups?member_status": ("ListBackupsRequest.member_status",),
    "list_backups?used_percent": ("ListBackupsRequest.used_percent",),
    "list_backups?limit": ("ListBackupsRequest.limit",),
    "list_backups?offset": ("ListBackupsRequest.offset",),
    "list_backups?start_time": ("ListBackupsRequest.start_time",),
    "list_backups?end_time": ("ListBackupsRequest.end_time",),
    "list_backups?sort": ("ListBackupsRequest.sort",),
    "create_checkpoint.checkpoint.parameters.name": ("CheckpointParam.name",),
    "create_checkpoint.checkpoint.parameters.description": ("CheckpointParam.description",),
    "create_checkpoint.checkpoint.parameters.resource_details[].type": ("Resource.type",),
    "create_checkpoint.checkpoint.parameters.resource_details[].name": ("Resource.name",),
    "create_policy.policy.name": ("PolicyCreate.name",),
    "create_policy.policy.operation_type": ("PolicyCreate.operation_type",),
    "create_policy.policy.trigger.properties.pattern": ("PolicyTriggerPropertiesReq.pattern",),
    "create_policy.policy.trigger.properties.pattern[]": ("PolicyTriggerPropertiesReq.pattern",),
    "update_policy.policy.name": ("PolicyUpdate.name",),
    "update_policy.policy.trigger.properties.pattern": ("PolicyTriggerPropertiesUpdateReq.pattern",),
    "update_policy.policy.trigger.properties.pattern[]": ("PolicyTriggerPropertiesUpdateReq.pattern",),
    "list_policies?operation_type": ("ListPoliciesRequest.operation_type",),
    "list_operation_logs?operation_type": ("ListOpLogsRequest.operation_type",),
    "list_operation_logs?status": ("ListOpLogsRequest.status",),
    "list_operation_logs?limit": ("ListOpLogsRequest.limit",),
    "list_operation_logs?offset": ("ListOpLogsRequest.offset",),
    "list_operation_logs?start_time": ("ListOpLogsRequest.start_time",),
    "list_operation_logs?end_time": ("ListOpLogsRequest.end_time",),
    "list_share_members?limit": ("ShowMembersDetailRequest.limit",),
    "list_share_members?offset": ("ShowMembersDetailRequest.offset",),
    "list_share_members?sort": ("ShowMembersDetailRequest.sort",),
    "update_share_member_status.status": ("UpdateMember.status",),
    # E-NONEMPTY-IDS: ids not empty, lists that name something not empty
    "add_share_members.members": ("AddMembersReq.members",),
    "add_share_members.members[]": ("AddMembersReq.members",),
    "add_share_members.domains": ("AddMembersReq.domains",),
    "add_share_members.domains[]": ("AddMembersReq.domains",),
    "add_vault_resources.resources": ("VaultAddResourceReq.resources",),
    "add_vault_resources.resources[].id": ("ResourceCreate.id",),
    "create_vault.vault.resources[].id": ("ResourceCreate.id",),
    "create_vault.vault.backup_policy_id": ("VaultCreate.backup_policy_id",),
    "associate_vault_policy.policy_id": ("VaultAssociate.policy_id",),
    "associate_vault_policy.add_policy_ids": ("VaultAssociate.add_policy_ids",),
    "associate_vault_policy.add_policy_ids[]": ("VaultAssociate.add_policy_ids",),
    "dissociate_vault_policy.policy_id": ("VaultDissociate.policy_id",),
    "remove_vault_resources.resource_ids": ("VaultRemoveResourceReq.resource_ids",),
    "remove_vault_resources.resource_ids[]": ("VaultRemoveResourceReq.resource_ids",),
    "create_checkpoint.checkpoint.vault_id": ("VaultBackup.vault_id",),
    "create_checkpoint.checkpoint.parameters.resources[]": ("CheckpointParam.resources",),
    "create_checkpoint.checkpoint.parameters.resource_details[].id": ("Resource.id",),
    "restore_backup.restore.server_id": ("BackupRestore.server_id",),
    "restore_backup.restore.volume_id": ("BackupRestore.volume_id",),
    "restore_backup.restore.mappings[].backup_id": ("BackupRestoreServerMapping.backup_id",),
    "restore_backup.restore.mappings[].volume_id": ("BackupRestoreServerMapping.volume_id",),
}
for _op in ("create_policy", "update_policy"):
    for _field in (
        "day_backups",
        "week_backups",
        "month_backups",
        "year_backups",
        "max_backups",
        "retention_duration_days",
        "timezone",
    ):
        SOURCES[f"{_op}.policy.operation_definition.{_field}"] = (f"PolicyoODCreate.{_field}",)
    for _field in ("destination_region", "full_backup_interval"):
        SOURCES[f"{_op}.policy.operation_definition.{_field}"] = (f"PolicyoODCreate.{_field}",)
    for _period in ("weekly", "monthly", "yearly"):
        _rules = f"{_op}.policy.operation_definition.advanced_retention_rules.{_period}_retention_rules"
        _model = f"Policy{_period.capitalize()}RetentionRules"
        SOURCES[f"{_rules}.retention_duration_periods"] = (f"{_model}.retention_duration_periods",)
        if _period != "weekly":
            SOURCES[f"{_rules}.days_of_month[]"] = (f"{_model}.days_of_month",)


def _constrained(contract: Contract) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(location, schema) of every request schema node carrying a constraint."""
    seen: set[tuple[int, str]] = set()

    def walk(schema: Mapping[str, Any], where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        schema = contract.resolve(schema)
        if (id(schema), where) in seen:
            return
        seen.add((id(schema), where))
        if any(key in schema for key in _CONSTRAINTS) or "minItems" in schema or "maxItems" in schema:
            yield where, schema
        for name, sub in schema.get("properties", {}).items():
            yield from walk(sub, f"{where}.{name}")
        if "items" in schema:
            yield from walk(schema["items"], f"{where}[]")
        for combined in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(combined, []):
                yield from walk(sub, where)

    for operation in contract:
        for parameter in map(contract.resolve, operation.definition["parameters"]):
            if parameter["in"] in ("query", "path") and parameter["name"] != "project_id":
                yield from walk(parameter.get("schema", {}), f"{operation.operation_id}?{parameter['name']}")
        body = contract.request_schema(operation.operation_id)
        if body is not None:
            yield from walk(body, operation.operation_id)


def _documented(sources: tuple[str, ...]) -> Iterator[tuple[str, sdk_models.Documented]]:
    for source in sources:
        name, _, field = source.partition(".")
        yield source, sdk_models.documented(sdk_models.description(sdk_models.model(name), field))


def _allowed(contract: Contract, schema: Mapping[str, Any], value: Any) -> list[str]:
    return [error.message for error in contract.validator(schema).iter_errors(value)]


def test_every_constrained_request_field_names_its_sdk_source(contract: Contract) -> None:
    unmapped = sorted({where for where, _ in _constrained(contract)} - set(SOURCES))
    assert unmapped == [], f"request constraints with no SDK source in SOURCES: {unmapped}"


def test_every_sdk_source_exists() -> None:
    missing = []
    for sources in SOURCES.values():
        for source in sources:
            name, _, field = source.partition(".")
            try:
                sdk_models.description(sdk_models.model(name), field)
            except (AttributeError, LookupError) as exc:
                missing.append(f"{source}: {exc}")
    assert missing == []


def _checks(contract: Contract) -> Iterator[tuple[str, str, Any, Mapping[str, Any]]]:
    """(location, source, value, schema): each value an SDK description documents for a field."""
    for where, schema in _constrained(contract):
        for source, said in _documented(SOURCES.get(where, ())):
            if "enum" in schema:
                for value in said.values_like(list(schema["enum"])):
                    yield where, source, value, schema
            elif schema.get("type") == "integer":
                for value in said.numbers:
                    yield where, source, value, schema
            elif schema.get("type") == "string":
                if said.characters:
                    yield where, source, "".join(sorted(said.characters)), schema
                if said.max_length:
                    yield where, source, "a" * said.max_length, schema


def test_no_request_rule_refuses_a_value_the_sdk_documents(contract: Contract) -> None:
    checked = list(_checks(contract))
    refused = [
        f"{where}: {value!r} (documented by the SDK's {source}) is refused: {'; '.join(errors)}"
        for where, source, value, schema in checked
        if (errors := _allowed(contract, schema, value))
    ]
    assert refused == []
    # The readings did find values: an empty harvest would make the check above vacuous.
    assert len(checked) >= 60, len(checked)


def test_the_strict_profile_refuses_what_the_sdk_adds(strict: Contract) -> None:
    """The check above can fail: under the reference's letter, the SDK's extra values are refused."""
    refused = {where for where, _, value, schema in _checks(strict) if _allowed(strict, schema, value)}
    for where in (
        "create_vault.vault.billing.charging_mode",
        "create_vault.vault.billing.object_type",
        "create_vault.vault.billing.protect_type",
        "create_policy.policy.operation_type",
        "create_policy.policy.name",
        "list_backups?image_type",
        "list_vaults?cloud_type",
        "create_policy.policy.operation_definition.max_backups",
    ):
        assert where in refused, where


def _response_schemas(contract: Contract) -> dict[str, Mapping[str, Any]]:
    return dict(contract.document["components"]["schemas"])


# Spec response schema -> the SDK model of the same object.
RESPONSE_MODELS = {
    "BackupResp": "BackupResp",
    "Vault": "Vault",
    "Billing": "Billing",
    "ResourceResp": "ResourceResp",
    "Policy": "Policy",
    "PolicyTriggerResp": "PolicyTriggerResp",
    "PolicyAssociateVault": "PolicyAssociateVault",
    "OperationLog": "OperationLog",
    "Member": "Member",
    "CheckpointCreate": "CheckpointCreate",
    "CheckpointResourceResp": "CheckpointResourceResp",
    "CheckpointPlanCreate": "CheckpointPlanCreate",
    "VaultPolicyResp": "VaultPolicyResp",
}


def test_fields_required_in_responses_but_optional_in_the_sdk_are_decided(
    contract: Contract, errata: list[Erratum]
) -> None:
    (decided,) = [e for e in errata if e.id == "E-REQUIRED-VS-SDK"]
    kept = {location.rsplit("#/components/schemas/", 1)[1] for location in decided.locations}
    schemas = _response_schemas(contract)
    undecided = []
    for spec_name, sdk_name in RESPONSE_MODELS.items():
        optional_in_sdk = set(sdk_models.fields(sdk_models.model(sdk_name))) - sdk_models.required(
            sdk_models.model(sdk_name)
        )
        for field in schemas[spec_name].get("required", []):
            if field in optional_in_sdk and f"{spec_name}/properties/{field}" not in kept:
                undecided.append(f"{spec_name}.{field}")
    assert undecided == [], (
        "required in the spec, optional in the SDK, and not kept by E-REQUIRED-VS-SDK: "
        + ", ".join(undecided)
    )
