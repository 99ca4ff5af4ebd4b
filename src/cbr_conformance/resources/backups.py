"""Reading backups back: showing one, and waiting until a deleted one is gone.

Why this module exists: the backup tests and the backup scenarios each had their own copies of
these, and of the statuses a backup passes through while it is deleted or restored.
"""

from __future__ import annotations

from typing import Any

from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient, Response
from cbr_conformance.target.waiters import wait_for
from cbr_conformance.testkit.expect import expect_status

BEING_DELETED = frozenset({"deleting", "waiting_delete"})
# A backup being restored; `available`: the restore already ended.
BEING_RESTORED = frozenset({"waiting_restore", "restoring", "available"})


def show_backup(client: CBRClient, backup_id: str) -> dict[str, Any]:
    """show_backup's `backup`, which must answer 200."""
    backup: dict[str, Any] = expect_status(client.call("show_backup", path={"backup_id": backup_id}), 200)[
        "backup"
    ]
    return backup


def wait_gone(client: CBRClient, resources: Resources, backup_id: str) -> Response:
    """show_backup once the backup is no longer being deleted (deletion may run on for a while)."""

    def still_there(response: Response) -> bool:
        return response.status == 200 and response.json()["backup"]["status"] in BEING_DELETED

    return wait_for(
        lambda: client.call("show_backup", path={"backup_id": backup_id}),
        lambda response: not still_there(response),
        what=f"backup {backup_id} to be gone",
        timeout=resources.max_wait,
        interval=resources.poll_interval,
        workspace=client.workspace,
        describe=lambda response: response.exchange.summary(),
        state=lambda response: response.json()["backup"]["status"] if still_there(response) else None,
    )
