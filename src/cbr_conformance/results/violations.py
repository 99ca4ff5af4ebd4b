"""Failures grouped into distinct violations: one bug of the target, one entry.

A test that failed on a contract violation of its own operation *hit* that violation; one that
failed on a violation of another operation, called on the way (a list to find ids, a create in
its setup), is *blocked* by it. A failure with no contract violation (a status the reference
does not allow for the input, a fuzz case accepted) is its own entry, for its test's operation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_INDEX = re.compile(r"\[\d+\]")


@dataclass
class Distinct:
    key: tuple[str, str, str]  # operation, rule, JSON path (array indices as [*])
    message: str
    hit: list[str] = field(default_factory=list)  # node ids of the tests that failed on it
    blocked: list[str] = field(default_factory=list)  # tests it kept from checking their own operation
    exchange: dict[str, Any] | None = None  # the first exchange that shows it
    schema: str = ""  # the spec's component schema at fault
    reference: str = ""  # the reference's tables of that schema

    def to_dict(self) -> dict[str, Any]:
        operation, rule, path = self.key
        return {
            "operation": operation,
            "rule": rule,
            "path": path,
            "message": self.message,
            "schema": self.schema,
            "reference": self.reference,
            "tests": self.hit,
            "blocked": self.blocked,
            "exchange": self.exchange,
        }


def _violation_of(test: dict[str, Any]) -> tuple[tuple[str, str, str], dict[str, Any], dict[str, Any]] | None:
    """The contract violation a failed test stopped on: the last exchange that broke a rule."""
    for exchange in reversed(test.get("exchanges") or []):
        for violation in exchange.get("violations") or []:
            key = (violation["operation_id"], violation["rule"], _INDEX.sub("[*]", violation["path"]))
            return key, violation, exchange
    return None


def _first_line(message: str) -> str:
    for line in message.splitlines():
        line = line.strip()
        # pytest-xdist heads a report with the worker ("[gw1] linux -- Python ..."): not the failure
        if line and not line.startswith(("def ", "@", ">", "[gw")):
            return line.removeprefix("E").strip()[:300]
    return "failed"


def distinct_violations(tests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The distinct violations of a run's failed tests, most tests first; also marks each failed
    test dict with `blocked_by` when another operation's violation stopped it."""
    found: dict[tuple[str, str, str], Distinct] = {}
    for test in tests:
        if test["outcome"] not in ("failed", "error"):
            continue
        own = (test.get("operations") or ["?"])[0]
        stall = test.get("stall")
        if stall:
            # Asynchronous work that never ended: the first time-out is the violation; a later wait
            # that met the same state did not wait again and is blocked by it.
            key = (stall["operation"], "async work never ended", f"status {stall['state']}")
            entry = found.setdefault(key, Distinct(key, stall["message"]))
            if stall.get("first") and key[0] in (test.get("operations") or []):
                entry.hit.append(test["nodeid"])
            else:
                entry.blocked.append(test["nodeid"])
                test["blocked_by"] = list(key)
            if entry.exchange is None and test.get("exchanges"):
                entry.exchange = test["exchanges"][-1]
            continue
        stopped = _violation_of(test)
        if stopped is None:
            if test.get("cause") == "unreachable":
                key = (own, "unreachable", "")
            else:
                key = (own, f"behaviour ({test.get('test_id') or test['nodeid']})", "")
            entry = found.setdefault(key, Distinct(key, _first_line(test.get("message", ""))))
            entry.hit.append(test["nodeid"])
            if entry.exchange is None and test.get("exchanges"):
                entry.exchange = test["exchanges"][-1]
            continue
        key, violation, exchange = stopped
        entry = found.setdefault(
            key,
            Distinct(
                key,
                violation["message"],
                exchange=exchange,
                schema=violation.get("schema", ""),
                reference=violation.get("reference", ""),
            ),
        )
        if key[0] in (test.get("operations") or []):
            entry.hit.append(test["nodeid"])
        else:
            entry.blocked.append(test["nodeid"])
            test["blocked_by"] = list(key)
    ranked = sorted(found.values(), key=lambda d: (-len(d.hit) - len(d.blocked), d.key))
    return [d.to_dict() for d in ranked]
