"""Tasks (operation logs, reference 4.1): finding the one task a piece of work left, once it ended.

Why this module exists: the task tests and the backup scenarios both wait for "the task of this
backup, restore or deletion" to succeed, and each had its own copy of the waiting and of reading a
task's `extra_info`. Waiting goes through `cbr_conformance.target.waiters.wait_for`, like every waiter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cbr_conformance.resources.provision import Resources
from cbr_conformance.target.client import CBRClient
from cbr_conformance.target.waiters import wait_for
from cbr_conformance.testkit.expect import expect_status

Task = dict[str, Any]
ENDED_BADLY = frozenset({"failed", "timeout", "skipped"})  # the statuses of a task that will not succeed


def extra(task: Task, member: str) -> dict[str, Any]:
    """One member of the task's extra_info (backup, restore, delete...), empty when absent."""
    value = (task.get("extra_info") or {}).get(member)
    return value if isinstance(value, dict) else {}


def wait_task(
    client: CBRClient,
    resources: Resources,
    matches: Callable[[Task], bool],
    *,
    what: str | None = None,
    **query: Any,
) -> Task:
    """The one task listed under `query` that `matches`, once it has succeeded.

    Fails early when the task ends badly or when more than one task matches (one piece of work
    leaves one task); waits at most the run's `max_wait`, polling every `poll_interval`.
    """

    def fetch() -> list[Task]:
        body = expect_status(client.call("list_operation_logs", query={"limit": 1000, **query}), 200)
        return [t for t in body["operation_logs"] if matches(t)]

    found = wait_for(
        fetch,
        lambda tasks: len(tasks) == 1 and tasks[0]["status"] == "success",
        failed=lambda tasks: len(tasks) > 1 or any(t["status"] in ENDED_BADLY for t in tasks),
        what=f"the {what} task to succeed" if what else f"a successful task listed under {query}",
        timeout=resources.max_wait,
        interval=resources.poll_interval,
        workspace=client.workspace,
        describe=lambda tasks: ", ".join(f"{t['id']} {t['status']}" for t in tasks) or "no such task",
    )
    return found[0]
