"""Failures grouped into distinct violations: one bug of the target, one entry.

A test that failed on a contract violation of its own operation *hit* that violation; one that
failed on a violation of another operation, called on the way (a list to find ids, a create in
its setup), is *blocked* by it. A failure with no contract violation (a status the reference
does not allow for the input, a fuzz case accepted) is its own entry, for the operation whose
answer it stopped on. Only failures whose origin is the target's behaviour take part: a suite
error or a test not tested is never a violation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cbr_conformance.outcome import Outcome
from cbr_conformance.results.record import Origin, TestRecord
from cbr_conformance.target.stalls import STILL_SHOWN

_INDEX = re.compile(r"\[\d+\]")

ViolationKey = tuple[str, str, str]  # operation, rule, JSON path (array indices as [*])


@dataclass(frozen=True)
class Violation:
    """One distinct violation of the run."""

    operation: str
    rule: str
    path: str
    message: str
    tests: tuple[str, ...] = ()  # node ids of the tests that failed on it
    blocked: tuple[str, ...] = ()  # tests it kept from checking their own operation
    exchange: dict[str, Any] | None = None  # the first exchange that shows it
    schema: str = ""  # the spec's component schema at fault
    reference: str = ""  # the reference's tables of that schema
    fault: str | None = None  # a proxy's: "client" (its request) or "service" (its answer)

    @property
    def key(self) -> ViolationKey:
        return (self.operation, self.rule, self.path)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "operation": self.operation,
            "rule": self.rule,
            "path": self.path,
            "message": self.message,
            "schema": self.schema,
            "reference": self.reference,
            "tests": list(self.tests),
            "blocked": list(self.blocked),
            "exchange": self.exchange,
        }
        if self.fault is not None:
            data["fault"] = self.fault
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Violation:
        return cls(
            operation=str(data["operation"]),
            rule=str(data["rule"]),
            path=str(data.get("path") or ""),
            message=str(data.get("message") or ""),
            tests=tuple(data.get("tests") or ()),
            blocked=tuple(data.get("blocked") or ()),
            exchange=data.get("exchange"),
            schema=str(data.get("schema") or ""),
            reference=str(data.get("reference") or ""),
            fault=data.get("fault"),
        )


@dataclass
class _Entry:
    key: ViolationKey
    message: str
    hit: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    exchange: dict[str, Any] | None = None
    schema: str = ""
    reference: str = ""

    def frozen(self) -> Violation:
        operation, rule, path = self.key
        return Violation(
            operation, rule, path, self.message, tuple(self.hit), tuple(self.blocked),
            self.exchange, self.schema, self.reference,
        )  # fmt: skip


def _violation_of(test: TestRecord) -> tuple[ViolationKey, dict[str, Any], dict[str, Any]] | None:
    """The contract violation a failed test stopped on: the last exchange that broke a rule."""
    for exchange in reversed(test.exchanges):
        for violation in exchange.get("violations") or []:
            key = (violation["operation_id"], violation["rule"], _INDEX.sub("[*]", violation["path"]))
            return key, violation, exchange
    return None


def first_line(message: str) -> str:
    for line in message.splitlines():
        line = line.strip()
        # pytest-xdist heads a report with the worker ("[gw1] linux -- Python ..."): not the failure
        if line and not line.startswith(("def ", "@", ">", "[gw")):
            return line.removeprefix("E").strip()[:300]
    return "failed"


def _behaviour_key(test: TestRecord) -> ViolationKey:
    """A failure with no broken schema rule: the operation whose answer it stopped on."""
    own = test.operations[0] if test.operations else "?"
    if test.origin is Origin.UNREACHABLE:
        return (own, "unreachable", "")
    stopped_on = test.failed_operation
    if stopped_on and stopped_on not in test.operations:
        # its set-up met an answer of another operation it did not expect
        return (stopped_on, "unexpected answer in a test's set-up", "")
    return (stopped_on or own, f"behaviour ({test.test_id or test.nodeid})", "")


def judge(tests: list[TestRecord]) -> tuple[list[Violation], list[TestRecord]]:
    """The distinct violations of a run's violated tests, most tests first; and the tests again,
    each violated one *blocked* when the violation it stopped on is another operation's."""
    found: dict[ViolationKey, _Entry] = {}
    judged: list[TestRecord] = []
    for test in tests:
        if test.outcome is not Outcome.VIOLATED:
            judged.append(test)
            continue
        key, own = _place(test, found)
        judged.append(test if own else test.with_outcome(Outcome.BLOCKED, key))
    ranked = sorted(found.values(), key=lambda d: (-len(d.hit) - len(d.blocked), d.key))
    return [entry.frozen() for entry in ranked], judged


def _place(test: TestRecord, found: dict[ViolationKey, _Entry]) -> tuple[ViolationKey, bool]:
    """Files a violated test under its distinct violation: (the key, whether it is its own)."""
    if test.stall:
        # Asynchronous work that never ended: the first time-out is the violation; a later wait
        # that met the same state did not wait again and is blocked by it.
        stall = test.stall
        state = str(stall["state"])
        if state == STILL_SHOWN:  # the resource a deletion was accepted for stayed
            key = (str(stall["operation"]), "deletion never took effect", state)
        else:
            key = (str(stall["operation"]), "async work never ended", f"status {state}")
        entry = found.setdefault(key, _Entry(key, str(stall["message"])))
        own = bool(stall.get("first")) and key[0] in test.operations
    else:
        stopped = _violation_of(test)
        if stopped is None:
            key = _behaviour_key(test)
            entry = found.setdefault(key, _Entry(key, first_line(test.message)))
            own = key[0] in test.operations or key[0] == "?"
        else:
            key, violation, exchange = stopped
            entry = found.setdefault(
                key,
                _Entry(
                    key, violation["message"], exchange=exchange,
                    schema=violation.get("schema", ""), reference=violation.get("reference", ""),
                ),
            )  # fmt: skip
            own = key[0] in test.operations
    (entry.hit if own else entry.blocked).append(test.nodeid)
    if entry.exchange is None and test.exchanges:
        entry.exchange = test.exchanges[-1]
    return key, own
