"""The post-conditions of the 27 operations, declared once: what a 2xx answer implies about later
reads, each with the section of the CBR API reference that grounds it.

Only what every reading agrees on is declared: the reference, the official SDK's models
(huaweicloudsdkcbr) and the observed service (spec/errata.yaml says where they differ). So a rule
names fields every reading shows the same way (a vault's name, a policy's enabled flag, a member's
status), never the figures whose meaning the readings leave open (a vault's `allocated` and `used`
capacities, the counts of the paged examples, E-LIST-COUNTS), nor what a deletion does to what
depended on it (the vaults of a deleted policy).

A rule is one of six kinds (`Kind`); `rules.py` holds one function per rule id, `time_driven.py`
those of the time-driven rules, judged where the suite moves the target's clock (the policy
scenarios), since only then does the suite know which of a policy's times have passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    READ_YOUR_WRITES = "read your writes"  # a later show and list give what the write sent, and kept the rest
    IMMUTABLE = "immutable fields"  # id, created_at, owner... identical in every read
    ACCOUNTING = "accounting"  # what a container holds moves as the write said
    CROSS_REFERENCE = "cross-references"  # two resources that name each other agree
    DELETION = "deletion visible"  # gone from show (404, its own code) and from every list that held it
    TIME_DRIVEN = (
        "time-driven"  # what the clock passing a policy's times does (checked where it can be moved)
    )


@dataclass(frozen=True)
class PostCondition:
    id: str  # stable: quoted in failures and in the report
    operation: str  # the operation whose 2xx answer implies it
    kind: Kind
    section: str  # of the CBR API reference
    says: str  # the rule, in words a reader of the report checks against the reference


# The fields that never change once a resource exists, by the kind of resource a body carries
# (dotted paths into the item). Timestamps are compared to the second: the reference prints the
# same field with and without a fraction and a zone (E-TIMESTAMPS).
IMMUTABLE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "vault": ("id", "created_at", "project_id", "billing.object_type", "billing.protect_type"),
    "policy": ("id", "operation_type"),
    "backup": ("id", "created_at", "project_id", "vault_id", "checkpoint_id", "resource_id", "resource_type"),
    "member": ("id", "created_at", "backup_id", "dest_project_id"),
    "checkpoint": ("id", "created_at", "project_id", "vault.id"),
    "operation_log": ("id", "created_at", "project_id", "operation_type"),
}

# What each answer carries of the resources it shows, as (body key, kind, whether a list): every
# such answer is compared with the earlier reads of the same resources. A create's answer is the
# first read of what it made: it is remembered, and has nothing earlier to be compared with.
READS: Mapping[str, tuple[str, str, bool]] = {
    "show_vault": ("vault", "vault", False),
    "list_vaults": ("vaults", "vault", True),
    "create_vault": ("vault", "vault", False),
    "update_vault": ("vault", "vault", False),
    "show_policy": ("policy", "policy", False),
    "list_policies": ("policies", "policy", True),
    "create_policy": ("policy", "policy", False),
    "update_policy": ("policy", "policy", False),
    "show_backup": ("backup", "backup", False),
    "list_backups": ("backups", "backup", True),
    "show_share_member": ("member", "member", False),
    "list_share_members": ("members", "member", True),
    "add_share_members": ("members", "member", True),
    "update_share_member_status": ("member", "member", False),
    "show_checkpoint": ("checkpoint", "checkpoint", False),
    "create_checkpoint": ("checkpoint", "checkpoint", False),
    "show_operation_log": ("operation_log", "operation_log", False),
    "list_operation_logs": ("operation_logs", "operation_log", True),
}

# The fields a read-back compares after an update, by kind: those sent must have the new value,
# the others their value read before the update.
COMPARED_ON_UPDATE: Mapping[str, tuple[str, ...]] = {
    "vault": ("name", "billing.size", "auto_bind", "billing.object_type", "billing.protect_type"),
    "policy": ("name", "enabled", "operation_type"),
    "member": ("status", "dest_project_id", "backup_id"),
}


def _immutable(operation: str, section: str) -> PostCondition:
    kind = READS[operation][1]
    fields = ", ".join(IMMUTABLE_FIELDS[kind])
    return PostCondition(
        f"{operation}.immutable",
        operation,
        Kind.IMMUTABLE,
        section,
        f"every {kind.replace('_', ' ')} it answers has the same {fields} as every earlier read of it",
    )


DECLARED: tuple[PostCondition, ...] = (
    # --- tasks (4.1): reads only ----------------------------------------------------------------
    _immutable("show_operation_log", "4.1.1"),
    _immutable("list_operation_logs", "4.1.2"),
    # --- backup sharing (4.2) -------------------------------------------------------------------
    PostCondition(
        "add_share_members.listed",
        "add_share_members",
        Kind.READ_YOUR_WRITES,
        "4.2.1; 4.2.3; 4.2.4",
        "each project added is then shown as a member of the backup, naming that backup "
        "(show_share_member), and listed among its members (list_share_members)",
    ),
    PostCondition(
        "update_share_member_status.read_back",
        "update_share_member_status",
        Kind.READ_YOUR_WRITES,
        "4.2.2; 4.2.3; 4.2.4",
        "the member is then shown and listed with the status sent; its project and backup unchanged",
    ),
    _immutable("update_share_member_status", "4.2.2"),
    _immutable("show_share_member", "4.2.3"),
    _immutable("list_share_members", "4.2.4"),
    PostCondition(
        "delete_share_member.gone",
        "delete_share_member",
        Kind.DELETION,
        "4.2.5; 4.2.3; 4.2.4",
        "the member is then not found (404 BackupService.6705) and not listed among the backup's members",
    ),
    # --- restore points (4.3) -------------------------------------------------------------------
    _immutable("show_checkpoint", "4.3.1"),
    PostCondition(
        "create_checkpoint.vault",
        "create_checkpoint",
        Kind.CROSS_REFERENCE,
        "4.3.2; 4.3.1",
        "the restore point is then shown (show_checkpoint) in the vault it was made in, and each "
        "resource it backs up is a resource of that vault (show_vault)",
    ),
    # --- vaults (4.4) ---------------------------------------------------------------------------
    PostCondition(
        "create_vault.read_back",
        "create_vault",
        Kind.READ_YOUR_WRITES,
        "4.4.1; 4.4.2; 4.4.3",
        "the vault is then shown and listed (list_vaults by id) with the name, size, protection and "
        "object type sent",
    ),
    _immutable("show_vault", "4.4.2"),
    _immutable("list_vaults", "4.4.3"),
    PostCondition(
        "update_vault.read_back",
        "update_vault",
        Kind.READ_YOUR_WRITES,
        "4.4.4; 4.4.2; 4.4.3",
        "read before and after: show and list give every field sent (name, size, auto_bind) its new "
        "value, and every one not sent its value before",
    ),
    _immutable("update_vault", "4.4.4"),
    PostCondition(
        "delete_vault.gone",
        "delete_vault",
        Kind.DELETION,
        "4.4.5; 4.4.2; 4.4.3; 4.6.3",
        "once the vault is not found (404 BackupService.6105), no list of vaults holds it, nor does "
        "any policy hold it among its associated_vaults (list_policies)",
    ),
    PostCondition(
        "remove_vault_resources.gone",
        "remove_vault_resources",
        Kind.ACCOUNTING,
        "4.4.6; 4.4.2",
        "no resource removed is still among the vault's resources",
    ),
    PostCondition(
        "add_vault_resources.held",
        "add_vault_resources",
        Kind.ACCOUNTING,
        "4.4.7; 4.4.2",
        "every resource added is then among the vault's resources, and the vault keeps those it held",
    ),
    PostCondition(
        "associate_vault_policy.both_ways",
        "associate_vault_policy",
        Kind.CROSS_REFERENCE,
        "4.4.8; 4.4.3; 4.6.2",
        "the policy then holds the vault among its associated_vaults, and the vaults listed by that "
        "policy (list_vaults policy_id) include it",
    ),
    PostCondition(
        "dissociate_vault_policy.both_ways",
        "dissociate_vault_policy",
        Kind.CROSS_REFERENCE,
        "4.4.9; 4.4.3; 4.6.2",
        "the policy then no longer holds the vault among its associated_vaults, nor do the vaults "
        "listed by that policy include it",
    ),
    # --- backups (4.5) --------------------------------------------------------------------------
    _immutable("show_backup", "4.5.1"),
    _immutable("list_backups", "4.5.2"),
    PostCondition(
        "delete_backup.gone",
        "delete_backup",
        Kind.DELETION,
        "4.5.3; 4.5.1; 4.5.2",
        "once the backup is not found (404 BackupService.6200), the backups of its restore point no "
        "longer list it",
    ),
    PostCondition(
        "restore_backup.kept",
        "restore_backup",
        Kind.IMMUTABLE,
        "4.5.4; 4.5.1",
        "the backup restored is still shown, in the same vault, of the same resource",
    ),
    # --- policies (4.6) -------------------------------------------------------------------------
    PostCondition(
        "create_policy.read_back",
        "create_policy",
        Kind.READ_YOUR_WRITES,
        "4.6.1; 4.6.2; 4.6.3",
        "the policy is then shown and listed with the name, operation type and enabled flag sent",
    ),
    _immutable("show_policy", "4.6.2"),
    _immutable("list_policies", "4.6.3"),
    PostCondition(
        "update_policy.read_back",
        "update_policy",
        Kind.READ_YOUR_WRITES,
        "4.6.4; 4.6.2; 4.6.3",
        "read before and after: show and list give every field sent (name, enabled) its new value, and "
        "every one not sent its value before",
    ),
    _immutable("update_policy", "4.6.4"),
    # --- time-driven (4.6.1, with time control) -------------------------------------------------
    PostCondition(
        "associate_vault_policy.fires",
        "associate_vault_policy",
        Kind.TIME_DRIVEN,
        "4.4.8; 4.6.1; 4.5.2",
        "once the clock has passed a time of the pattern (Table 4-178) of the enabled policy applied to "
        "the vault, "
        "the vault holds an automatic backup (auto_trigger true) of each of its resources made within "
        "the hour after that time (the pattern's times are at least an hour apart), and none of a "
        "resource it does not hold",
    ),
    PostCondition(
        "create_policy.max_backups",
        "create_policy",
        Kind.TIME_DRIVEN,
        "4.6.1; 4.5.2; E-RETENTION-SCOPE",
        "once the clock has passed more than max_backups N (Table 4-176) of its times (by an hour), "
        "a vault of one resource and only the policy's backups keeps the backups of the N newest "
        "times and none older",
    ),
    PostCondition(
        "create_policy.retention_duration_days",
        "create_policy",
        Kind.TIME_DRIVEN,
        "4.6.1; 4.5.2; E-RETENTION-SCOPE",
        "a backup made at a time of the policy is gone once retention_duration_days D (Table 4-176) "
        "have passed since (allowing an hour to make it and an hour to remove it), and kept until D "
        "days have passed",
    ),
    PostCondition(
        "delete_policy.gone",
        "delete_policy",
        Kind.DELETION,
        "4.6.5; 4.6.2; 4.6.3",
        "the policy is then not found (404 BackupService.6000) and not in the list of policies",
    ),
)

BY_ID: Mapping[str, PostCondition] = {rule.id: rule for rule in DECLARED}


def of_operation(operation_id: str) -> tuple[PostCondition, ...]:
    return tuple(rule for rule in DECLARED if rule.operation == operation_id)
