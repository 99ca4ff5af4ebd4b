"""Body of creating a restore point (4.3.2)."""

from __future__ import annotations

from typing import Any

from cbr_emulator.models.checkpoints import CheckpointCreate
from cbr_emulator.models.inventory import RESOURCE_TYPES
from cbr_emulator.validation import Obj


def parse_checkpoint_create(body: Any) -> CheckpointCreate:
    checkpoint = Obj(body, "body").child("checkpoint", required=True)
    assert checkpoint is not None
    # any id names a vault or none (6105), as a path's vault id does
    vault_id = checkpoint.text("vault_id", required=True, min_len=1)
    assert vault_id is not None
    parameters = checkpoint.child("parameters")
    if parameters is None:
        return CheckpointCreate(vault_id=vault_id)
    resource_ids = list(parameters.texts("resources") or [])
    for index, item in enumerate(parameters.array("resource_details") or []):
        detail = Obj(item, f"checkpoint.parameters.resource_details[{index}]")
        resource_id = detail.text("id", required=True, min_len=1)
        detail.text("type", required=True, choices=RESOURCE_TYPES)
        detail.text("name", max_len=255)
        resource_ids.append(str(resource_id))
    incremental = parameters.boolean("incremental")
    # Today's parameters (the SDK's CheckpointParam): the policy of a scheduled backup (accepted
    # when well-typed), and how many days the backups are kept (-1 or absent: for ever).
    parameters.text("policy_id")
    retention_days = parameters.integer("retention_duration_days", minimum=-1, maximum=36500)
    return CheckpointCreate(
        vault_id=vault_id,
        name=parameters.text("name", min_len=1, max_len=64),
        description=parameters.text("description", max_len=255),
        incremental=True if incremental is None else incremental,
        auto_trigger=bool(parameters.boolean("auto_trigger")),
        resource_ids=tuple(dict.fromkeys(resource_ids)),
        retention_days=-1 if retention_days is None else retention_days,
    )
