"""Reading the timestamps a target answers with.

Why this module exists: tests compare `created_at`, `expired_at` and the emulator clock's `now` as
moments in time, and three test modules each parsed them with their own copy of the same function.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil.parser import parse as parse_time


def moment(text: str) -> datetime:
    """A timestamp of the service as an aware datetime; the contract makes zone-less times UTC."""
    parsed = parse_time(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
