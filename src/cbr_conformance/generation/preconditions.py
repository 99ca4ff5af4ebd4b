"""The state a valid case of an operation needs before it is sent, and who sends it.

A valid body is not enough for the service: a policy is dissociated only from a vault it is
applied to, a resource is added only when it is in no vault, a share member is deleted only when
the backup is shared with it, a deleted vault is gone for the next case. Before each positive case
the fuzzer sets that state up with the run's own resources (`arrange`), as plain requests that the
client checks like any other, and not counted as cases. Only what the run made is changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cbr_conformance.contract.service_rules import RealIds
from cbr_conformance.target.client import CBRClient, Response

if TYPE_CHECKING:
    from cbr_conformance.resources.provision import Resources


@dataclass
class Stage:
    """What the fuzzer sets state up with: the run's client, its resources, and the second
    project's client (which answers a share) when there is one."""

    client: CBRClient
    ids: RealIds
    resources: Resources | None = None  # makes fresh vaults, policies and backups of the run
    member: CBRClient | None = None
    backing_up: list[str] = field(default_factory=list)  # restore points cases started

    def answered(self, operation_id: str, response: Response) -> None:
        """Note what a case started that the next one must wait for (a backup under way)."""
        if operation_id == "create_checkpoint" and 200 <= response.status < 300:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self.backing_up.append(str(response.json()["checkpoint"]["id"]))

    def sender(self, operation_id: str) -> CBRClient | None:
        """The client a case of `operation_id` is sent with; None: no one here may send it."""
        if operation_id in _MEMBER_SENDS:
            return self.member
        return self.client


# Only the member accepts or rejects a share (4.2.5): the owner's request is refused whatever it says.
_MEMBER_SENDS = ("update_share_member_status",)


def _share(stage: Stage) -> dict[str, str]:
    backup, member = stage.ids.values.get("backup_id"), stage.ids.values.get("member_id")
    if backup and member:
        stage.client.call("add_share_members", path={"backup_id": backup}, json_body={"members": [member]})
    return {}


def _unshare(stage: Stage) -> dict[str, str]:
    backup, member = stage.ids.values.get("backup_id"), stage.ids.values.get("member_id")
    if backup and member:
        stage.client.call("delete_share_member", path={"backup_id": backup, "member_id": member})
    return {}


def _apply_policy(stage: Stage) -> dict[str, str]:
    vault, policy = stage.ids.values.get("vault_id"), stage.ids.values.get("policy_id")
    if vault and policy:
        stage.client.call("associate_vault_policy", path={"vault_id": vault}, json_body={"policy_id": policy})
    return {}


def _spare_out(stage: Stage) -> dict[str, str]:
    vault, spare = stage.ids.values.get("vault_id"), stage.ids.spare_resource()
    if vault and spare:
        stage.client.call(
            "remove_vault_resources", path={"vault_id": vault}, json_body={"resource_ids": [spare["id"]]}
        )
    return {}


def _spare_in(stage: Stage) -> dict[str, str]:
    vault, spare = stage.ids.values.get("vault_id"), stage.ids.spare_resource()
    if vault and spare:
        stage.client.call("add_vault_resources", path={"vault_id": vault}, json_body={"resources": [spare]})
    return {}


def _backup_settled(stage: Stage) -> dict[str, str]:
    """A restore runs on: the next one waits until the backup is available again."""
    backup = stage.ids.values.get("backup_id")
    if backup and stage.resources is not None:
        stage.resources.wait_backup(backup)
    return {}


def _vault_settled(stage: Stage) -> dict[str, str]:
    """A resource being backed up or restored is not backed up again (0002, 2010, all skipped:
    0001): the next restore point waits until those the cases started, and any restore, are done."""
    while stage.backing_up and stage.resources is not None:
        stage.resources.wait_checkpoint(stage.backing_up.pop())
    return _backup_settled(stage)


def _fresh_vault(stage: Stage) -> dict[str, str]:
    return {"vault_id": stage.resources.vault()["id"]} if stage.resources is not None else {}


def _fresh_policy(stage: Stage) -> dict[str, str]:
    return {"policy_id": stage.resources.policy()["id"]} if stage.resources is not None else {}


def _fresh_backup(stage: Stage) -> dict[str, str]:
    vault = stage.ids.values.get("vault_id")
    if vault is None or stage.resources is None:
        return {}
    _vault_settled(stage)  # backing up a server still being backed up or restored skips it (0001)
    return {"backup_id": stage.resources.backup(vault)["id"]}


# operation -> the state its next valid case needs; what it returns replaces path ids of the case
_ARRANGE: dict[str, Callable[[Stage], dict[str, str]]] = {
    "dissociate_vault_policy": _apply_policy,
    "add_vault_resources": _spare_out,
    "remove_vault_resources": _spare_in,
    "add_share_members": _unshare,
    "update_share_member_status": _share,
    "delete_share_member": _share,
    "restore_backup": _vault_settled,
    "create_checkpoint": _vault_settled,
    "show_share_member": _share,
    "delete_vault": _fresh_vault,
    "delete_policy": _fresh_policy,
    "delete_backup": _fresh_backup,
}


def arranges(operation_id: str) -> bool:
    """Whether a valid case of `operation_id` has state set up for it before it is sent."""
    return operation_id in _ARRANGE


def arrange(operation_id: str, stage: Stage) -> dict[str, str]:
    """Set up the state the next valid case of `operation_id` needs; return the path ids it must
    use instead of the run's usual ones (a fresh vault for a case that deletes one)."""
    step = _ARRANGE.get(operation_id)
    return step(stage) if step is not None else {}


# What a valid case creates, for run --plan (target/creations.py): by the operation it sends, and by the
# state set up for it. A restore point of the stage's vault backs up its server, and the spare one
# a case of add_vault_resources may have moved in.
_STAGE_SERVERS = 2
_SENT_CREATES: dict[str, dict[str, int]] = {
    "create_vault": {"vault": 1},
    "create_policy": {"policy": 1},
    "create_checkpoint": {"server_backup": _STAGE_SERVERS},
    "add_share_members": {"share": 1},
    "restore_backup": {"restore": 1},
}
_ARRANGED_CREATES: dict[str, dict[str, int]] = {
    "update_share_member_status": {"share": 1},
    "delete_share_member": {"share": 1},
    "show_share_member": {"share": 1},
    "delete_vault": {"vault": 1},
    "delete_policy": {"policy": 1},
    "delete_backup": {"server_backup": _STAGE_SERVERS},
}


def case_creates(operation_ids: tuple[str, ...] | str, mode: str = "positive") -> dict[str, int]:
    """The most one valid case of any of `operation_ids` creates, by kind (the state set up for it
    included); an invalid case creates nothing on a target that refuses it, as it must."""
    if mode != "positive":
        return {}
    operations = (operation_ids,) if isinstance(operation_ids, str) else operation_ids
    most: dict[str, int] = {}
    for operation in operations:
        one: dict[str, int] = {}
        for part in (_SENT_CREATES.get(operation, {}), _ARRANGED_CREATES.get(operation, {})):
            for kind, count in part.items():
                one[kind] = one.get(kind, 0) + count
        for kind, count in one.items():
            most[kind] = max(most.get(kind, 0), count)
    return most
