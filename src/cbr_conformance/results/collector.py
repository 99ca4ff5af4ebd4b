"""Outcomes of a run, per test and per (operation, kind): the data behind summary.json.

A `ResultCollector` is a pytest plugin object: it merges each test's setup/call/teardown reports
into one outcome and, at the end of the session, writes the summary the reports are built from.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cbr_conformance.exchange_facts import FactSheet
from cbr_conformance.markers import KINDS
from cbr_conformance.plugin.keys import RUN_LEFTOVERS
from cbr_conformance.results.violations import distinct_violations

if TYPE_CHECKING:
    from cbr_conformance.contract import Contract

OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed", "error")
# Worse outcomes win when merging the phases of one test.
_RANK = {"passed": 0, "skipped": 1, "xfailed": 1, "xpassed": 2, "failed": 3, "error": 4}


@dataclass
class TestResult:
    __test__ = False  # a record, not a test class, for pytest's collection
    nodeid: str
    outcome: str = "passed"
    duration: float = 0.0
    operations: list[str] = field(default_factory=list)
    kind: str | None = None
    mutates: bool = False
    test_id: str | None = None
    message: str = ""
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    breaks: str | None = None  # negative tests: "schema" (a rule the spec states) or "service"
    fuzz: dict[str, Any] | None = None  # fuzz tests: {"mode": ..., "answers": {"200": 7, ...}}
    cause: str | None = None  # "unreachable": the target did not answer
    stall: dict[str, Any] | None = None  # asynchronous work that never ended (stalls.py)
    credited: list[str] | None = None  # a chain's operations it really exercised (else all it names)
    chain_2xx: dict[str, int] | None = None  # a state machine's 2xx answers, by operation
    leftovers: list[str] = field(default_factory=list)  # what its cleanups could not undo
    lease_wait: float = 0.0  # of its duration, seconds waiting for another worker's inventory resource
    blocked_by: list[str] | None = None  # set in the summary: the violation that kept it from its check


def _outcome(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.failed:
        return "failed" if report.when == "call" else "error"
    return "skipped" if report.skipped else "passed"


class ResultCollector:
    def __init__(self, path: Path, header: dict[str, Any], contract: Contract | None = None) -> None:
        self.path = path
        self.header = header
        self.results: dict[str, TestResult] = {}
        self.started = time.time()
        self._contract = contract
        self.interrupted = False
        self.config: pytest.Config | None = None

    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config

    def facts(self) -> FactSheet:
        """What the run's exchanges exercised, merged by the plugin as reports arrive."""
        from cbr_conformance.plugin.keys import RUN_FACTS

        return self.config.stash.get(RUN_FACTS, FactSheet()) if self.config else FactSheet()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = self.results.setdefault(report.nodeid, TestResult(report.nodeid))
        result.duration += report.duration
        outcome = _outcome(report)
        # setup/teardown passing says nothing new; otherwise the worst phase wins
        if (report.when == "call" or outcome != "passed") and _RANK[outcome] >= _RANK[result.outcome]:
            result.outcome = outcome
        if report.failed or report.skipped:
            text = report.longreprtext or ""
            if report.skipped and isinstance(report.longrepr, tuple):
                text = str(report.longrepr[2])
            result.message = (result.message + "\n" + text).strip()[-8000:]
        for name, value in report.user_properties:
            if name == "cbr_operation":
                result.operations = str(value).split(",")
            elif name == "cbr_kind":
                result.kind = str(value)
            elif name == "cbr_mutates":
                result.mutates = value == "true"
            elif name == "cbr_id":
                result.test_id = str(value)
            elif name == "cbr_exchanges":
                result.exchanges = json.loads(str(value))
            elif name == "cbr_steps":
                result.steps = json.loads(str(value))
            elif name == "cbr_breaks":
                result.breaks = str(value)
            elif name == "cbr_fuzz":
                result.fuzz = json.loads(str(value))
            elif name == "cbr_cause":
                result.cause = str(value)
            elif name == "cbr_stall":
                result.stall = json.loads(str(value))
            elif name == "cbr_credited":
                result.credited = json.loads(str(value))
            elif name == "cbr_chain_2xx":
                result.chain_2xx = json.loads(str(value))
            elif name == "cbr_leftovers":
                result.leftovers += json.loads(str(value))
            elif name == "cbr_lease_wait":
                result.lease_wait = round(result.lease_wait + float(str(value)), 2)

    def summary(self) -> dict[str, Any]:
        from cbr_conformance.exercised import contract_coverage

        coverage = contract_coverage(self.facts().facts(), self.contract())
        return build_summary(
            list(self.results.values()),
            self.header,
            time.time() - self.started,
            interrupted=self.interrupted,
            coverage=coverage,
            run_leftovers=RUN_LEFTOVERS,  # the run's shared resources' (plugin/shared.py)
        )

    def contract(self) -> Contract:
        """The run's contract (its profile's), for the coverage and the report."""
        if self._contract is None:
            from cbr_conformance.contract import Contract

            self._contract = Contract.load()
        return self._contract

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "CBR v3 conformance report"

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        """pytest-html's page holds each test's log; the conformance report is index.html."""
        prefix.append("<p>The conformance report of this run: <a href='index.html'>index.html</a>.</p>")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            self.interrupted = True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.summary(), indent=2), encoding="utf-8")


