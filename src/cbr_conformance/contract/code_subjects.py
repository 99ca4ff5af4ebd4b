"""Which operations an error code of the catalogue can answer, read from the code's subject.

The reference's appendix (7.2) ties each code to an HTTP status only. It numbers the codes by
subject, though: 20xx restoration, 60xx policies, 61xx vaults, 62xx backups, 65xx tasks, 67xx
sharing, 70xx disks, 71xx servers, 75xx SFS Turbo... An operation can meet a code when the code's
subject is something the operation acts on, and when its status is one the operation documents.
This is the suite's reading (its table below), used to say how many of the codes that can answer an
operation a run actually saw; it never decides a verdict.
"""

from __future__ import annotations

import re

_POLICY_OPS = ("create_policy", "update_policy", "show_policy", "delete_policy", "list_policies")
# What changes a vault (or its resources), and what names one by id
_VAULT_CHANGES = (
    "create_vault",
    "update_vault",
    "delete_vault",
    "add_vault_resources",
    "remove_vault_resources",
    "associate_vault_policy",
    "dissociate_vault_policy",
)
_VAULT_BY_ID = (*_VAULT_CHANGES[1:], "show_vault")
_SHARING_OPS = (
    "add_share_members",
    "list_share_members",
    "update_share_member_status",
    "show_share_member",
    "delete_share_member",
)
_TASK_OPS = ("show_operation_log", "list_operation_logs")
# Codes about the resources a vault protects: met when resources go into a vault, when they are
# backed up, and when a backup is restored onto them.
_RESOURCE_OPS = ("create_vault", "add_vault_resources", "create_checkpoint", "restore_backup")

# (code number pattern, the operations that can meet it); the first match wins. A code no row
# matches (the gateway's, 9900 "parameter verification failed", 8600 "not authenticated") can
# answer any operation that documents its status.
SUBJECTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"0001", ("create_checkpoint",)),  # no resource is available for backup
    (r"1\d{3}|4\d{3}", ()),  # replication between projects, migration: no operation of this API
    (r"20\d\d", ("restore_backup",)),
    (r"6002", ("dissociate_vault_policy",)),
    (r"60\d\d", (*_POLICY_OPS, "associate_vault_policy", "create_vault")),
    (r"6105", (*_VAULT_BY_ID, "create_checkpoint")),  # the vault does not exist
    (r"61\d\d", (*_VAULT_CHANGES, "create_checkpoint", "restore_backup")),
    (r"6200", ("show_backup", "delete_backup", "restore_backup", "add_share_members")),  # no backup
    (r"6217", ("show_checkpoint",)),  # the restore point does not exist
    (r"62\d\d", ("delete_backup", "restore_backup", "create_checkpoint", "add_share_members")),
    (r"63\d\d", ("create_vault", "add_vault_resources", "remove_vault_resources")),
    (r"64\d\d", ("create_vault", "update_vault", "delete_vault")),  # the vault's storage bucket
    (r"65\d\d", _TASK_OPS),
    (r"66\d\d", ("create_vault", "update_vault")),  # tags
    (r"67\d\d", _SHARING_OPS),
    (r"7[0125]\d\d", _RESOURCE_OPS),  # disks, servers, snapshots, SFS Turbo
    (r"73\d\d", ("create_vault", "update_vault", "delete_vault")),  # vault synchronisation
    (r"8300", ("create_checkpoint",)),  # snapshot quota
)


def can_answer(code: str, operation_id: str) -> bool:
    """Whether `code` (e.g. BackupService.6105) can answer `operation_id`, by its subject."""
    number = code.rpartition(".")[2]
    if not code.startswith("BackupService."):
        return True  # the API gateway's codes answer any call
    for pattern, operations in SUBJECTS:
        if re.fullmatch(pattern, number):
            return operation_id in operations
    return True
