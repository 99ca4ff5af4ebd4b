"""Query of listing tasks (table 4-17)."""

from __future__ import annotations

from cbr_emulator.models.operation_logs import OPERATION_TYPES, STATUSES, OperationLogFilter
from cbr_emulator.parsers.backups import query_time
from cbr_emulator.validation import Query


def parse_operation_log_filter(query: Query) -> OperationLogFilter:
    return OperationLogFilter(
        limit=query.integer("limit", minimum=1, maximum=1000, default=1000) or 1000,
        offset=query.integer("offset", minimum=0, default=0) or 0,
        start_time=query_time(query, "start_time"),
        end_time=query_time(query, "end_time", end_of_second=True),
        enterprise_project_id=query.text("enterprise_project_id"),
        operation_type=query.text("operation_type", choices=OPERATION_TYPES),
        provider_id=query.text("provider_id"),
        resource_id=query.text("resource_id"),
        resource_name=query.text("resource_name"),
        status=query.text("status", choices=STATUSES),
        vault_id=query.text("vault_id"),
        vault_name=query.text("vault_name"),
    )
