"""What each test report carries for the run's results: one `PhaseFacts`, as one user property.

Where a failure came from is decided here, on the worker, where the exception itself is at hand
(`origin_of`): the controller only sees the report.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict
from typing import Any

import pytest

from cbr_conformance.generation.stateful.failure import ChainFailed
from cbr_conformance.outcome import NotTested, Skipped, Why
from cbr_conformance.plugin.guard import UnintendedInvalidRequest
from cbr_conformance.plugin.keys import (
    CALL_FAILED,
    CLOCK_WAIT,
    EXCHANGES,
    POSTCONDITIONS,
    RECORD,
    STEPS,
    WORKSPACE,
    TestNotes,
)
from cbr_conformance.plugin.workspace import workspace_of
from cbr_conformance.postconditions.checking import PostConditionFailed
from cbr_conformance.resources.provision import UndeclaredNeed
from cbr_conformance.results.record import PROPERTY, Origin, PhaseFacts
from cbr_conformance.suite.markers import MarkerError, info_of
from cbr_conformance.target.client import ContractViolation, ReadOnlyRefusal, TargetUnreachable
from cbr_conformance.target.creations import UndeclaredCreation
from cbr_conformance.target.stalls import AsyncStall
from cbr_conformance.target.workspace import Workspace
from cbr_conformance.transport.recording import Exchange

LEASE_WAITS_BEFORE = pytest.StashKey[float]()
# The suite's own defects that surface as assertions: a test sending what the spec forbids
# unannounced, a write in a read-only run, a malformed marker, a lease or a creation the test did
# not declare. Not evidence about the target.
_SUITE_DEFECTS: tuple[type[BaseException], ...] = (
    UnintendedInvalidRequest,
    ReadOnlyRefusal,
    MarkerError,
    UndeclaredNeed,
    UndeclaredCreation,
)
# hypothesis's own words for "could not generate what the rules ask" (by type, from its errors module)
_GENERATION_FAILURES = ("Unsatisfiable", "FailedHealthCheck")


def origin_of(error: BaseException) -> Origin:
    """Where a failure came from, by its type: a rule about the target's answer that broke, the
    target not answering, or the suite's own code."""
    if isinstance(error, BaseExceptionGroup):
        origins = {origin_of(inner) for inner in error.exceptions}
        return next((o for o in (Origin.VIOLATION, Origin.UNREACHABLE) if o in origins), Origin.SUITE)
    if isinstance(error, _SUITE_DEFECTS):
        return Origin.SUITE
    if isinstance(error, TargetUnreachable):
        return Origin.UNREACHABLE
    if isinstance(error, AssertionError | pytest.fail.Exception):
        return Origin.VIOLATION  # the suite's assertions state the reference's rules
    return Origin.SUITE


def _generation_failure(error: BaseException) -> bool:
    kind = type(error)
    return kind.__module__.startswith("hypothesis") and kind.__name__ in _GENERATION_FAILURES


def _failure_facts(error: BaseException | None, exchanges: list[Exchange]) -> dict[str, Any]:
    if error is None:
        return {}
    if isinstance(error, NotTested):  # a skip that says why
        return {"why": error.why, "reason": error.msg}
    if isinstance(error, Skipped):  # pytest's own skip, which names no kind
        return {"reason": error.msg}
    if _generation_failure(error):
        return {"why": Why.GENERATION}
    facts: dict[str, Any] = {"origin": origin_of(error)}
    stopped_on = None
    if isinstance(error, ChainFailed):  # only the failing step's operation is violated, the rest blocked
        stopped_on = error.step.operation_id
    elif isinstance(error, ContractViolation):
        stopped_on = error.exchange.operation_id
    elif isinstance(error, PostConditionFailed):  # the write whose effect a later read did not show
        stopped_on = error.rule.operation
    elif stopped_on is None and exchanges:
        stopped_on = exchanges[-1].operation_id  # the last answer the test or its set-up read
    facts["failed_operation"] = stopped_on
    return facts


def _course_was_timed(kind: str | None, report: pytest.TestReport, notes: TestNotes | None) -> bool:
    """Whether which exchanges a test made followed the target's timing: the state machine's path
    follows the target's answers and a time budget; a fuzz test whose budget ran out sent as many
    cases as the target's speed allowed."""
    if kind == "stateful":
        return report.when == "call"  # its stage, set up before, is the same in every run
    return bool(notes is not None and notes.fuzz and notes.fuzz.get("out_of_time"))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[LEASE_WAITS_BEFORE] = workspace_of(item.config).lease_waits


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if call.when == "call":
        item.stash[CALL_FAILED] = report.failed
    report.user_properties.append((PROPERTY, phase_facts(item, call, report).to_json()))


