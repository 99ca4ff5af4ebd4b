"""Policy trigger patterns: iCalendar RRULEs restricted as 4.6.1 (table 4-178) says.

Only FREQ (DAILY or WEEKLY), BYDAY, BYHOUR (0-23), BYMINUTE (0-59) and INTERVAL; at most 24
patterns; at least one hour between consecutive runs; at most 24 runs a day. Times are UTC.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from dateutil.rrule import rrule, rrulestr

from cbr_emulator.errors import invalid_parameter

MAX_PATTERNS = 24
MAX_RUNS_PER_DAY = 24
MIN_GAP = timedelta(hours=1)
_ALLOWED = ("FREQ", "BYDAY", "BYHOUR", "BYMINUTE", "INTERVAL")
_DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
# Validation looks at the runs from a fixed Monday midnight, so that it never depends on "now".
_ANCHOR = datetime(2020, 1, 6)
_MAX_OCCURRENCES = 5000


def _numbers(text: str, low: int, high: int, key: str) -> None:
    for item in text.split(","):
        if not re.fullmatch(r"\d{1,2}", item) or not low <= int(item) <= high:
            raise invalid_parameter(f"{key} values must be within {low}-{high}")


def normalize(pattern: str) -> str:
    """Check one pattern's syntax; return it upper-cased, as dateutil expects."""
    fields: dict[str, str] = {}
    for part in pattern.strip().upper().split(";"):
        if not part.strip():
            continue
        key, sep, value = (x.strip() for x in part.partition("="))
        if not sep or key not in _ALLOWED or key in fields or not value:
            raise invalid_parameter(f"unsupported or repeated rule part {key!r}")
        fields[key] = value
    if fields.get("FREQ") not in ("DAILY", "WEEKLY"):
        raise invalid_parameter("FREQ must be DAILY or WEEKLY")
    if "BYHOUR" not in fields or "BYMINUTE" not in fields:
        raise invalid_parameter("BYHOUR and BYMINUTE are required")
    _numbers(fields["BYHOUR"], 0, 23, "BYHOUR")
    _numbers(fields["BYMINUTE"], 0, 59, "BYMINUTE")
    if "BYDAY" in fields and not set(fields["BYDAY"].split(",")) <= _DAYS:
        raise invalid_parameter("BYDAY values must be MO, TU, WE, TH, FR, SA or SU")
    if "INTERVAL" in fields and (
        not re.fullmatch(r"\d{1,4}", fields["INTERVAL"]) or int(fields["INTERVAL"]) < 1
    ):
        raise invalid_parameter("INTERVAL must be a positive integer")
    text = ";".join(f"{k}={v}" for k, v in fields.items())
    try:
        rrulestr(text, dtstart=_ANCHOR)
    except (ValueError, TypeError) as exc:
        raise invalid_parameter(f"invalid pattern: {exc}") from None
    return text


def _interval(normalized: str) -> int:
    match = re.search(r"INTERVAL=(\d+)", normalized)
    return int(match.group(1)) if match else 1


def _rule(pattern: str, dtstart: datetime) -> rrule:
    rule = rrulestr(normalize(pattern), dtstart=dtstart)
    assert isinstance(rule, rrule)
    return rule


def validate_patterns(patterns: Sequence[str]) -> None:
    # No minimum (E-PATTERN-RULES): a policy without a rule is never due.
    if len(patterns) > MAX_PATTERNS:
        raise invalid_parameter(f"at most {MAX_PATTERNS} patterns")
    rules = [_rule(p, _ANCHOR) for p in patterns]
    longest = max((_interval(normalize(p)) for p in patterns), default=1)
    window_end = _ANCHOR + timedelta(days=14 * longest)
    runs: set[datetime] = set()
    for rule in rules:
        for index, moment in enumerate(rule.xafter(_ANCHOR, inc=True)):
            if moment > window_end or index >= _MAX_OCCURRENCES:
                break
            runs.add(moment)
    ordered = sorted(runs)
    if any(later - earlier < MIN_GAP for earlier, later in itertools.pairwise(ordered)):
        raise invalid_parameter("the scheduling interval cannot be less than 1 hour")
    if ordered and max(Counter(m.date() for m in ordered).values()) > MAX_RUNS_PER_DAY:
        raise invalid_parameter(f"at most {MAX_RUNS_PER_DAY} time points a day")


def next_run(patterns: Sequence[str], start: datetime, after: datetime) -> datetime | None:
    """The first run strictly after ``after``; rules count INTERVAL from ``start`` (to the minute)."""
    dtstart = start.replace(second=0, microsecond=0)
    candidates = [r.after(after, inc=False) for r in (_rule(p, dtstart) for p in patterns)]
    found = [c for c in candidates if c is not None]
    return min(found) if found else None
