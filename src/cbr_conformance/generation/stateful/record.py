"""What a state machine run did, and what it could not test and why.

The state machine is one test that covers many operations: what one family of operations could
not do (no second project to share with, no server to back up, no chain hypothesis could
generate) is noted per operation, and the rest of the run goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from cbr_conformance.outcome import Why


@dataclass(frozen=True)
class Untested:
    """Why an operation was not tested: the kind of reason, and what to change to have it tested."""

    why: Why
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"why": str(self.why), "message": self.message}


# An operation no chain answered 2xx, for no reason the run knows of.
NOT_REACHED = Untested(Why.GENERATION, "no step of it answered 2xx in the chains the state machine generated")


@dataclass
class MachineRun:
    """What the machine did: every operation it called, and how often each answered 2xx."""

    called: list[str] = field(default_factory=list)
    succeeded: Counter[str] = field(default_factory=Counter)
    failed_at: str | None = None  # the operation whose step broke the contract, if one did
    chain: list[str] = field(default_factory=list)  # the steps sent in the latest example
    arranged: Counter[str] = field(default_factory=Counter)  # steps whose state was set up first
    untested: dict[str, Untested] = field(default_factory=dict)  # why, by operation

    def credit(self, operation_id: str, status: int, *, shrinking: bool) -> None:
        """Count a step's answer: a 2xx reaches its operation, but a step of shrinking (a chain
        walked again) is no new reach of it."""
        if 200 <= status < 300 and not shrinking:
            self.succeeded[operation_id] += 1

    def credited(self) -> list[str]:
        """The operations the run really exercised: a 2xx, or the step that failed."""
        return sorted(set(self.succeeded) | ({self.failed_at} if self.failed_at else set()))

    def not_tested(self, operations: Iterable[str], why: Why, message: str) -> None:
        """Note why `operations` could not be tested; the first reason noted for one stands (a
        missing resource is noted before the families are walked)."""
        for operation in operations:
            self.untested.setdefault(operation, Untested(why, message))

    def untested_report(
        self, operations: Iterable[str], *, cut_short: bool = False
    ) -> dict[str, dict[str, str]]:
        """Each of `operations` the run did not exercise, with why: the test's `cbr_untested`.
        `cut_short`: a failure ended the run, so only those with a reason noted are untested (the
        others are kept from their steps by the failure)."""
        credited = set(self.credited())
        unexplained = None if cut_short else NOT_REACHED
        found = {op: self.untested.get(op, unexplained) for op in sorted(operations) if op not in credited}
        return {op: why.to_dict() for op, why in found.items() if why is not None}
