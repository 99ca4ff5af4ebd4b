"""One test's record: what its phases' reports carried, and the outcome decided from them.

A worker knows where a failure came from (the exception object); the controller knows only what
the report carries. So each phase's report carries one `PhaseFacts` (one user property, JSON),
and the controller folds a test's phases into one `TestRecord`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from cbr_conformance.outcome import Outcome, Why

PROPERTY = "cbr_result"  # the one user property a report carries for the suite


class Origin(StrEnum):
    """Where a failing phase's exception came from, decided on the worker by its type."""

    VIOLATION = "violation"  # an assertion about the target's answer, or the contract's checks
    UNREACHABLE = "unreachable"  # the target did not answer
    SUITE = "suite"  # the suite's own code raised: not evidence about the target


@dataclass(frozen=True)
class Untested:
    """Why something was not tested, and what to set to have it tested."""

    why: Why
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"why": self.why.value, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Untested:
        return cls(Why(data["why"]), str(data["message"]))


@dataclass(frozen=True)
class PhaseFacts:
    """What one report (setup, call or teardown) of a test tells the controller."""

    operations: tuple[str, ...] | None = None  # the marker's, on the setup report
    kind: str | None = None
    mutates: bool | None = None
    test_id: str | None = None
    origin: Origin | None = None  # a failure's
    why: Why | None = None  # a skip's
    reason: str | None = None  # a skip's message, as the test or fixture gave it
    failed_operation: str | None = None  # the operation whose answer a failure stopped on
    exchanges: tuple[dict[str, Any], ...] = ()
    steps: tuple[str, ...] = ()
    breaks: str | None = None  # negative tests: "schema" (a rule the spec states) or "service"
    fuzz: dict[str, Any] | None = None  # fuzz tests: {"mode": ..., "answers": {"200": 7, ...}}
    stall: dict[str, Any] | None = None  # asynchronous work that never ended (target/stalls.py)
    credited: tuple[str, ...] | None = None  # a chain's operations it really exercised
    chain_2xx: dict[str, int] | None = None  # a state machine's 2xx answers, by operation
    untested: dict[str, Untested] = field(default_factory=dict)  # a chain's operations not reached
    leftovers: tuple[str, ...] = ()  # what cleanups could not undo
    lease_wait: float = 0.0  # seconds waiting for another worker's inventory resource
    facts: tuple[dict[str, Any], ...] = ()  # what the exchanges exercised of the contract
    # the post-conditions read back (postconditions/), by rule id: {"met": n, "failed": n, "unsettled": n}
    postconditions: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["untested"] = {op: u.to_dict() for op, u in self.untested.items()}
        default = {f.name: getattr(PhaseFacts(), f.name) for f in fields(self)}
        default["untested"] = {}
        return json.dumps({k: v for k, v in data.items() if v != default[k]})

    @classmethod
    def from_json(cls, text: str) -> PhaseFacts:
        data = json.loads(text)
        tuples = ("operations", "exchanges", "steps", "credited", "leftovers", "facts")
        for name in tuples:
            if data.get(name) is not None:
                data[name] = tuple(data[name])
        if "origin" in data:
            data["origin"] = Origin(data["origin"])
        if "why" in data:
            data["why"] = Why(data["why"])
        data["untested"] = {op: Untested.from_dict(u) for op, u in data.get("untested", {}).items()}
        return cls(**data)


@dataclass(frozen=True)
class TestRecord:
    """A test of the run, its phases folded together. `outcome` is final once the run's summary is
    built: a violation of another operation than the test's own makes it *blocked*."""

    __test__ = False  # a record, not a test class, for pytest's collection
    nodeid: str
    outcome: Outcome = Outcome.PASSED
    duration: float = 0.0
    operations: tuple[str, ...] = ()
    kind: str | None = None
    mutates: bool = False
    test_id: str | None = None
    message: str = ""
    why: Why | None = None  # a test not tested: the kind of reason
    origin: Origin | None = None  # a failed test: where its failure came from
    failed_operation: str | None = None
    exchanges: tuple[dict[str, Any], ...] = ()
    steps: tuple[str, ...] = ()
    breaks: str | None = None
    fuzz: dict[str, Any] | None = None
    stall: dict[str, Any] | None = None
    credited: tuple[str, ...] | None = None
    chain_2xx: dict[str, int] | None = None
    untested: dict[str, Untested] = field(default_factory=dict)
    leftovers: tuple[str, ...] = ()
    lease_wait: float = 0.0
    blocked_by: tuple[str, str, str] | None = None  # the distinct violation that kept it from its check
    postconditions: dict[str, dict[str, int]] = field(default_factory=dict)  # by rule id, as PhaseFacts

    @property
    def key(self) -> str:
        """The test's name across runs: its stable id, else its node id."""
        return self.test_id or self.nodeid

    @property
    def failed(self) -> bool:
        return self.outcome in (Outcome.VIOLATED, Outcome.BLOCKED, Outcome.SUITE_ERROR)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        data["why"] = self.why.value if self.why else None
        data["origin"] = self.origin.value if self.origin else None
        data["untested"] = {op: u.to_dict() for op, u in self.untested.items()}
        for name in ("operations", "exchanges", "steps", "leftovers"):
            data[name] = list(data[name])
        data["credited"] = list(self.credited) if self.credited is not None else None
        data["blocked_by"] = list(self.blocked_by) if self.blocked_by else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestRecord:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["outcome"] = Outcome(values["outcome"])
        values["why"] = Why(values["why"]) if values.get("why") else None
        values["origin"] = Origin(values["origin"]) if values.get("origin") else None
        values["untested"] = {op: Untested.from_dict(u) for op, u in (values.get("untested") or {}).items()}
        values["postconditions"] = dict(values.get("postconditions") or {})
        for name in ("operations", "exchanges", "steps", "leftovers"):
            values[name] = tuple(values.get(name) or ())
        if values.get("credited") is not None:
            values["credited"] = tuple(values["credited"])
        blocked = values.get("blocked_by")
        values["blocked_by"] = (str(blocked[0]), str(blocked[1]), str(blocked[2])) if blocked else None
        return cls(**values)

    def with_outcome(self, outcome: Outcome, blocked_by: tuple[str, str, str] | None = None) -> TestRecord:
        return replace(self, outcome=outcome, blocked_by=blocked_by)
