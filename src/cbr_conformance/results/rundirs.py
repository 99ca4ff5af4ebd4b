"""The folders reports are written to: one per run (or proxy session), `latest` naming the newest
complete run and `last` the newest run, complete or not.

A run is complete when it wrote its summary, was not interrupted (Ctrl-C, SIGTERM) and started
every test it selected (pytest's -x or --maxfail did not cut it short). Only a complete run becomes
`latest`, which is what the next run's layout (its durations), `diff ... reports/latest` and
`--baseline reports/latest` read: a run stopped half-way never stands in for a run of the target.
An interrupted run is still `last` (and its own timestamp folder), for its cleanup
(`cbr-conformance cleanup --run last`) or for reading it on purpose.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from cbr_conformance.paths import SUMMARY_FILE
from cbr_conformance.results.summary import RunSummary, read_summary

LATEST = "latest"
LAST = "last"


class RunDirTaken(RuntimeError):
    """Every folder name for this second is taken."""


def new_run_dir(report_root: Path, started: dt.datetime) -> Path:
    """A folder of this run's own: a run started in the same second as another never shares
    (or, failing, deletes) the other's folder."""
    report_root.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        run_dir = report_root / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue
    raise RunDirTaken(f"{report_root} already holds 999 runs started at {stamp}")


def _point(link: Path, run_dir: Path) -> None:
    """Make `link` name `run_dir`, in one step: a reader never finds it missing."""
    fresh = link.with_name(f".{link.name}-{os.getpid()}")
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(run_dir.name, target_is_directory=True)
    fresh.replace(link)


def link_run(report_root: Path, run_dir: Path, *, complete: bool) -> None:
    """`last` names the run; `latest` too, if it is complete."""
    _point(report_root / LAST, run_dir)
    if complete:
        _point(report_root / LATEST, run_dir)


def link_latest(report_root: Path, run_dir: Path) -> None:
    """A finished session (a proxy's): the newest complete run."""
    link_run(report_root, run_dir, complete=True)


def latest_summary(report_root: Path) -> tuple[Path, RunSummary] | None:
    """The summary of the newest complete run and where it is, if there is one (a `latest` of an
    older version of the suite may name an interrupted run: it is passed over); a summary there
    that cannot be read is refused (`UnreadableSummary`, one line)."""
    path = report_root / LATEST / SUMMARY_FILE
    if not path.is_file():
        return None
    summary = read_summary(path)
    return None if summary.interrupted else (path.resolve(), summary)


class Completion:
    """A pytest plugin of the CLI's own session: did every selected test run? A test with no
    report at all was never started (pytest's -x or --maxfail stopped the run before it)."""

    def __init__(self) -> None:
        self.selected: set[str] = set()
        self.reported: set[str] = set()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected.update(item.nodeid for item in session.items)

    @pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: absent with -p no:xdist
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.selected.update(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reported.add(report.nodeid)

    def never_ran(self) -> int:
        return len(self.selected - self.reported)

    def complete(self, summary: RunSummary | None) -> bool:
        return summary is not None and not summary.interrupted and not self.never_ran()
