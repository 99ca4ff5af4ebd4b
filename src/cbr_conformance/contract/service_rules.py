"""Valid cases that are valid for the service too: the rules of the reference's prose that the
spec's schemas cannot state, and the run's real resources in every body field that names one.

A generated case is valid by the spec; the service also wants ids that name something (a vault of
the run, a resource leased from the inventory, the second project), a policy pattern with a time of
day, a timezone with calendar retention. `shape` rewrites a positive case's body accordingly, one
small function per operation in `_SHAPERS`; the spec stays the one source of the schemas (nothing
here copies a schema fact out of it). The fuzzer and the state machine share these rules.

The rules that no schema can state and no shaper repairs (a vault's tag keys unique, a paging
marker that names an item) are the spec's own `x-cbr-rules` (contract/spec_rules.py): a case that breaks
one is not judged, the same rules by which other tools' findings against the emulator are read.

The same table says which refusals of such a case are judged (`claims_invalid_input`): a case that
satisfies every known rule and is refused as invalid input is a fault of the target; a refusal
the reference documents for valid input in some state (not found, in use, a quota) is not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import jsonpatch

from cbr_conformance.contract.codes import INVALID
from cbr_conformance.contract.errata import ERRATA_FILE, letter_patches, load_errata
from cbr_conformance.contract.spec import Contract

# --- the service's rules (the reference's prose and its tables' remarks) -----------------------

# 4.6.1 table 4-178: FREQ DAILY or WEEKLY, a time of day (BYHOUR and BYMINUTE), at least an hour
# between two runs, at most 24 runs a day.
SERVICE_PATTERN = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00"
# 4.6.1 table 4-176: day/week/month/year retention counts in a timezone.
SERVICE_TIMEZONE = "UTC+08:00"
CALENDAR_RETENTION = ("day_backups", "week_backups", "month_backups", "year_backups")
# The kind of vault every CBR target offers (the reference's own); the spec also allows the SDK's
# replication, hybrid and subscription vaults, which a target need not offer. A vault stays small
# (the run pays for it).
SERVICE_BILLING = {"protect_type": "backup", "cloud_type": "public", "charging_mode": "post_paid"}
SERVICE_OBJECT_TYPES = ("server", "disk", "turbo")
SMALL_VAULT_GB = 100

# What a refusal of a case valid by every rule claims, by operation: "your input is invalid", which
# such a case is not. Every other documented refusal (not found, in use, quota reached...) may
# answer valid input in some state of a shared project, and is not judged.
_CLAIMS_INVALID: dict[str, frozenset[str]] = {
    "create_policy": frozenset({"BackupService.6117"}),  # unknown policy type, of a backup policy
    "create_vault": frozenset({"BackupService.6116"}),  # unsupported resource type, of a server vault
}


def claims_invalid_input(operation_id: str, status: int, error_code: str | None) -> bool:
    """Whether a refusal says the request itself is invalid (parameter verification failed...)."""
    return status == 400 and (error_code == INVALID or error_code in _CLAIMS_INVALID.get(operation_id, ()))


def letter_of(contract: Contract) -> Contract:
    """The reference's letter (the spec with the errata's departures undone): a request valid by
    the spec and by it is valid by every reading (an SDK-only field is not). Made once per contract."""
    return contract.derived("the reference's letter", _letter)


def _letter(contract: Contract) -> Contract:
    patches = letter_patches(load_errata(contract.folder / ERRATA_FILE))
    return Contract(jsonpatch.apply_patch(contract.document, patches), contract.source)


# --- the run's real resources ---------------------------------------------------------------


@dataclass
class RealIds:
    """The run's resources that cases name: by parameter name (vault_id, policy_id, backup_id,
    checkpoint_id, member_id, operation_log_id...) for path parameters and body fields alike."""

    values: dict[str, str] = field(default_factory=dict)
    resources: list[dict[str, str]] = field(default_factory=list)  # the vault's: {"id", "type"}
    # a resource of the vault's type in no vault, which add/remove_vault_resources move in and out
    spare: dict[str, str] | None = None
    # leases the spare when a case first needs it (None: none free): the stages that never move a
    # resource hold no inventory server, which a slow target's run is short of at its start
    lease_spare: Callable[[], dict[str, str] | None] | None = None
    restore: dict[str, Any] | None = None  # restore_backup's body onto the backup's own server
    member_vault_id: str | None = None  # a server vault of the second project, to accept a share in

    def spare_resource(self) -> dict[str, str] | None:
        """The spare, leased the first time it is asked for."""
        if self.spare is None and self.lease_spare is not None:
            lease, self.lease_spare = self.lease_spare, None
            self.spare = lease()
        return self.spare

    def path_for(self, case_path: Mapping[str, Any], keep: set[str]) -> dict[str, str]:
        # schemathesis hands path values over percent-encoded; the client encodes them itself
        path = {name: unquote(str(value)) for name, value in case_path.items() if name != "project_id"}
        for name in path:
            if name not in keep and name in self.values:
                path[name] = self.values[name]
        return path


# --- shaping a body ---------------------------------------------------------------------------

Shaper = Callable[[dict[str, Any], RealIds, str], bool]


def service_patterns(generated: Any) -> list[str]:
    """The generated trigger patterns, each given one time of day, all at the same minute, so that
    two runs are a whole number of hours apart (distinct hours) or the same run (same hour)."""
    patterns = [p for p in generated if isinstance(p, str)] if isinstance(generated, list) else []
    minute = next((m for p in patterns if (m := _part(p, "BYMINUTE"))), "00").split(",")[0]
    shaped = []
    for pattern in patterns[:24]:
        kept = [f"FREQ={_part(pattern, 'FREQ') or 'WEEKLY'}"]
        if day := _part(pattern, "BYDAY"):
            kept.append(f"BYDAY={day}")
        if (interval := _part(pattern, "INTERVAL")) and len(interval) <= 2:
            kept.append(f"INTERVAL={interval}")  # every 1 to 99 days or weeks
        hour = (_part(pattern, "BYHOUR") or "14").split(",")[0]
        shaped.append(";".join([*kept, f"BYHOUR={hour}", f"BYMINUTE={minute}"]))
    return shaped or [SERVICE_PATTERN]


def _part(pattern: str, key: str) -> str | None:
    for part in pattern.split(";"):
        name, _, value = part.partition("=")
        if name == key and value:
            return value
    return None


def _policy(item: dict[str, Any], ids: RealIds, name: str) -> bool:
    if "name" in item:
        item["name"] = name
    item["enabled"] = False  # a policy that fires mid-run adds backups nobody asked for
    if "operation_type" in item:
        item["operation_type"] = "backup"  # a replication policy needs a second region
    trigger = item.get("trigger")
    properties = trigger.get("properties") if isinstance(trigger, dict) else None
    if isinstance(properties, dict):
        properties["pattern"] = service_patterns(properties.get("pattern"))
    definition = item.get("operation_definition")
    if isinstance(definition, dict) and any(key in definition for key in CALENDAR_RETENTION):
        definition.setdefault("timezone", SERVICE_TIMEZONE)
    return True


def _create_policy(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    item = body.get("policy")
    return isinstance(item, dict) and _policy(item, ids, name)


def _create_vault(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    item = body.get("vault")
    if not isinstance(item, dict):
        return False
    item["name"] = name
    # One vault per resource: the inventory's are all held by the run's vaults, so none is listed.
    item["resources"] = []
    if item.get("backup_policy_id") is not None:
        if "policy_id" not in ids.values:
            item.pop("backup_policy_id")
        else:
            item["backup_policy_id"] = ids.values["policy_id"]
    item.pop("enterprise_project_id", None)  # names an enterprise project the run does not know
    # Binding by tag would take in servers of the project that are not the run's.
    if "auto_bind" in item:
        item["auto_bind"] = False
    billing = item.get("billing")
    if isinstance(billing, dict):
        billing.update(SERVICE_BILLING)
        if billing.get("object_type") not in SERVICE_OBJECT_TYPES:
            billing["object_type"] = SERVICE_OBJECT_TYPES[0]
        if isinstance(billing.get("size"), int):
            billing["size"] = max(1, min(billing["size"], SMALL_VAULT_GB))
    return True


def _update_vault(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    item = body.get("vault")
    if not isinstance(item, dict):
        return False
    if "name" in item:
        item["name"] = name  # a sweep by prefix must still find it
    if "auto_bind" in item:
        item["auto_bind"] = False
    return True


def _update_policy(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    item = body.get("policy")
    return isinstance(item, dict) and _policy(item, ids, name)


def _associate(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    policy = ids.values.get("policy_id")
    if policy is None:
        return False
    body.pop("add_policy_ids", None)  # the SDK's alternative, which a target need not offer
    body["policy_id"] = policy
    return True


def _dissociate(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    if "policy_id" not in ids.values:
        return False
    body["policy_id"] = ids.values["policy_id"]
    return True


def _add_resources(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    spare = ids.spare_resource()
    if spare is None:
        return False
    # extra_info names disks of the resource: those of the generated case name nothing
    named = _names(body.get("resources"))[:1]
    body["resources"] = [{**spare, **(named[0] if named else {})}]
    return True


def _names(items: Any) -> list[dict[str, str]]:
    """The names the generated items of a list give, each as {"name": ...} ({} for none)."""
    items = items if isinstance(items, list) else []
    return [
        {"name": i["name"]} if isinstance(i, dict) and isinstance(i.get("name"), str) else {} for i in items
    ]


def _remove_resources(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    spare = ids.spare_resource()
    if spare is None:
        return False
    body["resource_ids"] = [spare["id"]]
    return True


def _create_checkpoint(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    item = body.get("checkpoint")
    if not isinstance(item, dict) or "vault_id" not in ids.values:
        return False
    item["vault_id"] = ids.values["vault_id"]
    parameters = item.get("parameters")
    if isinstance(parameters, dict):
        held = ids.resources
        if isinstance(parameters.get("resources"), list):
            parameters["resources"] = [r["id"] for r in held[: max(1, len(parameters["resources"]))]]
        details = parameters.get("resource_details")
        if isinstance(details, list):
            parameters["resource_details"] = [
                {**r, **name} for r, name in zip(held, _names(details) or [{}], strict=False)
            ]
    return bool(ids.resources)


def _restore(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    item = body.get("restore")
    if not isinstance(item, dict) or ids.restore is None:
        return False
    # 4.5.4 table 4-170: a server backup is restored with server_id and mappings (onto its own
    # server: 2003 refuses another), without volume_id (a disk backup's)
    item.pop("volume_id", None)
    item.update(ids.restore)
    return True


def _add_members(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    member = ids.values.get("member_id")
    if member is None:
        return False
    body.pop("domains", None)  # names accounts the run does not know
    body["members"] = [member]
    return True


def _update_member(body: dict[str, Any], ids: RealIds, name: str) -> bool:
    if body.get("status") == "accepted" and ids.member_vault_id:
        body["vault_id"] = ids.member_vault_id  # the member's own server vault
    elif body.get("status") == "accepted":
        body["status"] = "rejected"  # accepting needs a vault of the member's
        body.pop("vault_id", None)
    else:
        body.pop("vault_id", None)  # names a vault only when accepting
    return True


_SHAPERS: dict[str, Shaper] = {
    "create_vault": _create_vault,
    "update_vault": _update_vault,
    "create_policy": _create_policy,
    "update_policy": _update_policy,
    "associate_vault_policy": _associate,
    "dissociate_vault_policy": _dissociate,
    "add_vault_resources": _add_resources,
    "remove_vault_resources": _remove_resources,
    "create_checkpoint": _create_checkpoint,
    "restore_backup": _restore,
    "add_share_members": _add_members,
    "update_share_member_status": _update_member,
}
# Operations without a body, or whose body names nothing (their path ids are the run's): their
# cases are as valid for the service as the spec's generation makes them.
_NOTHING_TO_SHAPE = ("delete_vault", "delete_policy", "delete_backup", "delete_share_member")


def shape(operation_id: str, body: Any, ids: RealIds, name: str) -> bool:
    """Make a positive case's body valid for the service with the run's resources, naming what it
    creates or renames `name`. Returns whether the case is then valid by every rule the suite
    knows, so that a refusal of it as invalid input is judged."""
    if operation_id in _NOTHING_TO_SHAPE:
        return True
    shaper = _SHAPERS.get(operation_id)
    return shaper is not None and isinstance(body, dict) and shaper(body, ids, name)
