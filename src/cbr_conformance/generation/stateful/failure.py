"""A failing chain, and the one step of it that failed: what the report blames, and what it blocks.

A chain fails at one step; the operations walked before it answered as they should (the client
checked each). `ChainFailed` says, as attributes, which operation that step called and how it
failed, so that the report counts one violation of that operation, and the chain's other
operations as blocked by it rather than violated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cbr_conformance.target.client import ContractViolation
from cbr_conformance.transport.recording import Exchange


class StepFault(StrEnum):
    """How a step of a chain failed."""

    CONTRACT = "contract violation"  # the answer broke the contract (the client's ContractViolation)
    CHECK = "chain check"  # a rule only a chain shows (schemathesis's use_after_free, ...)
    SERVER_ERROR = "server error"  # a 5xx to a step the spec allows


class ServerError(AssertionError):
    """A step the spec allows was answered 5xx."""

    def __init__(self, operation_id: str, exchange: Exchange) -> None:
        super().__init__(f"{operation_id}: server error {exchange.status}\n  reproduce: {exchange.curl()}")
        self.operation_id = operation_id
        self.exchange = exchange


@dataclass(frozen=True)
class FailedStep:
    """The step a chain failed at: the operation it called, how it failed, and the exchange that
    shows it (None only if the step got no answer to show)."""

    operation_id: str
    fault: StepFault
    exchange: Exchange | None

    @classmethod
    def of(cls, error: BaseException, operation_id: str, exchange: Exchange | None) -> FailedStep:
        """The failed step, from the error a step raised: a contract violation names the operation
        of the exchange that broke the contract (a step's set-up may call another operation)."""
        if isinstance(error, ContractViolation):
            return cls(error.exchange.operation_id or operation_id, StepFault.CONTRACT, error.exchange)
        if isinstance(error, ServerError):
            return cls(error.operation_id, StepFault.SERVER_ERROR, error.exchange)
        return cls(operation_id, StepFault.CHECK, exchange)


class ChainFailed(AssertionError):
    """A chain of the state machine failed at `step`; `chain` is the shortest failing chain found
    (its operations, in order), `error` what the step raised. The message is the error's."""

    def __init__(self, error: BaseException, step: FailedStep, chain: Sequence[str], *notes: str) -> None:
        super().__init__(_message(error))
        self.error = error
        self.step = step
        self.chain = tuple(chain)
        for note in (*getattr(error, "__notes__", ()), *notes):
            self.add_note(note)
        if self.chain:
            self.add_note(f"the shortest failing chain found: {' -> '.join(self.chain)}")
        self.add_note(f"the failing step: {step.operation_id} ({step.fault})")


def _message(error: BaseException) -> str:
    """The error's message; a group's (schemathesis reports its checks' failures as one) is its
    failures' messages, each in full."""
    if isinstance(error, BaseExceptionGroup):
        return "\n\n".join(str(failure) for failure in error.exceptions)
    return str(error)
