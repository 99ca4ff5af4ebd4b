"""The rules of declared.py as functions: what each write's read-backs must show.

Each rule is a function of the `Write` (the request sent, its answer, what was read before it)
that reads back through `Write.read` and returns the problems it found (none: the rule holds),
or raises `Unsettled` (not decidable now) or `Misreported` (broken for good: no later read can
mend it). `checking.py` runs them after each checked 2xx, and decides when a rule is broken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cbr_conformance.contract.codes import (
    BACKUP_NOT_FOUND,
    MEMBER_NOT_FOUND,
    POLICY_NOT_FOUND,
    VAULT_NOT_FOUND,
)
from cbr_conformance.postconditions.declared import BY_ID, COMPARED_ON_UPDATE, DECLARED, READS, Kind
from cbr_conformance.postconditions.reading import (
    MISSING,
    Mismatch,
    Misreported,
    Unsettled,
    Write,
    differences,
    get,
    json_of,
    judged,
    listed_item,
    sent_value,
    show_and_list,
    shown_item,
)


def _created_id(write: Write, key: str) -> str:
    item = write.answer.get(key) if isinstance(write.answer, dict) else None
    item_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(item_id, str):
        raise Unsettled("the answer names no id", final=True)
    return item_id


def _create_vault(write: Write) -> list[str]:
    expected = {
        name: sent_value(write.body, "vault", name)
        for name in ("name", "billing.size", "billing.protect_type", "billing.object_type")
    }
    return show_and_list(write, "vault", _created_id(write, "vault"), expected)


def _create_policy(write: Write) -> list[str]:
    expected = {
        name: sent_value(write.body, "policy", name) for name in ("name", "operation_type", "enabled")
    }
    return show_and_list(write, "policy", _created_id(write, "policy"), expected)


def _updated(write: Write, kind: str) -> dict[str, Any]:
    """Every compared field: its value sent, else its value read before the update."""
    if not isinstance(write.before, dict):
        raise Unsettled(f"the {kind} could not be read before the update", final=True)
    return {
        name: value
        if (value := sent_value(write.body, kind, name)) is not MISSING
        else get(write.before, name)
        for name in COMPARED_ON_UPDATE[kind]
    }


def _update_vault(write: Write) -> list[str]:
    return show_and_list(write, "vault", write.path["vault_id"], _updated(write, "vault"))


def _update_policy(write: Write) -> list[str]:
    return show_and_list(write, "policy", write.path["policy_id"], _updated(write, "policy"))


def _member_path(write: Write, member: str) -> dict[str, str]:
    return {"backup_id": write.path["backup_id"], "member_id": member}


def _listed_member(write: Write, backup_id: str, member: str) -> dict[str, Any] | None:
    """The member as the backup's members list shows it, filtered by its project (4.2.4's
    dest_project_id: one item, whatever the page size)."""
    return listed_item(
        write,
        "list_share_members",
        {"backup_id": backup_id},
        "members",
        member,
        "dest_project_id",
        dest_project_id=member,
    )


def _update_member(write: Write) -> list[str]:
    if not isinstance(write.before, dict):
        raise Unsettled("the member could not be read before the update", final=True)
    expected = {name: get(write.before, name) for name in COMPARED_ON_UPDATE["member"]}
    expected["status"] = sent_value(write.body, "status")
    member = write.path["member_id"]
    shown = shown_item(write, "show_share_member", _member_path(write, member), "member", f"member {member}")
    problems = differences(shown, expected, f"show_share_member {member}")
    listed = _listed_member(write, write.path["backup_id"], member)
    if listed is None:
        problems.append(f"list_share_members does not list member {member}")
    else:
        problems += differences(listed, expected, f"list_share_members item {member}")
    return problems


def _add_members(write: Write) -> list[str]:
    problems: list[str] = []
    members = sent_value(write.body, "members")
    backup_id = write.path["backup_id"]
    for member in members if isinstance(members, list) else []:
        shown = shown_item(
            write, "show_share_member", _member_path(write, member), "member", f"member {member}"
        )
        problems += differences(
            shown, {"backup_id": backup_id, "dest_project_id": member}, "show_share_member"
        )
        if _listed_member(write, backup_id, member) is None:
            problems.append(f"list_share_members of backup {backup_id} does not list member {member}")
    return problems


def _gone(write: Write, show: str, path: Mapping[str, str], code: str, what: str) -> None:
    """Raises unless `show` answers the documented not-found: unsettled while it still shows it."""
    answer = write.read(show, path)
    if answer.status == 404 and answer.error_code == code:
        return
    if answer.status == 200:
        raise Unsettled(f"{show} still shows {what}: its deletion may be in progress")
    raise Misreported(
        f"{show} answered {answer.status} {answer.error_code or ''} for the deleted {what}, not 404 {code}"
    )


def _delete_member(write: Write) -> list[str]:
    member, backup_id = write.path["member_id"], write.path["backup_id"]
    _gone(write, "show_share_member", write.path, MEMBER_NOT_FOUND, f"member {member}")
    if _listed_member(write, backup_id, member):
        return [f"list_share_members of backup {backup_id} still lists member {member}"]
    return []


def _delete_vault(write: Write) -> list[str]:
    vault_id = write.path["vault_id"]
    _gone(write, "show_vault", write.path, VAULT_NOT_FOUND, f"vault {vault_id}")
    problems = []
    if listed_item(write, "list_vaults", {}, "vaults", vault_id, id=vault_id):
        problems.append(f"list_vaults still lists vault {vault_id}")
    # The policy list is not paged (4.6.3): one read holds every policy of the project.
    answer = write.read("list_policies", {})
    policies = get(json_of(answer), "policies") if answer.status == 200 else MISSING
    if not isinstance(policies, list):
        raise Mismatch([f"list_policies answered {answer.status} {answer.error_code or ''}"])
    problems += [
        f"list_policies: policy {policy.get('id')} still holds vault {vault_id} among its associated_vaults"
        for policy in policies
        if isinstance(policy, dict) and vault_id in _associated_vaults(policy)
    ]
    return problems


def _delete_policy(write: Write) -> list[str]:
    policy_id = write.path["policy_id"]
    _gone(write, "show_policy", write.path, POLICY_NOT_FOUND, f"policy {policy_id}")
    if listed_item(write, "list_policies", {}, "policies", policy_id):
        return [f"list_policies still lists policy {policy_id}"]
    return []


def _delete_backup(write: Write) -> list[str]:
    backup_id = write.path["backup_id"]
    checkpoint = get(write.before, "checkpoint_id") if isinstance(write.before, dict) else MISSING
    _gone(write, "show_backup", write.path, BACKUP_NOT_FOUND, f"backup {backup_id}")
    if not isinstance(checkpoint, str):
        raise Unsettled("the backup's restore point was not read before its deletion", final=True)
    if listed_item(write, "list_backups", {}, "backups", backup_id, checkpoint_id=checkpoint):
        return [f"list_backups of restore point {checkpoint} still lists backup {backup_id}"]
    return []


def _restore_backup(write: Write) -> list[str]:
    if not isinstance(write.before, dict):
        raise Unsettled("the backup could not be read before the restore", final=True)
    backup_id = write.path["backup_id"]
    shown = shown_item(write, "show_backup", write.path, "backup", f"backup {backup_id}")
    expected = {name: get(write.before, name) for name in ("vault_id", "resource_id", "resource_type")}
    return differences(shown, expected, f"show_backup {backup_id}")


def _resource_ids(vault: Mapping[str, Any]) -> set[str]:
    resources = vault.get("resources")
    return (
        {r["id"] for r in resources if isinstance(r, dict) and isinstance(r.get("id"), str)}
        if isinstance(resources, list)
        else set()
    )


def _add_resources(write: Write) -> list[str]:
    vault_id = write.path["vault_id"]
    added = sent_value(write.body, "resources")
    wanted = (
        {r["id"] for r in added if isinstance(r, dict) and isinstance(r.get("id"), str)}
        if isinstance(added, list)
        else set()
    )
    held_before = _resource_ids(write.before) if isinstance(write.before, dict) else set()
    vault = shown_item(write, "show_vault", write.path, "vault", f"vault {vault_id}")
    missing = (wanted | held_before) - _resource_ids(vault)
    return [f"show_vault {vault_id} does not hold resource {r}" for r in sorted(missing)]


def _remove_resources(write: Write) -> list[str]:
    vault_id = write.path["vault_id"]
    removed = sent_value(write.body, "resource_ids")
    vault = shown_item(write, "show_vault", write.path, "vault", f"vault {vault_id}")
    still = set(removed if isinstance(removed, list) else []) & _resource_ids(vault)
    return [f"show_vault {vault_id} still holds resource {r}" for r in sorted(still)]


def _associated_vaults(policy: Mapping[str, Any]) -> set[str]:
    vaults = policy.get("associated_vaults") or []  # null when none (E-ASSOCIATED-VAULTS-NULL)
    return {v["vault_id"] for v in vaults if isinstance(v, dict) and isinstance(v.get("vault_id"), str)}


def _policy_of_write(write: Write, key: str) -> str:
    told = write.answer.get(key) if isinstance(write.answer, dict) else None
    policy_id = told.get("policy_id") if isinstance(told, dict) else None
    if not isinstance(policy_id, str):
        policy_id = sent_value(write.body, "policy_id")
    if not isinstance(policy_id, str):
        raise Unsettled("neither the request nor the answer names the policy", final=True)
    return policy_id


def _vault_policy_agree(write: Write, key: str, applied: bool) -> list[str]:
    """The vault as the policy shows it (associated_vaults) and as the vault list filtered by the
    policy shows it (a vault's own body carries no policy, Tables 4-92 and 4-108)."""
    vault_id, policy_id = write.path["vault_id"], _policy_of_write(write, key)
    problems = []
    policy = shown_item(write, "show_policy", {"policy_id": policy_id}, "policy", f"policy {policy_id}")
    if (vault_id in _associated_vaults(policy)) != applied:
        held = "does not hold" if applied else "still holds"
        problems.append(f"show_policy {policy_id}: associated_vaults {held} vault {vault_id}")
    listed = listed_item(write, "list_vaults", {}, "vaults", vault_id, policy_id=policy_id)
    if (listed is not None) != applied:
        listing = "does not list" if applied else "still lists"
        problems.append(f"list_vaults by policy_id {policy_id} {listing} vault {vault_id}")
    return problems


def _associate(write: Write) -> list[str]:
    return _vault_policy_agree(write, "associate_policy", applied=True)


def _dissociate(write: Write) -> list[str]:
    return _vault_policy_agree(write, "dissociate_policy", applied=False)


def _create_checkpoint(write: Write) -> list[str]:
    checkpoint_id = _created_id(write, "checkpoint")
    vault_id = sent_value(write.body, "checkpoint", "vault_id")
    shown = shown_item(
        write,
        "show_checkpoint",
        {"checkpoint_id": checkpoint_id},
        "checkpoint",
        f"restore point {checkpoint_id}",
    )
    problems = differences(shown, {"vault.id": vault_id}, f"show_checkpoint {checkpoint_id}")
    backed_up = get(shown, "vault.resources")
    ids = (
        {r["id"] for r in backed_up if isinstance(r, dict) and isinstance(r.get("id"), str)}
        if isinstance(backed_up, list)
        else set()
    )
    if isinstance(vault_id, str) and ids:
        vault = shown_item(write, "show_vault", {"vault_id": vault_id}, "vault", f"vault {vault_id}")
        problems += [
            f"restore point {checkpoint_id} backs up {r}, not a resource of vault {vault_id}"
            for r in sorted(ids - _resource_ids(vault))
        ]
    return problems


CHECKS: Mapping[str, tuple[str, Callable[[Write], list[str]]]] = {
    "create_vault": ("create_vault.read_back", judged(_create_vault)),
    "update_vault": ("update_vault.read_back", judged(_update_vault)),
    "delete_vault": ("delete_vault.gone", judged(_delete_vault)),
    "add_vault_resources": ("add_vault_resources.held", judged(_add_resources)),
    "remove_vault_resources": ("remove_vault_resources.gone", judged(_remove_resources)),
    "associate_vault_policy": ("associate_vault_policy.both_ways", judged(_associate)),
    "dissociate_vault_policy": ("dissociate_vault_policy.both_ways", judged(_dissociate)),
    "create_policy": ("create_policy.read_back", judged(_create_policy)),
    "update_policy": ("update_policy.read_back", judged(_update_policy)),
    "delete_policy": ("delete_policy.gone", judged(_delete_policy)),
    "add_share_members": ("add_share_members.listed", judged(_add_members)),
    "update_share_member_status": ("update_share_member_status.read_back", judged(_update_member)),
    "delete_share_member": ("delete_share_member.gone", judged(_delete_member)),
    "create_checkpoint": ("create_checkpoint.vault", judged(_create_checkpoint)),
    "delete_backup": ("delete_backup.gone", judged(_delete_backup)),
    "restore_backup": ("restore_backup.kept", judged(_restore_backup)),
}


def checked_rules() -> Iterator[str]:
    """Every rule id `PostConditions` evaluates (the immutable ones through `observe`, the
    time-driven ones through `judge`, from time_driven.py's judges)."""
    yield from (rule_id for rule_id, _ in CHECKS.values())
    yield from (rule.id for rule in DECLARED if rule.kind is Kind.TIME_DRIVEN)
    yield from (f"{operation}.immutable" for operation in READS if f"{operation}.immutable" in BY_ID)
