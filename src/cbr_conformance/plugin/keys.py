"""What a test's fixtures leave on its item for the hooks to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from cbr_conformance.postconditions.checking import PostConditions
from cbr_conformance.results.record import Untested
from cbr_conformance.target.workspace import Workspace
from cbr_conformance.testkit.scenario import Steps
from cbr_conformance.transport.recording import Exchange


@dataclass
class TestNotes:
    """What a test tells its report beyond its outcome (the `cbr_notes` fixture)."""

    __test__ = False  # not a test class, for pytest's collection
    fuzz: dict[str, Any] | None = None  # {"mode": ..., "answers": {"200": 7, ...}}
    credited: list[str] | None = None  # a chain's operations it really exercised
    chain_2xx: dict[str, int] | None = None  # a state machine's 2xx answers, by operation
    untested: dict[str, Untested] = field(default_factory=dict)  # a chain's operations not reached
    failed_step: str | None = None  # the operation a failing chain stopped on, when the test knows

    def facts(self) -> dict[str, Any]:
        found: dict[str, Any] = {"fuzz": self.fuzz, "chain_2xx": self.chain_2xx, "untested": self.untested}
        if self.credited is not None:
            found["credited"] = tuple(self.credited)
        return {name: value for name, value in found.items() if value}


EXCHANGES = pytest.StashKey[list[Exchange]]()  # every exchange of the test, redacted
STEPS = pytest.StashKey[Steps]()  # a scenario's steps, for the report
RECORD = pytest.StashKey[TestNotes]()  # what the test noted for its report
CLOCK_WAIT = pytest.StashKey[float]()  # seconds the test waited for another to give the clock back
CALL_FAILED = pytest.StashKey[bool]()  # the test's own call failed (its cleanups' failure is then not its)
# This process's part of the run (target/workspace.py), made when pytest is configured.
WORKSPACE = pytest.StashKey[Workspace]()
POSTCONDITIONS = pytest.StashKey[PostConditions]()  # the test's read-backs, and what they found
