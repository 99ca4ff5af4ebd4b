"""A virtual clock (real UTC time + an offset the control API advances) and the time formats."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

# The reference's timestamps: UTC, microseconds, no zone (e.g. 2020-02-05T10:38:34.209782).
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
# A policy trigger's start_time (e.g. 2019-05-08 06:57:05).
START_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# Query parameters start_time / end_time (e.g. 2018-02-01T12:00:00Z).
QUERY_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def real_utc_now() -> datetime:
    """Naive UTC: every datetime in the emulator is naive and in UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def format_timestamp(moment: datetime) -> str:
    return moment.strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, TIMESTAMP_FORMAT)


def format_start_time(moment: datetime) -> str:
    return moment.strftime(START_TIME_FORMAT)


def parse_start_time(text: str) -> datetime:
    return datetime.strptime(text, START_TIME_FORMAT)


def parse_query_time(text: str) -> datetime:
    """Raises ValueError unless ``text`` is exactly %Y-%m-%dT%H:%M:%SZ."""
    return datetime.strptime(text, QUERY_TIME_FORMAT)


class VirtualClock:
    """Real time plus an offset; the offset only grows (time never goes back)."""

    def __init__(self, offset_seconds: float = 0.0, real_now: Callable[[], datetime] = real_utc_now) -> None:
        self._offset = float(offset_seconds)
        self._real_now = real_now
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset

    def now(self) -> datetime:
        with self._lock:
            return self._real_now() + timedelta(seconds=self._offset)

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock cannot go back")
        with self._lock:
            self._offset += seconds
            return self._real_now() + timedelta(seconds=self._offset)

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
