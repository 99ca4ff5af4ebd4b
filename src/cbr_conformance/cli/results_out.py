"""A run's results on the console: the matrix, what was not tested, the distinct violations, suite
errors, leftovers, the verdict; and the gate against a baseline."""

from __future__ import annotations

import os
from pathlib import Path

from cbr_conformance.cli.exits import EXIT_LEFTOVERS, EXIT_NONCONFORMANT, EXIT_OK
from cbr_conformance.contract.spec import Contract
from cbr_conformance.report import console
from cbr_conformance.report.findings_html import negative_split
from cbr_conformance.report.postconditions_html import postconditions_line
from cbr_conformance.results.exercised import coverage_line
from cbr_conformance.results.rundirs import (
    LAST,
    LATEST,
    Completion,
)
from cbr_conformance.results.summary import RunSummary, verdict
from cbr_conformance.results.violations import first_line


def print_matrix(summary: RunSummary, contract: Contract) -> None:
    """The end of a run: the matrix, what was not tested, the distinct violations, the verdict."""
    print()
    console.console().print(console.matrix_table(summary, contract))
    split = negative_split(summary)
    if split:
        print(f"\n{split}")
    print_untested(summary)
    print_violations(summary, contract)
    print_suite_errors(summary)
    if summary.coverage:
        print(f"\n{coverage_line(summary.coverage)}")
    if summary.header.mode != "proxy":  # a proxy reads nothing back
        print(postconditions_line(summary))
    print(f"\n{verdict_line(summary)}")


def verdict_line(summary: RunSummary) -> str:
    """The verdict with the run's counts, by outcome: the same words on the console and in CI."""
    totals = ", ".join(f"{v} {k}" for k, v in summary.totals.items() if v)
    return f"{verdict(summary)} · {totals or 'nothing ran'} in {summary.header.duration} s"


def print_untested(summary: RunSummary) -> None:
    """What the run did not cover: its scope, operations not exercised, tests by reason."""
    if summary.scope.read_only:
        print("\nread-only: the tests that create or change anything were not selected")
    if summary.scope.selection:
        print(f"\nselection: {summary.scope.selection}")
    if summary.unexercised:
        print(
            f"\n{len(summary.unexercised)} of {len(summary.operations)} operations not exercised: "
            + ", ".join(summary.unexercised)
        )
    if summary.untested_reasons:
        print("\nnot tested:")
        for reason, count in summary.untested_reasons.items():
            print(f"  {count:>4} {reason}")
    not_applicable = len(summary.not_applicable)
    if not_applicable:
        print(f"\n{not_applicable} negative fuzz modes not applicable: no input of theirs can be broken")


def print_suite_errors(summary: RunSummary) -> None:
    """Failures of the suite's own code: not the target's, and where to report them."""
    errors = summary.suite_errors
    if not errors:
        return
    errors_said = f"{len(errors)} suite error{'s' * (len(errors) != 1)}"
    print(f"\n{errors_said}: the suite's own code failed, not the target")
    for test in errors[:5]:
        print(f"  {test.nodeid}: {first_line(test.message)}")
    print(
        "  these are bugs of cbr-conformance: report them to its maintainers with this run's "
        "summary.json (it holds no secret)"
    )


def print_violations(summary: RunSummary, contract: Contract, top: int = 10, noun: str = "tests") -> None:
    """The distinct violations, most tests first: what, where in the reference, how to reproduce."""
    found = summary.violations
    if not found:
        return
    print(f"\n{len(found)} distinct violation{'s' * (len(found) != 1)}:")
    for number, entry in enumerate(found[:top], 1):
        operation = contract.operations.get(entry.operation)
        where = f"{operation.method} {operation.path}, reference {operation.section}" if operation else ""
        print(f"{number:>3}. {entry.operation}: [{entry.rule}] {entry.path} ({where})")
        print(f"     {entry.message[:300]}")
        if entry.reference:
            print(f"     the reference's {entry.schema.rsplit('/', 1)[-1]}: {entry.reference}")
        counts = f"{len(entry.tests)} {noun} failed on it"
        if entry.blocked:
            counts += f", {len(entry.blocked)} blocked by it"
        print(f"     {counts}; first: {(entry.tests or entry.blocked)[0]}")
        if entry.exchange:
            print(f"     reproduce: {str(entry.exchange.get('curl', ''))[:400]}")
    if len(found) > top:
        print(f"  ... and {len(found) - top} more in the report")


def print_leftovers(summary: RunSummary, run_dir: Path) -> None:
    leftovers = summary.leftovers
    if not leftovers:
        return
    print(f"\nLEFTOVERS: the run could not delete {len(leftovers)} of the things it made:")
    for line in leftovers:
        print(f"  {line}")
    print(f"delete them with: cbr-conformance cleanup --run {run_dir} (and the run's settings)")


def print_incomplete(report_root: Path, run_dir: Path, completion: Completion) -> None:
    """A run that did not finish is not `latest`: say which run is, and how to clean up this one."""
    never_ran = completion.never_ran()
    why = f"{never_ran} selected tests never ran" if never_ran else "it was interrupted"
    latest = report_root / LATEST
    still = f"still names {os.readlink(latest)}" if latest.is_symlink() else "names no run yet"
    print(
        f"\nthe run did not finish ({why}): {latest} {still}; this run is {report_root / LAST}\n"
        f"delete what it made with: cbr-conformance cleanup --run {run_dir} (and the run's settings)"
    )


def gate_on_baseline(exit_code: int, summary: RunSummary, baseline: RunSummary, name: str) -> int:
    """The exit code of a run gated against an earlier one: a nonconforming run passes when every
    distinct violation it found was the baseline's already (old ones are being fixed)."""
    from cbr_conformance.results.diff import compare_violations, questionable

    changes = compare_violations(baseline, summary)
    print()
    for warning in questionable(baseline, summary):  # first: the comparison may not be the target's
        print(f"WARNING: {warning}")
    print(
        f"baseline {name}: {len(changes.still)} of its violations remain, {len(changes.fixed)} fixed, "
        f"{len(changes.new)} new"
    )
    for entry in changes.new:
        print(f"  new: {entry.operation}: [{entry.rule}] {entry.path or '-'}")
    if exit_code != EXIT_NONCONFORMANT or summary.conforms:
        return exit_code  # conforming, incomplete, unreachable or interrupted: the baseline changes nothing
    if changes.new:
        print("the gate fails: violations the baseline did not have")
        return exit_code
    print("the gate passes: every violation was the baseline's already")
    return EXIT_LEFTOVERS if summary.leftovers else EXIT_OK
