"""What a run found: each test's typed outcome, the distinct violations, the run's summary.

Everything that reads a run's results (the report, diff, merge, the layout of the next run, the
CLI's verdict and exit code) reads them as these types. The outcome of one test (passed,
violated, blocked, not tested, suite error) is `cbr_conformance.outcome`, below every layer that
may end a test.

- record: one test's record, and what each phase's report carries to the controller;
- violations: failures grouped into distinct violations, and the tests they blocked;
- summary: the run's summary (summary.json, its JSON Schema beside it), matrix and verdict;
- collector: the pytest plugin object that gathers the records as reports arrive;
- exercised: how much of the contract a run's exchanges exercised (contract coverage);
- run_header: the run's header (what it tests, as whom and how) as a type;
- header: the settings that change what a run tests, worded and compared;
- diff, merge: what changed between two runs; one summary from the summaries of shards;
- rundirs: the folders runs are written to (`latest` names only complete runs).
"""

from cbr_conformance.outcome import NotTested, Outcome, Why, not_tested
from cbr_conformance.results.record import Origin, TestRecord, Untested
from cbr_conformance.results.run_header import RunHeader
from cbr_conformance.results.summary import RunSummary, Scope, UnreadableSummary, build_summary, verdict
from cbr_conformance.results.violations import Violation

__all__ = [
    "NotTested",
    "Origin",
    "Outcome",
    "RunHeader",
    "RunSummary",
    "Scope",
    "TestRecord",
    "UnreadableSummary",
    "Untested",
    "Violation",
    "Why",
    "build_summary",
    "not_tested",
    "verdict",
]
