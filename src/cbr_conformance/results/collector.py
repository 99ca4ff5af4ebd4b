"""The run's results as they arrive: a pytest plugin object on the controller.

It folds each test's setup/call/teardown reports into one `TestRecord` (the outcome decided from
the report and the `PhaseFacts` it carries, never from a failure's text), merges what the
exchanges exercised of the contract, and at the end of the session builds the `RunSummary`,
which it keeps for the caller and writes to summary.json.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cbr_conformance.contract.exchange_facts import ExchangeFacts, FactSheet
from cbr_conformance.outcome import NOT_APPLICABLE, Outcome, Why
from cbr_conformance.results.record import PROPERTY, Origin, PhaseFacts, TestRecord
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.summary import RunSummary, Scope, build_summary, merge_counts

if TYPE_CHECKING:
    from cbr_conformance.contract.spec import Contract

# On the controller: what the run's shared resources left when the run deleted them.
SHARED_LEFTOVERS = pytest.StashKey[list[str]]()
# Worse outcomes win when folding the phases of one test: evidence about the target first.
_RANK = {Outcome.PASSED: 0, Outcome.NOT_TESTED: 1, Outcome.SUITE_ERROR: 2, Outcome.VIOLATED: 3}


def phase_outcome(report: pytest.TestReport, facts: PhaseFacts) -> Outcome:
    """What one phase's report says: decided by the origin its worker found for a failure."""
    if report.skipped or hasattr(report, "wasxfail"):
        return Outcome.NOT_TESTED
    if not report.failed:
        return Outcome.PASSED
    if facts.why is not None:  # e.g. the generator could not satisfy the rules
        return Outcome.NOT_TESTED
    if facts.origin in (Origin.VIOLATION, Origin.UNREACHABLE):
        return Outcome.VIOLATED
    return Outcome.SUITE_ERROR  # the suite's own code, or a report that says nothing (a crashed worker)


def _why(facts: PhaseFacts, message: str) -> Why:
    if facts.why is not None:
        return facts.why
    return Why.NOT_APPLICABLE if message.startswith(NOT_APPLICABLE) else Why.OTHER


def _message(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return report.longreprtext or ""


def facts_of(report: pytest.TestReport) -> PhaseFacts:
    carried = [str(value) for name, value in report.user_properties if name == PROPERTY]
    return PhaseFacts.from_json(carried[-1]) if carried else PhaseFacts()


def fold(record: TestRecord, report: pytest.TestReport, facts: PhaseFacts) -> TestRecord:
    """A test's record with one more phase's report folded in."""
    outcome = phase_outcome(report, facts)
    changes: dict[str, Any] = {"duration": record.duration + report.duration}
    if facts.operations is not None:
        changes.update(operations=facts.operations, kind=facts.kind, mutates=bool(facts.mutates))
        changes["test_id"] = facts.test_id
    # setup/teardown passing says nothing new; otherwise the worst phase wins
    if (report.when == "call" or outcome is not Outcome.PASSED) and _RANK[outcome] >= _RANK[record.outcome]:
        changes.update(outcome=outcome, origin=facts.origin, failed_operation=facts.failed_operation)
        if outcome is Outcome.NOT_TESTED:
            changes["why"] = _why(facts, facts.reason or _message(report))
    if report.failed or report.skipped:
        said = facts.reason if facts.reason is not None else _message(report)
        changes["message"] = (record.message + "\n" + said).strip()[-8000:]
    if facts.exchanges:
        changes["exchanges"] = facts.exchanges
    for name in ("steps", "breaks", "fuzz", "stall", "credited", "chain_2xx"):
        if getattr(facts, name):
            changes[name] = getattr(facts, name)
    if facts.untested:
        changes["untested"] = {**record.untested, **facts.untested}
    changes["leftovers"] = record.leftovers + facts.leftovers
    if facts.postconditions:
        changes["postconditions"] = merge_counts(record.postconditions, facts.postconditions)
    changes["lease_wait"] = round(record.lease_wait + facts.lease_wait, 2)
    return replace(record, **changes)


class ResultCollector:
    """On the controller (or the only process): the run's records, and its summary at the end."""

    def __init__(
        self,
        path: Path | None,
        header: RunHeader,
        contract: Contract | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        self.path = path
        self.read_only = read_only
        self.header = header
        self.records: dict[str, TestRecord] = {}
        self.sheet = FactSheet()
        self.started = time.time()
        self._contract = contract
        self.interrupted = False
        self.scope = Scope()
        self.config: pytest.Config | None = None
        self.summary: RunSummary | None = None

    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config
        self.scope = Scope(self.read_only, selection_of(config))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        facts = facts_of(report)
        # junit.xml would write the carried facts out as properties: they are the suite's, not the user's
        report.user_properties = [p for p in report.user_properties if p[0] != PROPERTY]
        if facts.facts:
            self.sheet.extend(ExchangeFacts.from_json(item) for item in facts.facts)
        record = self.records.get(report.nodeid) or TestRecord(report.nodeid)
        self.records[report.nodeid] = fold(record, report, facts)

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    def contract(self) -> Contract:
        """The run's contract (its profile's), for the coverage and the report."""
        if self._contract is None:
            from cbr_conformance.contract.spec import Contract

            self._contract = Contract.load()
        return self._contract

    def build(self) -> RunSummary:
        from cbr_conformance.results.exercised import contract_coverage

        contract = self.contract()
        return build_summary(
            self.records.values(),
            replace(self.header, duration=round(time.time() - self.started, 2)),
            operations=[op.operation_id for op in contract],
            interrupted=self.interrupted,
            scope=self.scope,
            coverage=contract_coverage(self.sheet.facts(), contract),
            # what the run's shared resources left when they were deleted (plugin/shared.py)
            leftovers=self._shared_leftovers(),
        )

    def _shared_leftovers(self) -> list[str]:
        if self.config is None or SHARED_LEFTOVERS not in self.config.stash:
            return []
        return self.config.stash[SHARED_LEFTOVERS]

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "CBR v3 conformance report"

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        """pytest-html's page holds each test's log; the conformance report is index.html."""
        prefix.append("<p>The conformance report of this run: <a href='index.html'>index.html</a>.</p>")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            self.interrupted = True
        self.summary = self.build()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.summary.to_dict(), indent=2), encoding="utf-8")


def selection_of(config: pytest.Config) -> str | None:
    """How the run was narrowed to part of the suite, in the user's words; None for all of it."""
    parts = []
    if config.option.keyword:
        parts.append(f"-k {config.option.keyword}")
    if config.option.markexpr:
        parts.append(f"-m {config.option.markexpr}")
    named = [Path(arg).name for arg in config.args if "::" in arg or arg.endswith(".py")]
    if named:
        parts.append(" ".join(named))
    return "; ".join(parts) or None
