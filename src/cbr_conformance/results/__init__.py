"""What a run found: each test's typed outcome, the distinct violations, the run's summary.

Everything that reads a run's results (the report, diff, merge, the layout of the next run, the
CLI's verdict and exit code) reads them from here.
"""

from cbr_conformance.results.collector import (
    NOT_APPLICABLE,
    ResultCollector,
    TestResult,
    build_summary,
    chain_successes,
    untested,
    verdict,
)
from cbr_conformance.results.outcome import NotTested, Outcome, Why, not_tested

__all__ = [
    "NOT_APPLICABLE",
    "NotTested",
    "Outcome",
    "ResultCollector",
    "TestResult",
    "Why",
    "build_summary",
    "chain_successes",
    "not_tested",
    "untested",
    "verdict",
]
