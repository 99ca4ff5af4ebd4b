"""CBR error responses: always ``{"error_code": ..., "error_msg": ...}``.

Codes, statuses and messages are those of the reference's appendix 7.2 (the ``APIGW.*`` ones are
the API gateway's, which answers before the service for routing and authentication).
"""

from __future__ import annotations

# code -> (HTTP status, message), copied from appendix 7.2 for every code the emulator gives.
CATALOGUE: dict[str, tuple[int, str]] = {
    "BackupService.0001": (400, "No resource is available for backup."),
    "BackupService.0002": (500, "Resources are being backed up."),
    "BackupService.2001": (
        400,
        "Restoration cannot be executed because the size of the disk on the server is smaller than "
        "the backup size.",
    ),
    "BackupService.2002": (
        400,
        "The resource is being backed up. Restore the resource after the backup is complete.",
    ),
    "BackupService.2003": (400, "Restoration to a different server is not allowed."),
    "BackupService.2005": (400, "Restoration is not allowed in the current backup status."),
    "BackupService.2006": (400, "An ECS backup cannot be restored to a BMS."),
    "BackupService.2010": (400, "The resource is being restored."),
    "BackupService.2013": (400, "Backup data of a data disk cannot be restored to a system disk."),
    "BackupService.2014": (400, "A BMS backup cannot be restored to an ECS."),
    "BackupService.6000": (404, "The policy does not exist."),
    "BackupService.6002": (404, "The vault is not applied with the policy."),
    "BackupService.6101": (400, "Invalid vault capacity."),
    "BackupService.6102": (400, "The vault does not support this resource type."),
    "BackupService.6103": (400, "The resource has been associated with a vault."),
    "BackupService.6104": (400, "Duplicate vault resources."),
    "BackupService.6105": (404, "The vault does not exist."),
    "BackupService.6114": (400, "The used capacity of the vault exceeds the maximum capacity."),
    "BackupService.6116": (400, "Unsupported resource type."),
    "BackupService.6117": (400, "Unknown policy type."),
    "BackupService.6127": (400, "This policy cannot be applied to this vault."),
    "BackupService.6135": (400, "The resource does not exist in the vault."),
    "BackupService.6200": (404, "The backup does not exist."),
    "BackupService.6201": (400, "The backup cannot be deleted."),
    "BackupService.6216": (400, "The backup cannot be deleted because it is in use."),
    "BackupService.6217": (404, "The backup restore point does not exist."),
    "BackupService.6302": (404, "The resource does not exist."),
    "BackupService.6500": (404, "The operation log does not exist."),
    "BackupService.6600": (400, "The maximum number of tags has been reached for the resource."),
    "BackupService.6700": (400, "Only cloud server backups can be shared."),
    "BackupService.6702": (400, "Only backups in the Available status can be shared."),
    "BackupService.6704": (400, "Invalid project ID of the tenant for sharing."),
    "BackupService.6705": (404, "The share member does not exist."),
    "BackupService.6706": (400, "Invalid update parameter value for the share member."),
    "BackupService.6713": (
        400,
        "The type of the vault accepting the shared backup and the backup resource type are different.",
    ),
    "BackupService.6714": (400, "A shared backup cannot be shared to the same member again."),
    "BackupService.7000": (404, "The disk does not exist."),
    "BackupService.7003": (400, "Backup is not allowed in the current disk status."),
    "BackupService.7100": (404, "The server does not exist."),
    "BackupService.7101": (400, "Backup is not allowed in the current server status."),
    "BackupService.7500": (404, "The SFS Turbo file system does not exist."),
    "BackupService.7502": (400, "Backup is not allowed in the current status of the SFS Turbo file system."),
    "BackupService.9900": (400, "Parameter verification failed."),
    "BackupService.9910": (500, "Unknown error."),
}

APIGW_NOT_FOUND_MESSAGE = "The API does not exist or has not been published in the environment."


class CBRError(Exception):
    """An error answer. ``detail`` is for logs and the X-Emulator-Error-Detail header only."""

    def __init__(self, status: int, code: str, message: str, detail: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" ({detail})" if detail else ""))
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail

    def body(self) -> dict[str, str]:
        return {"error_code": self.code, "error_msg": self.message}


def from_catalogue(code: str, detail: str | None = None) -> CBRError:
    status, message = CATALOGUE[code]
    return CBRError(status, code, message, detail)


def message_of(code: str) -> str:
    return CATALOGUE[code][1]


# --- API gateway -------------------------------------------------------------------------------


def unauthenticated(reason: str) -> CBRError:
    return CBRError(401, "APIGW.0301", f"Incorrect IAM authentication information: {reason}")


