"""What each test report carries, as user properties, for summary.json and the HTML report."""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import asdict
from typing import Any

import pytest

from cbr_conformance.client import ContractViolation, TargetUnreachable
from cbr_conformance.exchange_facts import ExchangeFacts, FactSheet
from cbr_conformance.inventory import lease_waits_so_far
from cbr_conformance.markers import info_of
from cbr_conformance.plugin.keys import EXCHANGES, PENDING_FACTS, PENDING_LEFTOVERS, RUN_FACTS, STEPS
from cbr_conformance.recording import Exchange
from cbr_conformance.stalls import AsyncStall
from cbr_conformance.stateful.failure import ChainFailed

FACTS = "cbr_facts"
LEASE_WAITS_BEFORE = pytest.StashKey[float]()


class RunFacts:
    """On the controller: merges the facts each report carries into the run's, and takes them off
    the report (junit.xml would write them out)."""

    def __init__(self) -> None:
        self.sheet = FactSheet()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        carried = [value for name, value in report.user_properties if name == FACTS]
        if carried:
            report.user_properties = [p for p in report.user_properties if p[0] != FACTS]
        for value in carried:
            self.sheet.extend(ExchangeFacts.from_json(item) for item in json.loads(str(value)))


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker sends its reports, facts and all, to the controller
    facts = RunFacts()
    config.stash[RUN_FACTS] = facts.sheet
    config.pluginmanager.register(facts, "cbr-run-facts")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[LEASE_WAITS_BEFORE] = lease_waits_so_far()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    waits = lease_waits_so_far()
    waited = waits - item.stash.get(LEASE_WAITS_BEFORE, waits)
    item.stash[LEASE_WAITS_BEFORE] = waits
    if waited >= 0.01:  # time this phase spent waiting for another worker's inventory resource
        report.user_properties.append(("cbr_lease_wait", f"{waited:.2f}"))
    info = info_of(item)
    if info is not None and call.when == "setup":
        report.user_properties += [
            ("cbr_operation", ",".join(info.operations)),
            ("cbr_kind", info.kind),
            ("cbr_mutates", str(info.mutates).lower()),
            ("cbr_id", info.id),
        ]
    if report.failed and call.excinfo is not None and call.excinfo.errisinstance(TargetUnreachable):
        # The target did not answer: the CLI tells an unreachable target from a nonconforming one.
        report.user_properties.append(("cbr_cause", "unreachable"))
    stall = call.excinfo.value if call.excinfo is not None else None
    if report.failed and isinstance(stall, AsyncStall):
        # Asynchronous work that never ended: one violation for the run, later waits blocked by it.
        told = {**asdict(stall.stall), "first": stall.first}
        report.user_properties.append(("cbr_stall", json.dumps(told)))
    recorded: list[Exchange] = item.stash.get(EXCHANGES, [])
    exchanges = list(recorded)
    stopped = call.excinfo.value if call.excinfo is not None else None
    # The exchange that broke the contract, though a client outside the test made it (a module's
    # fixture): the report groups failures by it.
    if report.failed and isinstance(stopped, ContractViolation) and stopped.exchange not in exchanges:
        exchanges.append(stopped.exchange)
    if report.failed and isinstance(stopped, ChainFailed) and stopped.step.exchange is not None:
        # The failing step's exchange is the evidence, last: shrinking and teardown sent more after it.
        exchanges = [e for e in exchanges if e is not stopped.step.exchange] + [stopped.step.exchange]
    if report.failed and exchanges:
        # The last exchanges tell what went wrong; all of them are redacted already.
        report.user_properties.append(("cbr_exchanges", json.dumps([e.to_dict() for e in exchanges[-10:]])))
    if info is not None and info.kind == "negative" and call.when == "call":
        # Whether the refused request breaks a rule the spec states, or one only the service knows
        # (an unknown id, a sharing rule...): read from the request measure of its exchanges.
        breaks = "schema" if any(e.request_errors for e in exchanges) else "service"
        report.user_properties.append(("cbr_breaks", breaks))
    if call.when == "teardown" and PENDING_LEFTOVERS:
        report.user_properties.append(("cbr_leftovers", json.dumps(PENDING_LEFTOVERS)))
        PENDING_LEFTOVERS.clear()
    if PENDING_FACTS:
        # Merged by operation: a fuzz test's hundred exchanges travel as a few lines.
        report.user_properties.append((FACTS, json.dumps(PENDING_FACTS.drain())))
    steps = item.stash.get(STEPS, None)
    if steps is not None and steps.lines and call.when == "call":
        report.user_properties.append(("cbr_steps", json.dumps(steps.lines)))
