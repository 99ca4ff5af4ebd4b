"""The exit codes a CI gate reads, and the failures that map to them."""

from __future__ import annotations

from cbr_conformance import paths
from cbr_conformance.outcome import Outcome
from cbr_conformance.results.record import Origin
from cbr_conformance.results.rundirs import (
    RunDirTaken,
)
from cbr_conformance.results.summary import RunSummary, UnreadableSummary
from cbr_conformance.settings.registry import ConfigError
from cbr_conformance.suite.test_kinds import CollectionFailed

EXIT_OK = 0


EXIT_NONCONFORMANT = 1


EXIT_USAGE = 2


EXIT_UNREACHABLE = 3


EXIT_LEFTOVERS = 4


EXIT_SUITE_ERROR = 5


EXIT_INTERRUPTED = 130


class UsageProblem(Exception):
    """The command cannot run as asked; the message says why."""


class NoTestsSelected(UsageProblem):
    """The selection matched no test: a typo in a CI gate must not pass as a verdict."""


class TargetProblem(Exception):
    """The target cannot be judged: it does not answer, refuses the credentials, or is not CBR."""


# The one table from failures to exit codes; the first class of an exception's MRO found wins.
EXIT_CODES: dict[type[BaseException], int] = {
    ConfigError: EXIT_USAGE,
    UsageProblem: EXIT_USAGE,
    RunDirTaken: EXIT_USAGE,
    paths.MissingSuiteFiles: EXIT_USAGE,
    CollectionFailed: EXIT_USAGE,
    UnreadableSummary: EXIT_USAGE,
    TargetProblem: EXIT_UNREACHABLE,
    KeyboardInterrupt: EXIT_INTERRUPTED,
}


def exit_code_for(error: BaseException) -> int | None:
    return next((EXIT_CODES[cls] for cls in type(error).__mro__ if cls in EXIT_CODES), None)


def exit_code_of(summary: RunSummary) -> int:
    """What a run's summary says to a CI gate: only a violation fails it as nonconformant."""
    if summary.interrupted:
        return EXIT_INTERRUPTED
    if summary.conforms:
        if summary.header.require_complete and summary.partial:
            return EXIT_NONCONFORMANT
        return EXIT_LEFTOVERS if summary.leftovers else EXIT_OK
    violated = [t for t in summary.tests if t.outcome in (Outcome.VIOLATED, Outcome.BLOCKED)]
    if not violated:
        return EXIT_SUITE_ERROR  # the suite failed itself and found nothing against the target
    # Every failure is the target not answering, and nothing passed: unreachable, not nonconformant.
    unreachable = all(t.origin is Origin.UNREACHABLE for t in violated)
    if unreachable and not summary.totals[Outcome.PASSED]:
        return EXIT_UNREACHABLE
    return EXIT_NONCONFORMANT