def forbidden() -> CBRError:
    return CBRError(403, "APIGW.0302", "The IAM user is not authorized to access the API.")


def api_not_found() -> CBRError:
    return CBRError(404, "APIGW.0101", APIGW_NOT_FOUND_MESSAGE)


def method_not_allowed() -> CBRError:
    return CBRError(405, "APIGW.0101", APIGW_NOT_FOUND_MESSAGE)


# --- generic ------------------------------------------------------------------------------------


def invalid_parameter(detail: str) -> CBRError:
    return from_catalogue("BackupService.9900", detail)


def unknown_error(detail: str | None = None) -> CBRError:
    return from_catalogue("BackupService.9910", detail)


# --- not found ------------------------------------------------------------------------------------


def vault_not_found(vault_id: str = "") -> CBRError:
    return from_catalogue("BackupService.6105", f"vault {vault_id}")


def policy_not_found(policy_id: str = "") -> CBRError:
    return from_catalogue("BackupService.6000", f"policy {policy_id}")


def backup_not_found(backup_id: str = "") -> CBRError:
    return from_catalogue("BackupService.6200", f"backup {backup_id}")


def checkpoint_not_found(checkpoint_id: str = "") -> CBRError:
    return from_catalogue("BackupService.6217", f"checkpoint {checkpoint_id}")


def operation_log_not_found(log_id: str = "") -> CBRError:
    return from_catalogue("BackupService.6500", f"operation log {log_id}")


def member_not_found(member_id: str = "") -> CBRError:
    return from_catalogue("BackupService.6705", f"member {member_id}")


def server_not_found(resource_id: str) -> CBRError:
    return from_catalogue("BackupService.7100", f"server {resource_id}")


def disk_not_found(resource_id: str) -> CBRError:
    return from_catalogue("BackupService.7000", f"disk {resource_id}")


def turbo_not_found(resource_id: str) -> CBRError:
    return from_catalogue("BackupService.7500", f"SFS Turbo {resource_id}")


def resource_not_found(resource_id: str) -> CBRError:
    return from_catalogue("BackupService.6302", f"resource {resource_id}")


def policy_not_applicable(policy_id: str, detail: str) -> CBRError:
    return from_catalogue("BackupService.6127", f"policy {policy_id}: {detail}")


def policy_not_applied(policy_id: str) -> CBRError:
    return from_catalogue("BackupService.6002", f"policy {policy_id}")


# --- vault rules ----------------------------------------------------------------------------------


def invalid_vault_capacity(detail: str) -> CBRError:
    return from_catalogue("BackupService.6101", detail)


def resource_type_not_supported(resource_id: str) -> CBRError:
    return from_catalogue("BackupService.6102", f"resource {resource_id}")


def resource_already_associated(resource_id: str) -> CBRError:
    return from_catalogue("BackupService.6103", f"resource {resource_id}")


def duplicate_resources(resource_id: str) -> CBRError:
    return from_catalogue("BackupService.6104", f"resource {resource_id}")


def resource_not_in_vault(resource_id: str) -> CBRError:
    return from_catalogue("BackupService.6135", f"resource {resource_id}")


def unsupported_protect_type(value: str) -> CBRError:
    return from_catalogue("BackupService.6116", f"protect_type {value}")


def too_many_tags() -> CBRError:
    return from_catalogue("BackupService.6600", "at most 10 tags")


def unknown_policy_type(value: str) -> CBRError:
    return from_catalogue("BackupService.6117", f"operation_type {value}")


# --- backups and restore -------------------------------------------------------------------------


def vault_full(detail: str) -> CBRError:
    return from_catalogue("BackupService.6114", detail)


def no_resource_to_back_up() -> CBRError:
    return from_catalogue("BackupService.0001")


def backup_cannot_be_deleted(detail: str) -> CBRError:
    return from_catalogue("BackupService.6201", detail)


def backup_in_use(detail: str) -> CBRError:
    return from_catalogue("BackupService.6216", detail)


def restore_not_allowed_in_status(status: str) -> CBRError:
    return from_catalogue("BackupService.2005", f"backup status {status}")


def restore_code(code: str, detail: str | None = None) -> CBRError:
    """One of the 20xx restoration rules (2001, 2002, 2003, 2006, 2010, 2013, 2014)."""
    return from_catalogue(code, detail)


# --- sharing ------------------------------------------------------------------------------------


def share_code(code: str, detail: str | None = None) -> CBRError:
    """One of the 67xx sharing rules (6700, 6702, 6704, 6706, 6713, 6714)."""
    return from_catalogue(code, detail)
