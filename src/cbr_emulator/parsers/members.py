"""Bodies and queries of backup sharing (4.2)."""

from __future__ import annotations

from typing import Any

from cbr_emulator import errors
from cbr_emulator.models.members import SORT_KEYS, STATUSES, MemberFilter
from cbr_emulator.parsers.backups import parse_sort
from cbr_emulator.validation import Obj, Query, is_uuid


def parse_add_members(body: Any) -> list[str]:
    members = Obj(body, "body").texts("members", required=True, max_len=64)
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
    sort = parse_sort(query.text("sort"), SORT_KEYS)
    return MemberFilter(
        limit=query.integer("limit", minimum=1, maximum=1000, default=1000) or 1000,
        offset=query.integer("offset", minimum=0, default=0) or 0,
        marker=query.text("marker", uuid_only=True),
        sort=sort,
        dest_project_id=query.text("dest_project_id"),
        image_id=query.text("image_id"),
        status=query.text("status", choices=STATUSES),
        vault_id=query.text("vault_id", uuid_only=True),
    )
