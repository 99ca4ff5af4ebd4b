"""What a person reads on the console during and after a run, drawn with rich.

* A header: target, projects, profile, seed, run prefix, fuzz budget, workers, waits.
* Live progress by area (the suite's modules), with what each worker is waiting for and for how
  long when a test polls an asynchronous state. pytest's own dots are turned off for it: the
  controller's reports still count, only their letters are blanked.
* The matrix at the end, as a table.

pytest's own report (its counts, short summary and warnings, and what its plugins write through
it: pytest-xdist's start-up lines, pytest-html's link) is held off the quiet console: the counts a
person reads are the suite's, from its summary.

In a terminal the progress redraws in place; in a CI log (not a terminal) rich prints the final
state once, so the log stays short.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from cbr_conformance.contract.spec import Contract
from cbr_conformance.outcome import Outcome
from cbr_conformance.results.summary import RunSummary

WAITING_PREFIX = "waiting-"  # a worker's file of what it waits for, in the run's shared folder
_LOG_WIDTH = 120  # columns when the output is not a terminal (a CI log)


def console() -> Console:
    out = Console(file=sys.stdout, highlight=False)
    return out if out.is_terminal else Console(file=sys.stdout, highlight=False, width=_LOG_WIDTH)


def header_table(fields: Iterable[tuple[str, str]]) -> Table:
    table = Table(box=box.SIMPLE, show_header=False, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    for name, value in fields:
        table.add_row(name, value)
    return table


# A cell shows the worst of its tests' outcomes, with how many tests had it.
_CELLS = (
    (Outcome.VIOLATED, "FAIL", "bold red"),
    (Outcome.SUITE_ERROR, "ERR", "bold yellow"),
    (Outcome.BLOCKED, "blkd", "magenta"),
    (Outcome.PASSED, "ok", "green"),
)


def _cell(counts: dict[str, int]) -> Text:
    if not counts:
        return Text("-", style="dim")
    for outcome, word, style in _CELLS:
        if counts.get(outcome.value):
            return Text(f"{counts[outcome.value]} {word}", style=style)
    return Text("n/t", style="yellow")  # every test of the cell not tested


def matrix_table(summary: RunSummary, contract: Contract) -> Table:
    """Operations by area against the kinds of test: ok, FAIL (violated), ERR (suite error), blkd
    (blocked by another operation's violation), n/t (not tested), or - (no such test)."""
    kinds = summary.kinds
    matrix = summary.matrix
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1))
    table.add_column("operation")
    for kind in kinds:
        table.add_column(kind, justify="right")
    area = None
    for op in contract:
        if op.tag != area:
            area = op.tag
            table.add_row(Text(area, style="bold"), *([""] * len(kinds)))
        row = matrix.get(op.operation_id, {})
        table.add_row(f"  {op.operation_id}", *(_cell(row.get(kind, {})) for kind in kinds))
    return table


# --- waiting: workers say what they wait for, the controller shows it -------------------------


def waiting_file(folder: Path, worker: str) -> Path:
    return folder / f"{WAITING_PREFIX}{worker}.json"


def note_waiting(folder: Path, worker: str, what: str | None) -> None:
    """A worker starts (`what`) or stops (None) waiting for an asynchronous state."""
    path = waiting_file(folder, worker)
    try:
        if what is None:
            path.unlink(missing_ok=True)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"what": what, "since": time.time()}), encoding="utf-8")
    except OSError:
        pass  # the display is a courtesy: a swept folder never fails a test


def waits(folder: Path | None) -> list[tuple[str, str, float]]:
    """(worker, what, seconds so far) of every wait under way."""
    if folder is None or not folder.exists():
        return []
    found = []
    now = time.time()
    for path in sorted(folder.glob(f"{WAITING_PREFIX}*.json")):
        try:
            note = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        worker = path.stem.removeprefix(WAITING_PREFIX)
        found.append((worker, str(note["what"]), now - float(note["since"])))
    return found


# --- the controller's live display ---------------------------------------------------------------


def area_of(nodeid: str) -> str:
    """The area a test belongs to: its module, e.g. conformance/test_vaults.py -> vaults."""
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1]
    return module.removesuffix(".py").removeprefix("test_").replace("_", " ")


class LiveProgress:
    """A pytest plugin of the CLI's own session: counts finished tests by area and draws them,
    with the workers' waits, instead of pytest's dots."""

    def __init__(self, out: Console, waiting_folder: Path | None) -> None:
        self.out = out
        self.waiting_folder = waiting_folder
        self.total: Counter[str] = Counter()
        self.done: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()  # tests that failed, by area
        self._failed: set[str] = set()
        self._finished: set[str] = set()
        self._lock = threading.Lock()
        self._live: Live | None = None

    # what there is to run
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._expect(item.nodeid for item in session.items)

    @pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: absent with -p no:xdist
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if not self.total:  # every worker collects the same tests
            self._expect(ids)

    def _expect(self, nodeids: Iterable[str]) -> None:
        with self._lock:
            self.total = Counter(area_of(nodeid) for nodeid in nodeids)

    # pytest's letters are blanked: the live display says the same, by area
    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(
        self, report: pytest.TestReport, config: pytest.Config
    ) -> Generator[None, Any, Any]:
        result = yield
        category, _letter, _word = result
        return category, "", ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        with self._lock:
            if report.failed and report.nodeid not in self._failed:
                self._failed.add(report.nodeid)
                self.failed[area_of(report.nodeid)] += 1
            if report.when == "teardown" and report.nodeid not in self._finished:
                self._finished.add(report.nodeid)
                self.done[area_of(report.nodeid)] += 1

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self._live = Live(self, console=self.out, refresh_per_second=2, transient=False)
        self._live.start()

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __rich__(self) -> Group:
        table = Table(box=None, show_header=False, padding=(0, 1))
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_column()
        with self._lock:
            for area, total in sorted(self.total.items()):
                done, failed = self.done[area], self.failed[area]
                bar = "#" * (20 * done // max(total, 1))
                state = Text(f"{bar:<20} ", style="green" if not failed else "red")
                state.append(f"{failed} failed" if failed else "", style="bold red")
                table.add_row(area, f"{done}/{total}", state)
        parts: list[Any] = [table]
        for worker, what, seconds in waits(self.waiting_folder):
            parts.append(Text(f"  {worker}: waiting {seconds:.0f} s for {what}", style="dim"))
        return Group(*parts)


# --- pytest's own report, held off the quiet console -------------------------------------------


class HeldPytestReport:
    """A pytest plugin of the CLI's own session, in quiet mode: pytest's terminal report is held
    off the console, and of all it says only pytest's own problems, those the suite's results
    cannot show, reach stderr: a module it could not collect, an internal error, a `pytest.exit`.
    A Ctrl-C is the user's: the verdict says INTERRUPTED."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """While inside: pytest's terminal reporter, made at its configuration with the sys.stdout
        of that moment, writes nowhere; a console made before keeps the real one."""
        with contextlib.redirect_stdout(io.StringIO()):
            yield

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            where = f" {report.nodeid}" if report.nodeid else ""
            self.problems.append(f"pytest could not collect{where}:\n{report.longreprtext}")

    def pytest_internalerror(self, excrepr: object) -> None:
        self.problems.append(f"pytest stopped on an internal error:\n{excrepr}")

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        if not excinfo.errisinstance(KeyboardInterrupt):  # pytest.exit()
            self.problems.append(f"pytest stopped: {getattr(excinfo.value, 'msg', excinfo.value)}")

    def show_problems(self) -> None:
        for problem in self.problems:
            print(problem.rstrip(), file=sys.stderr)
