"""The error codes the conformance tests expect, by name, and the unknown ids they ask about.

Why this module exists: each test module used to define its own `BACKUP_NOT_FOUND =
"BackupService.6200"` and its own "id that no service has issued", so one code could be misspelt
in one place only. Here each code is named once, after the meaning the reference's error-code
table (spec/error-codes.yaml) gives it; a test imports the name and its message shows the code.
"""

from __future__ import annotations

import uuid

# --- ids that no service has issued ---------------------------------------------------------

_SEED = uuid.UUID(int=0x5EED)
UNKNOWN_ID = str(_SEED)  # a well-formed resource id (vault, backup, policy...) no service issued
UNKNOWN_PROJECT = _SEED.hex  # a well-formed project id (a share member's id, 4.2.2) of no one

# --- the API gateway (errata E-AUTH-CODES) ----------------------------------------------------

UNAUTHENTICATED = "APIGW.0301"  # 401: missing or wrong credentials
FORBIDDEN = "APIGW.0302"  # 403: valid credentials of another project

# --- BackupService: not found (404) -----------------------------------------------------------

POLICY_NOT_FOUND = "BackupService.6000"
POLICY_NOT_APPLIED = "BackupService.6002"  # the vault is not applied with the policy
VAULT_NOT_FOUND = "BackupService.6105"
BACKUP_NOT_FOUND = "BackupService.6200"
CHECKPOINT_NOT_FOUND = "BackupService.6217"
TASK_NOT_FOUND = "BackupService.6500"  # an operation log
MEMBER_NOT_FOUND = "BackupService.6705"  # a share member

# --- BackupService: refused (400) -------------------------------------------------------------

INVALID = "BackupService.9900"  # parameter verification failed
NO_RESOURCE = "BackupService.0001"  # no resource is available for backup
WRONG_RESOURCE_TYPE = "BackupService.6102"  # the vault does not support this resource type
IN_ANOTHER_VAULT = "BackupService.6103"  # the resource has been associated with a vault
DISK_IN_VAULT = "BackupService.7006"  # the disk already exists in the vault
NOT_IN_VAULT = "BackupService.6135"  # the resource does not exist in the vault
SHARE_NOT_SERVER = "BackupService.6700"  # only cloud server backups can be shared
ALREADY_SHARED = "BackupService.6703"  # the backup has been shared
SHARED_TO_MEMBER = "BackupService.6714"  # shared to the same member again
SHARE_VAULT_TYPE = "BackupService.6713"  # the accepting vault's type differs from the backup's
