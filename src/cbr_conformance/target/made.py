"""What the run makes on the target: each resource, the moment an answer says it exists, and the
run's ledger of them (created.jsonl), which `cbr-conformance cleanup` and the plan's check read.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cbr_conformance.target.creations import billed

if TYPE_CHECKING:
    from cbr_conformance.target.client import Response

LEDGER_FILE = "created.jsonl"
RESTORE = "restore"  # a restore: noted in the ledger and counted, with nothing to delete


@dataclass(frozen=True)
class Made:
    """One resource a request made: enough to delete it again, and to say what it was."""

    project_id: str
    kind: str  # vault, policy, checkpoint (its backups) or member (a share)
    id: str
    name: str
    operation_id: str
    path: Mapping[str, str]  # the delete operation's path parameters
    # What it adds to the bill, by the plan's kinds (target/creations.py): {"vault": 1, "gb": 100}
    counts: Mapping[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return f"{self.kind} {self.id}{name} of project {self.project_id}"


# create operation -> (the member of its body and answer that holds what it makes, the delete
# operation, its path parameter)
CREATES: dict[str, tuple[str, str, str]] = {
    "create_vault": ("vault", "delete_vault", "vault_id"),
    "create_policy": ("policy", "delete_policy", "policy_id"),
    "create_checkpoint": ("checkpoint", "", "checkpoint_id"),
}


def births(operation_id: str, path: Mapping[str, str], response: Response, project_id: str) -> list[Made]:
    """What a 2xx answer to `operation_id` made; read defensively, as the body may be broken.
    A restore is noted too (its kind RESTORE): it makes nothing to delete, but the target bills it."""
    if operation_id == "restore_backup" and "backup_id" in path:
        return [Made(project_id, RESTORE, path["backup_id"], "", operation_id, {}, {RESTORE: 1})]
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    if operation_id in CREATES:
        key, _, param = CREATES[operation_id]
        item = body.get(key)
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
            name = item.get("name") if isinstance(item.get("name"), str) else ""
            counts = billed(key, item)
            return [Made(project_id, key, item["id"], name or "", operation_id, {param: item["id"]}, counts)]
        return []
    if operation_id == "add_share_members" and "backup_id" in path:
        members = body.get("members")
        made = []
        for member in members if isinstance(members, list) else []:
            project = member.get("dest_project_id") if isinstance(member, dict) else None
            if isinstance(project, str) and project:
                backup_id = path["backup_id"]
                made.append(
                    Made(
                        project_id,
                        "member",
                        f"{backup_id}/{project}",
                        "",
                        operation_id,
                        {"backup_id": backup_id, "member_id": project},
                        {"share": 1},
                    )
                )
        return made
    return []


class Ledger:
    """The run's created.jsonl: one line per resource made, written and flushed as it is made
    (workers append to one file; a line is one write, which O_APPEND keeps whole)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, made: Made, by: str = "") -> None:
        record = {
            **asdict(made),
            "path": dict(made.path),
            "counts": dict(made.counts),
            "by": by,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        line = (json.dumps(record) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def read_ledger(path: Path) -> list[Made]:
    """What a run made, oldest first (a torn last line, from a killed run, is skipped)."""
    made = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record: dict[str, Any] = json.loads(line)
            made.append(
                Made(
                    record["project_id"],
                    record["kind"],
                    record["id"],
                    record.get("name", ""),
                    record["operation_id"],
                    dict(record["path"]),
                    dict(record.get("counts", {})),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return made


# Dependencies first: a share before its backup, backups before their vault, a vault before the
# policy applied to it.
_ORDER = {"member": 0, "backup": 1, "checkpoint": 1, "vault": 2, "policy": 3}


def undo_order(made: list[Made]) -> list[Made]:
    """What a run made, in the order to delete it: newest first, dependencies before what they
    depend on, each resource once."""
    unique = list({(m.project_id, m.kind, m.id): m for m in made if m.kind in _ORDER}.values())
    return sorted(reversed(unique), key=lambda m: _ORDER.get(m.kind, 9))
