"""Bodies and queries of the vault operations (4.4)."""

from __future__ import annotations

import re
from typing import Any

from cbr_emulator import errors
from cbr_emulator.models.inventory import RESOURCE_TYPES
from cbr_emulator.models.vault_resources import ResourceSpec
from cbr_emulator.models.vaults import MAX_SIZE_GB, Tag, VaultCreate, VaultFilter, VaultUpdate
from cbr_emulator.validation import Obj, Query

MAX_TAGS = 10
# Beyond the reference's three, the SDK's BillingCreate.object_type (E-REQUEST-ENUMS): cloud
# desktops (workspace, also seen live), VMware, RDS and file vaults.
OBJECT_TYPES = ("server", "disk", "turbo", "workspace", "vmware", "rds", "file")
CONSISTENT_LEVELS = ("crash_consistent", "app_consistent")
# The reference's "which is public", "which is backup", "which is post_paid" and the values the
# SDK adds (E-REQUEST-ENUMS, E-PROTECT-TYPE-PER-OPERATION): a vault is created with the SDK's
# two protection types and listed by its three.
CLOUD_TYPES = ("public", "hybrid")
CREATE_PROTECT_TYPES = ("backup", "replication")
LIST_PROTECT_TYPES = ("backup", "replication", "hybrid")
CHARGING_MODES = ("post_paid", "pre_paid")
# The official SDK's Tag: keys of CJK characters, letters, digits, "_" and "-"; values may add ".".
_TAG_KEY = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9_-]+$")
_TAG_VALUE = re.compile(r"^[\u4e00-\u9fa5A-Za-z0-9_.-]*$")


def parse_resources(items: list[Any], where: str) -> tuple[ResourceSpec, ...]:
    specs = []
    for index, item in enumerate(items):
        entry = Obj(item, f"{where}[{index}]")
        # any id of 1 to 64 characters: one that names no resource is 6302 (not found), not 9900
        resource_id = entry.text("id", required=True, min_len=1)
        resource_type = entry.text("type", required=True, choices=RESOURCE_TYPES)
        extra = entry.child("extra_info")
        assert resource_id is not None and resource_type is not None
        specs.append(
            ResourceSpec(
                id=resource_id,
                type=resource_type,
                name=entry.text("name", max_len=255),
                extra_info=None if extra is None else extra.value,
            )
        )
    return tuple(specs)


def parse_tags(items: list[Any], where: str, *, of_vault: bool) -> tuple[Tag, ...]:
    """Tag (undefined by the reference): key 1-36 characters, value 0-43, keys unique.

    A vault's own ``tags`` "cannot be an empty list" and hold "up to 10 keys" (4-87); the tags of
    bind rules (4-122) have neither rule: they may be emptied and be many.
    """
    if of_vault and not items:
        raise errors.invalid_parameter(f"{where} cannot be an empty list")
    if of_vault and len(items) > MAX_TAGS:
        raise errors.too_many_tags()
    tags = []
    for index, item in enumerate(items):
        entry = Obj(item, f"{where}[{index}]")
        key = entry.text("key", required=True, min_len=1, max_len=36, pattern=_TAG_KEY)
        assert key is not None
        tags.append(Tag(key=key, value=entry.text("value", max_len=43, pattern=_TAG_VALUE)))
    # E-TAG-KEYS-UNIQUE: a vault's own keys; a bind rule may name one key with several values
    if of_vault and len({t.key for t in tags}) != len(tags):
        raise errors.invalid_parameter(f"{where} keys must be unique")
    return tuple(tags)


def _bind_rules(vault: Obj) -> dict[str, Any] | None:
    rules = vault.child("bind_rules")
    if rules is None:
        return None
    tags = rules.array("tags")
    if tags is None:
        return {}
    return {
        "tags": [
            {"key": t.key, "value": t.value}
            for t in parse_tags(tags, "vault.bind_rules.tags", of_vault=False)
        ]
    }


def _size(billing: Obj) -> int | None:
    return billing.integer(
        "size",
        minimum=1,
        maximum=MAX_SIZE_GB,
        range_error=errors.invalid_vault_capacity(f"size must be 1..{MAX_SIZE_GB}"),
    )


def _added_fields(vault: Obj, billing: Obj) -> dict[str, Any]:
    """The fields today's service takes beyond the reference (the SDK's VaultCreate), kept to be
    answered: only those the caller set."""
    found = {
        "locked": vault.boolean("locked"),
        "demand_billing": vault.boolean("demand_billing"),
        "sys_lock_source_service": vault.text("sys_lock_source_service", choices=("SMB", "")),
        "availability_zone": vault.text("availability_zone", max_len=32),
        "backup_name_prefix": vault.text("backup_name_prefix"),
        "is_multi_az": billing.boolean("is_multi_az"),
    }
    return {key: value for key, value in found.items() if value is not None}


def _threshold(vault: Obj) -> int | None:
    return vault.integer("threshold", minimum=1, maximum=100)


