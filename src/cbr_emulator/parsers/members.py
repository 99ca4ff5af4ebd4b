"""Bodies and queries of backup sharing (4.2)."""

from __future__ import annotations

from typing import Any

from cbr_emulator import errors
from cbr_emulator.models.members import SORT_KEYS, STATUSES, MemberFilter
from cbr_emulator.parsers.backups import parse_sort
from cbr_emulator.validation import Obj, Query, is_uuid


def parse_add_members(body: Any) -> list[str]:
    """The projects to share with: `members`, or the SDK's `domains` (accounts; E-ADD-MEMBERS-DOMAINS).
    The emulator holds projects, not accounts: sharing by account alone adds no member."""
    fields = Obj(body, "body")
    if not fields.has("members") and fields.has("domains"):
        if not fields.texts("domains", required=True):
            raise errors.invalid_parameter("domains cannot be empty")
        return []
    members = fields.texts("members", required=True)  # an unknown project is 6704
    if not members:
        raise errors.invalid_parameter("members cannot be empty")
    return members


def parse_member_update(body: Any) -> tuple[str, str | None]:
    """(status, vault_id); a status or vault_id that is not valid is 6706, as table 7.2 names it."""
    fields = Obj(body, "body")
    status = fields.text("status", required=True)
    if status not in STATUSES:
        raise errors.share_code("BackupService.6706", f"status {status}")
    vault_id = fields.text("vault_id")
    if vault_id is not None and not is_uuid(vault_id):
        raise errors.share_code("BackupService.6706", "vault_id must be a UUID")
    return status, vault_id


def parse_member_filter(query: Query) -> MemberFilter:
    # 4.2.4 names no sort keys and lists no statuses to filter by: any is taken, an unknown one
    # orders nothing or matches nothing
    sort = parse_sort(query.text("sort"), SORT_KEYS, unknown_keys_ignored=True)
    return MemberFilter(
        limit=query.integer("limit", minimum=1, maximum=1000, default=1000) or 1000,
        offset=query.integer("offset", minimum=0, default=0) or 0,
        marker=query.text("marker", uuid_only=True),
        sort=sort,
        dest_project_id=query.text("dest_project_id"),
        image_id=query.text("image_id"),
        status=query.text("status"),
        vault_id=query.text("vault_id", uuid_only=True),
    )