# A skip whose reason starts so is a test that cannot exist for this contract (a negative fuzz
# mode of an operation with nothing to break), not something this target left untested.
NOT_APPLICABLE = "not applicable: "


def skip_reason(result: TestResult) -> str:
    """A skip's reason without pytest's "Skipped: " prefix, one line."""
    lines = result.message.removeprefix("Skipped: ").strip().splitlines()
    return lines[0] if lines else "(no reason)"


def untested(summary: dict[str, Any]) -> int:
    """Tests skipped for want of something here (not those that cannot exist for the contract)."""
    return sum(n for reason, n in summary.get("skips", {}).items() if not reason.startswith(NOT_APPLICABLE))


def verdict(summary: dict[str, Any]) -> str:
    """The run's verdict in words; a run with skips says how much was not tested."""
    totals = summary["totals"]
    ran = sum(totals.values())
    if summary.get("interrupted"):
        return "INTERRUPTED"
    if not ran:
        return "NO TESTS RAN"
    if not summary["conforms"]:
        found = summary.get("violations") or []
        if not found:
            return "DOES NOT CONFORM"
        blocked = sum(len(v["blocked"]) for v in found)
        return f"DOES NOT CONFORM: {len(found)} distinct violation{'s' * (len(found) != 1)}" + (
            f", {blocked} test{'s' * (blocked != 1)} blocked by {'them' if len(found) != 1 else 'it'}"
            if blocked
            else ""
        )
    skipped = untested(summary)
    if skipped and summary["header"].get("require_complete"):
        return f"INCOMPLETE: {skipped} of {ran} skipped, and the run must be complete"
    return f"CONFORMS (partial: {skipped} of {ran} skipped)" if skipped else "CONFORMS"


def fuzz_acceptance(tests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per operation, how many valid (positive) fuzz cases were sent and how many answered 2xx:
    how far fuzzing got past the validation layer, to what a service does with valid input."""
    found: dict[str, dict[str, Any]] = {}
    for test in tests:
        fuzz = test.get("fuzz")
        if not fuzz or fuzz.get("mode") != "positive" or not test["operations"]:
            continue
        answers = fuzz["answers"]
        sent = sum(answers.values())
        accepted = sum(n for answer, n in answers.items() if str(answer).startswith("2"))
        found[test["operations"][0]] = {
            "sent": sent,
            "accepted": accepted,
            "share": round(accepted / sent, 3) if sent else None,
        }
    return dict(sorted(found.items()))


def chain_successes(tests: list[dict[str, Any]]) -> dict[str, int]:
    """Every operation a state machine test links, with the 2xx answers its steps got (0: never)."""
    found: Counter[str] = Counter()
    for test in tests:
        if test.get("chain_2xx") is not None:
            found.update({operation: 0 for operation in test["operations"]})
            found.update(test["chain_2xx"])
    return dict(sorted(found.items()))


def build_summary(
    results: list[TestResult],
    header: dict[str, Any],
    duration: float,
    *,
    interrupted: bool = False,
    coverage: dict[str, Any] | None = None,
    run_leftovers: Sequence[str] = (),
) -> dict[str, Any]:
    totals = Counter(r.outcome for r in results)
    tests = [asdict(r) for r in sorted(results, key=lambda r: r.nodeid)]
    violations = distinct_violations(tests)  # marks the tests another operation's violation blocked
    matrix: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for test in tests:
        if test["kind"] and test["operations"]:
            # A chain or scenario exercises each of its operations; other tests belong to their first.
            chained = test["kind"] in ("stateful", "scenario")
            credited = test["credited"] if test["credited"] is not None else test["operations"]
            outcome = "blocked" if test.get("blocked_by") else test["outcome"]
            for operation in credited if chained else test["operations"][:1]:
                matrix[operation][test["kind"]][outcome] += 1
    return {
        "header": {**header, "duration": round(duration, 2)},
        "totals": {outcome: totals.get(outcome, 0) for outcome in OUTCOMES},
        # An interrupted run, or one that ran nothing, never conforms: it did not show it.
        "conforms": bool(results)
        and not interrupted
        and totals.get("failed", 0) == 0
        and totals.get("error", 0) == 0,
        "interrupted": interrupted,
        # One entry per bug of the target, with the tests that hit it and those it blocked.
        "violations": violations,
        # Apart from the verdict: the project's state after the run, not the target's conformance.
        "leftovers": [item for r in results for item in r.leftovers] + list(run_leftovers),
        "skips": dict(Counter(skip_reason(r) for r in results if r.outcome == "skipped").most_common()),
        "kinds": list(KINDS),
        "matrix": {
            op: {kind: dict(counts) for kind, counts in kinds.items()} for op, kinds in matrix.items()
        },
        # Per operation, the share of valid fuzz cases answered 2xx.
        "acceptance": fuzz_acceptance(tests),
        # Per operation the state machine links, how often one of its steps got a 2xx.
        "chains": chain_successes(tests),
        # What the run's exchanges exercised of the contract (exercised.py), when measured.
        **({"coverage": coverage} if coverage is not None else {}),
        "tests": tests,
    }
