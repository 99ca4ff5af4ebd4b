"""A run's summary: its tests' records, the distinct violations, the matrix and the verdict.

`RunSummary` is what summary.json holds (its JSON Schema: `summary.schema.json` beside this
module); the report, diff, merge, the next run's layout and the CLI read it as this type.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cbr_conformance.outcome import Outcome, Why
from cbr_conformance.paths import SUMMARY_FILE
from cbr_conformance.results.record import TestRecord
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.violations import Violation, first_line, judge

SCHEMA_VERSION = 2  # summaries before the typed outcomes (pytest's passed/failed/skipped) had none
SCHEMA_FILE = Path(__file__).with_name("summary.schema.json")  # the published JSON Schema of summary.json
KINDS = ("contract", "negative", "fuzz", "stateful", "scenario")
CHAINED = ("stateful", "scenario")  # a test that exercises each of its operations


class UnreadableSummary(ValueError):
    """Not a run summary this version of the suite can read; the message says why, in one line."""


@dataclass(frozen=True)
class Scope:
    """What the run was asked to cover: all the suite, or a part of it."""

    read_only: bool = False
    selection: str | None = None  # how the run was narrowed (-k, -m, test paths), if it was

    def labels(self) -> list[str]:
        return (["read-only"] if self.read_only else []) + (["selection"] if self.selection else [])


@dataclass(frozen=True)
class RunSummary:
    header: RunHeader  # the run's settings (never a secret)
    tests: tuple[TestRecord, ...]
    violations: tuple[Violation, ...] = ()
    interrupted: bool = False
    scope: Scope = field(default_factory=Scope)
    operations: tuple[str, ...] = ()  # the contract's operations, to tell what was not exercised
    leftovers: tuple[str, ...] = ()  # the project's state after the run, not the target's verdict
    coverage: dict[str, Any] | None = None  # what the exchanges exercised of the contract
    kinds: tuple[str, ...] = KINDS  # the matrix's columns (a proxy's: client request, service response)
    proxy: dict[str, Any] | None = None  # a proxy's traffic: faults by side, unknown operations
    schema_version: int = SCHEMA_VERSION

    # --- derived: never stored apart from the tests they come from, computed once on first use --
    # (the summary is frozen and its parts are never changed, so what is derived from them holds)

    @functools.cached_property
    def totals(self) -> dict[str, int]:
        counts = Counter(t.outcome for t in self.tests)
        return {outcome.value: counts.get(outcome, 0) for outcome in Outcome}

    @functools.cached_property
    def untested(self) -> list[TestRecord]:
        """Tests not tested for want of something here (not those that cannot exist)."""
        return [t for t in self.tests if t.outcome is Outcome.NOT_TESTED and t.why is not Why.NOT_APPLICABLE]

    @functools.cached_property
    def not_applicable(self) -> list[TestRecord]:
        return [t for t in self.tests if t.outcome is Outcome.NOT_TESTED and t.why is Why.NOT_APPLICABLE]

    @functools.cached_property
    def suite_errors(self) -> list[TestRecord]:
        return [t for t in self.tests if t.outcome is Outcome.SUITE_ERROR]

    @functools.cached_property
    def conforms(self) -> bool:
        """Shown to conform: something ran, nothing violated, the suite itself did not fail, and the
        run was not cut short."""
        totals = self.totals
        return (
            bool(self.tests)
            and not self.violations
            and not self.interrupted
            and not totals[Outcome.VIOLATED]
            and not totals[Outcome.BLOCKED]
            and not totals[Outcome.SUITE_ERROR]
        )

    @functools.cached_property
    def skips(self) -> dict[str, int]:
        """Not-tested reasons (first lines) with their counts, the most frequent first."""
        reasons = Counter(reason_of(t) for t in self.tests if t.outcome is Outcome.NOT_TESTED)
        return dict(reasons.most_common())

    @functools.cached_property
    def untested_reasons(self) -> dict[str, int]:
        """As `skips`, of the tests not tested for want of something here (`untested`)."""
        return dict(Counter(reason_of(t) for t in self.untested).most_common())

    @functools.cached_property
    def matrix(self) -> dict[str, dict[str, dict[str, int]]]:
        return matrix_of(self.tests)

    @functools.cached_property
    def unexercised(self) -> list[str]:
        """The contract's operations no test showed to work: no cell of theirs passed."""
        matrix = self.matrix
        return [
            op for op in self.operations
            if not any(cell.get(Outcome.PASSED.value) for cell in matrix.get(op, {}).values())
        ]  # fmt: skip

    @functools.cached_property
    def partial(self) -> bool:
        return bool(self.untested or self.unexercised or self.scope.labels())

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "header": self.header.to_dict(),
            "verdict": verdict(self),
            "conforms": self.conforms,
            "partial": self.partial,
            "interrupted": self.interrupted,
            "scope": {"read_only": self.scope.read_only, "selection": self.scope.selection},
            "operations": list(self.operations),
            "unexercised": self.unexercised,
            "totals": self.totals,
            "violations": [v.to_dict() for v in self.violations],
            "leftovers": list(self.leftovers),
            "skips": self.skips,
            "kinds": list(self.kinds),
            "matrix": self.matrix,
            "acceptance": fuzz_acceptance(self.tests),
            "chains": chain_successes(self.tests),
            "postconditions": postconditions_met(self.tests),
            **({"coverage": self.coverage} if self.coverage is not None else {}),
            **({"proxy": self.proxy} if self.proxy is not None else {}),
            "tests": [t.to_dict() for t in self.tests],
        }

    @classmethod
    def from_dict(cls, data: Any) -> RunSummary:
        if not isinstance(data, dict) or "tests" not in data or "header" not in data:
            raise UnreadableSummary("not a run summary (no header and tests)")
        version = data.get("schema_version", 1)
        if version != SCHEMA_VERSION:
            raise UnreadableSummary(
                f"a summary of format {version}; this suite reads format {SCHEMA_VERSION} "
                "(run the suite again, or read it with the version that wrote it)"
            )
        try:
            scope = data.get("scope") or {}
            return cls(
                header=RunHeader.from_dict(data["header"]),
                tests=tuple(TestRecord.from_dict(t) for t in data["tests"]),
                violations=tuple(Violation.from_dict(v) for v in data.get("violations") or ()),
                interrupted=bool(data.get("interrupted")),
                scope=Scope(bool(scope.get("read_only")), scope.get("selection")),
                operations=tuple(data.get("operations") or ()),
                leftovers=tuple(data.get("leftovers") or ()),
                coverage=data.get("coverage"),
                kinds=tuple(data.get("kinds") or KINDS),
                proxy=data.get("proxy"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UnreadableSummary(f"a run summary with a malformed entry ({exc!r})") from None


def read_summary(path: Path) -> RunSummary:
    """A run's summary, from its folder or its summary.json; `UnreadableSummary` says why not."""
    file = path / SUMMARY_FILE if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnreadableSummary(f"no run summary at {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableSummary(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise UnreadableSummary(f"{file} is not JSON: {exc}") from None
    try:
        return RunSummary.from_dict(data)
    except UnreadableSummary as exc:
        raise UnreadableSummary(f"{file}: {exc}") from None


def reason_of(test: TestRecord) -> str:
    """A not-tested test's reason, one line, without pytest's "Skipped: " prefix."""
    message = test.message.removeprefix("Skipped: ").strip()
    return first_line(message) if message else "(no reason given)"


def build_summary(
    records: Iterable[TestRecord],
    header: RunHeader,
    *,
    operations: Sequence[str] = (),
    interrupted: bool = False,
    scope: Scope | None = None,
    coverage: dict[str, Any] | None = None,
    leftovers: Sequence[str] = (),
) -> RunSummary:
    """The summary of a run's records: violations found, blocked tests marked."""
    ordered = sorted(records, key=lambda t: t.nodeid)
    violations, judged = judge(ordered)
    return RunSummary(
        header=header,
        tests=tuple(judged),
        violations=tuple(violations),
        interrupted=interrupted,
        scope=scope or Scope(),
        operations=tuple(operations),
        leftovers=tuple(item for t in judged for item in t.leftovers) + tuple(leftovers),
        coverage=coverage,
    )


def cell_outcomes(test: TestRecord) -> dict[str, Outcome]:
    """The outcome a test gives each matrix cell of its kind: a chain or scenario one per operation
    it exercised (the operation whose rule it found broken is violated, the others blocked by
    it; those it could not reach are not tested); another test one, for its first operation."""
    if not test.operations:
        return {}
    if test.kind not in CHAINED:
        return {test.operations[0]: test.outcome}
    credited = test.credited if test.credited is not None else test.operations
    cells = {op: Outcome.NOT_TESTED for op in test.untested if op not in credited}
    broken = test.blocked_by[0] if test.blocked_by else _broken_operation(test)
    for op in credited:
        if test.outcome is Outcome.VIOLATED:
            cells[op] = Outcome.VIOLATED if op == broken else Outcome.BLOCKED
        else:
            cells[op] = test.outcome
    return cells


def _broken_operation(test: TestRecord) -> str | None:
    for exchange in reversed(test.exchanges):
        for violation in exchange.get("violations") or []:
            return str(violation["operation_id"])
    if test.failed_operation in test.operations:
        return test.failed_operation
    return test.operations[0]


def matrix_of(tests: Iterable[TestRecord]) -> dict[str, dict[str, dict[str, int]]]:
    matrix: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for test in tests:
        if not test.kind:
            continue
        for operation, outcome in cell_outcomes(test).items():
            matrix[operation][test.kind][outcome.value] += 1
    return {op: {kind: dict(counts) for kind, counts in kinds.items()} for op, kinds in matrix.items()}


def verdict(summary: RunSummary) -> str:
    """The run's verdict in words. Only a violation makes DOES NOT CONFORM; a run that did not
    cover everything says what it left out."""
    if summary.interrupted:
        return "INTERRUPTED"
    if not summary.tests:
        return "NO TESTS RAN"
    if summary.violations:
        found = summary.violations
        blocked = sum(len(v.blocked) for v in found)
        return f"DOES NOT CONFORM: {len(found)} distinct violation{'s' * (len(found) != 1)}" + (
            f", {blocked} test{'s' * (blocked != 1)} blocked by {'them' if len(found) != 1 else 'it'}"
            if blocked
            else ""
        )
    errors = len(summary.suite_errors)
    if errors:
        return (
            f"SUITE ERROR: {errors} test{'s' * (errors != 1)} failed in the suite's own code, "
            "not on the target's answers"
        )
    if summary.partial and summary.header.require_complete:
        return f"INCOMPLETE: {partial_note(summary)}, and the run must be complete"
    return f"CONFORMS (partial{_scope(summary)}: {partial_note(summary)})" if summary.partial else "CONFORMS"


def _scope(summary: RunSummary) -> str:
    labels = summary.scope.labels()
    return f", {', '.join(labels)}" if labels else ""


def partial_note(summary: RunSummary) -> str:
    """What a partial run did not cover: operations not exercised, tests not tested."""
    parts = []
    missing, of = len(summary.unexercised), len(summary.operations)
    if missing:
        parts.append(f"{missing} of {of} operations not exercised")
    untested = len(summary.untested)
    if untested:
        parts.append(f"{untested} of {len(summary.tests)} tests not tested")
    return "; ".join(parts) or "part of the suite selected"


def fuzz_acceptance(tests: Iterable[TestRecord]) -> dict[str, dict[str, Any]]:
    """Per operation, how many valid (positive) fuzz cases were sent and how many answered 2xx:
    how far fuzzing got past the validation layer, to what a service does with valid input."""
    found: dict[str, dict[str, Any]] = {}
    for test in tests:
        fuzz = test.fuzz
        if not fuzz or fuzz.get("mode") != "positive" or not test.operations:
            continue
        answers = fuzz["answers"]
        sent = sum(answers.values())
        accepted = sum(n for answer, n in answers.items() if str(answer).startswith("2"))
        found[test.operations[0]] = {
            "sent": sent,
            "accepted": accepted,
            "share": round(accepted / sent, 3) if sent else None,
        }
    return dict(sorted(found.items()))


def merge_counts(
    first: dict[str, dict[str, int]], second: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    """Two tallies of post-conditions by rule id (`{"met": n, "failed": n, "unsettled": n}`), added."""
    merged = {rule: dict(counts) for rule, counts in first.items()}
    for rule, counts in second.items():
        into = merged.setdefault(rule, {})
        for result, n in counts.items():
            into[result] = into.get(result, 0) + n
    return merged


def postconditions_met(tests: Iterable[TestRecord]) -> dict[str, dict[str, dict[str, int]]]:
    """By operation, how often each of its post-conditions was met, failed or left unsettled
    across the run (a rule's id starts with its operation's, postconditions/declared.py)."""
    total: dict[str, dict[str, int]] = {}
    for test in tests:
        total = merge_counts(total, test.postconditions)
    found: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for rule, counts in sorted(total.items()):
        found[rule.partition(".")[0]][rule] = counts
    return dict(sorted(found.items()))


def chain_successes(tests: Iterable[TestRecord]) -> dict[str, int]:
    """Every operation a state machine test links, with the 2xx answers its steps got (0: never)."""
    found: Counter[str] = Counter()
    for test in tests:
        if test.chain_2xx is not None:
            found.update({operation: 0 for operation in test.operations})
            found.update(test.chain_2xx)
    return dict(sorted(found.items()))
