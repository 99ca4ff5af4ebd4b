"""Query of listing backups (table 4-158) and body of restoring one (table 4-170)."""

from __future__ import annotations

import re
from typing import Any

from cbr_emulator import errors
from cbr_emulator.clock import format_timestamp, parse_query_time
from cbr_emulator.models.backup_query import SORT_KEYS, BackupFilter
from cbr_emulator.models.backups import RestoreRequest
from cbr_emulator.models.inventory import RESOURCE_TYPES
from cbr_emulator.validation import Obj, Query

BACKUP_STATUSES = (
    "available",
    "protecting",
    "deleting",
    "restoring",
    "error",
    "waiting_protect",
    "waiting_delete",
    "waiting_restore",
)
MEMBER_STATUSES = ("pending", "accepted", "rejected")
OWN_TYPES = ("private", "shared", "all_granted")


_SORT_KEY = re.compile(r"[a-z_]+")


def parse_sort(
    text: str | None, keys: tuple[str, ...], *, unknown_keys_ignored: bool = False
) -> tuple[tuple[str, str], ...]:
    """``key[:asc|desc],...``; the default direction is desc; at most 255 characters. Where the
    reference names no keys (`unknown_keys_ignored`), a key of another name orders nothing."""
    if text is None:
        return (("created_at", "desc"),)
    if len(text) > 255 or not text.strip():
        raise errors.invalid_parameter("sort must have 1 to 255 characters")
    result = []
    for item in text.split(","):
        key, _, direction = item.strip().partition(":")
        direction = direction or "desc"
        # a key is a name in lower case and underscores, whether or not the reference names it
        well_formed = bool(_SORT_KEY.fullmatch(key))
        known = key in keys or unknown_keys_ignored
        if direction not in ("asc", "desc") or not well_formed or not known:
            raise errors.invalid_parameter(f"sort keys are {', '.join(keys)}; directions asc or desc")
        if key in keys:
            result.append((key, direction))
    # a key given twice orders by its first direction (the spec's format does not forbid it)
    first: dict[str, str] = {}
    for key, direction in result:
        first.setdefault(key, direction)
    return tuple(first.items()) or (("created_at", "desc"),)


def query_time(query: Query, key: str, end_of_second: bool = False) -> str | None:
    text = query.text(key)
    if text is None:
        return None
    try:
        moment = parse_query_time(text)
    except ValueError:
        raise errors.invalid_parameter(f"{key} must look like 2018-02-01T12:00:00Z") from None
    return format_timestamp(moment.replace(microsecond=999999) if end_of_second else moment)


def parse_backup_filter(query: Query) -> BackupFilter:
    query.boolean("dec")  # validated; dedicated-cloud filtering has no meaning here
    return BackupFilter(
        limit=query.integer("limit", minimum=1, maximum=1000, default=1000) or 1000,
        offset=query.integer("offset", minimum=0, default=0) or 0,
        marker=query.text("marker", max_len=64) or None,  # an empty marker: the first page
        sort=parse_sort(query.text("sort"), SORT_KEYS),
        own_type=query.text("own_type", choices=OWN_TYPES) or "private",
        member_status=query.text("member_status", choices=MEMBER_STATUSES),
        statuses=tuple(dict.fromkeys(query.multi("status", choices=BACKUP_STATUSES))),
        start_time=query_time(query, "start_time"),
        end_time=query_time(query, "end_time", end_of_second=True),
        used_percent=query.integer("used_percent", minimum=1, maximum=100),
        enterprise_project_id=query.text("enterprise_project_id"),
        parent_id=query.text("parent_id"),
        checkpoint_id=query.text("checkpoint_id"),
        # 4-158 "which is backup", and the SDK's replication (E-REQUEST-ENUMS)
        image_type=query.text("image_type", choices=("backup", "replication")),
        name=query.text("name"),
        resource_az=query.text("resource_az"),
        resource_id=query.text("resource_id"),
        resource_name=query.text("resource_name"),
        resource_type=query.text("resource_type", choices=RESOURCE_TYPES),
        vault_id=query.text("vault_id"),
    )


def parse_restore(body: Any) -> RestoreRequest:
    restore = Obj(body, "body").child("restore", required=True)
    assert restore is not None
    mappings = []
    for index, item in enumerate(restore.array("mappings") or []):
        mapping = Obj(item, f"restore.mappings[{index}]")
        mappings.append(
            (
                str(mapping.text("backup_id", required=True, min_len=1)),
                str(mapping.text("volume_id", required=True, min_len=1)),
            )
        )
    power_on = restore.boolean("power_on")
    return RestoreRequest(
        mappings=tuple(mappings),
        power_on=True if power_on is None else power_on,
        server_id=restore.text("server_id", min_len=1),
        volume_id=restore.text("volume_id", min_len=1),
    )
