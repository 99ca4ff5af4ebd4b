"""The service's rules that OpenAPI 3.0 cannot state, read from the spec's `x-cbr-rules`.

An operation of spec/cbr-v3.yaml lists, under `x-cbr-rules`, the rules of the reference that no
schema can express: keys unique within a list, a recurrence rule's parts, a paging marker that
names an item of the listing. Each rule has an `id`, a `kind` (one of `KINDS` below), where it
applies (`in: body` with a JSON pointer `at`, `*` for every item of a list; or `in: query` with
a parameter `name`) and the `erratum` that gives its evidence.

The spec is the one source of these rules: the fuzzer does not judge a refusal of a case that
breaks one (`broken_rules`), and the project's test of other tools against the emulator
(tests/emulator/test_other_tools.py) accepts a refusal of such a case as explained.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

# A rule kind: given the values found where the rule applies, and the rule itself, whether they
# break it.
Check = Callable[[list[Any], Mapping[str, Any]], bool]

_RRULE_PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYHOUR", "BYMINUTE")
MINUTES_A_DAY = 24 * 60


def _unique_by(values: list[Any], rule: Mapping[str, Any]) -> bool:
    member = rule["member"]
    for items in values:
        keys = [i.get(member) for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        if len(set(map(repr, keys))) != len(keys):
            return True
    return False


def _parts(pattern: str) -> list[tuple[str, str]]:
    return [tuple(p.partition("=")[::2]) for p in pattern.upper().split(";") if p]  # type: ignore[misc]


def _recurrence_parts(values: list[Any], rule: Mapping[str, Any]) -> bool:
    """Each recurrence rule has FREQ, BYHOUR and BYMINUTE, and no part twice (RFC 2445 and the
    time of day a backup policy runs at)."""
    for patterns in values:
        for pattern in patterns if isinstance(patterns, list) else []:
            keys = [key for key, _ in _parts(pattern)] if isinstance(pattern, str) else []
            if len(set(keys)) != len(keys) or not {"FREQ", "BYHOUR", "BYMINUTE"} <= set(keys):
                return True
    return False


def _times_of_day(pattern: str) -> set[int]:
    parts = dict(_parts(pattern))
    try:
        hours = [int(h) for h in parts.get("BYHOUR", "").split(",")]
        minutes = [int(m) for m in parts.get("BYMINUTE", "").split(",")]
    except ValueError:
        return set()
    return {h * 60 + m for h in hours for m in minutes}


def _recurrence_spacing(values: list[Any], rule: Mapping[str, Any]) -> bool:
    """The runs of all the rules together may come closer than an hour, or more than 24 in a day:
    judged on the times of day alone, so that a schedule the service refuses is never missed (one
    whose close runs fall on different days is counted too)."""
    for patterns in values:
        times: set[int] = set()
        for pattern in patterns if isinstance(patterns, list) else []:
            times |= _times_of_day(pattern) if isinstance(pattern, str) else set()
        ordered = sorted(times)
        gaps = [b - a for a, b in itertools.pairwise(ordered)]
        if ordered:
            gaps.append(ordered[0] + MINUTES_A_DAY - ordered[-1])
        if len(ordered) > 24 or (len(ordered) > 1 and min(gaps) < 60):
            return True
    return False


def _present(values: list[Any], rule: Mapping[str, Any]) -> bool:
    """A value that only the target's state makes valid (a marker naming an item of the listing)."""
    return any(v not in (None, "") for v in values)


KINDS: dict[str, Check] = {
    "unique-by": _unique_by,
    "recurrence-parts": _recurrence_parts,
    "recurrence-spacing": _recurrence_spacing,
    "names-listed-item": _present,
}


def _at(node: Any, steps: Sequence[str]) -> Iterator[Any]:
    if not steps:
        yield node
        return
    step, rest = steps[0], steps[1:]
    if step == "*" and isinstance(node, list):
        for item in node:
            yield from _at(item, rest)
    elif isinstance(node, dict) and step in node:
        yield from _at(node[step], rest)


def rules_of(document: Mapping[str, Any], operation_id: str) -> list[Mapping[str, Any]]:
    """The `x-cbr-rules` of an operation of the spec."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return list(operation.get("x-cbr-rules", []))
    return []


def broken_rules(
    document: Mapping[str, Any],
    operation_id: str,
    query: Sequence[tuple[str, str]],
    body: Any,
) -> list[str]:
    """The ids of the operation's `x-cbr-rules` that a request breaks (empty: none)."""
    broken = []
    for rule in rules_of(document, operation_id):
        if rule["in"] == "query":
            values: list[Any] = [value for name, value in query if name == rule["name"]]
        else:
            values = list(_at(body, [s for s in rule["at"].split("/") if s]))
        if values and KINDS[rule["kind"]](values, rule):
            broken.append(str(rule["id"]))
    return broken