def parse_vault_create(body: Any) -> VaultCreate:
    vault = Obj(body, "body").child("vault", required=True)
    assert vault is not None
    billing = vault.child("billing", required=True)
    assert billing is not None
    protect_type = billing.text("protect_type", required=True)
    if protect_type not in CREATE_PROTECT_TYPES:
        raise errors.unsupported_protect_type(str(protect_type))
    size = _size(billing)
    if size is None:
        raise errors.invalid_parameter("vault.billing.size is required")
    resources = vault.array("resources", required=True)
    tags = vault.array("tags")
    return VaultCreate(
        name=str(vault.text("name", required=True, min_len=1, max_len=64)),
        description=vault.text("description", max_len=255),
        object_type=str(billing.text("object_type", required=True, choices=OBJECT_TYPES)),
        consistent_level=str(billing.text("consistent_level", required=True, choices=CONSISTENT_LEVELS)),
        protect_type=protect_type,
        size=size,
        charging_mode=billing.text("charging_mode", choices=CHARGING_MODES) or "post_paid",
        cloud_type=billing.text("cloud_type", choices=CLOUD_TYPES) or "public",
        is_auto_renew=bool(billing.boolean("is_auto_renew")),
        is_auto_pay=bool(billing.boolean("is_auto_pay")),
        console_url=billing.text("console_url", min_len=1, max_len=255),
        resources=parse_resources(resources or [], "vault.resources"),
        tags=() if tags is None else parse_tags(tags, "vault.tags", of_vault=True),
        enterprise_project_id=vault.text("enterprise_project_id") or "0",  # "": the default
        auto_bind=bool(vault.boolean("auto_bind")),
        bind_rules=_bind_rules(vault),
        # 4-87: "If the value of this parameter is null, automatic backup is not performed."
        backup_policy_id=vault.text("backup_policy_id", min_len=1, nullable=True),
        auto_expand=bool(vault.boolean("auto_expand")),
        smn_notify=vault.boolean("smn_notify") is not False,
        threshold=_threshold(vault) or 80,
        added=_added_fields(vault, billing),
    )


def parse_vault_update(body: Any) -> VaultUpdate:
    vault = Obj(body, "body").child("vault", required=True)
    assert vault is not None
    billing = vault.child("billing")
    return VaultUpdate(
        name=vault.text("name", min_len=1, max_len=64),
        size=None if billing is None else _size(billing),
        auto_bind=vault.boolean("auto_bind"),
        bind_rules=_bind_rules(vault),
        auto_expand=vault.boolean("auto_expand"),
        smn_notify=vault.boolean("smn_notify"),
        threshold=_threshold(vault),
        locked=vault.boolean("locked"),
        consistent_level=(
            None if billing is None else billing.text("consistent_level", choices=CONSISTENT_LEVELS)
        ),
    )


def parse_vault_filter(query: Query) -> VaultFilter:
    resource_ids = query.text("resource_ids")
    return VaultFilter(
        limit=query.integer("limit", minimum=1, maximum=1000, default=1000) or 1000,
        offset=query.integer("offset", minimum=0, default=0) or 0,
        cloud_type=query.text("cloud_type", choices=CLOUD_TYPES),
        enterprise_project_id=query.text("enterprise_project_id"),
        id=query.text("id"),
        name=query.text("name"),
        object_type=query.text("object_type", choices=OBJECT_TYPES),
        policy_id=query.text("policy_id"),
        protect_type=query.text("protect_type", choices=LIST_PROTECT_TYPES),
        resource_ids=tuple(r.strip() for r in resource_ids.split(",") if r.strip()) if resource_ids else (),
        status=query.text("status"),
    )


def parse_add_resources(body: Any) -> tuple[ResourceSpec, ...]:
    resources = Obj(body, "body").array("resources", required=True)
    if not resources:
        raise errors.invalid_parameter("resources cannot be empty")
    return parse_resources(resources, "resources")


def parse_remove_resources(body: Any) -> list[str]:
    resource_ids = Obj(body, "body").texts("resource_ids", required=True)
    if not resource_ids:
        raise errors.invalid_parameter("resource_ids cannot be empty")
    return resource_ids


def parse_policy_reference(body: Any) -> str:
    """dissociatepolicy: {"policy_id": ...}."""
    policy_id = Obj(body, "body").text("policy_id", required=True, min_len=1)
    assert policy_id is not None
    return policy_id


def parse_destination_vault(body: Any) -> str | None:
    """associatepolicy's destination_vault_id (the SDK's VaultAssociate): the remote vault of a
    replication policy, answered back as given."""
    return Obj(body, "body").text("destination_vault_id")


def parse_policies_to_apply(body: Any) -> list[str]:
    """associatepolicy: exactly one of policy_id and the SDK's add_policy_ids (a non-empty list)
    names the policies to apply, in order (E-ASSOCIATE-POLICY-REQUIRED)."""
    fields = Obj(body, "body")
    if fields.has("policy_id") == fields.has("add_policy_ids"):
        raise errors.invalid_parameter("exactly one of policy_id and add_policy_ids is required")
    if fields.has("policy_id"):
        return [parse_policy_reference(body)]
    policy_ids = fields.texts("add_policy_ids", required=True)
    if not policy_ids:
        raise errors.invalid_parameter("add_policy_ids cannot be empty")
    return list(policy_ids)
