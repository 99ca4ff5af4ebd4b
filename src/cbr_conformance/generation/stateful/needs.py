"""What a linked operation needs that the state machine cannot make itself.

The machine creates vaults and policies, but a backup needs a server of the inventory in a vault,
moving a resource in or out of a vault needs one too, a share needs a second project to share
with, and a restore the user's consent. Without them, no chain reaches the operation: it is not
tested, for a reason the user can act on, rather than walked in vain.
"""

from __future__ import annotations

from enum import Enum

from cbr_conformance.generation.preconditions import Stage
from cbr_conformance.generation.stateful.record import Untested
from cbr_conformance.outcome import Why


class Need(Enum):
    SERVER = Untested(Why.INVENTORY, "needs a free server of the inventory (--inventory) in the run's vault")
    BACKUP = Untested(Why.INVENTORY, "needs a backup of a server of the inventory (--inventory)")
    MEMBER = Untested(Why.SECOND_PROJECT, "needs a second project to share a backup with")
    RESTORE = Untested(Why.OPT_IN, "restores reach a target only with --allow-restore")


_NEEDS: dict[str, tuple[Need, ...]] = {
    "add_vault_resources": (Need.SERVER,),
    "remove_vault_resources": (Need.SERVER,),
    "create_checkpoint": (Need.SERVER,),
    "show_checkpoint": (Need.BACKUP,),
    "show_backup": (Need.BACKUP,),
    "delete_backup": (Need.BACKUP,),
    "restore_backup": (Need.BACKUP, Need.RESTORE),
    "list_share_members": (Need.BACKUP,),
    "add_share_members": (Need.BACKUP, Need.MEMBER),
    "show_share_member": (Need.BACKUP, Need.MEMBER),
    "delete_share_member": (Need.BACKUP, Need.MEMBER),
    "update_share_member_status": (Need.BACKUP, Need.MEMBER),
}


def _has(stage: Stage, need: Need) -> bool:
    if need is Need.SERVER:
        return bool(stage.ids.resources)
    if need is Need.BACKUP:
        return "backup_id" in stage.ids.values
    if need is Need.MEMBER:
        return stage.member is not None
    return stage.client.allow_restore


def lacking(stage: Stage, operation_id: str) -> Untested | None:
    """Why no chain can reach `operation_id` with the run's `stage` (its first missing need, and
    all of them in the message); None: nothing it needs is missing."""
    missing = [need.value for need in _NEEDS.get(operation_id, ()) if not _has(stage, need)]
    if not missing:
        return None
    return Untested(missing[0].why, "; ".join(need.message for need in missing))