def _waited(item: pytest.Item, call: pytest.CallInfo[None], workspace: Workspace | None) -> dict[str, Any]:
    """How long the phase waited for another worker's inventory resource, or for the clock."""
    waits = workspace.lease_waits if workspace is not None else 0.0
    waited = waits - item.stash.get(LEASE_WAITS_BEFORE, waits)
    item.stash[LEASE_WAITS_BEFORE] = waits
    if call.when == "setup":  # the clock, owned by one test at a time, is waited for like a resource
        waited += item.stash.get(CLOCK_WAIT, 0.0)
    return {"lease_wait": round(waited, 2)} if waited >= 0.01 else {}


def _pending(
    workspace: Workspace, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> dict[str, Any]:
    """What the phase left for the controller: leftovers of its cleanup, its exchanges' facts."""
    facts: dict[str, Any] = {}
    pending = workspace.pending
    if call.when == "teardown" and pending.leftovers:
        facts["leftovers"] = tuple(pending.leftovers)
        pending.leftovers.clear()
    if pending.facts:
        # Merged by operation: a fuzz test's hundred exchanges travel as a few lines.
        info = info_of(item)
        timed = _course_was_timed(info.kind if info else None, report, item.stash.get(RECORD, None))
        facts["facts"] = tuple(pending.facts.drain(timed=timed))
    return facts


def phase_facts(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> PhaseFacts:
    # None only when the plugin was not configured: the test's setup failed on that (a suite
    # error), and its report still goes out.
    workspace = item.config.stash.get(WORKSPACE, None)
    facts = _waited(item, call, workspace)
    info = info_of(item)
    if info is not None and call.when == "setup":
        facts.update(operations=info.operations, kind=info.kind, mutates=info.mutates, test_id=info.id)
    error = call.excinfo.value if call.excinfo is not None else None
    recorded: list[Exchange] = item.stash.get(EXCHANGES, [])
    exchanges = list(recorded)
    # The exchange that broke the contract, though a client outside the test made it (a module's
    # fixture): the results group failures by it.
    if report.failed and isinstance(error, ContractViolation) and error.exchange not in exchanges:
        exchanges.append(error.exchange)
    if report.failed and isinstance(error, PostConditionFailed) and error.exchange is not None:
        # The read that showed it is the evidence, last (its exchange carries the broken rule).
        exchanges = [e for e in exchanges if e is not error.exchange] + [error.exchange]
    if report.failed and isinstance(error, ChainFailed) and error.step.exchange is not None:
        # The failing step's exchange is the evidence, last: shrinking and teardown sent more after it.
        exchanges = [e for e in exchanges if e is not error.step.exchange] + [error.step.exchange]
    if report.failed or report.skipped:
        facts.update(_failure_facts(error, exchanges))
    if isinstance(error, AsyncStall) and report.failed:
        # Asynchronous work that never ended: one violation for the run, later waits blocked by it.
        facts["stall"] = {**asdict(error.stall), "first": error.first}
    if report.failed and exchanges:
        # The last exchanges tell what went wrong; all of them are redacted already.
        facts["exchanges"] = tuple(e.to_dict() for e in exchanges[-10:])
    if info is not None and info.kind == "negative" and call.when == "call":
        # Whether the refused request breaks a rule the spec states, or one only the service knows
        # (an unknown id, a sharing rule...): read from the request measure of its exchanges.
        facts["breaks"] = "schema" if any(e.request_errors for e in exchanges) else "service"
    if workspace is not None:
        facts.update(_pending(workspace, item, call, report))
    steps = item.stash.get(STEPS, None)
    if steps is not None and steps.lines and call.when == "call":
        facts["steps"] = tuple(steps.lines)
    checks = item.stash.get(POSTCONDITIONS, None)
    if checks is not None:  # what the phase's read-backs found, by rule
        facts["postconditions"] = checks.tally.drain()
    notes = item.stash.get(RECORD, None)
    if notes is not None and call.when == "call":
        facts.update(notes.facts())
        if report.failed and notes.failed_step:  # the test named the step its failure stopped on
            facts["failed_operation"] = notes.failed_step
    return PhaseFacts(**facts)
